//! Civil dates without a date crate: the one proleptic-Gregorian conversion the engine
//! uses for certificate dates (RFC 3339), day counts, and the test message's `Date:`
//! header (RFC 5322).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds in a civil day (UTC has no leap seconds in these conversions).
pub(crate) const SECONDS_PER_DAY: i64 = 86_400;

/// Proleptic Gregorian `(year, month, day)` of a day count since 1970-01-01
/// (H. Hinnant's `civil_from_days`).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // day is 1..=31 and month 1..=12 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Whole days from `from` to `to` (seconds since the epoch), rounded towards minus infinity.
pub(crate) fn days_between(from: i64, to: i64) -> i64 {
    to.saturating_sub(from).div_euclid(SECONDS_PER_DAY)
}

/// Seconds since the epoch as RFC 3339 UTC (`YYYY-MM-DDTHH:MM:SSZ`).
#[must_use]
pub(crate) fn rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(SECONDS_PER_DAY);
    let of_day = seconds.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        (of_day % 3600) / 60,
        of_day % 60
    )
}

/// An RFC 5322 date in UTC: `Sat, 28 Nov 2026 05:30:00 +0000`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_795_843_800);
/// assert_eq!(smtping_client::rfc5322_date(t), "Sat, 28 Nov 2026 05:30:00 +0000");
/// ```
#[must_use]
pub fn rfc5322_date(t: SystemTime) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let days = secs.div_euclid(SECONDS_PER_DAY);
    let rem = secs.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let weekday = usize::try_from(days.rem_euclid(7)).unwrap_or(0);
    let month_name = MONTHS[usize::try_from(month.saturating_sub(1)).unwrap_or(0) % 12];
    format!(
        "{}, {day:02} {month_name} {year} {:02}:{:02}:{:02} +0000",
        DAYS[weekday],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests;
