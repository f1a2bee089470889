//! Norwegian organisation numbers (API.md §7): 9 digits, mod-11 with weights 3,2,7,6,5,4,3,2.
//! The server itself does no format check; the simulator uses this only to vet fixtures.

const WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// True when `s` is 9 ASCII digits with a valid mod-11 check digit.
pub fn is_valid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 9 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..8].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return false,
        r => 11 - r,
    };
    u32::from(b[8] - b'0') == check
}

/// The check digit of an 8-digit body; `None` when no digit makes the number valid.
pub fn check_digit(body: &str) -> Option<u32> {
    let b = body.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = b.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    match sum % 11 {
        0 => Some(0),
        1 => None,
        r => Some(11 - r),
    }
}

/// Strips an optional `0192:` prefix (ISO 6523 ICD for Norwegian org numbers).
pub fn strip_icd(s: &str) -> &str {
    s.strip_prefix("0192:").unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        for ok in ["314248295", "313367002", "310816191"] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in ["123456789", "999888777", "987654321", "912345678", "31424829", "31424829x"] {
            assert!(!is_valid(bad), "{bad}");
        }
    }
}
