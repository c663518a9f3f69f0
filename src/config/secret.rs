//! Secrets from the configuration: never printed, and the keys derived from them.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

/// A secret string whose `Debug` and `Display` never show it.
#[derive(Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A fresh random secret (64 bytes, base64).
    #[must_use]
    pub fn random() -> Self {
        let mut bytes = [0u8; 64];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(STANDARD.encode(bytes))
    }

    /// The secret itself, for the few places that must send it somewhere.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Rocket's 512-bit `secret_key` (base64), derived so that any long string will do.
    #[must_use]
    pub fn rocket_key(&self) -> String {
        STANDARD.encode(Sha512::digest(self.0.as_bytes()))
    }

    /// A 256-bit key for one purpose (tokens of one kind), independent of the others.
    #[must_use]
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.0.as_bytes()).expect("HMAC takes any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let secret = Secret::from("hunter2-hunter2-hunter2-hunter2-hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn derived_keys_differ_by_purpose_and_rocket_key_has_512_bits() {
        let secret = Secret::from("a long enough secret for the test, really");
        assert_ne!(secret.derive("activation"), secret.derive("password-reset"));
        assert_eq!(STANDARD.decode(secret.rocket_key()).unwrap().len(), 64);
    }
}
