//! A Docker daemon of a test's own, beside the machine's: a check host for a second instance,
//! reached over TLS with client certificates the way a remote check machine is.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::ListContainersOptions;
use tempfile::TempDir;

/// Docker's port for TLS.
const TLS_PORT: u16 = 2376;

/// A Docker daemon of the test's own: its socket, data, state and certificates in a temp folder,
/// in a network namespace of its own joined to the host's by a pair of virtual interfaces, and
/// listening for TLS clients there. Dropping it stops the daemon (by its pidfile) and removes the
/// folder and the interfaces, also when the test fails.
pub struct SecondDaemon {
    dir: TempDir,
    process: Child,
    /// The host's end of the interface pair; the other end is in the daemon's namespace.
    link: String,
    /// The daemon's address, reachable from the host's namespace.
    address: String,
}

impl SecondDaemon {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = File::create(dir.path().join("dockerd.log")).unwrap();
        let id: u8 = rand::random::<u8>() | 1;
        let (host_side, address) = (format!("10.231.{id}.1"), format!("10.231.{id}.2"));
        certificates(dir.path(), &address);
        // A network namespace of its own: started with `--bridge none`, dockerd deletes the
        // `docker0` interface it finds, which is the other daemon's bridge in the host's
        // namespace. Checks run without a network; the TLS port is bound on every address, so
        // the interface may come up after the daemon.
        let tls = |name: &str| dir.path().join("server").join(name);
        let process = Command::new("unshare")
            .args(["--net", "dockerd"])
            .arg("--host")
            .arg(format!(
                "unix://{}",
                dir.path().join("docker.sock").display()
            ))
            .arg("--host")
            .arg(format!("tcp://0.0.0.0:{TLS_PORT}"))
            .arg("--tlsverify")
            .arg("--tlscacert")
            .arg(tls("ca.pem"))
            .arg("--tlscert")
            .arg(tls("cert.pem"))
            .arg("--tlskey")
            .arg(tls("key.pem"))
            .arg("--data-root")
            .arg(dir.path().join("data"))
            .arg("--exec-root")
            .arg(dir.path().join("exec"))
            .arg("--pidfile")
            .arg(dir.path().join("docker.pid"))
            .args(["--bridge", "none", "--iptables=false", "--ip-masq=false"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd starts (as root)");
        let link = format!("inloop{id:02x}{:04x}", rand::random::<u16>());
        let daemon = Self {
            dir,
            process,
            link,
            address,
        };
        daemon.connect(&host_side);
        let deadline = Instant::now() + Duration::from_mins(1);
        while !daemon.answers().await {
            assert!(
                Instant::now() < deadline,
                "the second Docker daemon is not ready:\n{}",
                std::fs::read_to_string(daemon.dir.path().join("dockerd.log")).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        daemon
    }

    /// Joins the daemon's namespace to the host's: `host_side` here, [`Self::address`] there.
    fn connect(&self, host_side: &str) {
        let pid = self.process.id().to_string();
        let peer = format!("{}n", &self.link[..self.link.len() - 1]);
        let inside = |args: &str| {
            let mut all = vec!["--target", &pid, "--net", "ip"];
            all.extend(args.split(' '));
            run("nsenter", &all);
        };
        run(
            "ip",
            &[
                "link", "add", &self.link, "type", "veth", "peer", "name", &peer,
            ],
        );
        run("ip", &["link", "set", &peer, "netns", &pid]);
        run(
            "ip",
            &["addr", "add", &format!("{host_side}/30"), "dev", &self.link],
        );
        run("ip", &["link", "set", &self.link, "up"]);
        inside(&format!("addr add {}/30 dev {peer}", self.address));
        inside(&format!("link set {peer} up"));
        inside("link set lo up");
    }

    /// `tcp://…:2376`, for `INLOOP_DOCKER_HOST` with [`Self::client_certificates`].
    pub fn tls_host(&self) -> String {
        format!("tcp://{}:{TLS_PORT}", self.address)
    }

    /// The folder with the client's `ca.pem`, `cert.pem` and `key.pem`
    /// (`INLOOP_DOCKER_CERT_PATH`).
    pub fn client_certificates(&self) -> PathBuf {
        self.dir.path().join("client")
    }

    /// `unix:///…/docker.sock`, for `INLOOP_DOCKER_HOST` and `DOCKER_HOST`.
    pub fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("docker.sock").display())
    }

    /// Whether the daemon made its socket and answers on it.
    async fn answers(&self) -> bool {
        self.dir.path().join("docker.sock").exists() && self.docker().ping().await.is_ok()
    }

    pub fn docker(&self) -> Docker {
        let socket = self.dir.path().join("docker.sock");
        Docker::connect_with_unix(&socket.to_string_lossy(), 30, bollard::API_DEFAULT_VERSION)
            .unwrap()
    }

    /// `docker save IMAGE | DOCKER_HOST=… docker load`: how an operator brings a base image to a
    /// check host without a registry.
    pub fn copy_image(&self, name: &str) {
        let mut save = Command::new("docker")
            .args(["save", name])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let loaded = Command::new("docker")
            .arg("load")
            .env("DOCKER_HOST", self.host())
            .stdin(save.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(save.wait().unwrap().success(), "docker save {name}");
        assert!(
            loaded.status.success(),
            "docker load: {}",
            String::from_utf8_lossy(&loaded.stderr)
        );
    }

    /// Every container on this daemon, of any state.
    pub async fn containers(&self) -> usize {
        let options = ListContainersOptions {
            all: true,
            ..ListContainersOptions::default()
        };
        self.docker()
            .list_containers(Some(options))
            .await
            .unwrap()
            .len()
    }
}

impl Drop for SecondDaemon {
    fn drop(&mut self) {
        let pid = std::fs::read_to_string(self.dir.path().join("docker.pid")).map_or_else(
            |_| self.process.id().to_string(),
            |pid| pid.trim().to_owned(),
        );
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while matches!(self.process.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = Command::new("ip")
            .args(["link", "delete", &self.link])
            .stderr(Stdio::null())
            .status();
        // A daemon stopped while it was starting leaves its data folder mounted, which would
        // keep the folder from being removed.
        for folder in ["data", "exec"] {
            let _ = Command::new("umount")
                .args(["--recursive", "--lazy"])
                .arg(self.dir.path().join(folder))
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A certificate authority of the test's, and what it signs into `server/` (for `address`) and
/// `client/`, each with `ca.pem`, `cert.pem` and `key.pem`: Docker's layout.
fn certificates(dir: &Path, address: &str) {
    let openssl = |args: &[&str]| run("openssl", args);
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let (ca, ca_key) = (path("ca.pem"), path("ca-key.pem"));
    let mut args = vec!["req", "-x509", "-days", "1", "-subj", "/CN=inloop test CA"];
    args.extend(key);
    args.extend(["-keyout", &ca_key, "-out", &ca]);
    openssl(&args);
    for (side, usage) in [("server", "serverAuth"), ("client", "clientAuth")] {
        std::fs::create_dir(dir.join(side)).unwrap();
        std::fs::copy(&ca, dir.join(side).join("ca.pem")).unwrap();
        let (request, extensions) = (path("request.csr"), path("extensions.cnf"));
        let names = if side == "server" {
            format!("subjectAltName = IP:{address}\n")
        } else {
            String::new()
        };
        std::fs::write(&extensions, format!("{names}extendedKeyUsage = {usage}\n")).unwrap();
        let (cert, side_key) = (
            path(&format!("{side}/cert.pem")),
            path(&format!("{side}/key.pem")),
        );
        let subject = format!("/CN={side}");
        let mut args = vec![
            "req", "-subj", &subject, "-keyout", &side_key, "-out", &request,
        ];
        args.extend(key);
        openssl(&args);
        openssl(&[
            "x509",
            "-req",
            "-days",
            "1",
            "-in",
            &request,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-extfile",
            &extensions,
            "-out",
            &cert,
        ]);
    }
}
