-- Inbound texts already acted on, by Twilio's MessageSid: a replayed (or retried) webhook is
-- answered but acts once. Kept 30 days (Twilio's signatures carry no time).
CREATE TABLE inbound_sms (
    message_sid TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
CREATE INDEX inbound_sms_at ON inbound_sms (received_at);
