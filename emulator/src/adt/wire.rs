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

/// A model's upload time as the service sends it: with `+00:00`, and the fraction without
/// its trailing zeros (`…04.681806+00:00`, `…34.48012+00:00` in recorded replies of the live
/// service; no fraction at all when it is zero).
pub fn upload_time_form(timestamp: &str) -> String {
    let offset = offset_form(timestamp);
    let Some((whole, rest)) = offset.split_once('.') else {
        return offset;
    };
    let digits = rest.trim_end_matches("+00:00");
    let fraction = digits.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{whole}+00:00")
    } else {
        format!("{whole}.{fraction}+00:00")
    }
}

/// The `query-charge` header's value: the units with at most two decimals, without trailing
/// zeros (`2.8`, `3.16`, `13.68` in recorded replies of the live service).
pub fn charge_form(units: f64) -> String {
    let text = format!("{units:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_times_and_charges_are_written_as_the_service_writes_them() {
        assert_eq!(
            upload_time_form("2025-05-02T15:14:04.6818060Z"),
            "2025-05-02T15:14:04.681806+00:00"
        );
        assert_eq!(
            upload_time_form("2025-05-02T14:55:34.4801200Z"),
            "2025-05-02T14:55:34.48012+00:00"
        );
        assert_eq!(
            upload_time_form("2025-05-02T14:55:34.0000000Z"),
            "2025-05-02T14:55:34+00:00"
        );
        assert_eq!(charge_form(2.8), "2.8");
        assert_eq!(charge_form(3.164), "3.16");
        assert_eq!(charge_form(13.68), "13.68");
        assert_eq!(charge_form(1.0), "1");
    }

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
