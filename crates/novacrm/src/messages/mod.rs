//! What each message says: the booking as it is when the message goes out, rendered from the
//! templates under `templates/email/<message>/` (subject, HTML body, text body) and carrying
//! the invite from the one iCalendar writer (`scheduling::invite`).
//!
//! A message whose booking has changed again since it was enqueued (its `sequence` moved on)
//! is skipped: the later change enqueued its own notice, which tells the whole story. So a
//! guest who books and moves within a second gets one "moved" email, not two that disagree.

use askama::Template;
use scheduling::invite::{self, Method, Person};
use scheduling::{BookingStatus, Instant, Zone};

pub mod payload;

use crate::format::{Locale, date_label, span_label, when_label};
use crate::i18n::Lang;
use crate::integrations::{Address, Email, Invite, SendError, Sms};
use std::borrow::Cow;
use std::sync::Arc;

use crate::sealed::Sealer;
use crate::store::{Actor, BookingRecord, DomainStatus, Host, MeetingTypeRecord, Store};
pub use payload::{EmailJob, Message, Recipient, SmsJob, SmsText};

/// Who messages come from and where their links point.
#[derive(Debug, Clone)]
pub struct Sender {
    /// `https://book.example.com`, no trailing slash.
    pub public_url: String,
    pub from: Address,
    /// The host part of UIDs and Message-IDs.
    pub domain: String,
    /// Whether `public_url` is one host's own verified domain (see [`Sender::for_reader`]),
    /// where the host's page is `/book`, not `/book/{username}`.
    own_site: bool,
    /// Opens the guest tokens bookings keep sealed, for the links messages carry.
    sealer: Arc<Sealer>,
}

