//! The NovaCRM scheduling service: command line, and (soon) storage, HTTP API and pages
//! around the pure rules of the `scheduling` crate.

pub mod cli;
