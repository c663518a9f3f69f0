//! The checker's user: an image's `USER` that is root by any name runs as nobody.

use std::fmt::Write as _;

use inloop::runner::sandbox::Limits;

use super::support::{Sandbox, image, no_input, values};

/// A busybox checker with `USER <user>` (none when empty) and two more accounts: `toor`, an
/// alias of root, and `checker` (1000:1000).
async fn image_with_user(user: &str) -> String {
    let mut dockerfile = String::from(
        "FROM inloop-test/busybox:1\n\
         LABEL org.inloop.test=sandbox-users\n\
         RUN echo 'toor:x:0:0::/root:/bin/sh' >> /etc/passwd \
          && echo 'checker:x:1000:1000::/:/bin/sh' >> /etc/passwd \
          && echo 'checker:x:1000:' >> /etc/group\n",
    );
    if !user.is_empty() {
        writeln!(dockerfile, "USER {user}").unwrap();
    }
    dockerfile.push_str("ENTRYPOINT [\"/bin/sh\", \"-c\"]\n");
    image("sandbox-users", &[("Dockerfile", dockerfile.as_bytes())]).await
}

async fn runs_as(sandbox: &Sandbox, user: &str) -> String {
    let input = no_input();
    let mut request = sandbox.request(
        &image_with_user(user).await,
        "echo \"id=$(id -u):$(id -g)\"",
        &input,
    );
    request.limits = Limits::default();
    let outcome = sandbox.run(&request).await;
    assert_eq!(outcome.exit_code, 0, "USER {user:?}: {}", outcome.stderr);
    values(&outcome.stdout)["id"].to_owned()
}

#[tokio::test]
async fn an_image_user_of_uid_0_by_any_name_runs_as_nobody() {
    let sandbox = Sandbox::new().await;
    for user in [
        "",
        "root",
        "0",
        "0:0",
        "root:root",
        "toor",
        "toor:toor",
        "checker:root",
    ] {
        let expected = if user == "checker:root" {
            "1000:65534"
        } else {
            "65534:65534"
        };
        assert_eq!(runs_as(&sandbox, user).await, expected, "USER {user:?}");
    }
}

#[tokio::test]
async fn an_image_user_other_than_root_keeps_running_as_that_user() {
    let sandbox = Sandbox::new().await;
    for (user, expected) in [
        ("nobody", "65534:65534"),
        ("1000", "1000:1000"),
        ("checker", "1000:1000"),
        ("1000:1000", "1000:1000"),
    ] {
        assert_eq!(runs_as(&sandbox, user).await, expected, "USER {user:?}");
    }
}
