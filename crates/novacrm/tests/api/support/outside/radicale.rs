//! Radicale, a real CalDAV server, started on a free port for one test.

/// A real Radicale CalDAV server (`radicale` from the Python index, installed by `.ci/run`) on 127.0.0.1,
/// with one user `jane` / `secret` and its storage in a scratch folder. A missing Radicale
/// fails the test: CalDAV is never skipped.
#[derive(Debug)]
pub struct Radicale {
    pub base: String,
    child: std::process::Child,
    _dir: std::path::PathBuf,
}

impl Radicale {
    pub const USER: &str = "jane";
    pub const PASSWORD: &str = "secret";

    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("novacrm-radicale-{}", uuid_like()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().port()
        };
        std::fs::write(
            dir.join("users"),
            format!("{}:{}\n", Self::USER, Self::PASSWORD),
        )
        .unwrap();
        let config = format!(
            "[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n\
             htpasswd_encryption = plain\ndelay = 0\n[storage]\nfilesystem_folder = {storage}\n\
             [rights]\ntype = owner_only\n[logging]\nlevel = warning\n",
            users = dir.join("users").display(),
            storage = dir.join("collections").display(),
        );
        std::fs::write(dir.join("config"), config).unwrap();
        let program = std::env::var("NOVACRM_RADICALE").unwrap_or_else(|_| "radicale".into());
        let child = std::process::Command::new(&program)
            .arg("--config")
            .arg(dir.join("config"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("Radicale is needed for the CalDAV tests ({program}: {e}); .ci/run installs it with pip")
            });
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Self {
            base,
            child,
            _dir: dir,
        }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn client() -> reqwest::Client {
        crate::support::app::http_client().build().unwrap()
    }

    /// Makes a calendar collection `/jane/{name}/`.
    pub async fn calendar(&self, name: &str, display: &str) -> String {
        let url = format!("{}/{}/{name}/", self.base, Self::USER);
        let body = format!(
            "<?xml version=\"1.0\"?><C:mkcalendar xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
             <D:set><D:prop><D:displayname>{display}</D:displayname></D:prop></D:set></C:mkcalendar>"
        );
        let made = Self::client()
            .request(reqwest::Method::from_bytes(b"MKCALENDAR").unwrap(), &url)
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(made.status().as_u16(), 201, "{:?}", made.text().await);
        url
    }

    /// Stores an event resource as another calendar app would.
    pub async fn put(&self, calendar: &str, name: &str, ics: &str) {
        let put = Self::client()
            .put(format!("{calendar}{name}.ics"))
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .header("content-type", "text/calendar")
            .body(ics.to_owned())
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{:?}", put.text().await);
    }

    /// Removes an event resource as another calendar app would.
    pub async fn delete(&self, calendar: &str, name: &str) {
        let gone = Self::client()
            .delete(format!("{calendar}{name}.ics"))
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .send()
            .await
            .unwrap();
        assert!(gone.status().is_success(), "{:?}", gone.text().await);
    }

    /// The calendar's event texts, by resource name.
    pub async fn events(&self, calendar: &str) -> Vec<String> {
        let body = "<?xml version=\"1.0\"?><C:calendar-query xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">\
             <D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name=\"VCALENDAR\"/></C:filter></C:calendar-query>";
        let answer = Self::client()
            .request(reqwest::Method::from_bytes(b"REPORT").unwrap(), calendar)
            .basic_auth(Self::USER, Some(Self::PASSWORD))
            .header("Depth", "1")
            .body(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        answer
            .split("BEGIN:VCALENDAR")
            .skip(1)
            .map(|part| {
                format!(
                    "BEGIN:VCALENDAR{}",
                    part.split("END:VCALENDAR").next().unwrap()
                )
            })
            .collect()
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        self.stop();
    }
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}
