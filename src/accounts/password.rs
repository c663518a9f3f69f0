//! Passwords: Argon2id hashes and the rules a new password must meet.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;

/// An Argon2id hash (PHC string) of `password`.
#[must_use]
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 hashes any password")
        .to_string()
}

/// Whether `password` matches `hash`; malformed hashes (e.g. unusable accounts) never match.
#[must_use]
pub fn verify(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Hashes running at once: one core fewer than the machine has (at least one), so a burst of
/// logins leaves a core to answer every other request.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
});

/// Runs `work` on a blocking thread once a hashing permit is free: Argon2 spends tens of
/// milliseconds of CPU by design, and on an async thread a burst of logins would stall every
/// other request.
async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _permit = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// [`hash`] off the async threads (see [`off_thread`]).
pub async fn hash_off_thread(password: &str) -> String {
    let owned = password.to_owned();
    match off_thread(move || hash(&owned)).await {
        Some(hashed) => hashed,
        None => hash(password),
    }
}

/// [`verify`] off the async threads (see [`off_thread`]).
pub async fn verify_off_thread(password: &str, hash: &str) -> bool {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    off_thread(move || verify(&password, &hash))
        .await
        .unwrap_or(false)
}

/// A hash no password matches, to spend the same time on unknown accounts as on known ones.
#[must_use]
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash("no password is this one"));
    &DUMMY
}

/// Why a new password is refused, in words for the user; `None` when it is acceptable.
#[must_use]
pub fn problem(password: &str, username: &str, email: &str) -> Option<&'static str> {
    if password.chars().count() < MIN_LENGTH {
        return Some("This password is too short: use at least 10 characters.");
    }
    let local_part = email.split('@').next().unwrap_or_default();
    if [username, local_part]
        .iter()
        .any(|input| similar(password, input))
    {
        return Some("This password is too similar to your username or e-mail address.");
    }
    // zxcvbn knows the common-password lists, keyboard walks, dates and repeats.
    if u8::from(zxcvbn::zxcvbn(password, &[username, email, local_part]).score()) < 2 {
        return Some("This password is too common or too easy to guess.");
    }
    None
}

/// Whether one of the two, reduced to lowercase letters and digits, contains most of the other.
fn similar(password: &str, input: &str) -> bool {
    let reduce = |text: &str| {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase()
    };
    let (password, input) = (reduce(password), reduce(input));
    if input.len() < 3 {
        return false;
    }
    let (shorter, longer) = if password.len() <= input.len() {
        (&password, &input)
    } else {
        (&input, &password)
    };
    longer.contains(shorter.as_str()) && shorter.len() * 3 >= longer.len() * 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let first = hash("correct horse battery staple");
        assert!(first.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &first));
        assert!(!verify("wrong", &first));
        assert_ne!(first, hash("correct horse battery staple"));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn weak_passwords_are_refused_with_their_reason() {
        assert!(
            problem("short", "alice", "alice@example.org")
                .unwrap()
                .contains("too short")
        );
        assert!(
            problem("password123", "alice", "alice@example.org")
                .unwrap()
                .contains("common")
        );
        assert!(
            problem("qwertyuiop", "alice", "alice@example.org")
                .unwrap()
                .contains("common")
        );
        assert!(
            problem("marvin.robot42", "marvin.robot42x", "m@example.org")
                .unwrap()
                .contains("similar")
        );
        assert_eq!(
            problem("Tulpen-Fahrrad-Ostsee-81", "alice", "alice@example.org"),
            None
        );
    }
}
