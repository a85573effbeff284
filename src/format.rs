//! Words and dates as people read them: counts with the right form of the noun ("1
//! organisation", "2 organisations", never "organisation(s)"), and timestamps in the user's
//! locale with the service's raw value kept for a hover title.
//!
//! The parsing and counting are pure (tested natively); only [`local_date_time`] asks the
//! browser (`Intl.DateTimeFormat`, the user's own locale and time zone). Natively it gives
//! a fixed UTC rendering, so native callers and tests never depend on the machine's locale.
//! The [`LocalTime`](crate::components::local_time::LocalTime) component shows one.

/// `s` in lower case, by Unicode's default case mapping: in the browser its own
/// (`String.prototype.toLowerCase`, the same mapping as `str::to_lowercase`), so the wasm
/// carries no case tables of its own (24 kB, 7.9 kB Brotli, in the first load's module: data
/// never moves to a lazy one); natively `str::to_lowercase`.
pub fn lowercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(s).to_lower_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

/// `s` in upper case, as [`lowercase`] does it (`String.prototype.toUpperCase` in the browser).
pub fn uppercase(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        js_sys::JsString::from(s).to_upper_case().into()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_uppercase()
    }
}

/// `1 organisation`, `2 organisations`, `0 organisations`: the count, a space, and `one`
/// when `n` is exactly 1, else `many`. Counts of a thousand and more get thousands
/// separators (`1,250 twins`).
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// `n` with a comma every three digits.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Why a string is not an RFC 3339 timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("`{0}` is not a date and time (expected e.g. 2024-05-01T09:30:00Z)")]
    Shape(String),
    #[error("`{0}` names a day, hour or minute that does not exist")]
    OutOfRange(String),
}

/// Milliseconds since the Unix epoch (UTC) of an RFC 3339 timestamp as Azure services send
/// them: `YYYY-MM-DDTHH:MM:SS`, any number of fraction digits (ADT sends seven), then `Z` or
/// an offset `±HH:MM`. `T`/`Z` in either case; a space instead of `T` is accepted. Fractions
/// are cut (not rounded) to whole milliseconds; a leap second reads as :59.
pub fn parse_timestamp(raw: &str) -> Result<i64, TimestampError> {
    let shape = || TimestampError::Shape(raw.to_owned());
    let range = || TimestampError::OutOfRange(raw.to_owned());
    let b = raw.as_bytes();
    if b.len() < 20 || !raw.is_ascii() {
        return Err(shape());
    }
    let number = |from: usize, len: usize| -> Result<i64, TimestampError> {
        let part = &raw[from..from + len];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| shape())
        } else {
            Err(shape())
        }
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return Err(shape());
    }
    if b[13] != b':' || b[16] != b':' {
        return Err(shape());
    }
    let (year, month, day) = (number(0, 4)?, number(5, 2)?, number(8, 2)?);
    let (hour, minute, second) = (number(11, 2)?, number(14, 2)?, number(17, 2)?);
    let mut i = 19;
    let mut millis = 0;
    if b[i] == b'.' {
        let start = i + 1;
        let digits = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(shape());
        }
        let kept = &raw[start..start + digits.min(3)];
        millis = kept.parse::<i64>().map_err(|_| shape())? * 10_i64.pow(3 - kept.len() as u32);
        i = start + digits;
    }
    let offset_minutes = match &raw[i..] {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && matches!(zone.as_bytes()[0], b'+' | b'-') => {
            if zone.as_bytes()[3] != b':' {
                return Err(shape());
            }
            let hours = number(i + 1, 2)?;
            let minutes = number(i + 4, 2)?;
            if hours > 23 || minutes > 59 {
                return Err(range());
            }
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            sign * (hours * 60 + minutes)
        }
        _ => return Err(shape()),
    };
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return Err(range());
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second.min(59) - offset_minutes * 60;
    Ok(seconds * 1_000 + millis)
}

/// `2026-12-04T00:40:19Z`: an RFC 3339 timestamp (UTC, whole seconds) for seconds since the
/// epoch, as a `<time datetime>` value and a hover title.
pub fn rfc3339_from_unix(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        (rest % 3_600) / 60,
        rest % 60
    )
}

/// `raw` in the user's locale and time zone (`4 Dec 2026, 00:40` for en-GB), or `None` when
/// `raw` is not a timestamp (show it as it is then).
pub fn local_date_time(raw: &str) -> Option<String> {
    let millis = parse_timestamp(raw).ok()?;
    Some(format_millis(millis, None, None))
}

