//! Made-up serials under a filed product (G6.1.3, issue 15.6): one serial
//! that was never issued is a typo or one fake; several different ones
//! scanned under the same product within a day mean someone prints codes
//! of their own for it. The tracker keeps, per product, the distinct
//! made-up serials seen in the current window, and says once per window
//! when they reach the limit. It is bounded: a flood of products or
//! serials cannot grow it past [`Guesses::MAX_PRODUCTS`] entries of at most
//! `limit` serials each.

use std::collections::HashMap;

/// The limits a deployment sets for guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuessPolicy {
    /// Distinct made-up serials of one product that raise an alert.
    pub limit: usize,
    /// How long a window lasts, in seconds.
    pub window_secs: i64,
}

impl Default for GuessPolicy {
    fn default() -> Self {
        GuessPolicy {
            limit: 3,
            window_secs: 24 * 3600,
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    started: i64,
    serials: Vec<String>,
    alerted: bool,
}

/// The made-up serials seen per product.
#[derive(Debug, Default)]
pub struct Guesses {
    by_product: HashMap<i64, Window>,
}

impl Guesses {
    /// Products tracked at once; past it, windows that ended are dropped,
    /// and if none has, the oldest one.
    pub const MAX_PRODUCTS: usize = 10_000;

    /// Notes a scan of `serial`, never issued, under `product` at `now`
    /// (unix seconds). `Some(n)`: this scan brought the distinct made-up
    /// serials of the window to the limit `n`, so raise the alert now.
    pub fn note(
        &mut self,
        product: i64,
        serial: &str,
        now: i64,
        policy: &GuessPolicy,
    ) -> Option<usize> {
        if !self.by_product.contains_key(&product) && self.by_product.len() >= Self::MAX_PRODUCTS {
            self.by_product
                .retain(|_, w| now - w.started < policy.window_secs);
            if self.by_product.len() >= Self::MAX_PRODUCTS {
                let oldest = self
                    .by_product
                    .iter()
                    .min_by_key(|(_, w)| w.started)
                    .map(|(p, _)| *p);
                if let Some(p) = oldest {
                    self.by_product.remove(&p);
                }
            }
        }
        let window = self.by_product.entry(product).or_insert_with(|| Window {
            started: now,
            ..Default::default()
        });
        if now - window.started >= policy.window_secs {
            *window = Window {
                started: now,
                ..Default::default()
            };
        }
        if window.alerted || window.serials.iter().any(|s| s == serial) {
            return None;
        }
        window.serials.push(serial.chars().take(64).collect());
        if window.serials.len() >= policy.limit {
            window.alerted = true;
            window.serials.clear();
            return Some(policy.limit);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_distinct_made_up_serials_raise_once_a_window() {
        let policy = GuessPolicy::default();
        let mut g = Guesses::default();
        // Nine scans of three made-up serials (the case).
        let mut raised = Vec::new();
        for round in 0..3 {
            for serial in ["FAKE1", "FAKE2", "FAKE3"] {
                raised.push(g.note(7, serial, 100 + round, &policy));
            }
        }
        assert_eq!(raised.iter().filter(|r| r.is_some()).count(), 1);
        assert_eq!(raised[2], Some(3), "the third distinct serial raises it");
        // The same serial again and again is one guess, not many.
        let mut g = Guesses::default();
        for t in 0..100 {
            assert_eq!(g.note(8, "TYPO", t, &policy), None);
        }
        // Another product counts on its own; a new window may raise again.
        assert_eq!(g.note(9, "A", 0, &policy), None);
        let mut g = Guesses::default();
        for s in ["A", "B", "C"] {
            g.note(1, s, 0, &policy);
        }
        assert_eq!(g.note(1, "D", 10, &policy), None, "once a window");
        let next = policy.window_secs + 1;
        assert_eq!(g.note(1, "A", next, &policy), None);
        assert_eq!(g.note(1, "B", next, &policy), None);
        assert_eq!(g.note(1, "C", next, &policy), Some(3));
    }

    #[test]
    fn the_tracker_stays_bounded() {
        let policy = GuessPolicy::default();
        let mut g = Guesses::default();
        for p in 0..(Guesses::MAX_PRODUCTS as i64 + 500) {
            g.note(p, "X", p, &policy);
        }
        assert!(g.by_product.len() <= Guesses::MAX_PRODUCTS);
    }
}
