//! The System Register as it stands now (API.md §13): the fixture's systems, then whatever vendors
//! register, replace or delete through the System Register routes, each with its internal id, and
//! the change log. Every route that needs a system (requests, change requests, system users,
//! Maskinporten's system-user grant, the pages) reads it here, so a system registered through the
//! API is usable at once.
//!
//! The server keeps a system's Maskinporten clients twice: in the system's `client_id` column
//! (what a read shows) and in the `maskinporten_client` table (what the grant and the clientId
//! checks use). A delete keeps the column and empties the table rows, so here the table is the
//! `clientId` of the systems that are not deleted.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fixture::{Fixture, RegisteredSystem};

/// One row of `system_register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemRow {
    /// `system_internal_id`: the uuid a create answers, and what the change log is keyed on.
    pub internal_id: String,
    pub system: RegisteredSystem,
    /// `accesspackages` is SQL `NULL` (a create with `"accessPackages": null`): reads show `null`,
    /// the request rules see no packages.
    #[serde(default)]
    pub access_packages_null: bool,
    /// Place in the heap: an insert or an update writes the row at the end (the vendor list has
    /// no `ORDER BY`).
    #[serde(default)]
    pub row: u64,
    /// Written through the API (created or changed): a state file keeps it as it is; a row the
    /// API never touched follows the fixture of the next start.
    #[serde(default)]
    pub written: bool,
}

/// `SystemChangeType`, as the change log writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeType {
    Create,
    Update,
    #[serde(rename = "rightsupdate")]
    RightsUpdate,
    #[serde(rename = "accesspackageupdate")]
    AccessPackageUpdate,
    Delete,
}

/// One row of `system_change_log`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeLogEntry {
    pub system_internal_id: String,
    /// The caller's `consumer` organisation.
    pub changed_by_org_number: Option<String>,
    pub change_type: ChangeType,
    /// The bound body as the server serialises it (System.Text.Json defaults: PascalCase member
    /// names except where the model names them), `null` for a delete.
    pub changed_data: Value,
    /// The caller's `client_id` claim.
    pub client_id: Option<String>,
    pub created_micros: i64,
}

/// The register: rows and change log.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemRegister {
    rows: Vec<SystemRow>,
    changelog: Vec<ChangeLogEntry>,
    #[serde(skip)]
    last_row: u64,
}

impl SystemRegister {
    /// The fixture's systems, each with a fresh internal id and no change log.
    pub fn from_fixture(fixture: &Fixture) -> Self {
        let mut register = SystemRegister::default();
        for s in &fixture.systems {
            register.push(s.clone(), false, false);
        }
        register
    }

    /// The register a state file kept, on top of this start's fixture: rows written through the
    /// API stay as they were, rows the API never touched take the fixture's system (or go, when
    /// the fixture no longer has it), and systems new in the fixture are added. Internal ids and
    /// the change log are kept.
    pub fn restored(mut self, fixture: &Fixture) -> Self {
        self.rows.retain(|r| r.written || fixture.systems.iter().any(|s| s.id == r.system.id));
        for r in self.rows.iter_mut().filter(|r| !r.written) {
            if let Some(s) = fixture.systems.iter().find(|s| s.id == r.system.id) {
                r.system = s.clone();
            }
        }
        self.recount_rows();
        for s in &fixture.systems {
            if self.row(&s.id).is_none() {
                self.push(s.clone(), false, false);
            }
        }
        self
    }

    /// Sets the heap counter past every row held (after loading a state file).
    pub fn recount_rows(&mut self) {
        self.last_row = self.rows.iter().map(|r| r.row).max().unwrap_or(0);
    }

    fn next_row(&mut self) -> u64 {
        self.last_row += 1;
        self.last_row
    }

    /// A row by system id, deleted or not (`GetRegisteredSystemById`).
    pub fn row(&self, id: &str) -> Option<&SystemRow> {
        self.rows.iter().find(|r| r.system.id == id)
    }

    /// A system that is not deleted: what the request, change-request and system-user routes know.
    pub fn system(&self, id: &str) -> Option<&RegisteredSystem> {
        self.row(id).map(|r| &r.system).filter(|s| !s.is_deleted)
    }

    /// A system whether deleted or not: what a system user's row joins to.
    pub fn system_including_deleted(&self, id: &str) -> Option<&RegisteredSystem> {
        self.row(id).map(|r| &r.system)
    }

