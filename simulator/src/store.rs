//! What the simulated Altinn has stored: system user requests, change requests, system users,
//! and counters per dedupe key for inspection.
//!
//! Rows of requests and change requests also carry their place in the table's heap (`row`): an
//! insert or an update writes a new row version at the end of the heap (PostgreSQL's MVCC), and a
//! query without `ORDER BY` returns rows in that order. The list quirks of API.md §11 and §14 read
//! it; every write goes through `update_request` / `update_change_request`, which move the row.
//!
//! Every lookup a route makes is an index lookup, so a call costs the same with 100,000 requests
//! as with ten: requests, system users and change requests by id and by dedupe key, and the
//! non-deleted ones of each system in the orders the lists page in (by id, by heap place, by
//! sequence number). Rows are only changed through the methods here, which keep the indexes and
//! note what changed for the state file's journal (`take_changes`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use crate::model::{PackageRef, Right};

/// Standard (own system) or agent (client system).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// The non-deleted rows of one system, in the orders a list pages in.
#[derive(Debug, Default)]
struct Pages {
    by_id: BTreeMap<String, usize>,
    by_row: BTreeMap<u64, usize>,
}

impl Pages {
    fn add(&mut self, id: &str, row: u64, at: usize) {
        self.by_id.insert(id.to_string(), at);
        self.by_row.insert(row, at);
    }

    fn remove(&mut self, id: &str, row: u64) {
        self.by_id.remove(id);
        self.by_row.remove(&row);
    }

    /// Up to `limit` positions with an id above `after`, by id or in heap order. In heap order the
    /// rows are walked until `limit` match: page one costs `limit` steps; a later page of the
    /// agent list (whose token is a random id) costs the rows walked past.
    fn page(&self, after: Option<&str>, heap_order: bool, limit: usize) -> Vec<usize> {
        match (heap_order, after) {
            (false, None) => self.by_id.values().take(limit).copied().collect(),
            (false, Some(a)) => self.by_id.range::<str, _>((Bound::Excluded(a), Bound::Unbounded)).map(|(_, i)| *i).take(limit).collect(),
            (true, _) => self.by_row.values().copied().take(limit).collect(),
        }
    }
}

/// The key of a change request's `byexternalref` lookup: system, organisation, external ref.
type ChangeKey = (String, String, String);

#[derive(Debug, Default)]
struct Indexes {
    request_by_id: HashMap<String, usize>,
    requests_by_key: HashMap<(Kind, DedupeKey), Vec<usize>>,
    request_pages: HashMap<(Kind, String), Pages>,
    user_by_id: HashMap<String, usize>,
    users_by_key: HashMap<DedupeKey, Vec<usize>>,
    users_by_reportee: HashMap<String, Vec<usize>>,
    /// Non-deleted system users per system, by sequence number.
    user_pages: HashMap<String, BTreeMap<i64, usize>>,
    change_by_id: HashMap<String, usize>,
    changes_by_key: HashMap<ChangeKey, Vec<usize>>,
    change_pages: HashMap<String, Pages>,
}

/// What changed since the journal last asked (positions in the row vectors).
#[derive(Debug, Default)]
struct Changed {
    requests: BTreeSet<usize>,
    system_users: BTreeSet<usize>,
    change_requests: BTreeSet<usize>,
    counters: BTreeSet<(Kind, DedupeKey)>,
    /// Everything was replaced (a reset): only a whole snapshot says so.
    everything: bool,
}

/// The rows and counters changed since the previous `take_changes`, as they are now.
#[derive(Debug, Default)]
pub struct Changes {
    pub requests: Vec<StoredRequest>,
    pub system_users: Vec<SystemUser>,
    pub change_requests: Vec<StoredChangeRequest>,
    pub counters: Vec<(Kind, DedupeKey, KeyCounters)>,
}

fn change_key(c: &StoredChangeRequest) -> ChangeKey {
    (c.system_id.clone(), c.party_org_no.clone(), c.external_ref.clone())
}

fn user_key(u: &SystemUser) -> DedupeKey {
    DedupeKey { party_org_no: u.reportee_org_no.clone(), external_ref: u.external_ref.clone(), system_id: u.system_id.clone() }
}

