//! Bloom filters of the codes ever scanned and ever traded: a scan of a
//! code neither set holds needs no store read for its state (the hot
//! path of a first scan).

use std::sync::atomic::{AtomicU64, Ordering};

use zhisu_store::Store;

/// Fingerprints of a set of codes (a Bloom filter, 7 hashes, about 10 bits
/// per code): a code it does not know is not in the set, so the scan needs
/// no read to learn that. No false negatives; a false positive only costs
/// the read it would have made anyway.
pub(crate) struct CodeFilter {
    pub(crate) bits: Vec<AtomicU64>,
    pub(crate) ready: std::sync::atomic::AtomicBool,
}

/// The codes with state a scan shows: most codes of a large batch have
/// none, and their first scan then reads nothing.
pub(crate) struct CodeFilters {
    /// Codes with stored scans (their count and alerts are read once).
    pub(crate) scanned: CodeFilter,
    /// Codes delivered to an enterprise on the platform (their sellers are
    /// read once).
    pub(crate) traded: CodeFilter,
}

impl CodeFilter {
    const HASHES: u64 = 7;

    pub(crate) fn with_capacity(codes: usize) -> Self {
        let words = (codes.max(1 << 20) * 10).div_ceil(64);
        CodeFilter {
            bits: (0..words).map(|_| AtomicU64::new(0)).collect(),
            ready: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub(crate) fn positions(&self, key: &str) -> impl Iterator<Item = usize> + '_ {
        use std::hash::{BuildHasher, Hasher};
        let hash = |seed: u64| {
            let mut h = std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
                .build_hasher();
            h.write_u64(seed);
            h.write(key.as_bytes());
            h.finish()
        };
        let (a, b) = (hash(0x5eed_0001), hash(0x5eed_0002) | 1);
        let m = (self.bits.len() * 64) as u64;
        (0..Self::HASHES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % m) as usize)
    }

    pub(crate) fn insert(&self, key: &str) {
        for p in self.positions(key) {
            self.bits[p / 64].fetch_or(1 << (p % 64), Ordering::Relaxed);
        }
    }

    pub(crate) fn may_contain(&self, key: &str) -> bool {
        self.positions(key)
            .all(|p| self.bits[p / 64].load(Ordering::Relaxed) & (1 << (p % 64)) != 0)
    }

    /// Certainly not in the set (false while the set is still loading).
    pub(crate) fn lacks(&self, key: &str) -> bool {
        self.ready.load(Ordering::Acquire) && !self.may_contain(key)
    }

    /// Fills the filter from the store, a page at a time, then marks it
    /// ready. On a failure it stays not ready: every first scan reads.
    pub(crate) async fn load(&self, store: &dyn Store, set: zhisu_store::CodeSet) {
        let mut after = String::new();
        loop {
            match store.codes_with_state(set, &after, 10_000).await {
                Ok(codes) if codes.is_empty() => break,
                Ok(codes) => {
                    for c in &codes {
                        self.insert(c);
                    }
                    after = codes.last().expect("not empty").clone();
                }
                Err(e) => {
                    tracing::error!(error = %e, ?set, "loading codes failed; every first scan reads the store");
                    return;
                }
            }
        }
        self.ready.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seen_filter_never_forgets_and_rarely_imagines() {
        let filter = CodeFilter::with_capacity(100_000);
        let keys: Vec<String> = (0..100_000)
            .map(|i| format!("(01)06970000000017(21){i:017}"))
            .collect();
        for k in &keys {
            filter.insert(k);
        }
        assert!(
            keys.iter().all(|k| filter.may_contain(k)),
            "no false negatives"
        );
        let false_positives = (0..100_000)
            .filter(|i| filter.may_contain(&format!("(01)06970000000024(21){i:017}")))
            .count();
        assert!(
            false_positives < 2_000,
            "{false_positives} false positives in 100,000"
        );
    }
}
