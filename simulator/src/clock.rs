//! Time. Two clocks on purpose:
//! - the *data clock* (real time plus an offset the admin route moves forward) stamps
//!   requests and system users and decides timeouts, so tests can jump 11 or 181 days;
//! - token validity (Maskinporten assertions, our access tokens) uses the real clock,
//!   because clients build assertions with their own real clock and cache tokens by it.

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch, real time.
pub fn real_micros() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(_) => 0,
    }
}

/// Seconds since the Unix epoch, real time.
pub fn real_secs() -> i64 {
    real_micros() / 1_000_000
}

/// The data clock: real time shifted by an offset that only ever grows.
#[derive(Debug, Default, Clone)]
pub struct DataClock {
    offset_micros: i64,
}

impl DataClock {
    pub fn now_micros(&self) -> i64 {
        real_micros().saturating_add(self.offset_micros)
    }

    pub fn offset_micros(&self) -> i64 {
        self.offset_micros
    }

    /// Moves the clock forward; negative steps are refused by the caller.
    pub fn advance_micros(&mut self, micros: i64) {
        self.offset_micros = self.offset_micros.saturating_add(micros.max(0));
    }

    /// A clock with this offset (from a state file).
    pub fn with_offset(offset_micros: i64) -> Self {
        Self { offset_micros: offset_micros.max(0) }
    }

    pub fn reset(&mut self) {
        self.offset_micros = 0;
    }
}

pub const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// Formats like the server's `DateTime` without offset: `2026-03-01T10:15:00.123456`
/// (fraction trimmed of trailing zeros, left out when zero, as System.Text.Json does).
pub fn format_timestamp(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", sod / 3600, (sod % 3600) / 60, sod % 60);
    if frac != 0 {
        let f = format!("{frac:06}");
        out.push('.');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

/// A `timestamptz` column as the server writes it: read as UTC, so it ends in `Z` (API.md §14),
/// e.g. `2026-03-01T10:15:00.123456Z`.
pub fn format_utc(micros: i64) -> String {
    format!("{}Z", format_timestamp(micros))
}

/// `DateTime`'s default, as a model the server never filled shows it (no `Z`).
pub const ZERO_TIMESTAMP: &str = "0001-01-01T00:00:00";

/// An HTTP date (IMF-fixdate, RFC 9110 §5.6.7) of seconds since the epoch, e.g.
/// `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn http_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m as usize).saturating_sub(1) % 12],
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_server() {
        // 2026-03-01T10:15:00.123456 UTC
        let secs = 1_772_360_100_i64;
        assert_eq!(format_timestamp(secs * 1_000_000 + 123_456), "2026-03-01T10:15:00.123456");
        assert_eq!(format_timestamp(secs * 1_000_000 + 120_000), "2026-03-01T10:15:00.12");
        assert_eq!(format_timestamp(secs * 1_000_000), "2026-03-01T10:15:00");
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00");
        assert_eq!(format_utc(secs * 1_000_000 + 120_000), "2026-03-01T10:15:00.12Z");
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(1_772_360_100), "Sun, 01 Mar 2026 10:15:00 GMT");
    }
}