fn unlist(list: &mut Vec<usize>, at: usize) {
    list.retain(|i| *i != at);
}

#[derive(Debug, Default)]
pub struct Store {
    requests: Vec<StoredRequest>,
    system_users: Vec<SystemUser>,
    change_requests: Vec<StoredChangeRequest>,
    counters: BTreeMap<(Kind, DedupeKey), KeyCounters>,
    /// Organisations taken out of the register since start (`DELETE /_sim/organizations/{orgNo}`).
    pub deregistered: Vec<String>,
    next_sequence: i64,
    /// The last heap place handed out.
    last_row: u64,
    idx: Indexes,
    changed: Changed,
}

impl Store {
    /// Forgets everything (`POST /_sim/reset`).
    pub fn clear(&mut self) {
        *self = Store::default();
        self.changed.everything = true;
    }

    /// A store holding these rows (from a state file), indexed.
    pub fn from_rows(
        requests: Vec<StoredRequest>,
        system_users: Vec<SystemUser>,
        change_requests: Vec<StoredChangeRequest>,
        counters: BTreeMap<(Kind, DedupeKey), KeyCounters>,
        deregistered: Vec<String>,
        sequence: i64,
    ) -> Self {
        let mut store = Store { counters, deregistered, next_sequence: sequence, ..Store::default() };
        for r in requests {
            store.push_request(r);
        }
        for u in system_users {
            store.push_system_user(u);
        }
        for c in change_requests {
            store.push_change_request(c);
        }
        store.recount_rows();
        store.changed = Changed::default();
        store
    }

    /// Every request, deleted ones too, in the order they were stored.
    pub fn requests(&self) -> &[StoredRequest] {
        &self.requests
    }

    /// Every system user, deleted ones too, in the order they were created.
    pub fn system_users(&self) -> &[SystemUser] {
        &self.system_users
    }

    /// Every change request, deleted ones too, in the order they were stored.
    pub fn change_requests(&self) -> &[StoredChangeRequest] {
        &self.change_requests
    }

    pub fn counters(&self) -> &BTreeMap<(Kind, DedupeKey), KeyCounters> {
        &self.counters
    }

    /// Forgets what changed (no state file keeps a journal), so the record does not grow with
    /// every call.
    pub fn forget_changes(&mut self) {
        self.changed = Changed::default();
    }

    /// What changed since the last call, for the state file's journal; `None` when everything
    /// was replaced and only a whole snapshot will do. Forgets it either way.
    pub fn take_changes(&mut self) -> Option<Changes> {
        let changed = std::mem::take(&mut self.changed);
        if changed.everything {
            return None;
        }
        Some(Changes {
            requests: changed.requests.iter().map(|i| self.requests[*i].clone()).collect(),
            system_users: changed.system_users.iter().map(|i| self.system_users[*i].clone()).collect(),
            change_requests: changed.change_requests.iter().map(|i| self.change_requests[*i].clone()).collect(),
            counters: changed
                .counters
                .into_iter()
                .filter_map(|(kind, key)| self.counters.get(&(kind, key.clone())).map(|c| (kind, key, c.clone())))
                .collect(),
        })
    }

    // ---- requests ----

    fn push_request(&mut self, r: StoredRequest) {
        let at = self.requests.len();
        self.idx.request_by_id.insert(r.id.clone(), at);
        self.idx.requests_by_key.entry((r.kind, r.key())).or_default().push(at);
        if !r.is_deleted {
            self.idx.request_pages.entry((r.kind, r.system_id.clone())).or_default().add(&r.id, r.row, at);
        }
        self.changed.requests.insert(at);
        self.requests.push(r);
    }

    pub fn request(&self, id: &str) -> Option<&StoredRequest> {
        self.idx.request_by_id.get(id).map(|i| &self.requests[*i]).filter(|r| !r.is_deleted)
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
        self.push_request(r);
    }

