//! Small wire-format pieces every ADT resource shares: weak ETags and the service's
//! timestamps (RFC 3339, UTC, seven fractional digits like `2022-05-26T07:29:49.0148437Z`).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::clock::{Clock, UnixSeconds, civil};

/// A new weak ETag, `W/"<guid>"`.
pub fn new_etag() -> String {
    format!("W/\"{}\"", crate::identity::jwt::random_guid())
}

/// Now on the injected clock, with the system's sub-second part for ordering.
pub fn now(clock: &Clock) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    timestamp(clock.now(), nanos / 100)
}

/// `YYYY-MM-DDThh:mm:ss.fffffffZ`; `ticks` is hundreds of nanoseconds (0..10,000,000).
pub fn timestamp(t: UnixSeconds, ticks: u32) -> String {
    let (y, mo, d, h, mi, s) = civil(t);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:07}Z",
        ticks % 10_000_000
    )
}

/// Model upload times end in `+00:00` instead of `Z`, as the service sends them.
pub fn offset_form(timestamp: &str) -> String {
    match timestamp.strip_suffix('Z') {
        Some(t) => format!("{t}+00:00"),
        None => timestamp.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_seven_fractional_digits() {
        assert_eq!(timestamp(0, 0), "1970-01-01T00:00:00.0000000Z");
        assert_eq!(
            timestamp(1_653_550_189, 148_437),
            "2022-05-26T07:29:49.0148437Z"
        );
        assert_eq!(
            offset_form("2022-05-26T10:30:14.0659622Z"),
            "2022-05-26T10:30:14.0659622+00:00"
        );
    }

    #[test]
    fn etags_are_weak_and_unique() {
        let (a, b) = (new_etag(), new_etag());
        assert!(
            a.starts_with("W/\"") && a.ends_with('"') && a.len() == 40,
            "{a}"
        );
        assert_ne!(a, b);
    }
}
