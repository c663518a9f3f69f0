//! Verifying the HMAC signature GitHub puts on webhook deliveries: HMAC-SHA256 in
//! `X-Hub-Signature-256`, or HMAC-SHA1 in the legacy `X-Hub-Signature`, compared in constant time.

use hmac::digest::{KeyInit, OutputSizeUser};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// Header carrying `sha256=<hex HMAC-SHA256>`, GitHub's current signature.
pub const SHA256_HEADER: &str = "X-Hub-Signature-256";
/// Legacy header carrying `sha1=<hex HMAC-SHA1>`, still accepted.
pub const SHA1_HEADER: &str = "X-Hub-Signature";

/// Why a webhook delivery's signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Neither signature header was sent.
    #[error("missing signature: neither {SHA256_HEADER} nor {SHA1_HEADER} was sent")]
    Missing,
    /// A header was sent but is not `<algorithm>=<hex digest>` of the right length.
    #[error("malformed {header} header: expected \"{prefix}\" followed by {hex_len} hex digits")]
    Malformed {
        /// The offending header's name.
        header: &'static str,
        /// The prefix the value must start with, e.g. `sha256=`.
        prefix: &'static str,
        /// How many hex digits must follow the prefix.
        hex_len: usize,
    },
    /// The signature is well-formed but does not match the body and secret.
    #[error("signature in {header} does not match the request body")]
    Mismatch {
        /// The header whose signature was checked.
        header: &'static str,
    },
}

/// Checks a delivery's signature against the shared `secret` and the raw request `body`.
///
/// `sha256_header` is the value of [`SHA256_HEADER`], `sha1_header` that of [`SHA1_HEADER`].
/// When the SHA-256 signature is present it alone decides, so a valid legacy SHA-1 signature
/// cannot rescue a wrong SHA-256 one. Digests are compared in constant time.
pub fn verify(
    secret: &[u8],
    body: &[u8],
    sha256_header: Option<&str>,
    sha1_header: Option<&str>,
) -> Result<(), SignatureError> {
    if let Some(value) = sha256_header {
        check::<Hmac<Sha256>>(secret, body, value, SHA256_HEADER, "sha256=")
    } else if let Some(value) = sha1_header {
        check::<Hmac<Sha1>>(secret, body, value, SHA1_HEADER, "sha1=")
    } else {
        Err(SignatureError::Missing)
    }
}

fn check<M: Mac + KeyInit>(
    secret: &[u8],
    body: &[u8],
    value: &str,
    header: &'static str,
    prefix: &'static str,
) -> Result<(), SignatureError> {
    let digest_len = <M as OutputSizeUser>::output_size();
    let malformed = SignatureError::Malformed {
        header,
        prefix,
        hex_len: digest_len * 2,
    };
    let expected = value
        .trim()
        .strip_prefix(prefix)
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .filter(|bytes| bytes.len() == digest_len)
        .ok_or(malformed)?;
    // HMAC accepts keys of any length, so this error arm is unreachable.
    let mut mac =
        <M as KeyInit>::new_from_slice(secret).map_err(|_| SignatureError::Mismatch { header })?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch { header })
}

#[cfg(test)]
mod tests {
    use super::*;

    // INLOOP's reference vector: key `secret`, body `foo`.
    const SHA1_FOO: &str = "sha1=9baed91be7f58b57c824b60da7cb262b2ecafbd2";
    // python3 -c "import hmac,hashlib; print(hmac.new(b'secret',b'foo',hashlib.sha256).hexdigest())"
    const SHA256_FOO: &str =
        "sha256=773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db4";

    #[test]
    fn spec_sha1_reference_vector_verifies() {
        assert_eq!(verify(b"secret", b"foo", None, Some(SHA1_FOO)), Ok(()));
    }

    #[test]
    fn sha256_vector_verifies() {
        assert_eq!(verify(b"secret", b"foo", Some(SHA256_FOO), None), Ok(()));
    }

    #[test]
    fn githubs_documented_example_verifies() {
        // The example in GitHub's "Validating webhook deliveries" guide.
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        let secret = b"It's a Secret to Everybody";
        assert_eq!(verify(secret, b"Hello, World!", Some(header), None), Ok(()));
    }

    #[test]
    fn uppercase_hex_and_surrounding_whitespace_are_accepted() {
        let header = format!("  sha1={}  ", SHA1_FOO[5..].to_uppercase());
        assert_eq!(verify(b"secret", b"foo", None, Some(&header)), Ok(()));
    }

    #[test]
    fn wrong_secret_is_a_mismatch() {
        let mismatch = |header| Err(SignatureError::Mismatch { header });
        assert_eq!(
            verify(b"wrong", b"foo", Some(SHA256_FOO), None),
            mismatch(SHA256_HEADER)
        );
        assert_eq!(
            verify(b"wrong", b"foo", None, Some(SHA1_FOO)),
            mismatch(SHA1_HEADER)
        );
    }

    #[test]
    fn tampered_body_is_a_mismatch() {
        assert!(matches!(
            verify(b"secret", b"foo ", Some(SHA256_FOO), None),
            Err(SignatureError::Mismatch { .. })
        ));
    }

    #[test]
    fn missing_headers_are_reported() {
        assert_eq!(
            verify(b"secret", b"foo", None, None),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn malformed_values_are_reported() {
        let sha256_bad = [
            "",
            "sha256",
            "sha256=",
            "sha1=9baed91be7f58b57c824b60da7cb262b2ecafbd2",
            "SHA256=773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db4",
            "sha256=773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62dbz",
            "sha256=773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db",
            "sha256=773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62d",
            "sha256=773ba44693c7553d6ee20f61ea5d2757a9a4f4a44d2841ae4e95b52e4cd62db400",
        ];
        for value in sha256_bad {
            let error = verify(b"secret", b"foo", Some(value), None).unwrap_err();
            assert!(
                matches!(error, SignatureError::Malformed { header, hex_len: 64, .. } if header == SHA256_HEADER),
                "{value:?} gave {error:?}"
            );
        }
        let error = verify(b"secret", b"foo", None, Some("sha1=xyz")).unwrap_err();
        assert!(matches!(
            error,
            SignatureError::Malformed { hex_len: 40, .. }
        ));
    }

    #[test]
    fn sha256_decides_when_both_are_given() {
        let wrong_sha256 =
            "sha256=0000000000000000000000000000000000000000000000000000000000000000";
        assert!(matches!(
            verify(b"secret", b"foo", Some(wrong_sha256), Some(SHA1_FOO)),
            Err(SignatureError::Mismatch { header }) if header == SHA256_HEADER
        ));
        assert!(matches!(
            verify(b"secret", b"foo", Some("garbage"), Some(SHA1_FOO)),
            Err(SignatureError::Malformed { .. })
        ));
        let wrong_sha1 = "sha1=0000000000000000000000000000000000000000";
        assert_eq!(
            verify(b"secret", b"foo", Some(SHA256_FOO), Some(wrong_sha1)),
            Ok(())
        );
    }

    #[test]
    fn messages_name_the_header() {
        let error = verify(b"secret", b"foo", Some("nope"), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "malformed X-Hub-Signature-256 header: expected \"sha256=\" followed by 64 hex digits"
        );
        let error = verify(b"s", b"foo", None, Some(SHA1_FOO)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "signature in X-Hub-Signature does not match the request body"
        );
    }
}
