//! Jobs' typed payloads, stored as JSON and read back through `field::Obj` like every other
//! input, so a corrupt row fails with the field it is about.

use scheduling::{FieldError, Instant, Obj};
use serde_json::{Value, json};

/// Which email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    Confirmation,
    HostNotice,
    Reminder,
    Cancelled,
    Rescheduled,
    /// To the guest: the host was asked to approve.
    Requested,
    /// To the host: approve or decline a request.
    ApprovalRequest,
    /// To the guest: the host declined.
    Declined,
    /// To the guest: the host did not answer in time.
    Expired,
}

impl Message {
    pub const ALL: [Self; 9] = [
        Self::Confirmation,
        Self::HostNotice,
        Self::Reminder,
        Self::Cancelled,
        Self::Rescheduled,
        Self::Requested,
        Self::ApprovalRequest,
        Self::Declined,
        Self::Expired,
    ];

    /// Also the folder of its templates under `templates/email/`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmation => "confirmation",
            Self::HostNotice => "host_notice",
            Self::Reminder => "reminder",
            Self::Cancelled => "cancelled",
            Self::Rescheduled => "rescheduled",
            Self::Requested => "requested",
            Self::ApprovalRequest => "approval_request",
            Self::Declined => "declined",
            Self::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Guest,
    Host,
}

impl Recipient {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guest => "guest",
            Self::Host => "host",
        }
    }
}

/// An email about a booking, as of the booking's `sequence` when it was enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailJob {
    pub message: Message,
    pub to: Recipient,
    pub booking_id: String,
    pub sequence: i64,
    /// For a reschedule notice: where the meeting was before.
    pub previous_start: Option<Instant>,
}

fn one_of<T: Copy>(
    obj: &Obj<'_>,
    key: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<T, FieldError> {
    let text = obj.required_str(key)?;
    all.iter()
        .copied()
        .find(|v| name(*v) == text)
        .ok_or_else(|| obj.error(key, format!("{text:?} is not known")))
}

impl EmailJob {
    pub fn to_json(&self) -> String {
        json!({
            "message": self.message.as_str(),
            "to": self.to.as_str(),
            "bookingId": self.booking_id,
            "sequence": self.sequence,
            "previousStart": self.previous_start.map(|i| i.to_string()),
        })
        .to_string()
    }

    pub fn read(value: &Value) -> Result<Self, FieldError> {
        let obj = Obj::new(value, "payload")?;
        Ok(Self {
            message: one_of(&obj, "message", &Message::ALL, Message::as_str)?,
            to: one_of(
                &obj,
                "to",
                &[Recipient::Guest, Recipient::Host],
                Recipient::as_str,
            )?,
            booking_id: obj.required_str("bookingId")?.to_owned(),
            sequence: obj.int("sequence")?.unwrap_or(0),
            previous_start: obj
                .parse_str("previousStart", Instant::parse_timestamp)?
                .map(Instant::from),
        })
    }
}

/// Which text message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsText {
    Reminder,
    /// The answer to a guest who replied "C".
    CancelConfirmation,
}

impl SmsText {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reminder => "reminder",
            Self::CancelConfirmation => "cancel_confirmation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsJob {
    pub text: SmsText,
    /// E.164.
    pub to: String,
    pub booking_id: String,
    pub sequence: i64,
}

impl SmsJob {
    pub fn to_json(&self) -> String {
        json!({
            "text": self.text.as_str(),
            "to": self.to,
            "bookingId": self.booking_id,
            "sequence": self.sequence,
        })
        .to_string()
    }

    pub fn read(value: &Value) -> Result<Self, FieldError> {
        let obj = Obj::new(value, "payload")?;
        Ok(Self {
            text: one_of(
                &obj,
                "text",
                &[SmsText::Reminder, SmsText::CancelConfirmation],
                SmsText::as_str,
            )?,
            to: obj.required_str("to")?.to_owned(),
            booking_id: obj.required_str("bookingId")?.to_owned(),
            sequence: obj.int("sequence")?.unwrap_or(0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back_what_was_written() {
        let job = EmailJob {
            message: Message::Rescheduled,
            to: Recipient::Host,
            booking_id: "b1".into(),
            sequence: 2,
            previous_start: Some(Instant::from_millis(1_764_000_000_000)),
        };
        let value: Value = serde_json::from_str(&job.to_json()).unwrap();
        assert_eq!(EmailJob::read(&value).unwrap(), job);
        let sms = SmsJob {
            text: SmsText::Reminder,
            to: "+14155550100".into(),
            booking_id: "b1".into(),
            sequence: 0,
        };
        let value: Value = serde_json::from_str(&sms.to_json()).unwrap();
        assert_eq!(SmsJob::read(&value).unwrap(), sms);
        let error = EmailJob::read(&json!({"message": "spam"})).unwrap_err();
        assert_eq!(error.field, "payload.message");
    }
}
