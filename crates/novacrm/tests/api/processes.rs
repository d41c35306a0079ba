//! Two `novacrm serve` processes on one database behave as one: no double booking across
//! them, no stale availability on either, and both stop cleanly on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::helpers::{Backend, assert_no_overlaps, assert_one_winner, fresh_database, race};

struct Server {
    child: Child,
    address: String,
}

impl Server {
    fn start(database_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_novacrm"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let address = line.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(address.starts_with("http://"), "unexpected banner {line:?}");
        Self { child, address }
    }

    /// SIGTERM, then the exit status (graceful shutdown exits 0).
    fn stop(mut self) -> bool {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap().success()
    }
}

pub async fn two_processes_share_one_schedule(backend: Backend) {
    let database_url = fresh_database(backend).await;
    let store = novacrm::store::Store::connect(&database_url).await.unwrap();
    let now = jiff::Timestamp::now();
    novacrm::startup::seed_demo(&store, now).await.unwrap();
    let jane = store.host_by_username("jane").await.unwrap().unwrap();
    let quick = store.meeting_types(&jane.id).await.unwrap()[0].id.clone();
    let servers = [Server::start(&database_url), Server::start(&database_url)];
    let client = crate::helpers::http_client().build().unwrap();
    let slots = |address: &str| {
        let url = format!("{address}/api/public/booking/jane/availability?meetingTypeId={quick}");
        let client = client.clone();
        async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            body["slots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["start"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let before = slots(&servers[1].address).await;
    let target = before[3].clone();

    let requests = (0..50)
        .map(|i| {
            let url = format!("{}/api/public/booking/jane/book", servers[i % 2].address);
            let body = json!({"meetingTypeId": quick, "startTime": target, "timezone": "UTC",
                              "guestName": "Racer", "guestEmail": format!("racer{i}@example.com")});
            (url, body)
        })
        .collect();
    let statuses = race(&client, requests).await;
    assert_one_winner(&statuses);
    // The second process had the slot cached; it must not offer it any more.
    assert!(!slots(&servers[1].address).await.contains(&target));
    assert!(!slots(&servers[0].address).await.contains(&target));
    assert_no_overlaps(&store).await;
    store.close().await;
    for server in servers {
        assert!(server.stop(), "graceful shutdown exits 0");
    }
}