    /// Changes a non-deleted request (an UPDATE: the row moves to the end of the heap).
    /// False when there is no such request.
    pub fn update_request(&mut self, id: &str, change: impl FnOnce(&mut StoredRequest)) -> bool {
        let row = self.next_row();
        let Some(at) = self.idx.request_by_id.get(id).copied().filter(|i| !self.requests[*i].is_deleted) else {
            return false;
        };
        let r = &mut self.requests[at];
        let (old_kind, old_key, old_system, old_row) = (r.kind, r.key(), r.system_id.clone(), r.row);
        change(r);
        r.row = row;
        let r = &self.requests[at];
        if let Some(p) = self.idx.request_pages.get_mut(&(old_kind, old_system)) {
            p.remove(id, old_row);
        }
        if !r.is_deleted {
            self.idx.request_pages.entry((r.kind, r.system_id.clone())).or_default().add(&r.id, r.row, at);
        }
        if (r.kind, r.key()) != (old_kind, old_key.clone()) {
            if let Some(list) = self.idx.requests_by_key.get_mut(&(old_kind, old_key)) {
                unlist(list, at);
            }
            self.idx.requests_by_key.entry((r.kind, r.key())).or_default().push(at);
        }
        self.changed.requests.insert(at);
        true
    }

    /// A non-deleted request of this kind with this key; the newest when there are several
    /// (the legacy timeout lets a key collect more than one).
    pub fn request_by_key(&self, kind: Kind, key: &DedupeKey) -> Option<&StoredRequest> {
        self.requests_with_key(kind, key).rev().find(|r| !r.is_deleted)
    }

    /// Every request of this kind with this key, deleted ones too, oldest first.
    pub fn requests_with_key(&self, kind: Kind, key: &DedupeKey) -> impl DoubleEndedIterator<Item = &StoredRequest> {
        self.idx.requests_by_key.get(&(kind, key.clone())).into_iter().flatten().map(|i| &self.requests[*i])
    }

    /// Up to `limit` non-deleted requests of a kind and system with an id above `after`: by id,
    /// or in heap order (`heap_order`, the agent list without `ORDER BY`).
    pub fn request_page(&self, kind: Kind, system_id: &str, after: Option<&str>, heap_order: bool, limit: usize) -> Vec<&StoredRequest> {
        let Some(pages) = self.idx.request_pages.get(&(kind, system_id.to_string())) else { return Vec::new() };
        match (heap_order, after) {
            (true, Some(a)) => pages.by_row.values().map(|i| &self.requests[*i]).filter(|r| r.id.as_str() > a).take(limit).collect(),
            _ => pages.page(after, heap_order, limit).into_iter().map(|i| &self.requests[i]).collect(),
        }
    }

    // ---- change requests ----

    fn push_change_request(&mut self, c: StoredChangeRequest) {
        let at = self.change_requests.len();
        self.idx.change_by_id.insert(c.id.clone(), at);
        self.idx.changes_by_key.entry(change_key(&c)).or_default().push(at);
        if !c.is_deleted {
            self.idx.change_pages.entry(c.system_id.clone()).or_default().add(&c.id, c.row, at);
        }
        self.changed.change_requests.insert(at);
        self.change_requests.push(c);
    }

    /// A non-deleted change request.
    pub fn change_request(&self, id: &str) -> Option<&StoredChangeRequest> {
        self.idx.change_by_id.get(id).map(|i| &self.change_requests[*i]).filter(|c| !c.is_deleted)
    }

    /// Whether any change request, deleted or not, holds this id (the table's primary key).
    pub fn change_request_id_taken(&self, id: &str) -> bool {
        self.idx.change_by_id.contains_key(id)
    }

    /// Adds a change request at the end of the heap.
    pub fn insert_change_request(&mut self, mut c: StoredChangeRequest) {
        c.row = self.next_row();
        self.push_change_request(c);
    }

    /// Changes a non-deleted change request (the row moves to the end of the heap). False when
    /// there is no such change request.
    pub fn update_change_request(&mut self, id: &str, change: impl FnOnce(&mut StoredChangeRequest)) -> bool {
        let row = self.next_row();
        let Some(at) = self.idx.change_by_id.get(id).copied().filter(|i| !self.change_requests[*i].is_deleted) else {
            return false;
        };
        let c = &mut self.change_requests[at];
        let (old_key, old_row) = (change_key(c), c.row);
        change(c);
        c.row = row;
        let c = &self.change_requests[at];
        if let Some(p) = self.idx.change_pages.get_mut(&old_key.0) {
            p.remove(id, old_row);
        }
        if !c.is_deleted {
            self.idx.change_pages.entry(c.system_id.clone()).or_default().add(&c.id, c.row, at);
        }
        let new_key = change_key(c);
        if new_key != old_key {
            if let Some(list) = self.idx.changes_by_key.get_mut(&old_key) {
                unlist(list, at);
            }
            self.idx.changes_by_key.entry(new_key).or_default().push(at);
        }
        self.changed.change_requests.insert(at);
        true
    }

