//! A real SMTP server for tests: Python's aiosmtpd, storing every mail in a maildir.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// A running SMTP sink; stopped when dropped.
pub struct MailSink {
    child: Child,
    dir: TempDir,
    port: u16,
}

impl MailSink {
    /// Starts the sink on a free port and waits until it accepts connections.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("maildir");
        let port = super::free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("mail"))
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (just services smtp)");
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the SMTP sink did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, dir, port }
    }

    /// `EMAIL_URL` for this sink.
    #[must_use]
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every mail received so far, decoded enough to read links (quoted-printable soft breaks).
    #[must_use]
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("mail/new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
            .map(|raw| {
                raw.replace("=\r\n", "")
                    .replace("=\n", "")
                    .replace("=3D", "=")
            })
            .collect()
    }

    /// The mails to `address`.
    #[must_use]
    pub fn mails_to(&self, address: &str) -> Vec<String> {
        self.mails()
            .into_iter()
            .filter(|mail| mail.contains(&format!("To: {address}")))
            .collect()
    }

    /// Waits for the first mail to `address` and returns the first link in it to `path_prefix`.
    pub async fn link_to(&self, address: &str, path_prefix: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(mail) = self.mails_to(address).first() {
                let pattern = regex::Regex::new(&format!(
                    r"https?://[^\s]+{}[^\s]+",
                    regex::escape(path_prefix)
                ))
                .unwrap();
                return pattern
                    .find(mail)
                    .expect("a link in the mail")
                    .as_str()
                    .to_owned();
            }
            assert!(Instant::now() < deadline, "no mail to {address}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