impl Sender {
    /// From the public URL and `NOVACRM_MAIL_FROM` (`Name <address>` or a bare address).
    pub fn new(
        public_url: &str,
        mail_from: Option<&str>,
        sealer: Arc<Sealer>,
    ) -> Result<Self, String> {
        let domain = domain_of(public_url);
        let from = match mail_from.map(str::trim).filter(|f| !f.is_empty()) {
            None => Address {
                name: "NovaCRM".into(),
                email: format!("no-reply@{domain}"),
            },
            Some(text) => match text.rsplit_once('<') {
                Some((name, rest)) => Address {
                    name: name.trim().trim_matches('"').to_owned(),
                    email: rest.trim_end_matches('>').trim().to_owned(),
                },
                None => Address {
                    name: "NovaCRM".into(),
                    email: text.to_owned(),
                },
            },
        };
        if !from.email.contains('@') {
            return Err(format!(
                "NOVACRM_MAIL_FROM {:?} has no address (e.g. NovaCRM <no-reply@example.com>)",
                from.email
            ));
        }
        Ok(Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            from,
            domain,
            sealer,
            own_site: false,
        })
    }

    /// The sender whose links suit `reader` of a message about `found`: a guest's links go to
    /// the host's verified domain when there is one (the address the guest booked at; the
    /// oldest, if several), the host's to the main address (the dashboard lives there). UIDs
    /// and Message-IDs keep the main domain either way, so a message is the same message
    /// wherever its links point. Only a guest's message reads the host's domains.
    async fn for_reader(
        &self,
        store: &Store,
        found: &Found,
        reader: Recipient,
    ) -> Result<Cow<'_, Self>, SendError> {
        if reader == Recipient::Host {
            return Ok(Cow::Borrowed(self));
        }
        let domains = store
            .domains(&found.host.id)
            .await
            .map_err(|e| SendError::transient(e.to_string()))?;
        Ok(
            match domains
                .into_iter()
                .find(|d| d.status == DomainStatus::Verified)
            {
                Some(site) => Cow::Owned(Self {
                    public_url: format!("https://{}", site.domain),
                    own_site: true,
                    ..self.clone()
                }),
                None => Cow::Borrowed(self),
            },
        )
    }

    /// The host's booking page, on this sender's address.
    fn book_url(&self, username: &str) -> String {
        if self.own_site {
            format!("{}/book", self.public_url)
        } else {
            format!("{}/book/{username}", self.public_url)
        }
    }

    pub fn uid(&self, booking_id: &str) -> String {
        format!("{booking_id}@{}", self.domain)
    }

    /// The email for `job`, or `None` when the booking has moved on since.
    pub async fn email(
        &self,
        store: &Store,
        job_id: &str,
        job: &EmailJob,
        now: Instant,
    ) -> Result<Option<Email>, SendError> {
        let Some(found) = Found::load(store, &job.booking_id).await? else {
            return Ok(None);
        };
        let b = &found.booking;
        let superseded = b.sequence != job.sequence;
        let reminder_void = job.message == Message::Reminder
            && (b.status != BookingStatus::Confirmed || b.start <= now);
        if superseded || reminder_void {
            return Ok(None);
        }
        // Only the host's brief lists earlier meetings; no other message reads them.
        let history = if job.message == Message::HostNotice {
            found.history(store).await?
        } else {
            Vec::new()
        };
        let this = self.for_reader(store, &found, job.to).await?;
        let view = this.view(&found, job, &history);
        let (subject, html, text) = render(job.message, &view)
            .map_err(|e| SendError::permanent(format!("template failed: {e}")))?;
        let guest = Address {
            name: b.guest_name.clone(),
            email: b.guest_email.clone(),
        };
        let host = Address {
            name: found.host.name.clone(),
            email: found.host.email.clone(),
        };
        let (to, reply_to) = match job.to {
            Recipient::Guest => (guest, host),
            Recipient::Host => (host, guest),
        };
        let method = if b.status == BookingStatus::Cancelled {
            Method::Cancel
        } else {
            Method::Request
        };
        // A request is in no calendar: nothing to add before it is approved, nor to remove.
        let about_request = matches!(
            job.message,
            Message::Requested | Message::ApprovalRequest | Message::Declined | Message::Expired
        );
        Ok(Some(Email {
            message_id: format!("{job_id}@{}", self.domain),
            from: self.from.clone(),
            to,
            reply_to: Some(reply_to),
            subject,
            text,
            html,
            invite: (!about_request).then(|| Invite {
                method: match method {
                    Method::Cancel => "CANCEL",
                    _ => "REQUEST",
                },
                ics: this.invite(b, &found.host, &found.meeting, method, job.to),
            }),
        }))
    }

    /// The booking's invite (`METHOD:REQUEST`/`CANCEL`, or `PUBLISH` for the download), as
    /// `reader` gets it: the guest's carries their private link, the host's their dashboard.
    pub fn invite(
        &self,
        b: &BookingRecord,
        host: &Host,
        meeting: &MeetingTypeRecord,
        method: Method,
        reader: Recipient,
    ) -> String {
        // A closure, not the method path: the invite's lifetime is chosen inside.
        #[allow(clippy::redundant_closure_for_method_calls)]
        self.with_invite(b, host, meeting, method, reader, |i| i.to_ics())
    }

    /// The booking's event as a calendar feed or server stores it (for `reader`).
    pub fn event_lines(
        &self,
        b: &BookingRecord,
        host: &Host,
        meeting: &MeetingTypeRecord,
        reader: Recipient,
    ) -> Vec<String> {
        self.with_invite(b, host, meeting, Method::Publish, reader, |i| {
            i.event_lines()
        })
    }

    /// Builds the one invite of a booking (words, links, people) and hands it to `write`.
    pub fn with_invite<R>(
        &self,
        b: &BookingRecord,
        host: &Host,
        meeting: &MeetingTypeRecord,
        method: Method,
        reader: Recipient,
        write: impl FnOnce(&invite::Invite<'_>) -> R,
    ) -> R {
        let summary = format!(
            "{} between {} and {}",
            meeting.name, host.name, b.guest_name
        );
        let place = meeting
            .location
            .as_ref()
            .map(|l| l.for_booking(b.meeting_link.as_deref()));
        let location = place
            .as_ref()
            .and_then(|l| l.calendar_text(b.guest_phone.as_deref()));
        let manage = self.manage_url(b);
        let mut description = format!("{} minutes.", b.minutes());
        if let Some(l) = &place {
            description.push('\n');
            description.push_str(&l.describe(&host.name, b.guest_phone.as_deref()));
        }
        if let Some(notes) = &b.meeting_notes {
            description.push_str("\n\n");
            description.push_str(notes);
        }
        match reader {
            Recipient::Guest => {
                description.push_str("\n\nReschedule or cancel: ");
                description.push_str(&manage);
            }
            Recipient::Host => {
                description.push_str("\n\nIn your dashboard: ");
                description.push_str(&self.public_url);
                description.push_str("/dashboard/bookings");
            }
        }
        let uid = self.uid(&b.id);
        let invite = invite::Invite {
            method,
            uid: &uid,
            sequence: u32::try_from(b.sequence).unwrap_or(0),
            stamp: b.updated_at,
            start: b.start,
            end: b.end,
            summary: &summary,
            description: &description,
            location: location.as_deref(),
            url: place.as_ref().and_then(|l| l.url()),
            organizer: Person {
                name: &host.name,
                email: &host.email,
            },
            attendee: Person {
                name: &b.guest_name,
                email: &b.guest_email,
            },
            cancelled: b.status == BookingStatus::Cancelled,
        };
        write(&invite)
    }

    /// The guest's link to their booking: the token in clear where it was just issued or
    /// presented, else its sealed copy opened.
    pub fn manage_url(&self, booking: &BookingRecord) -> String {
        let token = booking.guest_token.clone().or_else(|| {
            let sealed = booking.guest_token_sealed.as_deref()?;
            self.sealer.open(sealed, &format!("booking:{}", booking.id))
        });
        format!("{}/booking/{}", self.public_url, token.unwrap_or_default())
    }

    fn view(&self, found: &Found, job: &EmailJob, history: &[BookingRecord]) -> View {
        let b = &found.booking;
        let place = found
            .meeting
            .location
            .as_ref()
            .map(|l| l.for_booking(b.meeting_link.as_deref()));
        let guest_zone = Zone::parse(&b.timezone).unwrap_or_else(|_| found.host_zone.clone());
        let host_zone = &found.host_zone;
        let reader_zone = match job.to {
            Recipient::Guest => &guest_zone,
            Recipient::Host => host_zone,
        };
        let guest_locale = Locale::for_zone(&guest_zone);
        let host_locale = Locale::for_zone(host_zone);
        let manage = self.manage_url(b);
        let guest_when = span_label(b.start, b.end, &guest_zone, guest_locale);
        let host_when = span_label(b.start, b.end, host_zone, host_locale);
        let answers = found
            .meeting
            .questions
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|q| {
                let id = q["id"].as_str()?;
                let label = q["label"].as_str().unwrap_or(id).to_owned();
                let value = match &b.answers[id] {
                    serde_json::Value::Null => return None,
                    serde_json::Value::String(s) if s.is_empty() => return None,
                    serde_json::Value::String(s) => s.clone(),
                    serde_json::Value::Bool(true) => "Yes".into(),
                    serde_json::Value::Bool(false) => "No".into(),
                    serde_json::Value::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    other => other.to_string(),
                };
                Some((label, value))
            })
            .collect();
        let cancelled_by = match b.cancelled_by {
            Some(Actor::Guest) => b.guest_name.clone(),
            Some(Actor::Host) => found.host.name.clone(),
            _ => "NovaCRM".into(),
        };
        View {
            recipient_name: match job.to {
                Recipient::Guest => b.guest_name.clone(),
                Recipient::Host => found.host.name.clone(),
            },
            other_name: match job.to {
                Recipient::Guest => found.host.name.clone(),
                Recipient::Host => b.guest_name.clone(),
            },
            for_host: job.to == Recipient::Host,
            guest_name: b.guest_name.clone(),
            guest_email: b.guest_email.clone(),
            guest_phone: b.guest_phone.clone(),
            guest_company: b.guest_company.clone(),
            host_name: found.host.name.clone(),
            type_name: found.meeting.name.clone(),
            duration: b.minutes(),
            host_when_note: format!("{host_when} for {}", found.host.name),
            guest_when_note: format!("{guest_when} for {}", b.guest_name),
            guest_when,
            host_when,
            guest_day: day_label(b.start, &guest_zone),
            host_day: day_label(b.start, host_zone),
            same_zone: guest_zone.name() == host_zone.name(),
            previous_when: job
                .previous_start
                .map(|p| when_label(p, reader_zone, Locale::for_zone(reader_zone))),
            location: place
                .as_ref()
                .map(|l| l.describe(&found.host.name, b.guest_phone.as_deref())),
            link: place.as_ref().and_then(|l| l.url()).map(str::to_owned),
            confirmation_message: found.meeting.confirmation_message.clone(),
            reschedule_url: format!("{manage}/reschedule"),
            cancel_url: format!("{manage}#cancel"),
            manage_url: manage,
            book_again_url: self.book_url(&found.host.username),
            reason: b.cancel_reason.clone(),
            cancelled_by,
            notes: b.meeting_notes.clone(),
            answers,
            dashboard_url: format!("{}/dashboard/bookings", self.public_url),
            booking_url: format!("{}/dashboard/bookings/{}", self.public_url, b.id),
            expires_when: (b.status == BookingStatus::Pending).then(|| {
                let due = found.meeting.offer.pending_expiry(b.created_at, b.start);
                when_label(due, host_zone, host_locale)
            }),
            contact_url: format!("{}/dashboard/contacts", self.public_url),
            history: history
                .iter()
                .filter(|h| h.id != b.id)
                .take(5)
                .map(|h| {
                    format!(
                        "{} — {}",
                        when_label(h.start, host_zone, host_locale),
                        h.status.as_str().to_lowercase().replace('_', "-")
                    )
                })
                .collect(),
        }
    }

    /// The text for `job`, or `None` when the booking has moved on since.
    pub async fn sms(
        &self,
        store: &Store,
        job_id: &str,
        job: &SmsJob,
    ) -> Result<Option<Sms>, SendError> {
        let Some(found) = Found::load(store, &job.booking_id).await? else {
            return Ok(None);
        };
        // Texts go to guests only.
        let this = self.for_reader(store, &found, Recipient::Guest).await?;
        let b = &found.booking;
        let guest_zone = Zone::parse(&b.timezone).unwrap_or_else(|_| found.host_zone.clone());
        let locale = Locale::for_zone(&guest_zone);
        let local = b
            .start
            .to_timestamp()
            .to_zoned_datetime(guest_zone.time_zone().clone());
        let time = format!(
            "{} {}",
            locale.time(local.hour(), local.minute()),
            local.strftime("%Z")
        );
        let body = match job.text {
            SmsText::Reminder => {
                if b.status != BookingStatus::Confirmed || b.sequence != job.sequence {
                    return Ok(None);
                }
                // Never "reply CANCEL": carriers treat CANCEL as an opt-out keyword, so the
                // guest would be unsubscribed and the booking kept.
                format!(
                    "Reminder: {} with {} tomorrow at {time}. Reply C to cancel, or manage it here: {}",
                    found.meeting.name,
                    found.host.name,
                    this.manage_url(b)
                )
            }
            SmsText::CancelConfirmation => format!(
                "Cancelled: your {} with {} on {}. {} has been told. Book another time: {}",
                found.meeting.name,
                found.host.name,
                when_label(b.start, &guest_zone, locale),
                found.host.name,
                this.book_url(&found.host.username)
            ),
        };
        Ok(Some(Sms {
            id: job_id.to_owned(),
            to: job.to.clone(),
            body,
        }))
    }
}

