//! A change request's idempotency key when the vendor gives none (API.md §11: the vendor chooses
//! the correlation id, and a POST with one already used answers the stored change request).
//! Derived from the system user and the change, whatever the order of the items, so a rerun
//! after a crash or a lost answer names the same change request instead of making a second.

use crate::model::{AccessPackage, ChangeRequestInput, Right};

/// FNV-1a, 64 bits: not for secrets, only to spread a canonical text over an id.
fn fnv1a(seed: u64, text: &str) -> u64 {
    text.bytes().fold(seed, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn rights(name: &str, list: &[Right], out: &mut Vec<String>) {
    for r in list {
        let mut pairs: Vec<String> = r.resource.iter().map(|p| format!("{}={}", p.id, p.value)).collect();
        pairs.sort();
        pairs.dedup();
        out.push(format!("{name}:{}", pairs.join("&")));
    }
}

fn packages(name: &str, list: &[AccessPackage], out: &mut Vec<String>) {
    out.extend(list.iter().map(|p| format!("{name}:{}", p.urn)));
}

/// A version-8 UUID of (system user, the four lists as sets, redirect URL).
pub fn derive(system_user_id: &str, change: &ChangeRequestInput) -> String {
    let mut items = Vec::new();
    rights("rr", &change.required_rights, &mut items);
    rights("ur", &change.unwanted_rights, &mut items);
    packages("rp", &change.required_access_packages, &mut items);
    packages("up", &change.unwanted_access_packages, &mut items);
    items.sort();
    items.dedup();
    let text =
        format!("{}\n{}\n{}", system_user_id.to_ascii_lowercase(), change.redirect_url.as_deref().unwrap_or_default(), items.join("\n"));
    let (a, b) = (fnv1a(0xcbf2_9ce4_8422_2325, &text), fnv1a(0x6c62_272e_07bb_0142, &text));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    crate::identifiers::format_uuid(bytes, 8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AttributePair;

    fn change(packages: &[&str]) -> ChangeRequestInput {
        ChangeRequestInput {
            required_access_packages: packages.iter().map(|u| AccessPackage { urn: (*u).into() }).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn the_same_change_in_any_order_is_the_same_id_and_another_change_is_not() {
        let user = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
        let a = derive(user, &change(&["urn:a", "urn:b"]));
        assert_eq!(a, derive(&user.to_uppercase(), &change(&["urn:b", "urn:a", "urn:a"])));
        assert_ne!(a, derive(user, &change(&["urn:a"])));
        assert_ne!(a, derive("1d2c3b4a-5e6f-4a1b-8c9d-0e1f2a3b4c5d", &change(&["urn:a", "urn:b"])));
        let mut unwanted = change(&[]);
        unwanted.unwanted_access_packages = change(&["urn:a", "urn:b"]).required_access_packages;
        assert_ne!(a, derive(user, &unwanted), "required and unwanted differ");
        let mut right = change(&[]);
        right.required_rights = vec![Right { action: None, resource: vec![AttributePair { id: "x".into(), value: "y".into() }] }];
        assert_ne!(a, derive(user, &right));
        assert!(crate::identifiers::check_request_id(&a, "id").is_ok(), "{a}");
        assert_eq!(&a[14..15], "8", "a version-8 (derived) UUID: {a}");
    }
}
