//! Test helpers: the Docker client, test checker images, input folders, leftover checks.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;

use bollard::Docker;
use bollard::query_parameters::{ListContainersOptions, ListVolumesOptions};
use inloop::runner::sandbox::{self, CheckOutcome, CheckRequest, LABEL, Limits, SandboxError};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

/// Label telling this test's containers from those of tests (and servers) running meanwhile
/// on the same Docker host.
const TEST_LABEL: &str = "inloop.test";

/// A test's connection to Docker; runs checks labelled as this test's.
pub struct Sandbox {
    pub docker: Docker,
    test_id: String,
}

impl Sandbox {
    pub async fn new() -> Self {
        Self {
            docker: docker().await,
            test_id: format!("{:016x}", rand::random::<u64>()),
        }
    }

    /// The labels of this test's containers.
    pub fn labels(&self) -> HashMap<String, String> {
        HashMap::from([(TEST_LABEL.to_owned(), self.test_id.clone())])
    }

    /// A request with the default limits, labelled as this test's.
    pub fn request(&self, image: &str, task_name: &str, input: &TempDir) -> CheckRequest {
        CheckRequest {
            image: image.to_owned(),
            task_name: task_name.to_owned(),
            input_dir: input.path().to_owned(),
            limits: Limits::default(),
            labels: self.labels(),
        }
    }

    /// Runs the check and its clean-up, then asserts that none of this test's containers is
    /// left.
    pub async fn try_run(&self, request: &CheckRequest) -> Result<CheckOutcome, SandboxError> {
        let outcome = match sandbox::run(&self.docker, request).await {
            Ok((outcome, cleanup)) => {
                cleanup.finish().await;
                Ok(outcome)
            }
            Err(error) => Err(error),
        };
        let left = self.containers_left().await;
        assert!(left.is_empty(), "containers left behind: {left:?}");
        let left = self.volumes_left().await;
        assert!(left.is_empty(), "check volumes left behind: {left:?}");
        outcome
    }

    pub async fn run(&self, request: &CheckRequest) -> CheckOutcome {
        self.try_run(request)
            .await
            .expect("the sandbox ran the check")
    }

    /// Runs `script` as the task name of the shell image (`sh -c <task name>`).
    pub async fn run_script(&self, script: &str, input: &TempDir, limits: Limits) -> CheckOutcome {
        let mut request = self.request(&shell_image().await, script, input);
        request.limits = limits;
        self.run(&request).await
    }

    /// Waits until none of this test's containers and volumes is left (removals in the
    /// background); fails after 30 s.
    pub async fn until_nothing_left(&self) {
        let waited = std::time::Instant::now();
        while !self.containers_left().await.is_empty() || !self.volumes_left().await.is_empty() {
            assert!(
                waited.elapsed() < std::time::Duration::from_secs(30),
                "the containers or the volumes were not removed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    pub async fn volumes_left(&self) -> Vec<String> {
        let filters = HashMap::from([(
            "label".to_owned(),
            vec![format!("{TEST_LABEL}={}", self.test_id)],
        )]);
        let options = ListVolumesOptions {
            filters: Some(filters),
        };
        let volumes = self.docker.list_volumes(Some(options)).await.unwrap();
        volumes
            .volumes
            .unwrap_or_default()
            .into_iter()
            .map(|volume| volume.name)
            .collect()
    }

    pub async fn containers_left(&self) -> Vec<String> {
        let filters = HashMap::from([(
            "label".to_owned(),
            vec![
                format!("{LABEL}=1"),
                format!("{TEST_LABEL}={}", self.test_id),
            ],
        )]);
        let options = ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..ListContainersOptions::default()
        };
        let containers = self.docker.list_containers(Some(options)).await.unwrap();
        containers
            .into_iter()
            .filter_map(|container| container.id)
            .collect()
    }
}

pub async fn docker() -> Docker {
    Docker::connect_with_local_defaults()
        .expect("Docker's socket")
        .negotiate_version()
        .await
        .expect("Docker answers (start it with `just services docker`)")
}

/// An input folder private to the server (mode 0700, files 0600), as a caller might have it.
pub fn input(files: &[(&str, &[u8])]) -> TempDir {
    let folder = tempfile::tempdir().unwrap();
    for (name, content) in files {
        let path = folder.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }
    fs::set_permissions(folder.path(), fs::Permissions::from_mode(0o700)).unwrap();
    folder
}

pub fn no_input() -> TempDir {
    input(&[])
}

/// Busybox whose ENTRYPOINT runs the task name as a shell script: `sh -c <task name>`. It
/// names no user, so the sandbox must run it as nobody.
pub async fn shell_image() -> String {
    let dockerfile = "FROM inloop-test/busybox:1\nENTRYPOINT [\"/bin/sh\", \"-c\"]\n";
    image("sandbox-shell", &[("Dockerfile", dockerfile.as_bytes())]).await
}

/// The Java checker of `fixtures/java`: task `calculator` tests the submitted `Calculator.java`.
pub async fn java_image() -> String {
    let files: &[(&str, &[u8])] = &[
        ("Dockerfile", include_bytes!("fixtures/java/Dockerfile")),
        ("build.xml", include_bytes!("fixtures/java/build.xml")),
        (
            "tests/calculator/CalculatorTest.java",
            include_bytes!("fixtures/java/tests/calculator/CalculatorTest.java"),
        ),
    ];
    image("sandbox-java", files).await
}

/// Builds an image from `files` unless one built from the same files exists: the tag is a
/// hash of them. Built with the classic builder, which uses local base images without a registry.
pub async fn image(name: &str, files: &[(&str, &[u8])]) -> String {
    let mut hash = Sha256::new();
    for (path, content) in files {
        hash.update(path.as_bytes());
        hash.update([0]);
        hash.update(content);
        hash.update([0]);
    }
    let tag = format!("inloop-test/{name}:{}", &hex::encode(hash.finalize())[..12]);
    if docker().await.inspect_image(&tag).await.is_ok() {
        return tag;
    }
    let context = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = context.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }
    let built = tokio::process::Command::new("docker")
        .args(["build", "--quiet", "--tag", &tag])
        .arg(context.path())
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .await
        .expect("the docker command");
    assert!(
        built.status.success(),
        "docker build {tag} failed (are the base images there? container/checker-images/build):\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    tag
}

/// How many processes the host has now.
pub fn host_processes() -> usize {
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .count()
}

/// The peak resident memory of this test process, in bytes.
pub fn peak_memory() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("VmHWM:"))
        .unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// `key=value` lines of a script's output.
pub fn values(stdout: &str) -> HashMap<&str, &str> {
    stdout
        .lines()
        .filter_map(|line| line.split_once('='))
        .collect()
}
