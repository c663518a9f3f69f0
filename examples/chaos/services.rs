//! Private copies of what an installation depends on, so that the faults hit only this run: a
//! PostgreSQL cluster, a Redis server and a Docker daemon, each in a folder of the run, and a
//! small data disk. All of them run as root's children here (CI runs as root).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `command`, panicking with its output when it fails.
fn run(command: &mut Command) {
    let out = command.output().expect("a service command");
    assert!(
        out.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Waits until `ready` holds, for at most `limit`.
fn wait_for(what: &str, limit: Duration, ready: impl Fn() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not come up");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn listening(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A PostgreSQL cluster of Debian's newest installed version, trust authentication for the
/// superuser `inloop`, on its own port.
pub struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Postgres {
    pub fn start(root: &Path, port: u16) -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (.ci/services postgres)")
            .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
            .max()
            .expect("a PostgreSQL version");
        let folder = root.join("postgres");
        std::fs::create_dir(&folder).expect("postgres folder");
        run(Command::new("chown").arg("postgres:").arg(&folder));
        let cluster = Self {
            bin,
            data: folder.join("data"),
            port,
        };
        run(cluster
            .as_postgres("initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "inloop",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&cluster.data));
        cluster.pg_ctl("start");
        cluster
    }

    fn as_postgres(&self, program: &str) -> Command {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(self.bin.join(program));
        command
    }

    fn pg_ctl(&self, action: &str) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.display()
        );
        run(self
            .as_postgres("pg_ctl")
            .args(["-w", "-m", "fast", "-o", &options, "-l"])
            .arg(self.data.join("log"))
            .arg("-D")
            .arg(&self.data)
            .arg(action));
    }

    pub fn url(&self) -> String {
        format!("postgres://inloop@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops the cluster (connections are cut) and starts it again.
    pub fn restart(&self) {
        self.pg_ctl("restart");
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .as_postgres("pg_ctl")
            .args(["-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop")
            .output();
    }
}

/// A Redis server without persistence on its own port.
pub struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    pub fn start(port: u16) -> Self {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .args(["--port", &port.to_string()])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (.ci/services redis)");
        wait_for("Redis", Duration::from_secs(15), || listening(port));
        Self { child, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server (as a crash would) and starts a new one on the same port.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        *self = Self::start(self.port);
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A second Docker daemon beside the machine's, on its own socket and data root.
pub struct Dockerd {
    folder: PathBuf,
    child: Option<Child>,
}

impl Dockerd {
    pub fn start(root: &Path) -> Self {
        let folder = root.join("docker");
        std::fs::create_dir_all(&folder).expect("docker folder");
        let mut daemon = Self {
            folder,
            child: None,
        };
        daemon.start_again();
        daemon
    }

    /// The daemon's socket, for `INLOOP_DOCKER_HOST` as `unix://…`.
    pub fn socket(&self) -> PathBuf {
        self.folder.join("docker.sock")
    }

    /// Starts the (stopped) daemon on its socket and data.
    pub fn start_again(&mut self) {
        let folder = &self.folder;
        // In a network namespace of its own: `--bridge none` deletes any `docker0` it sees, which
        // in the machine's namespace is the main daemon's bridge.
        let child = Command::new("unshare")
            .args(["--net", "dockerd", "--host"])
            .arg(format!("unix://{}", self.socket().display()))
            .arg("--data-root")
            .arg(folder.join("data"))
            .arg("--exec-root")
            .arg(folder.join("exec"))
            .arg("--pidfile")
            .arg(folder.join("docker.pid"))
            .args(["--bridge", "none", "--iptables=false", "--ip-masq=false"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(folder.join("dockerd.log")).expect("log"))
            .spawn()
            .expect("dockerd (.ci/services docker)");
        self.child = Some(child);
        wait_for("the second Docker daemon", Duration::from_mins(1), || {
            self.docker()
                .arg("info")
                .output()
                .is_ok_and(|out| out.status.success())
        });
    }

    /// `docker` talking to this daemon.
    pub fn docker(&self) -> Command {
        let mut docker = Command::new("docker");
        docker.env("DOCKER_HOST", format!("unix://{}", self.socket().display()));
        docker
    }

    /// Copies `image` from the machine's daemon (there is no registry).
    pub fn load(&self, image: &str) {
        let mut save = Command::new("docker")
            .args(["save", image])
            .stdout(Stdio::piped())
            .spawn()
            .expect("docker save");
        let output = save.stdout.take().expect("docker save's output");
        run(self.docker().arg("load").stdin(output));
        assert!(
            save.wait().is_ok_and(|status| status.success()),
            "docker save {image}"
        );
    }

    /// SIGTERM, as `systemctl stop docker` does: the daemon stops its containers and exits.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            run(Command::new("kill").arg(child.id().to_string()));
            let _ = child.wait();
        }
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        if self.child.is_some() {
            // Leave nothing behind: the run's check containers, then the daemon.
            let _ = self.docker().args(["container", "prune", "-f"]).output();
            self.stop();
        }
    }
}

/// A small tmpfs mounted as an instance's data folder, which [`Disk::fill`] fills up.
pub struct Disk {
    mount: PathBuf,
}

impl Disk {
    pub fn mount(at: &Path, megabytes: u32) -> Self {
        std::fs::create_dir_all(at).expect("data folder");
        run(Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(at));
        Self {
            mount: at.to_owned(),
        }
    }

    fn filler(&self) -> PathBuf {
        self.mount.join("filler")
    }

    /// Writes until the disk is full.
    pub fn fill(&self) {
        use std::io::Write as _;
        let mut file = std::fs::File::create(self.filler()).expect("filler");
        let block = vec![0_u8; 1 << 20];
        while file.write_all(&block).is_ok() {}
    }

    pub fn free(&self) {
        std::fs::remove_file(self.filler()).expect("removing the filler");
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).output();
    }
}
