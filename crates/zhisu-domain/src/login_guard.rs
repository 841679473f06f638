//! Log-in failure handling (issue 16.4; GB/T 22239-2019 8.1.4.1 b, 等保
//! level 3 "登录失败处理"): how many wrong passwords lock a log-in and for
//! how long, and how many failures one address may make. Pure: the store
//! keeps the counts, the service applies these rules.

use chrono::{DateTime, Duration, Utc};

/// The deployment's rules for failed log-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    /// Consecutive failures of one log-in that lock it.
    pub lock_after: u32,
    /// How long a locked log-in stays locked.
    pub lock_minutes: i64,
    /// Failures counted together: a failure older than this starts over.
    pub window_minutes: i64,
    /// Failures one address may make within the window, whatever log-ins
    /// it tries (password spraying).
    pub per_address: u32,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            lock_after: 5,
            lock_minutes: 15,
            window_minutes: 15,
            per_address: 30,
        }
    }
}

/// The failures counted against one log-in name (known or not: unknown
/// names are counted the same, so the answers tell nobody which exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub first_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl LoginPolicy {
    /// Until when `failures` keep the log-in locked at `now`, if they do.
    pub fn locked_until(
        &self,
        failures: Option<&Failures>,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        failures
            .and_then(|f| f.locked_until)
            .filter(|until| *until > now)
    }

    /// The count after one more failure at `now`; `locked_until` is set on
    /// the failure that reaches [`LoginPolicy::lock_after`].
    pub fn after_failure(&self, failures: Option<&Failures>, now: DateTime<Utc>) -> Failures {
        let window = Duration::minutes(self.window_minutes);
        let counting = failures
            .filter(|f| now - f.first_at < window || f.locked_until.is_some_and(|u| u > now));
        let (count, first_at) = match counting {
            // A lock that ran out starts a fresh count.
            Some(f) if f.locked_until.is_none() => (f.count + 1, f.first_at),
            _ => (1, now),
        };
        Failures {
            count,
            first_at,
            locked_until: (count >= self.lock_after)
                .then(|| now + Duration::minutes(self.lock_minutes)),
        }
    }

    /// Whether `recent` failures of one address (within the window) stop
    /// it trying again.
    pub fn address_held(&self, recent: usize) -> bool {
        recent >= self.per_address as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + minute * 60, 0).unwrap()
    }

    #[test]
    fn the_fifth_failure_in_the_window_locks_for_fifteen_minutes() {
        let policy = LoginPolicy::default();
        let mut f = None;
        for minute in 0..4 {
            let next = policy.after_failure(f.as_ref(), at(minute));
            assert_eq!(next.locked_until, None);
            f = Some(next);
        }
        let fifth = policy.after_failure(f.as_ref(), at(4));
        assert_eq!(fifth.count, 5);
        assert_eq!(fifth.locked_until, Some(at(19)));
        assert_eq!(policy.locked_until(Some(&fifth), at(18)), Some(at(19)));
        assert_eq!(policy.locked_until(Some(&fifth), at(19)), None);
        // After the lock, counting starts over.
        let after = policy.after_failure(Some(&fifth), at(20));
        assert_eq!((after.count, after.locked_until), (1, None));
    }

    #[test]
    fn failures_spread_past_the_window_do_not_lock() {
        let policy = LoginPolicy::default();
        let mut f = None;
        for n in 0..10 {
            let next = policy.after_failure(f.as_ref(), at(n * 4));
            assert_eq!(next.locked_until, None, "failure {n}");
            f = Some(next);
        }
    }

    #[test]
    fn an_address_is_held_at_its_limit() {
        let policy = LoginPolicy::default();
        assert!(!policy.address_held(29));
        assert!(policy.address_held(30));
    }
}