    /// The first non-deleted change request of the key in heap order.
    pub fn change_request_by_key(&self, system_id: &str, org_no: &str, external_ref: &str) -> Option<&StoredChangeRequest> {
        let key = (system_id.to_string(), org_no.to_string(), external_ref.to_string());
        self.idx.changes_by_key.get(&key)?.iter().map(|i| &self.change_requests[*i]).filter(|c| !c.is_deleted).min_by_key(|c| c.row)
    }

    /// Up to `limit` non-deleted change requests of a system: in heap order (`heap_order`, every
    /// call page one), or by id above `after`.
    pub fn change_request_page(&self, system_id: &str, after: Option<&str>, heap_order: bool, limit: usize) -> Vec<&StoredChangeRequest> {
        match self.idx.change_pages.get(system_id) {
            Some(pages) => pages.page(after, heap_order, limit).into_iter().map(|i| &self.change_requests[i]).collect(),
            None => Vec::new(),
        }
    }

    // ---- system users ----

    fn push_system_user(&mut self, u: SystemUser) {
        let at = self.system_users.len();
        self.idx.user_by_id.entry(u.id.clone()).or_insert(at);
        self.idx.users_by_key.entry(user_key(&u)).or_default().push(at);
        self.idx.users_by_reportee.entry(u.reportee_org_no.clone()).or_default().push(at);
        if !u.is_deleted {
            self.idx.user_pages.entry(u.system_id.clone()).or_default().insert(u.sequence_no, at);
        }
        self.changed.system_users.insert(at);
        self.system_users.push(u);
    }

    /// Adds a system user.
    pub fn insert_system_user(&mut self, u: SystemUser) {
        self.push_system_user(u);
    }

    /// Changes a system user, deleted or not. False when there is none with this id.
    pub fn update_system_user(&mut self, id: &str, change: impl FnOnce(&mut SystemUser)) -> bool {
        let Some(at) = self.idx.user_by_id.get(id).copied() else { return false };
        let u = &mut self.system_users[at];
        let (old_key, old_system, old_seq, old_reportee) = (user_key(u), u.system_id.clone(), u.sequence_no, u.reportee_org_no.clone());
        change(u);
        let u = &self.system_users[at];
        if let Some(p) = self.idx.user_pages.get_mut(&old_system) {
            if p.get(&old_seq) == Some(&at) {
                p.remove(&old_seq);
            }
        }
        if !u.is_deleted {
            self.idx.user_pages.entry(u.system_id.clone()).or_default().insert(u.sequence_no, at);
        }
        let new_key = user_key(u);
        if new_key != old_key {
            if let Some(list) = self.idx.users_by_key.get_mut(&old_key) {
                unlist(list, at);
            }
            self.idx.users_by_key.entry(new_key).or_default().push(at);
        }
        if u.reportee_org_no != old_reportee {
            let reportee = u.reportee_org_no.clone();
            if let Some(list) = self.idx.users_by_reportee.get_mut(&old_reportee) {
                unlist(list, at);
            }
            self.idx.users_by_reportee.entry(reportee).or_default().push(at);
        }
        self.changed.system_users.insert(at);
        true
    }

    /// An active (not deleted) system user with this key, of any kind.
    pub fn system_user_by_key(&self, key: &DedupeKey) -> Option<&SystemUser> {
        self.idx.users_by_key.get(key)?.iter().map(|i| &self.system_users[*i]).find(|u| !u.is_deleted)
    }

    /// Every system user with this key, deleted ones too.
    pub fn system_users_with_key(&self, key: &DedupeKey) -> impl Iterator<Item = &SystemUser> {
        self.idx.users_by_key.get(key).into_iter().flatten().map(|i| &self.system_users[*i])
    }

