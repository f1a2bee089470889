//! Tokens kept until shortly before they expire, keyed on every input that changes identity
//! (API.md §10), and the recent `jti`s, so that a host whose randomness repeats is caught
//! before Maskinporten answers MP-012.

use std::collections::VecDeque;

use super::AccessToken;
use crate::model::DateTime;

/// A token is not handed out in its last 30 s: it must outlive the request it goes on.
pub const MARGIN_SECS: i64 = 30;
/// Enough for every scope set and customer an instance serves at once; the nearest to expiry
/// goes first.
const MAX_ENTRIES: usize = 512;
const MAX_RECENT_JTIS: usize = 1024;

/// Everything that makes two tokens different.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenKey {
    pub issuer: String,
    pub client_id: String,
    /// `kid:<id>` or `x5c:<leaf certificate>`.
    pub key: String,
    /// Sorted, without repeats.
    pub scopes: Vec<String>,
    pub resource: Option<String>,
    pub customer_org_no: Option<String>,
    pub external_ref: Option<String>,
}

#[derive(Debug, Default)]
pub struct TokenCache {
    entries: Vec<(TokenKey, AccessToken)>,
    recent_jtis: VecDeque<String>,
}

fn usable(token: &AccessToken, now: DateTime) -> bool {
    now.seconds < token.expires_at.seconds.saturating_sub(MARGIN_SECS)
}

impl TokenCache {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The token for `key`, unless it expires within the margin.
    pub fn get(&self, key: &TokenKey, now: DateTime) -> Option<AccessToken> {
        self.entries.iter().find(|(k, t)| k == key && usable(t, now)).map(|(_, t)| t.clone())
    }

    /// Keeps `token` for `key` (replacing an older one), dropping expired entries first.
    pub fn put(&mut self, key: TokenKey, token: AccessToken, now: DateTime) {
        self.entries.retain(|(k, t)| *k != key && usable(t, now));
        if !usable(&token, now) {
            return;
        }
        if self.entries.len() >= MAX_ENTRIES {
            if let Some(soonest) = (0..self.entries.len()).min_by_key(|i| self.entries[*i].1.expires_at) {
                self.entries.remove(soonest);
            }
        }
        self.entries.push((key, token));
    }

    /// Records a `jti`; false when it was used recently (the host's randomness repeats).
    pub fn fresh_jti(&mut self, jti: &str) -> bool {
        if self.recent_jtis.iter().any(|j| j == jti) {
            return false;
        }
        if self.recent_jtis.len() >= MAX_RECENT_JTIS {
            self.recent_jtis.pop_front();
        }
        self.recent_jtis.push_back(jti.to_string());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn key(scope: &str) -> TokenKey {
        TokenKey {
            issuer: "https://test.maskinporten.no/".into(),
            client_id: "client".into(),
            key: "kid:k1".into(),
            scopes: vec![scope.into()],
            resource: None,
            customer_org_no: None,
            external_ref: None,
        }
    }

    fn at(seconds: i64) -> DateTime {
        DateTime { seconds, nanoseconds: 0 }
    }

    fn token(text: &str, expires: i64) -> AccessToken {
        AccessToken { token: Secret::new(text), scope: "s".into(), expires_at: at(expires) }
    }

    #[test]
    fn hit_until_the_margin_then_miss() {
        let mut cache = TokenCache::default();
        cache.put(key("a"), token("t1", 1120), at(1000));
        assert_eq!(cache.get(&key("a"), at(1000)).unwrap().token.expose(), "t1");
        assert!(cache.get(&key("a"), at(1120 - MARGIN_SECS - 1)).is_some());
        assert!(cache.get(&key("a"), at(1120 - MARGIN_SECS)).is_none());
        assert!(cache.get(&key("b"), at(1000)).is_none());
    }

    #[test]
    fn every_identity_input_separates_entries() {
        let mut cache = TokenCache::default();
        let base = key("a");
        cache.put(base.clone(), token("t", 2000), at(1000));
        let variants = [
            TokenKey { issuer: "https://maskinporten.no/".into(), ..base.clone() },
            TokenKey { client_id: "other".into(), ..base.clone() },
            TokenKey { key: "kid:k2".into(), ..base.clone() },
            TokenKey { scopes: vec!["a".into(), "b".into()], ..base.clone() },
            TokenKey { resource: Some("r".into()), ..base.clone() },
            TokenKey { customer_org_no: Some("310000001".into()), ..base.clone() },
            TokenKey { external_ref: Some("x".into()), ..base.clone() },
        ];
        for other in variants {
            assert!(cache.get(&other, at(1000)).is_none(), "{other:?}");
        }
    }

    #[test]
    fn a_token_shorter_than_the_margin_is_not_kept_and_the_cache_is_bounded() {
        let mut cache = TokenCache::default();
        cache.put(key("a"), token("t", 1000 + MARGIN_SECS), at(1000));
        assert!(cache.is_empty());
        for i in 0..MAX_ENTRIES + 10 {
            cache.put(key(&format!("s{i}")), token("t", 5000 + i as i64), at(1000));
        }
        assert_eq!(cache.len(), MAX_ENTRIES);
        assert!(cache.get(&key("s0"), at(1000)).is_none(), "the soonest to expire went first");
        assert!(cache.get(&key(&format!("s{}", MAX_ENTRIES + 9)), at(1000)).is_some());
    }

    #[test]
    fn a_repeated_jti_is_caught() {
        let mut cache = TokenCache::default();
        assert!(cache.fresh_jti("a"));
        assert!(cache.fresh_jti("b"));
        assert!(!cache.fresh_jti("a"));
    }
}
