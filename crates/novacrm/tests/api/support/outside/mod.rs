//! Stand-ins for the outside world, on 127.0.0.1, one file each: SMTP, Twilio, Radicale
//! (CalDAV), Google and the video providers. The service talks to them through its real
//! adapters (lettre, reqwest).

mod google;
mod radicale;
mod smtp;
mod twilio;
mod video;

pub use google::*;
pub use radicale::*;
pub use smtp::*;
pub use twilio::*;
pub use video::*;
