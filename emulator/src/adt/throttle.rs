//! Per-instance request throttling, to exercise clients' handling of 429 and `Retry-After`.

use crate::clock::UnixSeconds;

/// How an instance throttles its data plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Throttle {
    /// Never.
    #[default]
    Off,
    /// Every n-th request (counting from when the mode was set) is refused.
    EveryNth(u32),
    /// At most this many requests per clock second; the rest are refused until the next one.
    PerSecond(u32),
}

/// The counters behind a [`Throttle`].
#[derive(Debug, Default)]
pub struct Throttler {
    mode: Throttle,
    seen: u64,
    window: UnixSeconds,
    in_window: u32,
}

impl Throttler {
    pub fn new(mode: Throttle) -> Self {
        Self {
            mode,
            ..Self::default()
        }
    }

    /// Changes the mode and resets the counters.
    pub fn set(&mut self, mode: Throttle) {
        *self = Self::new(mode);
    }

    pub fn mode(&self) -> Throttle {
        self.mode
    }

    /// Counts one request at `now`: `Some(retry_after_seconds)` when it must be refused.
    pub fn admit(&mut self, now: UnixSeconds) -> Option<u64> {
        match self.mode {
            Throttle::Off => None,
            Throttle::EveryNth(n) => {
                self.seen += 1;
                (n > 0 && self.seen.is_multiple_of(u64::from(n))).then_some(1)
            }
            Throttle::PerSecond(limit) => {
                if self.window != now {
                    self.window = now;
                    self.in_window = 0;
                }
                self.in_window += 1;
                (self.in_window > limit).then_some(1)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(mode: Throttle, times: &[UnixSeconds]) -> Vec<bool> {
        let mut t = Throttler::new(mode);
        times.iter().map(|now| t.admit(*now).is_some()).collect()
    }

    #[test]
    fn modes_refuse_the_right_requests() {
        assert_eq!(refused(Throttle::Off, &[0, 0, 0]), vec![false; 3]);
        assert_eq!(
            refused(Throttle::EveryNth(2), &[0, 0, 0, 0]),
            vec![false, true, false, true]
        );
        assert_eq!(refused(Throttle::EveryNth(1), &[0, 0]), vec![true, true]);
        assert_eq!(
            refused(Throttle::PerSecond(2), &[5, 5, 5, 6, 6, 6, 6]),
            vec![false, false, true, false, false, true, true]
        );
    }
}
