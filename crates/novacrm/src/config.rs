//! Typed configuration, read once from flags and the environment (DESIGN.md §6) and passed
//! in; nothing reads the environment after start-up.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:3000` (port 0 picks a free one).
    pub listen: String,
    pub database_url: String,
    /// Base of links in emails and pages; defaults to `http://` + the listen address.
    pub public_url: Option<String>,
    pub demo: bool,
}

impl Config {
    pub fn public_url(&self, bound: std::net::SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
            .trim_end_matches('/')
            .to_owned()
    }
}
