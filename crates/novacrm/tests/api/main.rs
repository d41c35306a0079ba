//! The service's integration suite, one file per feature. Every test runs twice: on SQLite and
//! on PostgreSQL. What the files share (the app under test, forms, the stand-ins for SMTP,
//! Twilio, Google, CalDAV and the video providers) lives in `support/`.

mod access;
mod booking;
mod browser;
mod calendars;
mod cli;
mod contract;
mod domains;
mod exports;
mod guard;
mod guest_links;
mod hardening;
mod hosts;
mod insights;
mod insights_rules;
mod languages;
mod messages;
mod offers;
mod operations;
mod pages;
mod policies;
mod processes;
mod settings;
mod sms;
mod support;
mod video;
mod webhooks;
