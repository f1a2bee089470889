//! Random identifiers: request ids (uuid v4), trace ids, token ids, keys.

use ring::rand::{SecureRandom, SystemRandom};

/// Fills a buffer from the OS generator. The OS generator failing is not a state we
/// can serve from, so fall back to a time-derived value rather than panic.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if SystemRandom::new().fill(&mut buf).is_err() {
        let mut x = crate::clock::real_micros() as u64 ^ 0x9E37_79B9_7F4A_7C15;
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    }
    buf
}

pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// A lower-case hyphenated uuid v4.
pub fn uuid_v4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// W3C trace context id as ASP.NET puts it in `traceId`: `00-<32hex>-<16hex>-00`.
pub fn trace_id() -> String {
    format!("00-{}-{}-00", hex(&random_bytes::<16>()), hex(&random_bytes::<8>()))
}

/// Parses a Guid the way ASP.NET model binding accepts it (`D`, `N`, `B`, `P` formats),
/// returning the canonical lower-case hyphenated form.
pub fn parse_guid(s: &str) -> Option<String> {
    let t = s.trim();
    let inner = if (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('(') && t.ends_with(')')) { &t[1..t.len() - 1] } else { t };
    let digits: String = if inner.len() == 36 {
        let b = inner.as_bytes();
        if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
            return None;
        }
        inner.chars().filter(|c| *c != '-').collect()
    } else if inner.len() == 32 {
        inner.to_string()
    } else {
        return None;
    };
    if digits.len() != 32 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let h = digits.to_ascii_lowercase();
    Some(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(parse_guid(&u).as_deref(), Some(u.as_str()));
        assert_eq!(&u[14..15], "4");
    }

    #[test]
    fn guid_formats() {
        let d = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        assert_eq!(parse_guid("3FA85F6457174562B3FC2C963F66AFA6").as_deref(), Some(d));
        assert_eq!(parse_guid(&format!("{{{d}}}")).as_deref(), Some(d));
        assert_eq!(parse_guid("agent"), None);
        assert_eq!(parse_guid("3fa85f64-5717-4562-b3fc-2c963f66afaz"), None);
    }

    #[test]
    fn trace_shape() {
        let t = trace_id();
        assert_eq!(t.len(), 55);
        assert!(t.starts_with("00-") && t.ends_with("-00"));
    }
}
