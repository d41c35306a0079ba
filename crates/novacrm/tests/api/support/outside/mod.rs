//! Stand-ins for the outside world, on 127.0.0.1, one file each: SMTP, Twilio, Radicale
//! (CalDAV), Google, the video providers and DNS. The service talks to them through its real
//! adapters (lettre, reqwest).

mod dns;
mod google;
mod radicale;
mod smtp;
mod twilio;
mod video;

pub use dns::*;
pub use google::*;
pub use radicale::*;
pub use smtp::*;
pub use twilio::*;
pub use video::*;