/// Milliseconds since the epoch as a medium date and short time. In the browser through
/// `Intl.DateTimeFormat` with `locale` (the user's when `None`) and `time_zone` (the
/// user's when `None`); natively `2026-12-04 00:40 UTC` whatever is asked.
#[cfg(target_arch = "wasm32")]
pub fn format_millis(millis: i64, locale: Option<&str>, time_zone: Option<&str>) -> String {
    use wasm_bindgen::JsValue;
    let locales = js_sys::Array::new();
    if let Some(locale) = locale {
        locales.push(&JsValue::from_str(locale));
    }
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("dateStyle", "medium");
    set("timeStyle", "short");
    if let Some(zone) = time_zone {
        set("timeZone", zone);
    }
    let format = js_sys::Intl::DateTimeFormat::new(&locales, &options).format();
    let date = js_sys::Date::new(&JsValue::from_f64(millis as f64));
    format
        .call1(&JsValue::UNDEFINED, &date)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| utc_text(millis))
}

/// Natively: `2026-12-04 00:40 UTC` (no locale to ask).
#[cfg(not(target_arch = "wasm32"))]
pub fn format_millis(millis: i64, _locale: Option<&str>, _time_zone: Option<&str>) -> String {
    utc_text(millis)
}

fn utc_text(millis: i64) -> String {
    let iso = rfc3339_from_unix(millis.div_euclid(1_000));
    format!("{} {} UTC", &iso[..10], &iso[11..16])
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_and_many_without_parentheses() {
        assert_eq!(count(0, "organisation", "organisations"), "0 organisations");
        assert_eq!(count(1, "organisation", "organisations"), "1 organisation");
        assert_eq!(count(2, "organisation", "organisations"), "2 organisations");
        assert_eq!(count(1, "model", "models"), "1 model");
        assert_eq!(count(1_250, "twin", "twins"), "1,250 twins");
        assert_eq!(count(1_000_000, "row", "rows"), "1,000,000 rows");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(0), "0");
    }

    #[test]
    fn timestamps_as_azure_sends_them_are_read_to_the_millisecond() {
        // ADT: seven fraction digits, Z.
        assert_eq!(
            parse_timestamp("2026-12-04T00:40:19.8632017Z"),
            Ok(1_796_344_819_863)
        );
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_timestamp("1970-01-01t00:00:01.5z"), Ok(1_500));
        assert_eq!(parse_timestamp("1970-01-01 00:00:00.001Z"), Ok(1));
        // Offsets move the instant.
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Ok(0));
        assert_eq!(parse_timestamp("1969-12-31T23:30:00-00:30"), Ok(0));
        // Leap day, and a leap second read as :59.
        assert_eq!(
            parse_timestamp("2024-02-29T12:00:00Z"),
            Ok(1_709_208_000_000)
        );
        assert_eq!(
            parse_timestamp("2016-12-31T23:59:60Z"),
            parse_timestamp("2016-12-31T23:59:59Z")
        );
    }

    #[test]
    fn anything_else_is_refused_not_guessed() {
        for bad in [
            "",
            "yesterday",
            "2024-05-01",
            "2024-05-01T09:30:00",
            "2024-05-01T09:30Z",
            "2024-05-01T09:30:00.Z",
            "2024-05-01T09:30:00+0100",
            "2024/05/01T09:30:00Z",
            "2024-05-01T09:30:00Z trailing",
            "２024-05-01T09:30:00Z",
            "+2024-05-01T09:30:00Z",
        ] {
            assert!(
                matches!(parse_timestamp(bad), Err(TimestampError::Shape(_))),
                "{bad:?}"
            );
        }
        for bad in [
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "2024-05-01T09:60:00Z",
            "2024-05-01T09:30:00+24:00",
        ] {
            assert!(
                matches!(parse_timestamp(bad), Err(TimestampError::OutOfRange(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn unix_seconds_print_as_rfc_3339_and_read_back() {
        assert_eq!(rfc3339_from_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_from_unix(1_796_344_819), "2026-12-04T00:40:19Z");
        assert_eq!(rfc3339_from_unix(-1), "1969-12-31T23:59:59Z");
        for seconds in [0, 951_782_400, 1_709_208_000, 4_102_444_799, -86_400 * 365] {
            let text = rfc3339_from_unix(seconds);
            assert_eq!(parse_timestamp(&text), Ok(seconds * 1_000), "{text}");
        }
    }

    #[test]
    fn natively_dates_read_in_utc_and_non_dates_are_left_alone() {
        assert_eq!(
            local_date_time("2026-12-04T00:40:19.8632017Z").as_deref(),
            Some("2026-12-04 00:40 UTC")
        );
        assert_eq!(local_date_time("operational"), None);
    }
}
