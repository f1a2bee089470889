//! The server's redirect URL match (API.md §5 rule 7): both sides reduced to
//! `Uri.GetLeftPart(UriPartial.Path)`, i.e. scheme + user info + host + port + path,
//! with lower-case scheme and host, the scheme's default port dropped and an empty
//! path read as `/`. Query and fragment are ignored; the path stays case-sensitive.

/// Why a URL could not be parsed. The server throws on these (a 500).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("relative URL")]
    Relative,
    #[error("the hostname could not be parsed")]
    BadHost,
    #[error("invalid port")]
    BadPort,
}

/// The part of an absolute URL that the match compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftPart {
    scheme: String,
    userinfo: Option<String>,
    host: String,
    port: Option<u16>,
    path: String,
}

impl LeftPart {
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let (scheme, rest) = url.split_once("://").ok_or(UrlError::Relative)?;
        let mut chars = scheme.chars();
        let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !scheme_ok {
            return Err(UrlError::Relative);
        }
        let scheme = scheme.to_ascii_lowercase();
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u.to_string()), h),
            None => (None, authority),
        };
        let (host, port) = split_host_port(hostport)?;
        if host.is_empty() {
            return Err(UrlError::BadHost);
        }
        let default_port = match scheme.as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            "ftp" => Some(21),
            _ => None,
        };
        let port = port.filter(|p| Some(*p) != default_port);
        let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
        let raw_path = &tail[..path_end];
        let path = if raw_path.is_empty() { "/".to_string() } else { remove_dot_segments(raw_path) };
        Ok(Self { scheme, userinfo, host: host.to_ascii_lowercase(), port, path })
    }
}

fn split_host_port(hostport: &str) -> Result<(&str, Option<u16>), UrlError> {
    let (host, port) = if let Some(stripped) = hostport.strip_prefix('[') {
        let close = stripped.find(']').ok_or(UrlError::BadHost)?;
        let after = &stripped[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(UrlError::BadHost),
        };
        (&hostport[..close + 2], port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None | Some("") => None,
        Some(p) => Some(p.parse::<u16>().map_err(|_| UrlError::BadPort)?),
    };
    if host.contains([' ', '\\', '<', '>', '"', '^', '`', '{', '|', '}']) {
        return Err(UrlError::BadHost);
    }
    Ok((host, port))
}

/// RFC 3986 §5.2.4, as .NET canonicalises `.` and `..` in hierarchical paths.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

/// Rule 7: does `redirect` match one of `allowed`? `Err` when the server would throw.
pub fn matches_any(redirect: &str, allowed: &[String]) -> Result<bool, UrlError> {
    let chosen = LeftPart::parse(redirect)?;
    for a in allowed {
        // A stored URL the server could not parse would have failed at registration;
        // skip it instead of failing here.
        if let Ok(candidate) = LeftPart::parse(a) {
            if candidate == chosen {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(r: &str, a: &str) -> Result<bool, UrlError> {
        matches_any(r, &[a.to_string()])
    }

    #[test]
    fn match_rules() {
        let a = "https://smartregnskap.example/callback";
        assert_eq!(m("https://smartregnskap.example/callback", a), Ok(true));
        assert_eq!(m("HTTPS://SmartRegnskap.Example:443/callback?x=1#f", a), Ok(true));
        assert_eq!(m("https://smartregnskap.example/Callback", a), Ok(false));
        assert_eq!(m("https://smartregnskap.example/callback/", a), Ok(false));
        assert_eq!(m("https://smartregnskap.example/callback/sub", a), Ok(false));
        assert_eq!(m("https://smartregnskap.example:8443/callback", a), Ok(false));
        assert_eq!(m("http://smartregnskap.example/callback", a), Ok(false));
        assert_eq!(m("https://smartregnskap.example", "https://smartregnskap.example/"), Ok(true));
        assert_eq!(m("https://x.example/a/../callback", "https://x.example/callback"), Ok(true));
        assert_eq!(m("/callback", a), Err(UrlError::Relative));
        assert_eq!(m("callback", a), Err(UrlError::Relative));
        assert_eq!(m("https://x.example:99999/", a), Err(UrlError::BadPort));
        assert_eq!(m("https:///nohost", a), Err(UrlError::BadHost));
    }
}
