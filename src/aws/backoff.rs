use std::time::Duration;

/// Exponential backoff with full jitter, for the retries the SDK cannot do itself: items a
/// batch call left unprocessed, entries PublishBatch refused, a transaction cancelled by a
/// conflict.
///
/// Full jitter (a uniformly random wait up to the exponential bound) spreads two
/// invocations that failed together, so they do not collide again on the next try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The bound of the first wait.
    pub first_wait: Duration,
    /// No wait is longer than this.
    pub max_wait: Duration,
    /// How many retries follow the first attempt.
    pub max_retries: u32,
}

impl Backoff {
    /// The backoff the store and the notifier use: up to four retries, waits bounded by
    /// 100 ms, 200 ms, 400 ms and 800 ms. About a second and a half at worst, which leaves
    /// the rest of a run's budget to the next step; what is still refused after that is
    /// left for the next run.
    pub const STANDARD: Backoff = Backoff {
        first_wait: Duration::from_millis(100),
        max_wait: Duration::from_secs(2),
        max_retries: 4,
    };

    /// The wait before retry number `retry` (0 for the first retry), or `None` when the
    /// retries are used up.
    pub fn wait_before(&self, retry: u32) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let bound = self.first_wait.saturating_mul(2u32.saturating_pow(retry));
        let bound = bound.min(self.max_wait);
        Some(bound.mul_f64(fastrand::f64()))
    }

    /// Waits before retry number `retry`; false when the retries are used up.
    pub async fn sleep_before(&self, retry: u32) -> bool {
        match self.wait_before(retry) {
            Some(wait) => {
                tokio::time::sleep(wait).await;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_to_the_cap_and_then_stop() {
        let backoff = Backoff {
            first_wait: Duration::from_millis(100),
            max_wait: Duration::from_millis(300),
            max_retries: 4,
        };
        for _ in 0..100 {
            assert!(backoff.wait_before(0).unwrap() <= Duration::from_millis(100));
            assert!(backoff.wait_before(1).unwrap() <= Duration::from_millis(200));
            assert!(backoff.wait_before(3).unwrap() <= Duration::from_millis(300));
        }
        assert_eq!(backoff.wait_before(4), None);
    }

    #[test]
    fn waits_are_spread_rather_than_fixed() {
        let waits: std::collections::BTreeSet<Duration> = (0..20)
            .filter_map(|_| Backoff::STANDARD.wait_before(2))
            .collect();
        assert!(waits.len() > 1);
    }
}
