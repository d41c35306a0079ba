//! Email as a port: [`Mailer`] sends one [`Email`]; adapters are SMTP (lettre), `.eml` files
//! (the out-of-the-box default: the product works before anyone configures a mail server)
//! and a recording fake for tests.
//!
//! An email is built into MIME exactly once, here: `multipart/mixed` holding a
//! `multipart/alternative` (plain text, HTML and, with an invite, a `text/calendar;
//! method=…` part, which Gmail, Outlook and Apple Mail turn into Add / Update / Remove
//! buttons) plus the same invite as an `invite.ics` attachment for every other client. The
//! `Message-ID` is the job's id, so a retried send is recognisable as the same message.

use std::path::PathBuf;
use std::sync::Mutex;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::port::{BoxFuture, SendError};

/// A name and an address, as the sender or a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub name: String,
    pub email: String,
}

/// An invitation carried by an email: the iCalendar `METHOD` and the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub method: &'static str,
    pub ics: String,
}

/// One message, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// Globally unique and stable across retries: `<job id>@<public host>`.
    pub message_id: String,
    pub from: Address,
    pub to: Address,
    pub reply_to: Option<Address>,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub invite: Option<Invite>,
}

pub trait Mailer: Send + Sync + std::fmt::Debug {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<(), SendError>>;
}

/// Display names go into headers: one line, no control characters (lettre encodes the rest).
fn mailbox(address: &Address) -> Result<Mailbox, SendError> {
    let name: String = address
        .name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let email = address.email.parse().map_err(|e| {
        SendError::permanent(format!("{:?} is not a usable address: {e}", address.email))
    })?;
    Ok(Mailbox::new(Some(name.trim().to_owned()), email))
}

/// The MIME message of an email.
pub fn build(email: &Email) -> Result<Message, SendError> {
    let subject: String = email
        .subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut builder = Message::builder()
        .message_id(Some(format!("<{}>", email.message_id)))
        .from(mailbox(&email.from)?)
        .to(mailbox(&email.to)?)
        .subject(subject.trim());
    // A Reply-To is a convenience: one the mailer cannot write (a guest address from before
    // the booking check used the mailer's own parser) is left off, and the message still goes.
    if let Some(reply_to) = &email.reply_to {
        match mailbox(reply_to) {
            Ok(reply_to) => builder = builder.reply_to(reply_to),
            Err(e) => tracing::warn!(message = %email.message_id, "Reply-To left off: {e}"),
        }
    }
    let mut alternative = MultiPart::alternative()
        .singlepart(SinglePart::plain(email.text.clone()))
        .singlepart(SinglePart::html(email.html.clone()));
    let body = match &email.invite {
        None => alternative,
        Some(invite) => {
            let calendar = ContentType::parse(&format!(
                "text/calendar; charset=utf-8; method={}",
                invite.method
            ))
            .map_err(|e| SendError::permanent(format!("bad calendar content type: {e}")))?;
            alternative = alternative.singlepart(
                SinglePart::builder()
                    .header(calendar)
                    .body(invite.ics.clone()),
            );
            let attachment = ContentType::parse("application/ics; name=\"invite.ics\"")
                .map_err(|e| SendError::permanent(format!("bad attachment type: {e}")))?;
            MultiPart::mixed().multipart(alternative).singlepart(
                Attachment::new("invite.ics".into()).body(invite.ics.clone(), attachment),
            )
        }
    };
    builder
        .multipart(body)
        .map_err(|e| SendError::permanent(format!("cannot build the message: {e}")))
}

/// SMTP through lettre, from a URL in lettre's form (`smtp://host:port`,
/// `smtp://host:587?tls=required`, `smtps://user:pass@host`).
#[derive(Debug, Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpMailer {
    pub fn from_url(url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("NOVACRM_SMTP_URL is not usable: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(30)))
            .build();
        Ok(Self { transport })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let message = build(email)?;
            self.transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError {
                    message: format!("SMTP: {e}"),
                    permanent: e.is_permanent(),
                })
        })
    }
}

/// Writes each message as `<dir>/<message id>.eml` (a retry overwrites the same file).
#[derive(Debug, Clone)]
pub struct FileMailer {
    dir: PathBuf,
}

impl FileMailer {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

impl Mailer for FileMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            let message = build(email)?;
            let name: String = email
                .message_id
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let path = self.dir.join(format!("{name}.eml"));
            std::fs::create_dir_all(&self.dir)
                .and_then(|()| std::fs::write(&path, message.formatted()))
                .map_err(|e| {
                    SendError::transient(format!("cannot write {}: {e}", path.display()))
                })?;
            tracing::info!(to = %email.to.email, subject = %email.subject, path = %path.display(),
                "email written to the outbox folder (no SMTP configured)");
            Ok(())
        })
    }
}

/// Keeps every email it is given; fails while told to.
#[derive(Debug, Default)]
pub struct RecordingMailer {
    sent: Mutex<Vec<Email>>,
    failing: Mutex<Option<SendError>>,
}

impl RecordingMailer {
    pub fn sent(&self) -> Vec<Email> {
        self.sent.lock().expect("mailer lock").clone()
    }

    pub fn fail_with(&self, error: Option<SendError>) {
        *self.failing.lock().expect("mailer lock") = error;
    }
}

impl Mailer for RecordingMailer {
    fn send<'a>(&'a self, email: &'a Email) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move {
            if let Some(error) = self.failing.lock().expect("mailer lock").clone() {
                return Err(error);
            }
            build(email)?;
            self.sent.lock().expect("mailer lock").push(email.clone());
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        let person = |name: &str, email: &str| Address {
            name: name.into(),
            email: email.into(),
        };
        Email {
            message_id: "0193-abc@novacrm.example".into(),
            from: person("NovaCRM", "no-reply@novacrm.example"),
            to: person("Eve\r\nBcc: victim@example.com", "eve@example.com"),
            reply_to: Some(person("Jane Smith", "jane@example.com")),
            subject: "Hello\r\nBcc: victim@example.com".into(),
            text: "plain".into(),
            html: "<p>html</p>".into(),
            invite: Some(Invite {
                method: "REQUEST",
                ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
            }),
        }
    }

    #[test]
    fn guest_text_never_adds_a_header() {
        let formatted = String::from_utf8(build(&email()).unwrap().formatted()).unwrap();
        assert!(!formatted.contains("\r\nBcc:"), "{formatted}");
        assert!(formatted.contains("Message-ID: <0193-abc@novacrm.example>"));
        assert!(formatted.contains("method=REQUEST"));
        assert!(formatted.contains("invite.ics"));
    }

    /// A guest address the mailer cannot write once failed the host's notice for good.
    #[test]
    fn a_bad_reply_to_never_loses_the_message() {
        for bad in ["victim,attacker@evil.example", "a>b<c@example.com"] {
            let mut notice = email();
            notice.reply_to = Some(Address {
                name: "Guest".into(),
                email: bad.into(),
            });
            let formatted = String::from_utf8(build(&notice).unwrap().formatted()).unwrap();
            assert!(!formatted.contains("Reply-To"), "{formatted}");
            assert!(!formatted.contains("attacker"), "{formatted}");
        }
    }
}