fn day_label(at: Instant, zone: &Zone) -> String {
    date_label(
        at.to_timestamp()
            .to_zoned_datetime(zone.time_zone().clone())
            .date(),
        Lang::En,
    )
}

/// `https://book.example.com:8443/x` → `book.example.com`; an IP or nothing → `localhost`.
fn domain_of(public_url: &str) -> String {
    let host = public_url
        .split("://")
        .nth(1)
        .unwrap_or(public_url)
        .split(['/', ':', '?', '#'])
        .next()
        .unwrap_or_default();
    let is_name = host.contains('.') && host.chars().any(|c| c.is_ascii_alphabetic());
    if is_name || host == "localhost" {
        host.to_owned()
    } else {
        "localhost".into()
    }
}

/// A booking with everything its messages mention.
#[derive(Debug)]
pub struct Found {
    pub booking: BookingRecord,
    pub host: Host,
    pub meeting: MeetingTypeRecord,
    pub host_zone: Zone,
}

impl Found {
    pub async fn load(store: &Store, booking_id: &str) -> Result<Option<Self>, SendError> {
        let transient = |e: crate::store::StoreError| SendError::transient(e.to_string());
        let Some(booking) = store.booking_by_id(booking_id).await.map_err(transient)? else {
            return Ok(None);
        };
        let Some(host) = store
            .host_by_id(&booking.host_id)
            .await
            .map_err(transient)?
        else {
            return Ok(None);
        };
        let Some(meeting) = store
            .meeting_type(&host.id, &booking.meeting_type_id)
            .await
            .map_err(transient)?
        else {
            return Ok(None);
        };
        let host_zone = store.availability(&host.id).await.map_err(transient)?.zone;
        Ok(Some(Self {
            booking,
            host,
            meeting,
            host_zone,
        }))
    }

