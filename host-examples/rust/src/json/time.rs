//! Timestamps as ISO 8601 UTC, whole seconds.

use crate::bindings::wit::Datetime;

/// `2026-03-01T10:15:00Z` (UTC, whole seconds).
pub fn datetime(dt: &Datetime) -> String {
    let secs = dt.seconds;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_is_iso_utc() {
        assert_eq!(datetime(&Datetime { seconds: 0, nanoseconds: 0 }), "1970-01-01T00:00:00Z");
        assert_eq!(datetime(&Datetime { seconds: 1_772_360_100, nanoseconds: 5 }), "2026-03-01T10:15:00Z");
    }
}
