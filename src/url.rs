//! Just enough URL parsing for the three places URLs matter: the redirect URL match (API.md §5
//! rule 7), the confirmUrl guard and the next-link guard. Strict on purpose: anything a browser
//! might read differently from us (userinfo, backslashes, spaces, non-ASCII hosts) is refused.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url<'a> {
    /// Lower-cased.
    pub scheme: String,
    /// Lower-cased.
    pub host: String,
    /// `None` when absent or the scheme's default.
    pub port: Option<u16>,
    /// As written (case-sensitive); `/` when empty.
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// After `#`, as written.
    pub fragment: Option<&'a str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlError {
    Relative,
    Invalid,
}

pub fn parse(text: &str) -> Result<Url<'_>, UrlError> {
    let bad = if text.is_ascii() {
        text.bytes().any(|b| b <= b' ' || b == 0x7f || b == b'\\')
    } else {
        text.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    if bad {
        return Err(UrlError::Invalid);
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Err(UrlError::Relative);
    };
    if scheme.is_empty() || !scheme.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
        return Err(UrlError::Relative);
    }
    let scheme = scheme.to_ascii_lowercase();
    let (rest, fragment) = match rest.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (rest, None),
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let (path, query) = match tail.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (tail, None),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err(UrlError::Invalid);
    }
    let (host, port) = split_port(authority)?;
    let host_ok = if host.starts_with('[') {
        host.ends_with(']') && host.as_bytes()[1..host.len() - 1].iter().all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
    } else {
        !host.is_empty() && host.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
    };
    if !host_ok {
        return Err(UrlError::Invalid);
    }
    let default_port = match scheme.as_str() {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    let port = port.filter(|p| Some(*p) != default_port);
    Ok(Url { scheme, host: host.to_ascii_lowercase(), port, path: if path.is_empty() { "/" } else { path }, query, fragment })
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), UrlError> {
    let colon = if authority.starts_with('[') {
        authority.find(']').map(|end| end + 1).filter(|&i| i < authority.len())
    } else {
        authority.rfind(':')
    };
    match colon {
        None => Ok((authority, None)),
        Some(i) if authority.as_bytes()[i] == b':' => {
            let digits = &authority[i + 1..];
            if digits.is_empty() {
                return Ok((&authority[..i], None));
            }
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(UrlError::Invalid);
            }
            digits.parse::<u16>().map(|p| (&authority[..i], Some(p))).map_err(|_| UrlError::Invalid)
        }
        Some(_) => Err(UrlError::Invalid),
    }
}

impl Url<'_> {
    /// The server's redirect match: scheme, host, port and path equal; query and fragment ignored.
    pub fn same_endpoint(&self, other: &Url<'_>) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port && self.path == other.path
    }

    /// Same scheme, host and port.
    pub fn same_origin(&self, other: &Url<'_>) -> bool {
        self.scheme == other.scheme && self.host == other.host && self.port == other.port
    }

    /// The first value of query parameter `name`, percent-decoded.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query_pairs().find_map(|(key, value)| (key == name).then(|| percent_decode(value)))
    }

    /// The query's `key=value` pairs as written (a bare `key` has an empty value).
    pub fn query_pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query.unwrap_or_default().split('&').filter(|p| !p.is_empty()).map(|pair| pair.split_once('=').unwrap_or((pair, "")))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for path segments and queries).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// Decodes `%XX` and `+`; invalid escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(v), _) => {
                out.push(v);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, b) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(a: &str, b: &str) -> bool {
        parse(a).unwrap().same_endpoint(&parse(b).unwrap())
    }

    #[test]
    fn redirect_match_rules() {
        assert!(matches("https://Example.COM/cb?x=1#f", "https://example.com/cb"));
        assert!(matches("HTTPS://example.com:443/cb", "https://example.com/cb"));
        assert!(matches("https://example.com", "https://example.com/"));
        assert!(!matches("https://example.com/CB", "https://example.com/cb"));
        assert!(!matches("https://example.com/cb/", "https://example.com/cb"));
        assert!(!matches("https://example.com/cb/sub", "https://example.com/cb"));
        assert!(!matches("http://example.com/cb", "https://example.com/cb"));
        assert!(!matches("https://example.com:8443/cb", "https://example.com/cb"));
    }

    #[test]
    fn refuses_what_browsers_read_differently() {
        assert_eq!(parse("/cb"), Err(UrlError::Relative));
        assert_eq!(parse("example.com/cb"), Err(UrlError::Relative));
        for bad in [
            "https://am.ui.altinn.no@evil.example/",
            "https://good.example\\@evil.example/",
            "https://exa mple.com/",
            "https://bad\u{0430}.example/",
            "https://h:99999/",
            "https:///x",
        ] {
            assert_eq!(parse(bad), Err(UrlError::Invalid), "{bad}");
        }
    }

    #[test]
    fn query_values_and_encoding() {
        let u = parse("http://internal.local/x?a=1&token=ab%2Fc%3D&b").unwrap();
        assert_eq!(u.query_value("token").as_deref(), Some("ab/c="));
        assert_eq!(encode_component("a/b?c#d%..æ"), "a%2Fb%3Fc%23d%25..%C3%A6");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
