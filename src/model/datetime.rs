//! UTC timestamps as the server writes them: `2026-03-01T10:15:00.123456`, with or without
//! fractions, optionally with `Z` or an offset; `0001-01-01T00:00:00` means "not set".

/// Seconds and nanoseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub seconds: i64,
    pub nanoseconds: u32,
}

impl DateTime {
    /// Parses an ISO 8601 date-time. `Ok(None)` for the .NET placeholder `0001-01-01T00:00:00`.
    pub fn parse(text: &str) -> Result<Option<DateTime>, String> {
        let bad = || format!("not an ISO 8601 date-time: {}", crate::text::quote(text));
        let b = text.as_bytes();
        // ASCII only: every slice below is then on a character boundary.
        if !text.is_ascii()
            || b.len() < 19
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(bad());
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, String> {
            // At most 4 digits: no overflow, so no need for `str::parse`.
            b[range].iter().try_fold(0, |n, &c| if c.is_ascii_digit() { Ok(n * 10 + i64::from(c - b'0')) } else { Err(bad()) })
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
            return Err(bad());
        }
        let mut rest = &text[19..];
        let mut nanos: u32 = 0;
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            for (i, c) in frac[..digits].bytes().enumerate().take(9) {
                nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
            }
            rest = &frac[digits..];
        }
        let offset_seconds = match rest {
            "" | "Z" | "z" => 0,
            _ if rest.len() == 6 && matches!(rest.as_bytes()[0], b'+' | b'-') && rest.as_bytes()[3] == b':' => {
                let sign = if rest.starts_with('-') { -1 } else { 1 };
                let (h, m) = (num_str(&rest[1..3]).ok_or_else(bad)?, num_str(&rest[4..6]).ok_or_else(bad)?);
                sign * (h * 3600 + m * 60)
            }
            _ => return Err(bad()),
        };
        if year == 1 && month == 1 && day == 1 && hour == 0 && minute == 0 && second == 0 && nanos == 0 {
            return Ok(None);
        }
        let days = days_from_civil(year, month, day);
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
        Ok(Some(DateTime { seconds, nanoseconds: nanos }))
    }

    /// Formats as the server does: `YYYY-MM-DDTHH:MM:SS[.ffffff]` (UTC, no offset).
    pub fn format(&self) -> String {
        let days = self.seconds.div_euclid(86_400);
        let secs = self.seconds.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let mut out = format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60);
        if self.nanoseconds != 0 {
            out.push_str(&format!(".{:06}", self.nanoseconds / 1000));
        }
        out
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

impl DateTime {
    /// An HTTP date in the form every server must send (RFC 9110 IMF-fixdate), e.g.
    /// `Sun, 06 Nov 1994 08:49:37 GMT` (a `Retry-After`); `None` for anything else.
    pub fn parse_http_date(text: &str) -> Option<DateTime> {
        let b = text.trim().as_bytes();
        if b.len() != 29 || b[3] != b',' || b[4] != b' ' || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' || &b[25..] != b" GMT" {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| std::str::from_utf8(&b[r]).ok().and_then(num_str);
        let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])? as i64 + 1;
        let (day, year) = (digits(5..7)?, digits(12..16)?);
        let (hour, minute, second) = (digits(17..19)?, digits(20..22)?, digits(23..25)?);
        if b[19] != b':' || b[22] != b':' || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        Some(DateTime { seconds: days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second, nanoseconds: 0 })
    }
}

fn num_str(s: &str) -> Option<i64> {
    if s.bytes().all(|c| c.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
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

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_server_forms() {
        let t = DateTime::parse("2026-03-01T10:15:00.123456").unwrap().unwrap();
        assert_eq!(t.seconds, 1_772_360_100);
        assert_eq!(t.nanoseconds, 123_456_000);
        assert_eq!(t.format(), "2026-03-01T10:15:00.123456");
        let whole = DateTime::parse("2026-03-01T10:15:00").unwrap().unwrap();
        assert_eq!(whole.nanoseconds, 0);
        assert_eq!(DateTime::parse("2026-03-01T10:15:00Z").unwrap(), Some(whole));
        assert_eq!(DateTime::parse("2026-03-01T11:15:00+01:00").unwrap(), Some(whole));
        assert_eq!(DateTime::parse("0001-01-01T00:00:00").unwrap(), None);
        assert_eq!(DateTime::parse("1970-01-01T00:00:00").unwrap().unwrap().seconds, 0);
    }

    #[test]
    fn http_dates() {
        assert_eq!(DateTime::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").map(|t| t.seconds), Some(784_111_777));
        for bad in ["Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT", "120", ""] {
            assert_eq!(DateTime::parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn refuses_garbage() {
        for bad in [
            "",
            "2026-13-01T00:00:00",
            "2026-02-30T00:00:00",
            "2026-03-01",
            "2026-03-01T10:15:00.",
            "2026-03-01T10:15:00+1",
            "２０２６-03-01T10:15:00",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
    }
}
