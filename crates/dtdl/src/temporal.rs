//! Syntax checks for the temporal primitive schemas: `date` (RFC 3339 full-date), `time`
//! (RFC 3339 partial-time with an optional offset), `dateTime` (RFC 3339 date-time, offset
//! required) and `duration` (ISO 8601 `PnYnMnWnDTnHnMnS`).

/// `YYYY-MM-DD` with a real calendar day (leap years included).
pub(crate) fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) =
        (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return false;
    };
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// `hh:mm:ss[.fraction][Z|±hh:mm]`.
pub(crate) fn is_time(s: &str) -> bool {
    let (time, offset) = split_offset(s);
    is_partial_time(time) && offset.is_none_or(is_offset)
}

/// `YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)`; `t`/`z` accepted as RFC 3339 allows.
pub(crate) fn is_date_time(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    let (time, offset) = split_offset(time);
    is_date(date) && is_partial_time(time) && offset.is_some_and(is_offset)
}

/// ISO 8601 duration: `P` then date parts (`Y`, `M`, `W`, `D`) in order, optionally `T` and time
/// parts (`H`, `M`, `S`) in order; at least one part; a fraction only on the last part.
pub(crate) fn is_duration(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('P') else {
        return false;
    };
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let Some(date_parts) = duration_parts(date_part, b"YMWD") else {
        return false;
    };
    let time_parts = match time_part {
        Some(t) => match duration_parts(t, b"HMS") {
            Some(n) if n > 0 => n,
            _ => return false,
        },
        None => 0,
    };
    date_parts + time_parts > 0 && fraction_only_last(rest)
}

/// Counts `<number><designator>` parts with designators in the given order; `None` if malformed.
fn duration_parts(s: &str, designators: &[u8]) -> Option<usize> {
    let mut count = 0;
    let mut next_designator = 0;
    let mut number_len = 0;
    for &c in s.as_bytes() {
        if c.is_ascii_digit() || c == b'.' || c == b',' {
            number_len += 1;
            continue;
        }
        let position = designators[next_designator..]
            .iter()
            .position(|d| *d == c)?;
        if number_len == 0 {
            return None;
        }
        next_designator += position + 1;
        number_len = 0;
        count += 1;
    }
    (number_len == 0).then_some(count)
}

/// A decimal fraction may only appear in the last number, once, with digits on both sides.
fn fraction_only_last(s: &str) -> bool {
    let numbers: Vec<&str> = s
        .split(|c: char| c.is_ascii_alphabetic())
        .filter(|n| !n.is_empty())
        .collect();
    numbers
        .iter()
        .enumerate()
        .all(|(i, n)| match n.split_once(['.', ',']) {
            None => true,
            Some((whole, frac)) => {
                i + 1 == numbers.len()
                    && !whole.is_empty()
                    && !frac.is_empty()
                    && frac.bytes().all(|b| b.is_ascii_digit())
            }
        })
}

fn is_partial_time(s: &str) -> bool {
    let (hms, fraction) = match s.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (s, None),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (digits(&b[0..2]), digits(&b[3..5]), digits(&b[6..8]))
    else {
        return false;
    };
    // Second 60 is a leap second, which RFC 3339 permits.
    h <= 23
        && m <= 59
        && sec <= 60
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()))
}

/// Splits a trailing `Z`/`z` or `±hh:mm` offset off a time.
fn split_offset(s: &str) -> (&str, Option<&str>) {
    if let Some(t) = s.strip_suffix(['Z', 'z']) {
        return (t, Some("Z"));
    }
    match s.rfind(['+', '-']) {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    }
}

fn is_offset(s: &str) -> bool {
    if s == "Z" {
        return true;
    }
    let b = s.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[3] == b':'
        && digits(&b[1..3]).is_some_and(|h| h <= 23)
        && digits(&b[4..6]).is_some_and(|m| m <= 59)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> bool, name: &str, cases: &[(&str, bool)]) {
        for (input, ok) in cases {
            assert_eq!(f(input), *ok, "{name}({input:?})");
        }
    }

    #[test]
    fn dates() {
        check(
            is_date,
            "date",
            &[
                ("2024-02-29", true),
                ("2023-02-29", false),
                ("2000-02-29", true),
                ("1900-02-29", false),
                ("2024-13-01", false),
                ("2024-04-31", false),
                ("2024-4-1", false),
                ("2024-04-01T00:00:00Z", false),
                ("", false),
            ],
        );
    }

    #[test]
    fn times() {
        check(
            is_time,
            "time",
            &[
                ("12:30:00", true),
                ("23:59:60", true),
                ("12:30:00.125", true),
                ("12:30:00Z", true),
                ("12:30:00+02:00", true),
                ("24:00:00", false),
                ("12:30", false),
                ("12:30:00.", false),
                ("12:30:00+2", false),
            ],
        );
    }

    #[test]
    fn date_times() {
        check(
            is_date_time,
            "dateTime",
            &[
                ("2024-05-01T12:30:00Z", true),
                ("2024-05-01T12:30:00.123456Z", true),
                ("2024-05-01T12:30:00-05:00", true),
                ("2024-05-01t12:30:00z", true),
                ("2024-05-01T12:30:00", false),
                ("2024-05-01 12:30:00Z", false),
                ("2024-05-32T12:30:00Z", false),
                ("yesterday", false),
            ],
        );
    }

    #[test]
    fn durations() {
        check(
            is_duration,
            "duration",
            &[
                ("PT15S", true),
                ("P1Y2M3DT4H5M6S", true),
                ("P2W", true),
                ("PT0.5S", true),
                ("P1D", true),
                ("PT1H30M", true),
                ("P", false),
                ("PT", false),
                ("P1H", false),
                ("PT1D", false),
                ("P1M1Y", false),
                ("P1.5DT1H", false),
                ("15S", false),
                ("PTS", false),
            ],
        );
    }
}
