//! The NovaCRM scheduling service: storage, use cases, HTTP API and command line around the
//! pure rules of the `scheduling` crate.

pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod format;
pub mod i18n;
pub mod integrations;
pub mod messages;
pub mod metrics;
pub mod names;
pub mod outbox;
pub mod sealed;
pub mod services;
pub mod startup;
pub mod store;
pub mod web;
pub mod worker;