    /// The vendor (bare organisation number) of a system user's system, deleted or not.
    pub fn supplier_of(&self, system_id: &str) -> Option<&str> {
        self.system_including_deleted(system_id).map(RegisteredSystem::vendor_org_no)
    }

    /// The systems that are not deleted.
    pub fn active(&self) -> impl Iterator<Item = &RegisteredSystem> {
        self.rows.iter().map(|r| &r.system).filter(|s| !s.is_deleted)
    }

    /// Every row in heap order (the order a query without `ORDER BY` returns).
    pub fn rows_in_heap_order(&self) -> Vec<&SystemRow> {
        let mut rows: Vec<&SystemRow> = self.rows.iter().collect();
        rows.sort_by_key(|r| r.row);
        rows
    }

    /// The system a Maskinporten client is tagged on (the `maskinporten_client` table).
    pub fn system_of_client(&self, client_id: &str) -> Option<&RegisteredSystem> {
        self.active().find(|s| s.client_id.iter().any(|c| c == client_id))
    }

    /// The `maskinporten_client` rows for these client ids (exact match, as the SQL `ANY`):
    /// `(client id, internal id of its system)`.
    pub fn client_usages(&self, client_ids: &[String]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for r in self.rows.iter().filter(|r| !r.system.is_deleted) {
            for c in r.system.client_id.iter().filter(|c| client_ids.contains(c)) {
                out.push((c.clone(), r.internal_id.clone()));
            }
        }
        out
    }

    /// Adds a system registered through the API with a new internal id, at the end of the heap;
    /// returns the internal id.
    pub fn insert(&mut self, system: RegisteredSystem, access_packages_null: bool) -> String {
        self.push(system, access_packages_null, true)
    }

    fn push(&mut self, system: RegisteredSystem, access_packages_null: bool, written: bool) -> String {
        let internal_id = crate::ids::uuid_v4();
        let row = self.next_row();
        self.rows.push(SystemRow { internal_id: internal_id.clone(), system, access_packages_null, row, written });
        internal_id
    }

    /// Changes a row (an UPDATE: the row moves to the end of the heap). False when there is none.
    pub fn update(&mut self, id: &str, change: impl FnOnce(&mut SystemRow)) -> bool {
        let row = self.next_row();
        match self.rows.iter_mut().find(|r| r.system.id == id) {
            Some(r) => {
                change(r);
                r.row = row;
                r.written = true;
                true
            }
            None => false,
        }
    }

    pub fn log(&mut self, entry: ChangeLogEntry) {
        self.changelog.push(entry);
    }

    /// A system's change log, newest first (`ORDER BY created DESC`; the later write first on a tie).
    pub fn changelog_of(&self, internal_id: &str) -> Vec<&ChangeLogEntry> {
        let mut entries: Vec<(usize, &ChangeLogEntry)> =
            self.changelog.iter().enumerate().filter(|(_, e)| e.system_internal_id == internal_id).collect();
        entries.sort_by(|(ia, a), (ib, b)| b.created_micros.cmp(&a.created_micros).then(ib.cmp(ia)));
        entries.into_iter().map(|(_, e)| e).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_from_the_fixture_and_ordered() {
        let mut r = SystemRegister::from_fixture(&Fixture::default());
        assert!(r.system("314248295_smartregnskap").is_some());
        assert_eq!(r.system_of_client("sim-smartbyraa-client").map(|s| s.id.as_str()), Some("314248295_smartbyraa"));
        let first = r.rows_in_heap_order()[0].system.id.clone();
        assert!(r.update(&first, |row| row.system.is_deleted = true));
        assert_eq!(r.rows_in_heap_order().last().map(|x| x.system.id.clone()), Some(first.clone()));
        assert!(r.system(&first).is_none() && r.system_including_deleted(&first).is_some());
        assert!(r.client_usages(&["sim-smartregnskap-client".into()]).is_empty());
        let id = r.row(&first).map(|x| x.internal_id.clone()).unwrap_or_default();
        for (t, change_type) in [(5, ChangeType::Create), (5, ChangeType::Delete), (3, ChangeType::Update)] {
            r.log(ChangeLogEntry {
                system_internal_id: id.clone(),
                changed_by_org_number: None,
                change_type,
                changed_data: Value::Null,
                client_id: None,
                created_micros: t,
            });
        }
        let types: Vec<ChangeType> = r.changelog_of(&id).iter().map(|e| e.change_type).collect();
        assert_eq!(types, [ChangeType::Delete, ChangeType::Create, ChangeType::Update]);
    }
}
