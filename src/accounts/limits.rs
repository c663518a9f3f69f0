//! Rate limits for login, sign-up and password reset, per client address and per account.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// A request over its limit, and when to try again.
#[derive(Debug)]
pub struct TooMany {
    pub retry_after: Duration,
}

/// One keyed limit: `burst` requests at once, refilling to `burst` over `period`.
#[derive(Clone)]
pub struct Limit(Arc<DefaultKeyedRateLimiter<String>>);

impl Limit {
    fn new(burst: u32, period: Duration) -> Self {
        let burst = NonZeroU32::new(burst).expect("burst is positive");
        let quota = Quota::with_period(period / burst.get())
            .expect("period is positive")
            .allow_burst(burst);
        Self(Arc::new(RateLimiter::keyed(quota)))
    }

    /// Counts one request for `key`.
    pub fn check(&self, key: &str) -> Result<(), TooMany> {
        self.0
            .check_key(&key.to_lowercase())
            .map_err(|not_until| TooMany {
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            })
    }
}

/// The key of a client address in the limits: an IPv4 address itself, an IPv6 address by its
/// /64 prefix (one subscriber usually gets a whole /64 and may pick any address in it).
#[must_use]
pub fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return v4.to_string();
            }
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

/// All limits, managed as Rocket state (clones share the counters).
#[derive(Clone)]
pub struct Limits {
    /// Login attempts per account and client address: 10 in 15 minutes. Keyed by both, so
    /// that someone guessing a password from elsewhere cannot lock the account's owner out.
    pub login_account: Limit,
    /// Login attempts per client address.
    pub login_ip: Limit,
    /// Sign-ups per client address.
    pub signup_ip: Limit,
    /// Password-reset requests per client address and per e-mail address.
    pub reset_ip: Limit,
    pub reset_email: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        let minutes = Duration::from_mins;
        Self {
            login_account: Limit::new(10, minutes(15)),
            login_ip: Limit::new(60, minutes(15)),
            signup_ip: Limit::new(20, minutes(60)),
            reset_ip: Limit::new(10, minutes(15)),
            reset_email: Limit::new(3, minutes(60)),
        }
    }
}

impl Limits {
    /// Forgets keys whose limits are back to full, so memory stays bounded.
    pub fn prune(&self) {
        for limit in [
            &self.login_account,
            &self.login_ip,
            &self.signup_ip,
            &self.reset_ip,
            &self.reset_email,
        ] {
            limit.0.retain_recent();
            limit.0.shrink_to_fit();
        }
    }

    /// Keys held right now, for tests and monitoring.
    #[must_use]
    pub fn keys(&self) -> usize {
        [
            &self.login_account,
            &self.login_ip,
            &self.signup_ip,
            &self.reset_ip,
            &self.reset_email,
        ]
        .iter()
        .map(|limit| limit.0.len())
        .sum()
    }
}

/// Over a limit: the answer is 429 with `Retry-After`.
impl From<TooMany> for crate::web::AppError {
    fn from(too_many: TooMany) -> Self {
        Self::TooManyRequests(too_many.retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_limited_by_their_64_prefix() {
        let key = |text: &str| address_key(text.parse().unwrap());
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:1:2:3"));
        assert_eq!(key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(key("192.0.2.7"), "192.0.2.7");
        let limit = Limit::new(2, Duration::from_mins(15));
        for host in 1..=2 {
            limit.check(&key(&format!("2001:db8::{host}"))).unwrap();
        }
        assert!(limit.check(&key("2001:db8::ffff")).is_err());
    }

    #[test]
    fn the_eleventh_attempt_is_refused_with_a_wait_time() {
        let limit = Limit::new(10, Duration::from_mins(15));
        for _ in 0..10 {
            limit.check("Alice").unwrap();
        }
        let refused = limit.check("alice").unwrap_err();
        assert!(refused.retry_after > Duration::from_mins(1));
        assert!(limit.check("bob").is_ok());
    }

    #[test]
    fn pruning_forgets_keys_whose_limit_is_full_again() {
        let limit = Limit::new(2, Duration::from_millis(20));
        for key in ["a", "b", "c"] {
            limit.check(key).unwrap();
        }
        assert_eq!(limit.0.len(), 3);
        std::thread::sleep(Duration::from_millis(50));
        limit.0.retain_recent();
        assert_eq!(limit.0.len(), 0);
    }
}
