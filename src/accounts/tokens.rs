//! Signed, expiring, single-use links (activation, password reset).
//!
//! A token is `<user id>-<expiry>-<MAC>`, the MAC (HMAC-SHA256 under a key derived for the
//! purpose) covering the id, the expiry and the account's state that using the link changes
//! (the active flag, the password hash). Using the link changes that state, so it works once.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::User;
use crate::config::Secret;
use crate::db::Timestamp;

/// What a token is for; each purpose has its own key and lifetime.
#[derive(Clone, Copy, Debug)]
pub enum Purpose {
    Activation,
    PasswordReset,
}

impl Purpose {
    fn key_name(self) -> &'static str {
        match self {
            Self::Activation => "activation-link",
            Self::PasswordReset => "password-reset-link",
        }
    }

    /// How long a link stays valid.
    #[must_use]
    pub fn lifetime(self) -> time::Duration {
        match self {
            Self::Activation => time::Duration::days(7),
            Self::PasswordReset => time::Duration::days(3),
        }
    }

    fn state(self, user: &User) -> String {
        match self {
            Self::Activation => format!("{}", user.is_active),
            Self::PasswordReset => format!(
                "{}|{:?}",
                user.password_hash,
                user.last_login.map(Timestamp::millis)
            ),
        }
    }
}

/// Why a token was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is malformed")]
    Malformed,
    #[error("the link has expired")]
    Expired,
    #[error("the link is not valid (used already, or altered)")]
    Invalid,
}

fn mac(secret: &Secret, purpose: Purpose, user: &User, expiry: i64) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(&secret.derive(purpose.key_name())).expect("any key length");
    mac.update(format!("{}|{expiry}|{}", user.id, purpose.state(user)).as_bytes());
    mac
}

/// A fresh token for `user`.
#[must_use]
pub fn issue(secret: &Secret, purpose: Purpose, user: &User) -> String {
    let expiry = Timestamp::now().plus(purpose.lifetime()).millis() / 1000;
    let signature = mac(secret, purpose, user, expiry).finalize().into_bytes();
    format!("{}-{expiry}-{}", user.id, URL_SAFE_NO_PAD.encode(signature))
}

/// The user id a token names, before its user is looked up.
pub fn user_id(token: &str) -> Result<i64, TokenError> {
    token
        .split('-')
        .next()
        .and_then(|id| id.parse().ok())
        .ok_or(TokenError::Malformed)
}

/// Checks `token` against the user it names.
pub fn verify(
    secret: &Secret,
    purpose: Purpose,
    user: &User,
    token: &str,
) -> Result<(), TokenError> {
    let mut parts = token.splitn(3, '-');
    let (Some(_), Some(expiry), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let expiry: i64 = expiry.parse().map_err(|_| TokenError::Malformed)?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| TokenError::Malformed)?;
    mac(secret, purpose, user, expiry)
        .verify_slice(&signature)
        .map_err(|_| TokenError::Invalid)?;
    if expiry < Timestamp::now().millis() / 1000 {
        return Err(TokenError::Expired);
    }
    Ok(())
}
