//! Outbox benchmark (not a test; figures go to docs/benchmarks.md): how fast the worker drains
//! emails to a local SMTP server, and how late 100 000 reminders due over one day go out.
//!
//! `cargo run --release --example outbox_bench -- [EMAILS] [REMINDERS] [DATABASE_URL]`
//! (defaults: 4000, 100000, a fresh SQLite file).
//!
//! The reminder run uses a simulated clock: the worker polls once per simulated second, and
//! every real second it spends working also passes on the simulated clock, so a backlog shows
//! up as lateness exactly as it would in a day of real time.

#![allow(
    clippy::cast_precision_loss,
    reason = "benchmark figures, far below 2^52"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use jiff::Timestamp;
use novacrm::integrations::{Integrations, SmtpMailer};
use novacrm::messages::{EmailJob, Message, Recipient, Sender};
use novacrm::outbox::{self};
use novacrm::store::{BookingRecord, JobRecord, Store, new_id};
use novacrm::worker::Worker;
use scheduling::{BookingStatus, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// An SMTP server that accepts everything and counts messages.
async fn sink() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            stream.set_nodelay(true).unwrap();
            let counter = counter.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let mut line = String::new();
                let _ = write.write_all(b"220 sink\r\n").await;
                let mut in_data = false;
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let answer: &[u8] = if in_data {
                        if line != ".\r\n" {
                            continue;
                        }
                        in_data = false;
                        counter.fetch_add(1, Ordering::Relaxed);
                        b"250 ok\r\n"
                    } else if line.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if line.starts_with("DATA") {
                        in_data = true;
                        b"354 go\r\n"
                    } else if line.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if write.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

fn booking(host_id: &str, meeting_type_id: &str, i: usize, start: Instant) -> BookingRecord {
    BookingRecord {
        id: new_id(),
        host_id: host_id.to_owned(),
        meeting_type_id: meeting_type_id.to_owned(),
        contact_id: None,
        guest_name: format!("Guest {i}"),
        guest_email: format!("guest{i}@example.com"),
        guest_phone: None,
        guest_company: None,
        start,
        end: start.plus_minutes(30),
        timezone: "Europe/Berlin".into(),
        meeting_notes: None,
        answers: serde_json::json!({}),
        status: BookingStatus::Confirmed,
        cancel_reason: None,
        calendar_event_id: None,
        meeting_link: None,
        created_at: start,
        updated_at: start,
        guest_token: Some(format!("nvb_bench_{i}_{}", new_id())),
        guest_token_sealed: None,
        sequence: 0,
        reschedule_count: 0,
        cancelled_at: None,
        cancelled_by: None,
        source: novacrm::store::Source::Api,
        first_start: start,
        late_cancel: false,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let emails: usize = args.get(1).map_or(Ok(4000), |a| a.parse())?;
    let reminders: usize = args.get(2).map_or(Ok(100_000), |a| a.parse())?;
    let database_url = args.get(3).cloned().unwrap_or_else(|| {
        let dir = std::env::temp_dir().join("novacrm-bench");
        std::fs::create_dir_all(&dir).unwrap();
        format!("sqlite://{}/{}.db", dir.display(), uuid::Uuid::now_v7())
    });
    let store = Store::connect(&database_url).await?;
    let t0: Timestamp = "2027-01-04T00:00:00Z".parse()?;
    novacrm::startup::seed_demo(&store, t0).await?;
    let jane = store.host_by_username("jane").await?.expect("demo host");
    let meeting = store.meeting_types(&jane.id).await?[1].id.clone();
    let (url, sent) = sink().await;
    novacrm::integrations::install_tls();
    let integrations = Integrations {
        mailer: Arc::new(SmtpMailer::from_url(&url).map_err(anyhow::Error::msg)?),
        sms: None,
        webhooks: Arc::new(novacrm::integrations::webhook::HttpWebhooks::new(
            novacrm::integrations::outbound::OutboundPolicy::default(),
        )),
        outbound: novacrm::integrations::outbound::OutboundPolicy::default(),
        google: None,
        meetings: novacrm::integrations::meetings::MeetingLinks::new(
            "https://meet.jit.si",
            None,
            None,
        ),
        dns: novacrm::integrations::dns::Dns::new(None).map_err(anyhow::Error::msg)?,
    };
    let sealer = Arc::new(novacrm::sealed::Sealer::from_secret("bench"));
    let sender = Sender::new("https://book.example.com", None, sealer.clone())
        .map_err(anyhow::Error::msg)?;
    let sender = Arc::new(sender);
    let calendars = novacrm::services::calendars::Calendars::new(
        store.clone(),
        sealer.clone(),
        integrations.outbound.clone(),
        sender.clone(),
        None,
    );
    let worker = Worker::new(
        store.clone(),
        integrations,
        sender,
        sealer,
        calendars,
        Duration::from_mins(5),
    );
    let now = Instant::from(t0);

    // 1. Drain: `emails` messages due now (a confirmation and a host notice per booking).
    for chunk in (0..emails / 2).collect::<Vec<_>>().chunks(500) {
        let mut tx = store.write().await?;
        for &i in chunk {
            let b = booking(&jane.id, &meeting, i, now.plus_minutes(60 * 24 * 40));
            Store::insert_booking(&mut tx, &b).await?;
            outbox::booking_changed(&mut tx, &b, outbox::Change::Booked, now).await?;
        }
        tx.commit().await?;
    }
    let started = std::time::Instant::now();
    let ran = worker.run_due(t0).await?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "drain: {ran} emails to a local SMTP server in {seconds:.2} s = {:.0} emails/s ({} received)",
        ran as f64 / seconds,
        sent.load(Ordering::Relaxed)
    );

    // 2. Reminders: `reminders` due evenly over one day, on a simulated clock.
    if reminders == 0 {
        store.close().await;
        return Ok(());
    }
    let day_ms = 86_400_000_i64;
    let due: Vec<i64> = (0..reminders)
        .map(|i| now.as_millis() + day_ms * 2 + (i as i64 * day_ms) / reminders as i64)
        .collect();
    for chunk in (0..reminders).collect::<Vec<_>>().chunks(1000) {
        let mut tx = store.write().await?;
        for &i in chunk {
            let b = booking(
                &jane.id,
                &meeting,
                emails + i,
                Instant::from_millis(due[i] + day_ms),
            );
            Store::insert_booking(&mut tx, &b).await?;
            let payload = EmailJob {
                message: Message::Reminder,
                to: Recipient::Guest,
                booking_id: b.id.clone(),
                sequence: 0,
                previous_start: None,
            };
            let job = JobRecord {
                host_id: Some(jane.id.clone()),
                booking_id: Some(b.id.clone()),
                kind: outbox::REMINDER.into(),
                payload: payload.to_json(),
                run_at: Instant::from_millis(due[i]),
                ordering_key: None,
            };
            Store::enqueue(&mut tx, &job, now).await?;
        }
        tx.commit().await?;
    }
    let mut sim = due[0] - 1000;
    let mut next = 0;
    let mut lateness = Vec::with_capacity(reminders);
    let mut polls = 0_u64;
    let wall = std::time::Instant::now();
    while next < reminders {
        let started = std::time::Instant::now();
        worker.run_due(Timestamp::from_millisecond(sim)?).await?;
        let elapsed = i64::try_from(started.elapsed().as_millis())?;
        polls += 1;
        let done_at = sim + elapsed;
        while next < reminders && due[next] <= sim {
            lateness.push((done_at - due[next]) as f64 / 1000.0);
            next += 1;
        }
        // Busy, time passes as it is spent; idle, the worker sleeps one poll (1 s) at a time,
        // so skip the empty polls on that 1 s grid up to the next due reminder.
        sim += elapsed.max(1000);
        if next < reminders && sim < due[next] {
            sim += (due[next] - sim + 999) / 1000 * 1000;
        }
    }
    lateness.sort_by(f64::total_cmp);
    println!(
        "reminders: {reminders} due over a day; lateness p50 {:.2} s, p99 {:.2} s, max {:.2} s \
         ({polls} polls, {:.0} s of real time)",
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or_default(),
        wall.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}