    /// The contact's bookings with this host, newest first (this one among them).
    async fn history(&self, store: &Store) -> Result<Vec<BookingRecord>, SendError> {
        let Some(contact) = &self.booking.contact_id else {
            return Ok(Vec::new());
        };
        store
            .contact_bookings(&self.host.id, contact, 6)
            .await
            .map_err(|e| SendError::transient(e.to_string()))
    }
}

/// Everything a message template shows, already formatted.
#[derive(Debug)]
pub struct View {
    pub recipient_name: String,
    /// Whom the reader meets: the host for the guest, the guest for the host.
    pub other_name: String,
    pub for_host: bool,
    pub guest_name: String,
    pub guest_email: String,
    pub guest_phone: Option<String>,
    pub guest_company: Option<String>,
    pub host_name: String,
    pub type_name: String,
    pub duration: i64,
    /// "Wednesday, November 25, 2026, 9:00 AM – 9:30 AM (`America/New_York`, EST)".
    pub guest_when: String,
    pub host_when: String,
    /// "… (`America/New_York`, EST) for Jane Smith": the other side's time, in details.
    pub host_when_note: String,
    pub guest_when_note: String,
    /// "Wednesday, November 25" (subjects).
    pub guest_day: String,
    pub host_day: String,
    pub same_zone: bool,
    pub previous_when: Option<String>,
    pub location: Option<String>,
    pub link: Option<String>,
    pub confirmation_message: Option<String>,
    pub manage_url: String,
    pub reschedule_url: String,
    pub cancel_url: String,
    pub book_again_url: String,
    pub reason: Option<String>,
    pub cancelled_by: String,
    pub notes: Option<String>,
    pub answers: Vec<(String, String)>,
    pub dashboard_url: String,
    /// The booking in the host's dashboard (where a request is answered).
    pub booking_url: String,
    /// When a pending request expires unless answered (the host's time).
    pub expires_when: Option<String>,
    pub contact_url: String,
    pub history: Vec<String>,
}

