//! Back-off after failed sign-ins. After [`FREE_FAILURES`] failures, each
//! further attempt must wait twice as long as the one before (1 s, 2 s, 4 s
//! … at most [`MAX_WAIT`]). Counted per address, and per user name *from
//! that address*: a stranger guessing the admin's password slows down
//! their own address, never the admin signing in from elsewhere. A
//! success clears both. Kept in memory: a restart forgets, which costs an
//! attacker a restart they cannot cause.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const FREE_FAILURES: u32 = 5;
pub const MAX_WAIT: Duration = Duration::from_secs(300);
/// Entries idle this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

impl Failures {
    fn wait_left(&self, now: Instant) -> Option<Duration> {
        if self.count < FREE_FAILURES {
            return None;
        }
        let wait = Duration::from_secs(1u64 << (self.count - FREE_FAILURES).min(16)).min(MAX_WAIT);
        let until = self.last + wait;
        (until > now).then(|| until - now)
    }
}

#[derive(Debug, Clone, Default)]
pub struct SignInThrottle {
    failures: Arc<Mutex<HashMap<String, Failures>>>,
}

fn keys(name: &str, address: Option<IpAddr>) -> [String; 2] {
    let address = address.map(|a| a.to_string()).unwrap_or_else(|| "unknown".into());
    [format!("addr {address}"), format!("user {name} from {address}")]
}

impl SignInThrottle {
    /// How long this attempt must still wait, if at all.
    pub fn wait_left(&self, name: &str, address: Option<IpAddr>) -> Option<Duration> {
        let now = Instant::now();
        let failures = self.failures.lock().expect("throttle lock");
        keys(name, address).iter().filter_map(|k| failures.get(k)?.wait_left(now)).max()
    }

    pub fn failed(&self, name: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("throttle lock");
        failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        for key in keys(name, address) {
            let entry = failures.entry(key).or_insert(Failures { count: 0, last: now });
            entry.count += 1;
            entry.last = now;
        }
    }

    pub fn succeeded(&self, name: &str, address: Option<IpAddr>) {
        let mut failures = self.failures.lock().expect("throttle lock");
        for key in keys(name, address) {
            failures.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_wait_doubles_per_address_and_name() {
        let throttle = SignInThrottle::default();
        let stranger = Some("192.0.2.7".parse().unwrap());
        let admin_desk = Some("192.0.2.8".parse().unwrap());
        for _ in 0..FREE_FAILURES - 1 {
            throttle.failed("admin", stranger);
        }
        assert_eq!(throttle.wait_left("admin", stranger), None);
        throttle.failed("admin", stranger);
        let wait = throttle.wait_left("admin", stranger).unwrap();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::from_millis(900), "{wait:?}");
        // The stranger's address waits for any name; the admin elsewhere does not.
        assert!(throttle.wait_left("bob", stranger).is_some());
        assert_eq!(throttle.wait_left("admin", admin_desk), None);
        throttle.failed("admin", stranger);
        assert!(throttle.wait_left("admin", stranger).unwrap() > Duration::from_millis(1900));
        throttle.succeeded("admin", stranger);
        assert_eq!(throttle.wait_left("admin", stranger), None);
    }
}
