//! What the simulated Altinn has stored: system user requests, change requests, system users,
//! and counters per dedupe key for inspection.
//!
//! Rows of requests and change requests also carry their place in the table's heap (`row`): an
//! insert or an update writes a new row version at the end of the heap (PostgreSQL's MVCC), and a
//! query without `ORDER BY` returns rows in that order. The list quirks of API.md §11 and §14 read
//! it; every write goes through `update_request` / `update_change_request`, which move the row.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{PackageRef, Right};

/// Standard (own system) or agent (client system).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Standard,
    Agent,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Standard => "standard",
            Kind::Agent => "agent",
        }
    }
}

/// The stored status strings, spelled as the server spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    New,
    Accepted,
    Rejected,
    /// Declared by the server, never set by it (API.md §6).
    #[allow(dead_code)]
    Denied,
    Timedout,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Accepted => "Accepted",
            Status::Rejected => "Rejected",
            Status::Denied => "Denied",
            Status::Timedout => "Timedout",
        }
    }
}

/// `(partyOrgNo, externalRef, systemId)`: the uniqueness key of requests and system users.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DedupeKey {
    pub party_org_no: String,
    pub external_ref: String,
    pub system_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRequest {
    pub id: String,
    pub kind: Kind,
    pub integration_title: Option<String>,
    pub external_ref: String,
    pub system_id: String,
    pub party_org_no: String,
    pub rights: Vec<Right>,
    pub access_packages: Vec<PackageRef>,
    pub status: Status,
    pub redirect_url: Option<String>,
    pub escalated: bool,
    pub created_micros: i64,
    pub is_deleted: bool,
    /// Place in the heap (see the module doc); 0 in state files written before it existed.
    #[serde(default)]
    pub row: u64,
}

impl StoredRequest {
    pub fn key(&self) -> DedupeKey {
        DedupeKey { party_org_no: self.party_org_no.clone(), external_ref: self.external_ref.clone(), system_id: self.system_id.clone() }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemUser {
    pub id: String,
    pub kind: Kind,
    pub integration_title: String,
    pub system_id: String,
    pub reportee_org_no: String,
    pub external_ref: String,
    pub created_micros: i64,
    pub is_deleted: bool,
    /// Order of creation; the list route pages on it.
    pub sequence_no: i64,
    pub rights: Vec<Right>,
    pub access_packages: Vec<PackageRef>,
    /// Agent system users: the customers' clients delegated to it.
    pub clients: Vec<String>,
}

/// A change request (API.md §11): required and unwanted rights and packages for an existing
/// standard system user. Stored statuses are `New`, `Accepted` and `Rejected` only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredChangeRequest {
    /// The vendor's correlation id.
    pub id: String,
    pub system_user_id: String,
    /// Copied from the system user, as the server does.
    pub external_ref: String,
    pub system_id: String,
    pub party_org_no: String,
    pub required_rights: Vec<Right>,
    pub unwanted_rights: Vec<Right>,
    pub required_access_packages: Vec<PackageRef>,
    pub unwanted_access_packages: Vec<PackageRef>,
    pub status: Status,
    pub redirect_url: Option<String>,
    pub created_micros: i64,
    pub is_deleted: bool,
    /// Place in the heap (see the module doc).
    #[serde(default)]
    pub row: u64,
}

/// Counters per dedupe key, for the inspection route.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyCounters {
    /// POSTs to a create route that carried this key (as the server computes it).
    pub create_calls: u64,
    /// Of those, how many answered 201 (a new request stored).
    pub created: u64,
    /// Of those, how many answered 200 (the existing request).
    pub existing: u64,
}

#[derive(Debug, Default)]
pub struct Store {
    pub requests: Vec<StoredRequest>,
    pub system_users: Vec<SystemUser>,
    pub change_requests: Vec<StoredChangeRequest>,
    pub counters: BTreeMap<(Kind, DedupeKey), KeyCounters>,
    /// Organisations taken out of the register since start (`DELETE /_sim/organizations/{orgNo}`).
    pub deregistered: Vec<String>,
    next_sequence: i64,
    /// The last heap place handed out.
    last_row: u64,
}

