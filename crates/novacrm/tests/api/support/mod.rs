//! What every test file shares: the application under test and its helpers (`app`), forms as
//! a browser sends them (`forms`), and the stand-ins for the outside world (`outside`).

pub mod app;
pub mod forms;
pub mod outside;
