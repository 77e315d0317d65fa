//! One retry policy for every remote call prowcov makes (object storage, GitHub): exponential backoff, a cap on
//! the number of retries and on the time spent, and the longest server-requested wait honoured. Pure data and
//! arithmetic; the clients apply it.

use std::time::Duration;

/// How transient failures (connection errors, 429, 5xx, rate limits) are retried: exponential backoff from
/// `initial_backoff`, doubling up to `max_backoff`, at most `max_retries` times, and no retry starting later than
/// `total` after the first attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The first backoff; it doubles on each retry up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest backoff between two attempts.
    pub max_backoff: Duration,
    /// No retry starts later than this after the first attempt.
    pub total: Duration,
    /// The longest `retry-after` (or rate-limit reset) honoured; a longer one fails at once instead of hanging the job.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// Object storage: four retries within 30 s, enough for a blip, short enough that a dead endpoint fails the job
    /// quickly (object_store's own default is 10 retries within 180 s).
    pub const STORAGE: RetryPolicy = RetryPolicy {
        max_retries: 4,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(5),
        total: Duration::from_secs(30),
        max_retry_after: Duration::from_secs(30),
    };

    /// GitHub: four retries within 2 minutes, waiting at most 60 s for a rate limit: a blip is ridden out, an outage
    /// fails the job in bounded time.
    pub const GITHUB: RetryPolicy = RetryPolicy {
        max_retries: 4,
        initial_backoff: Duration::from_millis(500),
        max_backoff: Duration::from_secs(8),
        total: Duration::from_secs(120),
        max_retry_after: Duration::from_secs(60),
    };

    /// The backoff before retry number `retry` (0-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        self.initial_backoff
            .saturating_mul(1u32 << retry.min(16))
            .min(self.max_backoff)
    }

    /// Whether retry number `retry` (0-based) may still start, `elapsed` after the first attempt, waiting `delay`.
    pub fn allows(&self, retry: u32, elapsed: Duration, delay: Duration) -> bool {
        retry < self.max_retries && elapsed + delay <= self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::GITHUB;
        assert_eq!(p.backoff(0), Duration::from_millis(500));
        assert_eq!(p.backoff(1), Duration::from_secs(1));
        assert_eq!(p.backoff(10), Duration::from_secs(8));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(8), "no overflow");
        assert!(p.allows(0, Duration::ZERO, p.backoff(0)));
        assert!(!p.allows(4, Duration::ZERO, p.backoff(4)), "four retries at most");
        assert!(
            !p.allows(0, Duration::from_secs(120), Duration::from_millis(1)),
            "no retry past the total"
        );
    }
}