impl Store {
    pub fn clear(&mut self) {
        *self = Store::default();
    }

    pub fn request(&self, id: &str) -> Option<&StoredRequest> {
        self.requests.iter().find(|r| r.id == id && !r.is_deleted)
    }

    /// The next place at the end of the heap, for a row written now.
    pub fn next_row(&mut self) -> u64 {
        self.last_row += 1;
        self.last_row
    }

    /// Sets the heap counter past every row held (after loading a state file).
    pub fn recount_rows(&mut self) {
        let rows = self.requests.iter().map(|r| r.row).chain(self.change_requests.iter().map(|c| c.row));
        self.last_row = rows.max().unwrap_or(0);
    }

    /// Adds a request at the end of the heap.
    pub fn insert_request(&mut self, mut r: StoredRequest) {
        r.row = self.next_row();
        self.requests.push(r);
    }

    /// Changes a non-deleted request (an UPDATE: the row moves to the end of the heap).
    /// False when there is no such request.
    pub fn update_request(&mut self, id: &str, change: impl FnOnce(&mut StoredRequest)) -> bool {
        let row = self.next_row();
        match self.requests.iter_mut().find(|r| r.id == id && !r.is_deleted) {
            Some(r) => {
                change(r);
                r.row = row;
                true
            }
            None => false,
        }
    }

    /// A non-deleted change request.
    pub fn change_request(&self, id: &str) -> Option<&StoredChangeRequest> {
        self.change_requests.iter().find(|c| c.id == id && !c.is_deleted)
    }

    /// Whether any change request, deleted or not, holds this id (the table's primary key).
    pub fn change_request_id_taken(&self, id: &str) -> bool {
        self.change_requests.iter().any(|c| c.id == id)
    }

    /// Adds a change request at the end of the heap.
    pub fn insert_change_request(&mut self, mut c: StoredChangeRequest) {
        c.row = self.next_row();
        self.change_requests.push(c);
    }

    /// Changes a non-deleted change request (the row moves to the end of the heap). False when
    /// there is no such change request.
    pub fn update_change_request(&mut self, id: &str, change: impl FnOnce(&mut StoredChangeRequest)) -> bool {
        let row = self.next_row();
        match self.change_requests.iter_mut().find(|c| c.id == id && !c.is_deleted) {
            Some(c) => {
                change(c);
                c.row = row;
                true
            }
            None => false,
        }
    }

    /// A non-deleted request of this kind with this key; the newest when there are several
    /// (the legacy timeout lets a key collect more than one).
    pub fn request_by_key(&self, kind: Kind, key: &DedupeKey) -> Option<&StoredRequest> {
        self.requests.iter().rev().find(|r| r.kind == kind && !r.is_deleted && r.key() == *key)
    }

    /// An active (not deleted) system user with this key, of any kind.
    pub fn system_user_by_key(&self, key: &DedupeKey) -> Option<&SystemUser> {
        self.system_users.iter().find(|u| {
            !u.is_deleted && u.reportee_org_no == key.party_org_no && u.external_ref == key.external_ref && u.system_id == key.system_id
        })
    }

    /// A system user, deleted or not.
    pub fn system_user(&self, id: &str) -> Option<&SystemUser> {
        self.system_users.iter().find(|u| u.id == id)
    }

    /// A system user that is not deleted (what the server's `GetSingleSystemUserById` finds).
    pub fn active_system_user(&self, id: &str) -> Option<&SystemUser> {
        self.system_users.iter().find(|u| u.id == id && !u.is_deleted)
    }

    pub fn system_user_mut(&mut self, id: &str) -> Option<&mut SystemUser> {
        self.system_users.iter_mut().find(|u| u.id == id)
    }

    /// The last sequence number handed out (for the state file).
    pub fn sequence(&self) -> i64 {
        self.next_sequence
    }

    pub fn set_sequence(&mut self, n: i64) {
        self.next_sequence = n;
    }

    pub fn next_sequence(&mut self) -> i64 {
        self.next_sequence += 1;
        self.next_sequence
    }

    pub fn count(&mut self, kind: Kind, key: &DedupeKey) -> &mut KeyCounters {
        self.counters.entry((kind, key.clone())).or_default()
    }
}