// Each message's three templates (askama wants one struct and a literal path each).

#[derive(Template)]
#[template(path = "email/confirmation/subject.txt")]
struct ConfirmationSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/confirmation/body.html")]
struct ConfirmationHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/confirmation/body.txt")]
struct ConfirmationText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/host_notice/subject.txt")]
struct HostNoticeSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/host_notice/body.html")]
struct HostNoticeHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/host_notice/body.txt")]
struct HostNoticeText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/reminder/subject.txt")]
struct ReminderSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/reminder/body.html")]
struct ReminderHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/reminder/body.txt")]
struct ReminderText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/cancelled/subject.txt")]
struct CancelledSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/cancelled/body.html")]
struct CancelledHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/cancelled/body.txt")]
struct CancelledText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/rescheduled/subject.txt")]
struct RescheduledSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/rescheduled/body.html")]
struct RescheduledHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/rescheduled/body.txt")]
struct RescheduledText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/requested/subject.txt")]
struct RequestedSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/requested/body.html")]
struct RequestedHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/requested/body.txt")]
struct RequestedText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/approval_request/subject.txt")]
struct ApprovalRequestSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/approval_request/body.html")]
struct ApprovalRequestHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/approval_request/body.txt")]
struct ApprovalRequestText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/declined/subject.txt")]
struct DeclinedSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/declined/body.html")]
struct DeclinedHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/declined/body.txt")]
struct DeclinedText<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/expired/subject.txt")]
struct ExpiredSubject<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/expired/body.html")]
struct ExpiredHtml<'a> {
    m: &'a View,
}

