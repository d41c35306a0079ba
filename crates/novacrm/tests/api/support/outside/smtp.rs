//! An SMTP server that keeps what it is sent, and can be told to refuse or to hang.

use std::sync::{Arc, Mutex};

use mail_parser::{MessageParser, MimeHeaders};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// How the SMTP stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpMode {
    Accept,
    /// `451` to every message: a temporary failure, worth retrying.
    TempFail,
    /// Accepts each message only after this long (a slow server; a send in flight).
    Slow(std::time::Duration),
}

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        MessageParser::default()
            .parse(&self.data)
            .expect("a parsable MIME message")
    }

    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_owned()
    }

    /// The plain-text body, with SMTP's CRLF line ends read as LF.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .unwrap_or_default()
            .replace("\r\n", "\n")
    }

    pub fn html(&self) -> String {
        self.parsed().body_html(0).unwrap_or_default().into_owned()
    }

    pub fn message_id(&self) -> String {
        self.parsed().message_id().unwrap_or_default().to_owned()
    }

    /// The `text/calendar` part (inside `multipart/alternative`) and its `method`.
    pub fn calendar(&self) -> (String, String) {
        let message = self.parsed();
        let part = message
            .parts
            .iter()
            .find(|p| {
                p.content_type()
                    .is_some_and(|ct| ct.ctype() == "text" && ct.subtype() == Some("calendar"))
            })
            .expect("a text/calendar part");
        let method = part
            .content_type()
            .and_then(|ct| ct.attribute("method"))
            .unwrap_or_default()
            .to_owned();
        (method, part.text_contents().unwrap_or_default().to_owned())
    }

    /// The `invite.ics` attachment.
    pub fn attachment(&self) -> String {
        let message = self.parsed();
        let part = message
            .attachments()
            .find(|p| p.attachment_name() == Some("invite.ics"))
            .expect("an invite.ics attachment");
        String::from_utf8(part.contents().to_vec()).unwrap()
    }
}

#[derive(Debug, Clone)]
pub struct SmtpSink {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    mode: Arc<Mutex<SmtpMode>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let sink = Self {
            url,
            received: Arc::default(),
            mode: Arc::new(Mutex::new(SmtpMode::Accept)),
        };
        let server = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                stream.set_nodelay(true).unwrap();
                let server = server.clone();
                tokio::spawn(async move {
                    let _ = server.session(stream).await;
                });
            }
        });
        sink
    }

    pub fn set_mode(&self, mode: SmtpMode) {
        *self.mode.lock().unwrap() = mode;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Messages to `address`.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.rcpt_to.iter().any(|t| t == address))
            .collect()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
        let mut current = Received {
            mail_from: String::new(),
            rcpt_to: Vec::new(),
            data: Vec::new(),
        };
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                if *self.mode.lock().unwrap() == SmtpMode::TempFail {
                    b"451 4.3.0 mailbox busy, try again later\r\n"
                } else {
                    current.mail_from = address_in(&command);
                    current.rcpt_to.clear();
                    b"250 2.1.0 ok\r\n"
                }
            } else if upper.starts_with("RCPT TO:") {
                current.rcpt_to.push(address_in(&command));
                b"250 2.1.5 ok\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.extend_from_slice(unstuffed.as_bytes());
                }
                current.data = data;
                let slow = match *self.mode.lock().unwrap() {
                    SmtpMode::Slow(wait) => Some(wait),
                    _ => None,
                };
                if let Some(wait) = slow {
                    tokio::time::sleep(wait).await;
                }
                self.received.lock().unwrap().push(current.clone());
                b"250 2.0.0 queued\r\n"
            } else if upper == "QUIT" {
                write.write_all(b"221 2.0.0 bye\r\n").await?;
                return Ok(());
            } else {
                b"250 2.0.0 ok\r\n"
            };
            write.write_all(answer).await?;
        }
    }
}

fn address_in(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(address, _)| address.to_owned())
        .unwrap_or_default()
}
