//! When to try a request again, and how long to wait first.
//!
//! Pure rules ([`Backoff::next_wait`], [`parse_retry_after`]) plus the injected parts a
//! client needs at run time ([`Runtime`]: a sleep, a clock and a seedable jitter source), so
//! tests record the waits instead of sleeping.
//!
//! Invariants: at most [`RetryPolicy::max_attempts`] attempts per call; the sum of waits never
//! exceeds [`RetryPolicy::max_total_wait`]; a request that is not idempotent is retried only
//! after a 429, which the service sends instead of doing anything (a lost connection or a 5xx
//! may come after the write was applied, so those are not retried for such a request).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

/// Limits for one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    /// The first back-off step (before jitter).
    pub base_delay: Duration,
    /// No single back-off step is longer than this.
    pub max_delay: Duration,
    /// The waits of one call add up to at most this; a longer `Retry-After` ends the call.
    pub max_total_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
        }
    }
}

/// How one attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An HTTP answer with this status and its `Retry-After`, if any.
    Status {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No HTTP answer at all.
    Network,
}

/// Statuses worth another attempt: timeouts, throttling and transient server faults.
pub fn is_transient(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// A small seedable generator (xorshift64*) for jitter; not for anything secret.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    pub fn seeded(seed: u64) -> Self {
        // xorshift must not start at zero.
        Self(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    /// A seed from the platform's random source (falls back to a constant).
    pub fn from_entropy() -> Self {
        let mut bytes = [0u8; 8];
        let _ = getrandom::getrandom(&mut bytes);
        Self::seeded(u64::from_le_bytes(bytes))
    }

    /// Uniform in `[0, 1)`.
    pub fn next_fraction(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        let out = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (out >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The retry state of one call.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    attempts: u32,
    waited: Duration,
}

impl Backoff {
    pub fn new(policy: RetryPolicy) -> Self {
        Self {
            policy,
            attempts: 0,
            waited: Duration::ZERO,
        }
    }

    /// Attempts made so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Total time waited so far.
    pub fn waited(&self) -> Duration {
        self.waited
    }

    /// Records an attempt that ended in `outcome`; the wait before the next attempt, or
    /// `None` when the call should end with this outcome.
    pub fn next_wait(
        &mut self,
        outcome: Outcome,
        idempotent: bool,
        jitter: &mut Jitter,
    ) -> Option<Duration> {
        self.attempts += 1;
        let refused_unprocessed = matches!(outcome, Outcome::Status { status: 429, .. });
        if (!idempotent && !refused_unprocessed) || self.attempts >= self.policy.max_attempts {
            return None;
        }
        let wait = match outcome {
            Outcome::Status {
                status: 429 | 503,
                retry_after: Some(after),
            } => after,
            Outcome::Status { status, .. } if !is_transient(status) => return None,
            _ => self.step(jitter),
        };
        let total = self.waited + wait;
        if total > self.policy.max_total_wait {
            return None;
        }
        self.waited = total;
        Some(wait)
    }

    /// Exponential step for the current retry, half fixed and half jitter ("equal jitter").
    fn step(&self, jitter: &mut Jitter) -> Duration {
        let exponent = self.attempts.saturating_sub(1).min(16);
        let full = self
            .policy
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.policy.max_delay);
        let half = full / 2;
        half + half.mul_f64(jitter.next_fraction())
    }
}

/// `Retry-After`: delay-seconds or an HTTP date (relative to `now_unix`). Past dates are 0.
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(Duration::from_secs(
        at.saturating_sub(now_unix).max(0) as u64
    ))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix seconds.
pub fn parse_http_date(value: &str) -> Option<i64> {
    let (_, rest) = value.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let day: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Waits for a duration; the browser's is `setTimeout`, tests record and return at once.
pub type Sleeper = Rc<dyn Fn(Duration) -> Pin<Box<dyn Future<Output = ()>>>>;

/// What a client needs besides HTTP to retry: sleep, clock (Unix seconds) and jitter.
#[derive(Clone)]
pub struct Runtime {
    pub sleep: Sleeper,
    pub now_unix: Rc<dyn Fn() -> i64>,
    pub jitter: Rc<RefCell<Jitter>>,
    pub policy: RetryPolicy,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// The browser's timer and clock, with jitter seeded from the platform's random source.
    ///
    /// Outside wasm (native tests) there is no browser timer: the sleep returns at once and
    /// the clock reads the system time; tests that care inject their own [`Runtime`].
    pub fn browser() -> Self {
        Self {
            sleep: Rc::new(platform::sleep),
            now_unix: Rc::new(platform::now_unix),
            jitter: Rc::new(RefCell::new(Jitter::from_entropy())),
            policy: RetryPolicy::default(),
        }
    }
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use super::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    pub fn sleep(wait: Duration) -> Pin<Box<dyn Future<Output = ()>>> {
        let ms = wait.as_millis().min(i32::MAX as u128) as i32;
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let Some(window) = web_sys::window() else {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
                return;
            };
            let callback = Closure::once_into_js(move || {
                let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
            });
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                callback.unchecked_ref(),
                ms,
            );
        });
        Box::pin(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        })
    }

    pub fn now_unix() -> i64 {
        (js_sys::Date::now() / 1000.0) as i64
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod platform {
    use super::*;

    pub fn sleep(_wait: Duration) -> Pin<Box<dyn Future<Output = ()>>> {
        Box::pin(std::future::ready(()))
    }

    pub fn now_unix() -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16, retry_after: Option<u64>) -> Outcome {
        Outcome::Status {
            status,
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    /// Runs `outcomes` through a fresh back-off; the waits it granted.
    fn check(outcomes: &[Outcome], idempotent: bool) -> Vec<Option<Duration>> {
        let mut backoff = Backoff::new(RetryPolicy::default());
        let mut jitter = Jitter::seeded(7);
        outcomes
            .iter()
            .map(|o| backoff.next_wait(*o, idempotent, &mut jitter))
            .collect()
    }

    #[test]
    fn retry_after_is_honoured_exactly() {
        assert_eq!(
            check(&[status(429, Some(2)), status(503, Some(1))], true),
            vec![Some(Duration::from_secs(2)), Some(Duration::from_secs(1))]
        );
    }

    #[test]
    fn at_most_four_attempts() {
        let waits = check(&[status(429, Some(1)); 5], true);
        assert_eq!(waits.iter().filter(|w| w.is_some()).count(), 3);
        assert_eq!(waits[3], None);
    }

    #[test]
    fn non_idempotent_requests_are_retried_only_after_a_429() {
        // A throttled write was not done: it is sent again, after `Retry-After` or a back-off.
        let waits = check(&[status(429, Some(1)), status(429, None)], false);
        assert_eq!(waits[0], Some(Duration::from_secs(1)));
        let backed_off = waits[1].expect("a 429 without Retry-After is retried too");
        assert!(backed_off >= Duration::from_millis(500) && backed_off <= Duration::from_secs(1));
        for maybe_applied in [status(500, None), status(503, Some(1)), Outcome::Network] {
            assert_eq!(
                check(&[maybe_applied], false),
                vec![None],
                "{maybe_applied:?}"
            );
        }
    }

    #[test]
    fn permanent_failures_are_not_retried() {
        for permanent in [400, 401, 403, 404, 409, 412] {
            assert_eq!(check(&[status(permanent, None)], true), vec![None]);
        }
    }

    #[test]
    fn back_off_grows_with_jitter_inside_bounds() {
        let waits = check(
            &[status(500, None), Outcome::Network, status(502, None)],
            true,
        );
        let policy = RetryPolicy::default();
        for (i, wait) in waits.iter().enumerate() {
            let full = policy.base_delay * (1 << i);
            let wait = wait.expect("retried");
            assert!(wait >= full / 2 && wait <= full, "step {i}: {wait:?}");
        }
        // Same seed, same waits; another seed, other waits.
        assert_eq!(
            waits,
            check(
                &[status(500, None), Outcome::Network, status(502, None)],
                true
            )
        );
        let mut other = Backoff::new(policy);
        let mut jitter = Jitter::seeded(8);
        assert_ne!(
            other.next_wait(status(500, None), true, &mut jitter),
            waits[0]
        );
    }

    #[test]
    fn a_retry_after_beyond_the_budget_ends_the_call() {
        assert_eq!(check(&[status(429, Some(31))], true), vec![None]);
        let waits = check(&[status(429, Some(20)), status(429, Some(20))], true);
        assert_eq!(waits, vec![Some(Duration::from_secs(20)), None]);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(now, 784_111_777);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:40:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "-1",
            "soon",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:00:00 GMT",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