#[derive(Template)]
#[template(path = "email/expired/body.txt")]
struct ExpiredText<'a> {
    m: &'a View,
}

/// Subject (one line), HTML body and text body of `message`.
fn render(message: Message, m: &View) -> askama::Result<(String, String, String)> {
    // Each message is three templates: its subject line, its HTML and its text.
    macro_rules! three {
        ($subject:ident, $html:ident, $text:ident) => {
            (
                $subject { m }.render()?,
                $html { m }.render()?,
                $text { m }.render()?,
            )
        };
    }
    let (subject, html, text) = match message {
        Message::Confirmation => three!(ConfirmationSubject, ConfirmationHtml, ConfirmationText),
        Message::HostNotice => three!(HostNoticeSubject, HostNoticeHtml, HostNoticeText),
        Message::Reminder => three!(ReminderSubject, ReminderHtml, ReminderText),
        Message::Cancelled => three!(CancelledSubject, CancelledHtml, CancelledText),
        Message::Rescheduled => three!(RescheduledSubject, RescheduledHtml, RescheduledText),
        Message::Requested => three!(RequestedSubject, RequestedHtml, RequestedText),
        Message::ApprovalRequest => three!(
            ApprovalRequestSubject,
            ApprovalRequestHtml,
            ApprovalRequestText
        ),
        Message::Declined => three!(DeclinedSubject, DeclinedHtml, DeclinedText),
        Message::Expired => three!(ExpiredSubject, ExpiredHtml, ExpiredText),
    };
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok((subject, html, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Arc<Sealer> {
        Arc::new(Sealer::from_secret("a test secret"))
    }

    #[test]
    fn uids_and_senders_use_the_public_host() {
        let sender = Sender::new("https://book.example.com/", None, sealer()).unwrap();
        assert_eq!(sender.domain, "book.example.com");
        assert_eq!(sender.from.email, "no-reply@book.example.com");
        let sender = Sender::new(
            "http://127.0.0.1:3000",
            Some("Acme Bookings <hi@acme.example>"),
            sealer(),
        )
        .unwrap();
        assert_eq!(sender.domain, "localhost");
        assert_eq!(sender.from.name, "Acme Bookings");
        assert_eq!(sender.from.email, "hi@acme.example");
        assert!(Sender::new("http://x", Some("nobody"), sealer()).is_err());
    }
}
