//! Bearer tokens inside the core: `Debug` never shows them.

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Shortest piece of a secret worth hunting for: shorter runs occur in ordinary text.
const MIN_SECRET_PART: usize = 16;

/// Replaces every occurrence of each secret in `text` with `[redacted]`; a JWT-shaped secret
/// (`a.b.c`) also has each of its parts replaced, so a server that quotes only the signature or
/// the claims is caught too.
pub fn scrub(text: &mut String, secrets: &[&str]) {
    for secret in secrets {
        let whole = std::iter::once(*secret);
        let parts = secret.split('.').filter(|p| p.len() != secret.len());
        for piece in whole.chain(parts) {
            if piece.len() >= MIN_SECRET_PART && text.contains(piece) {
                *text = text.replace(piece, "[redacted]");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn scrub_finds_the_token_and_each_jwt_part() {
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImFsdGlubiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";
        let mut text = format!("Bearer {token} was bad; signature c2lnbmF0dXJlLXNpZ25hdHVyZQ; claims eyJzY29wZSI6ImFsdGlubiJ9");
        scrub(&mut text, &[token]);
        assert_eq!(text, "Bearer [redacted] was bad; signature [redacted]; claims [redacted]");
        let mut short = "a.b is fine".to_string();
        scrub(&mut short, &["a.b"]);
        assert_eq!(short, "a.b is fine");
    }
}
