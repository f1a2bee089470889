//! Identifiers that end up in URL paths and bodies (API.md §7). Strict: a mistake here either
//! reaches the wrong customer or changes the route.

use crate::error::Violation;
use crate::text::quote;

/// Longest string the server stores; longer ones make it fail with 500.
pub const MAX_LEN: usize = 255;

const ORG_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// Trims and strips the `0192:` (ISO 6523 Norwegian organisation number) prefix.
pub fn normalize_org_no(org_no: &str) -> &str {
    let trimmed = org_no.trim();
    trimmed.strip_prefix("0192:").unwrap_or(trimmed)
}

/// 9 ASCII digits with a valid mod-11 check digit. Returns the bare digits.
pub fn check_org_no(org_no: &str, field: &str) -> Result<String, Violation> {
    org_no_digits(org_no, field).map(str::to_string)
}

/// `check_org_no`, borrowing.
pub fn org_no_digits<'a>(org_no: &'a str, field: &str) -> Result<&'a str, Violation> {
    let bare = normalize_org_no(org_no);
    if bare.is_empty() {
        return Err(Violation::new("required", field, "an organisation number is required (9 digits)"));
    }
    if bare.len() != 9 || !bare.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Violation::new(
            "org-no-format",
            field,
            format!("{} is not an organisation number: it must be exactly 9 digits 0-9 (an optional 0192: prefix is allowed)", quote(bare)),
        ));
    }
    let digit = |i: usize| u32::from(bare.as_bytes()[i] - b'0');
    let sum: u32 = ORG_WEIGHTS.iter().enumerate().map(|(i, w)| digit(i) * w).sum();
    let check = match sum % 11 {
        0 => Some(0),
        1 => None,
        r => Some(11 - r),
    };
    if check != Some(digit(8)) {
        return Err(Violation::new(
            "org-no-checksum",
            field,
            format!("{bare} is not a valid organisation number: its check digit (mod 11) is wrong; check for a typo"),
        ));
    }
    Ok(bare)
}

fn system_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | 'æ' | 'ø' | 'å' | 'Æ' | 'Ø' | 'Å')
}

/// `<9-digit vendor org no>_<name>`, with nothing in it that could change a route.
pub fn check_system_id(system_id: &str, field: &str) -> Result<String, Violation> {
    system_id_trimmed(system_id, field).map(str::to_string)
}

/// `check_system_id`, borrowing.
pub fn system_id_trimmed<'a>(system_id: &'a str, field: &str) -> Result<&'a str, Violation> {
    let id = system_id.trim();
    if id.is_empty() {
        return Err(Violation::new("required", field, "a system id is required, e.g. 991825827_smartcloud"));
    }
    if crate::text::longer_than(id, MAX_LEN) {
        return Err(too_long(field, id));
    }
    let name = &id.as_bytes()[id.len().min(10)..];
    let valid = id.len() > 10
        && id.as_bytes()[..9].iter().all(u8::is_ascii_digit)
        && id.as_bytes()[9] == b'_'
        && if name.is_ascii() { name.iter().all(|&b| system_name_char(char::from(b))) } else { id[10..].chars().all(system_name_char) };
    if !valid {
        return Err(Violation::new(
            "system-id-format",
            field,
            format!(
                "{} is not a system id: it must be the vendor's 9-digit organisation number, '_' and a name of letters, digits, '_', '-' or '.' (no spaces, '/', '?', '#' or '%'), e.g. 991825827_smartcloud",
                quote(id)
            ),
        ));
    }
    Ok(id)
}

fn external_ref_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | 'æ' | 'ø' | 'å' | 'Æ' | 'Ø' | 'Å')
}

/// At most 255 characters from Maskinporten's set `[a-zA-Z0-9æøåÆØÅ_-]` (MP-302 otherwise,
/// when the ref is repeated in a system-user token request).
pub fn check_external_ref(external_ref: &str, field: &str) -> Result<String, Violation> {
    external_ref_trimmed(external_ref, field).map(str::to_string)
}

