//! Wire types shared by the fixture, the store and the JSON answers (camelCase out,
//! nulls left out).

use serde::{Deserialize, Serialize};

/// One attribute pair of a right's resource, e.g. `{"id":"urn:altinn:resource","value":"ske-krav-og-betalinger"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributePair {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A single right: a resource given as a list of attribute pairs; `action` is ignored by
/// the match but echoed back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Right {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default)]
    pub resource: Vec<AttributePair>,
}

/// A reference to an access package by URN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<String>,
}

impl PackageRef {
    pub fn new(urn: &str) -> Self {
        Self { urn: Some(urn.to_string()) }
    }
}