    /// Every system user owned by this organisation, deleted ones too, oldest first.
    pub fn system_users_of(&self, reportee_org_no: &str) -> impl Iterator<Item = &SystemUser> {
        self.idx.users_by_reportee.get(reportee_org_no).into_iter().flatten().map(|i| &self.system_users[*i])
    }

    /// Up to `limit` active system users of a system with a sequence number above `after`, in
    /// sequence order.
    pub fn system_user_page(&self, system_id: &str, after: i64, limit: usize) -> Vec<&SystemUser> {
        match self.idx.user_pages.get(system_id) {
            Some(p) => p.range((Bound::Excluded(after), Bound::Unbounded)).take(limit).map(|(_, i)| &self.system_users[*i]).collect(),
            None => Vec::new(),
        }
    }

    /// A system user, deleted or not.
    pub fn system_user(&self, id: &str) -> Option<&SystemUser> {
        self.idx.user_by_id.get(id).map(|i| &self.system_users[*i])
    }

    /// A system user that is not deleted (what the server's `GetSingleSystemUserById` finds).
    pub fn active_system_user(&self, id: &str) -> Option<&SystemUser> {
        self.system_user(id).filter(|u| !u.is_deleted)
    }

    /// The last sequence number handed out (for the state file).
    pub fn sequence(&self) -> i64 {
        self.next_sequence
    }

    #[cfg(test)]
    pub fn set_sequence(&mut self, n: i64) {
        self.next_sequence = n;
    }

    pub fn next_sequence(&mut self) -> i64 {
        self.next_sequence += 1;
        self.next_sequence
    }

    pub fn count(&mut self, kind: Kind, key: &DedupeKey) -> &mut KeyCounters {
        self.changed.counters.insert((kind, key.clone()));
        self.counters.entry((kind, key.clone())).or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: &str, system: &str, org: &str) -> StoredRequest {
        StoredRequest {
            id: id.into(),
            kind: Kind::Standard,
            integration_title: None,
            external_ref: org.into(),
            system_id: system.into(),
            party_org_no: org.into(),
            rights: Vec::new(),
            access_packages: Vec::new(),
            status: Status::New,
            redirect_url: None,
            escalated: false,
            created_micros: 0,
            is_deleted: false,
            row: 0,
        }
    }

    #[test]
    fn pages_follow_inserts_updates_and_deletes() {
        let mut s = Store::default();
        for (id, org) in [("c", "1"), ("a", "2"), ("b", "3"), ("d", "4")] {
            s.insert_request(request(id, "sys", org));
        }
        let ids = |v: Vec<&StoredRequest>| v.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(s.request_page(Kind::Standard, "sys", None, false, 10)), ["a", "b", "c", "d"]);
        assert_eq!(ids(s.request_page(Kind::Standard, "sys", Some("a"), false, 2)), ["b", "c"]);
        assert_eq!(ids(s.request_page(Kind::Standard, "sys", None, true, 10)), ["c", "a", "b", "d"]);
        assert!(s.update_request("a", |r| r.status = Status::Accepted));
        assert_eq!(ids(s.request_page(Kind::Standard, "sys", None, true, 10)), ["c", "b", "d", "a"], "an update moves the row");
        assert_eq!(ids(s.request_page(Kind::Standard, "sys", Some("b"), true, 10)), ["c", "d"]);
        assert!(s.update_request("c", |r| r.is_deleted = true));
        assert!(!s.update_request("c", |r| r.is_deleted = false), "deleted rows are not updated");
        assert!(s.request("c").is_none());
        assert_eq!(ids(s.request_page(Kind::Standard, "sys", None, false, 10)), ["a", "b", "d"]);
        let key = DedupeKey { party_org_no: "1".into(), external_ref: "1".into(), system_id: "sys".into() };
        assert!(s.request_by_key(Kind::Standard, &key).is_none());
        assert_eq!(s.requests_with_key(Kind::Standard, &key).count(), 1);
        assert!(s.request_page(Kind::Agent, "sys", None, false, 10).is_empty());
        let changes = s.take_changes().unwrap();
        assert_eq!(changes.requests.len(), 4);
        assert!(s.take_changes().unwrap().requests.is_empty());
        s.clear();
        assert!(s.take_changes().is_none(), "a reset needs a whole snapshot");
    }
}