/// `check_external_ref`, borrowing.
pub fn external_ref_trimmed<'a>(external_ref: &'a str, field: &str) -> Result<&'a str, Violation> {
    let r = external_ref.trim();
    if r.is_empty() {
        return Err(Violation::new("required", field, "an external ref must not be empty (leave it out to use the organisation number)"));
    }
    if crate::text::longer_than(r, MAX_LEN) {
        return Err(too_long(field, r));
    }
    if let Some(bad) = r.chars().find(|c| !external_ref_char(*c)) {
        return Err(Violation::new(
            "external-ref-charset",
            field,
            format!(
                "{} holds {}: an external ref may only use letters a-z, A-Z, æ, ø, å, digits, '_' and '-' (Maskinporten refuses other characters)",
                quote(r),
                quote(&bad.to_string())
            ),
        ));
    }
    Ok(r)
}

/// A request id: a UUID (8-4-4-4-12 hex digits). Returns it in lower case.
pub fn check_request_id(id: &str, field: &str) -> Result<String, Violation> {
    let id = id.trim();
    // By byte: a non-ASCII character fails both tests either way.
    let shape_ok = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| if matches!(i, 8 | 13 | 18 | 23) { b == b'-' } else { b.is_ascii_hexdigit() });
    if !shape_ok {
        return Err(Violation::new(
            "request-id-format",
            field,
            format!("{} is not a request id: Altinn request ids are UUIDs such as 0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f", quote(id)),
        ));
    }
    Ok(id.to_ascii_lowercase())
}

/// A change request's correlation id: a UUID, not all zeros (which the server reads as missing).
pub fn check_correlation_id(id: &str, field: &str) -> Result<String, Violation> {
    let id = check_request_id(id, field)?;
    if id.bytes().all(|b| b == b'0' || b == b'-') {
        return Err(Violation::new("correlation-id-zero", field, "the correlation id must not be all zeros: use a fresh uuid"));
    }
    Ok(id)
}

/// A UUID of `version` (4: random, 8: derived) from 16 bytes, lower case.
pub fn format_uuid(mut bytes: [u8; 16], version: u8) -> String {
    bytes[6] = (bytes[6] & 0x0f) | (version << 4);
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 15)]));
    }
    out
}

pub fn too_long(field: &str, text: &str) -> Violation {
    Violation::new(
        "too-long",
        field,
        format!("{field} has {} characters; Altinn stores at most {MAX_LEN} (longer values make the server fail)", text.chars().count()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_numbers() {
        for ok in ["314248295", "313367002", "310816191", "0192:314248295", " 314248295 "] {
            assert!(check_org_no(ok, "f").is_ok(), "{ok}");
        }
        for (bad, code) in [
            ("123456789", "org-no-checksum"),
            ("999888777", "org-no-checksum"),
            ("987654321", "org-no-checksum"),
            ("912345678", "org-no-checksum"),
            ("31424829", "org-no-format"),
            ("3142482950", "org-no-format"),
            ("31424829a", "org-no-format"),
            ("３１４２４８２９５", "org-no-format"),
            ("", "required"),
        ] {
            assert_eq!(check_org_no(bad, "f").unwrap_err().code, code, "{bad}");
        }
    }

    #[test]
    fn path_injection_is_refused() {
        for bad in ["314248295_a/b", "314248295_..%2F", "314248295_a?x", "314248295_a#x", "314248295_a b", "../314248295"] {
            assert!(check_system_id(bad, "f").is_err(), "{bad}");
        }
        for bad in ["a/b", "..", "%2e%2e", "a?b", "a#b", "a b", "a\nb"] {
            assert!(check_external_ref(bad, "f").is_err(), "{bad}");
        }
        assert!(check_request_id("../0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c", "f").is_err());
        assert_eq!(check_request_id("0F9A5C8E-3F4B-4E2A-9D1C-2B7E6A1D4C3F", "f").unwrap(), "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f");
    }
}
