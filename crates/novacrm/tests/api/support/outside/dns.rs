//! A DNS server on 127.0.0.1 (UDP) that answers TXT questions from records a test sets —
//! what the service's real resolver (hickory) asks when it verifies a custom domain. Other
//! names get NXDOMAIN; a test can also make it stop answering (SERVFAIL).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::UdpSocket;

#[derive(Clone, Default)]
struct Zone {
    txt: HashMap<String, Vec<String>>,
    failing: bool,
}

#[derive(Clone)]
pub struct FakeDns {
    pub address: SocketAddr,
    zone: Arc<Mutex<Zone>>,
}

impl FakeDns {
    pub async fn start() -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let address = socket.local_addr().unwrap();
        let zone = Arc::new(Mutex::new(Zone::default()));
        let answers = zone.clone();
        tokio::spawn(async move {
            let mut buffer = [0u8; 1500];
            loop {
                let Ok((n, peer)) = socket.recv_from(&mut buffer).await else {
                    return;
                };
                let zone = answers.lock().unwrap().clone();
                if let Some(reply) = answer(&buffer[..n], &zone) {
                    let _ = socket.send_to(&reply, peer).await;
                }
            }
        });
        Self { address, zone }
    }

    /// Publishes `values` as the TXT record at `name` (replacing what was there).
    pub fn set_txt(&self, name: &str, values: &[&str]) {
        let values = values.iter().map(|v| (*v).to_owned()).collect();
        self.zone
            .lock()
            .unwrap()
            .txt
            .insert(name.to_ascii_lowercase(), values);
    }

    pub fn remove_txt(&self, name: &str) {
        self.zone
            .lock()
            .unwrap()
            .txt
            .remove(&name.to_ascii_lowercase());
    }

    pub fn set_failing(&self, failing: bool) {
        self.zone.lock().unwrap().failing = failing;
    }
}

/// The reply to one query, or `None` for what is not one.
fn answer(query: &[u8], zone: &Zone) -> Option<Vec<u8>> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    // The question: labels, then type and class.
    let mut at = 12;
    let mut labels = Vec::new();
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let question_end = at + 4;
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    let name = labels.join(".");
    let records = zone.txt.get(&name).filter(|_| qtype == 16);
    let rcode: u16 = if zone.failing {
        2
    } else if zone.txt.contains_key(&name) {
        0
    } else {
        3
    };
    let mut reply = Vec::with_capacity(512);
    reply.extend_from_slice(&query[0..2]);
    reply.extend_from_slice(&(0x8180 | rcode).to_be_bytes());
    reply.extend_from_slice(&1u16.to_be_bytes());
    let count = if zone.failing {
        0
    } else {
        records.map_or(0, Vec::len)
    };
    reply.extend_from_slice(&u16::try_from(count).unwrap().to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 0]);
    reply.extend_from_slice(query.get(12..question_end)?);
    for value in records.into_iter().flatten().take(count) {
        let mut data = Vec::new();
        for chunk in value.as_bytes().chunks(255) {
            data.push(u8::try_from(chunk.len()).unwrap());
            data.extend_from_slice(chunk);
        }
        reply.extend_from_slice(&[0xC0, 0x0C, 0, 16, 0, 1, 0, 0, 0, 0]);
        reply.extend_from_slice(&u16::try_from(data.len()).unwrap().to_be_bytes());
        reply.extend_from_slice(&data);
    }
    Some(reply)
}
