//! `systemuser system list | show | register | update | set-rights | set-packages | delete |
//! changelog`: the vendor's systems in Altinn's System Register (API.md §13). Every check (the
//! server's AUTH.VLD rules), the merge of an update with the stored system, the register that
//! never posts twice and the delete that survives the server's ambiguous 400 run inside the
//! component; this module reads files and flags, and prints.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use systemuser_host::convert::field_or_body;
use systemuser_host::json::{documents::unquoted, right_json, system_change_json, SystemDoc, SystemUpdateDoc};
use systemuser_host::wit::{self, RegisteredSystem, SystemUpdate};
use systemuser_host::{Client, ClientError};

use super::output::{self, bold, print_json};
use super::request::{parse_package, parse_right};
use super::{plural, read_input, shell_word, Exit, Failure, Global};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the vendor's systems (deleted ones left out; a listing has no client ids or
    /// redirect URLs: `system show` has them).
    List,
    /// Show one registered system: rights, packages, redirect URLs, client ids.
    Show(IdArgs),
    /// Register a system from a JSON file in Altinn's shape (`{"id", "vendor": {"ID":
    /// "0192:<org no>"}, "name", "description", "rights"?, "accessPackages"?, "clientId"?,
    /// "isVisible"?, "allowedRedirectUrls"?}`). Checked first with Altinn's rules (nothing is
    /// sent when it breaks one); registered exactly once: a rerun after a lost answer finds it.
    Register(FileArgs),
    /// Change a system: the members the JSON file names replace the stored ones, the others are
    /// kept (Altinn's PUT would reset them; the whole record is read, merged and sent). The
    /// output of `system show --json` is accepted as it is.
    Update(FileArgs),
    /// Replace a system's rights.
    SetRights(SetRightsArgs),
    /// Replace a system's access packages.
    SetPackages(SetPackagesArgs),
    /// Delete a system: no new requests for it, its Maskinporten client ids are freed, and its
    /// id is never registered again. Deleting a deleted system succeeds.
    Delete(IdArgs),
    /// What was changed in a system, when and by whom, with the body each change sent (--json).
    Changelog(IdArgs),
}

#[derive(Debug, clap::Args)]
pub struct IdArgs {
    /// The system id, e.g. 314248295_smartregnskap
    #[arg(value_name = "SYSTEM_ID")]
    pub system_id: String,
}

#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// The system as JSON (Altinn's shape; `vendorOrgNo` and `clientIds`, as `system show
    /// --json` prints them, are read too); `-` reads stdin
    #[arg(long, value_name = "FILE.json")]
    pub file: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct SetRightsArgs {
    /// The system id
    #[arg(value_name = "SYSTEM_ID")]
    pub system_id: String,
    /// A right: a resource id (`ske-krav-og-betalinger`, short for
    /// `urn:altinn:resource=ske-krav-og-betalinger`) or `id=value` pairs joined by `,`. Repeatable;
    /// the list replaces the system's rights
    #[arg(long, value_name = "RESOURCE|ID=VALUE[,..]", required_unless_present = "none")]
    pub right: Vec<String>,
    /// Remove every right
    #[arg(long, conflicts_with = "right")]
    pub none: bool,
}

#[derive(Debug, clap::Args)]
pub struct SetPackagesArgs {
    /// The system id
    #[arg(value_name = "SYSTEM_ID")]
    pub system_id: String,
    /// An access package: a URN, or a bare name under `urn:altinn:accesspackage:` (e.g.
    /// `skattegrunnlag`). Repeatable; the list replaces the system's packages
    #[arg(long, value_name = "NAME|URN", required_unless_present = "none")]
    pub package: Vec<String>,
    /// Remove every access package
    #[arg(long, conflicts_with = "package")]
    pub none: bool,
}

pub fn run(global: &Global, command: &Command) -> Result<Exit, Failure> {
    match command {
        Command::List => list(global),
        Command::Show(args) => show(global, args),
        Command::Register(args) => register(global, args),
        Command::Update(args) => update(global, args),
        Command::SetRights(args) => set_rights(global, args),
        Command::SetPackages(args) => set_packages(global, args),
        Command::Delete(args) => delete(global, args),
        Command::Changelog(args) => changelog(global, args),
    }
}

/// The members of a system file, for error messages.
const SYSTEM_MEMBERS: &str =
    "id, vendor (or vendorOrgNo), name, description, rights, accessPackages, clientId (or clientIds), isVisible, allowedRedirectUrls";

/// A system to register, from Altinn's JSON. A file that does not decode is exit 2.
pub fn system_from_file(bytes: &[u8], path: &Path) -> Result<RegisteredSystem, Failure> {
    let doc: SystemDoc = serde_json::from_slice(bytes).map_err(|e| {
        Failure::usage(format!(
            "cannot decode the system file {}: {} (members: {SYSTEM_MEMBERS})",
            path.display(),
            unquoted(&e.to_string())
        ))
    })?;
    Ok(doc.into_system())
}

/// An update from a JSON file: `id` and the members to replace. A whole system (as `system show
/// --json` prints it, or in Altinn's shape) is accepted: its vendor must be the one its id
/// names (a system never changes vendor), `isDeleted` is ignored.
pub fn update_from_file(bytes: &[u8], path: &Path) -> Result<SystemUpdate, Failure> {
    let fail = |why: String| Failure::usage(format!("cannot decode the system file {}: {why}", path.display()));
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| fail(unquoted(&e.to_string())))?;
    let Some(members) = value.as_object_mut() else {
        return Err(fail("it is not a JSON object".into()));
    };
    let vendor = members.remove("vendor").map(|v| v.get("ID").cloned().unwrap_or(Value::Null));
    let vendor = vendor.or_else(|| members.remove("vendorOrgNo"));
    members.remove("vendorOrgNo");
    members.remove("isDeleted");
    let doc: SystemUpdateDoc =
        serde_json::from_value(value).map_err(|e| fail(format!("{} (members: {SYSTEM_MEMBERS})", unquoted(&e.to_string()))))?;
    if let Some(vendor) = vendor {
        let org = vendor.as_str().map(|v| v.trim().trim_start_matches("0192:").to_string()).unwrap_or_default();
        if !doc.id.trim().starts_with(&format!("{org}_")) {
            return Err(fail(format!(
                "its vendor is not the organisation its id {} names: a system never changes vendor (leave vendor out)",
                shell_word(doc.id.trim())
            )));
        }
    }
    Ok(doc.into_update())
}

/// The members an update replaces, by their JSON names.
fn replaced(u: &SystemUpdate) -> Vec<&'static str> {
    [
        ("name", u.name.is_some()),
        ("description", u.description.is_some()),
        ("rights", u.rights.is_some()),
        ("accessPackages", u.access_packages.is_some()),
        ("clientId", u.client_ids.is_some()),
        ("isVisible", u.is_visible.is_some()),
        ("allowedRedirectUrls", u.allowed_redirect_urls.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, named)| named.then_some(name))
    .collect()
}

/// The codes of a failure: the problem's own and those of its field errors (Altinn puts the
/// System Register's AUTH.VLD codes there).
pub fn codes(e: &ClientError) -> Vec<String> {
    match e.altinn() {
        Some(wit::Error::Altinn(p)) => p.code.iter().cloned().chain(p.field_errors.iter().map(|v| v.code.clone())).collect(),
        Some(wit::Error::Validation(v)) => v.iter().map(|v| v.code.clone()).collect(),
        Some(wit::Error::Conflict(p) | wit::Error::NotFound(p) | wit::Error::Forbidden(p)) => p.code.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A failure whose Altinn problem lists field errors (the System Register's AUTH.VLD codes, a
/// delegation route's AUTH.VLD-00014/15/16), with one line per field error.
pub fn with_field_errors(e: ClientError) -> Failure {
    let lines: Vec<String> = match e.altinn() {
        Some(wit::Error::Altinn(p)) => {
            p.field_errors.iter().map(|v| format!("\n  ✗ {}: {} [{}]", field_or_body(&v.field), v.message, v.code)).collect()
        }
        _ => Vec::new(),
    };
    let mut failure = Failure::from(e);
    failure.message.push_str(&lines.concat());
    failure
}

/// A System Register failure, with what to do about it. Altinn's 403 for a named system is
/// ambiguous (a token without the scope, or another vendor's system): the vendor's own list,
/// read with the same token and scope, tells which. Readable means the token is fine and the
/// system is another vendor's: an answer, exit 1, as `request list` gives for it; not readable
/// either means the token: exit 4.
fn failure(global: &Global, client: &Client, e: ClientError, system_id: &str) -> Failure {
    let forbidden = matches!(e.altinn(), Some(wit::Error::Forbidden(_)));
    if forbidden && !system_id.trim().is_empty() {
        if let Ok(systems) = client.list_systems() {
            return not_yours(global, e, system_id.trim(), &systems);
        }
    }
    described(global, e, system_id)
}

/// Another vendor's system: exit 1, saying so, with the vendor's own systems to pick from.
fn not_yours(global: &Global, e: ClientError, system_id: &str, yours: &[RegisteredSystem]) -> Failure {
    let mut failure = Failure::from(e);
    failure.code = Exit::No;
    failure.message =
        format!("system {system_id} is not yours: Altinn refused it (403) to this vendor, whose token can read its own systems");
    if let Some(Value::Object(obj)) = failure.json.as_mut() {
        obj.insert("message".into(), Value::String(failure.message.clone()));
    }
    let prefix = yours.first().and_then(|s| s.id.split_once('_')).map(|(org, _)| format!(" (yours start with {org}_)")).unwrap_or_default();
    failure.with_hint(format!("`{} system list` lists your systems{prefix}", global.invocation()))
}

fn described(global: &Global, e: ClientError, system_id: &str) -> Failure {
    let inv = global.invocation();
    let id = shell_word(system_id.trim());
    let codes = codes(&e);
    let has = |code: &str| codes.iter().any(|c| c == code);
    let kind = e.altinn().map(systemuser_host::json::error_kind).unwrap_or("");
    let failure = with_field_errors(e);
    match kind {
        "forbidden" => failure.with_hint(
            "the token needs the scope altinn:authentication/systemregister.write: without it Altinn refuses every System Register route, the vendor's own list included",
        ),
        "not-found" => failure.with_hint(format!("`{inv} system list` lists your systems")),
        "conflict" if has("system-deleted") => {
            failure.with_hint("a deleted system stays deleted and its id is never reused: register the system under a new id")
        }
        "conflict" if has("AUTH.VLD-00002") => failure.with_hint(
            "the id belongs to a deleted system and ids are never reused: register the system under a new id (nothing else was registered)",
        ),
        _ if has("AUTH.VLD-00002") => failure.with_hint(format!(
            "a system with this id exists already (ids are never reused, a deleted system's included): `{inv} system show {id}` shows it; change it with `{inv} system update --file FILE.json`, or register under a new id"
        )),
        _ if has("AUTH.VLD-00004") => failure.with_hint(
            "a Maskinporten client id can be on one active system only: use another client id, or take it off the other system first",
        ),
        _ => failure,
    }
}

fn list(global: &Global) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let systems = client.list_systems().map_err(|e| failure(global, &client, e, ""))?;
    if global.json {
        print_json(&json!({"items": systems.iter().map(output::system_json).collect::<Vec<_>>()}));
        return Ok(Exit::Ok);
    }
    let n = systems.len();
    println!("{n} system{} in the System Register", plural(n));
    if n > 0 {
        let rows: Vec<Vec<String>> = systems
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    if s.is_visible { "yes".into() } else { "no".into() },
                    s.rights.len().to_string(),
                    s.access_packages.len().to_string(),
                    name(&s.name).to_string(),
                ]
            })
            .collect();
        println!("{}", output::table(&["ID", "VISIBLE", "RIGHTS", "PACKAGES", "NAME"], &rows));
        println!("`{} system show SYSTEM_ID` shows one in full (client ids, redirect URLs)", global.invocation());
    }
    Ok(Exit::Ok)
}

fn name(text: &wit::LocalizedText) -> &str {
    text.en.as_deref().or(text.nb.as_deref()).or(text.nn.as_deref()).unwrap_or("")
}

/// A system for people: a headline with its name, then its members one per line.
pub fn print_system(s: &RegisteredSystem) {
    println!("{}  {}", s.id, name(&s.name));
    println!("  vendor:        {}", s.vendor_org_no);
    let description = name(&s.description);
    if !description.is_empty() {
        println!("  description:   {description}");
    }
    println!("  visible:       {}", if s.is_visible { "yes" } else { "no" });
    if s.is_deleted {
        println!("  deleted:       yes");
    }
    let list = |label: &str, items: Vec<String>| {
        if items.is_empty() {
            println!("  {label:<14} (none)");
        }
        for (i, item) in items.iter().enumerate() {
            println!("  {:<14} {item}", if i == 0 { label } else { "" });
        }
    };
    list("rights:", s.rights.iter().map(output::right_text).collect());
    list("packages:", s.access_packages.iter().map(|p| p.urn.clone()).collect());
    list("redirect urls:", s.allowed_redirect_urls.clone());
    list("client ids:", s.client_ids.clone());
}

fn show(global: &Global, args: &IdArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let s = client.get_registered_system(&args.system_id).map_err(|e| failure(global, &client, e, &args.system_id))?;
    if global.json {
        print_json(&output::system_json(&s));
        return Ok(Exit::Ok);
    }
    print_system(&s);
    Ok(Exit::Ok)
}

fn register(global: &Global, args: &FileArgs) -> Result<Exit, Failure> {
    let system = system_from_file(&read_input(&args.file, "system")?, &args.file)?;
    let (_, client) = global.client()?;
    let id = system.id.trim().to_string();
    let registered = client.register_system(system.clone()).map_err(|e| failure(global, &client, e, &id))?;
    let outcome = if registered.reconciled { "reconciled" } else { "registered" };
    if global.json {
        print_json(&json!({
            "ok": true, "outcome": outcome, "systemId": id, "internalId": registered.internal_id, "reconciled": registered.reconciled,
        }));
        return Ok(Exit::Ok);
    }
    let inv = global.invocation();
    match registered.reconciled {
        false => println!("{}", bold(&format!("✓ system {id} registered"))),
        true => println!("{}", bold(&format!("✓ system {id} registered (the answer was lost; found it registered by its id)"))),
    }
    if let Some(internal) = &registered.internal_id {
        println!("  internal id:   {internal}");
    }
    println!("  name:          {}", name(&system.name));
    println!("  rights:        {}", count(system.rights.len(), "right"));
    println!("  packages:      {}", count(system.access_packages.len(), "access package"));
    println!("  client ids:    {}", if system.client_ids.is_empty() { "(none)".to_string() } else { system.client_ids.join(", ") });
    println!(
        "next: `{inv} system show {}`; requests for it can be created at once: `{inv} request create --system-id {} --org ORGNO …`",
        shell_word(&id),
        shell_word(&id)
    );
    Ok(Exit::Ok)
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", plural(n))
}

fn update(global: &Global, args: &FileArgs) -> Result<Exit, Failure> {
    let update = update_from_file(&read_input(&args.file, "system")?, &args.file)?;
    let (_, client) = global.client()?;
    let id = update.id.trim().to_string();
    let names = replaced(&update);
    client.update_system(update).map_err(|e| failure(global, &client, e, &id))?;
    if global.json {
        print_json(&json!({"ok": true, "outcome": "updated", "systemId": id, "replaced": names}));
        return Ok(Exit::Ok);
    }
    println!("{}", bold(&format!("✓ system {id} updated")));
    let kept: Vec<&str> = ["name", "description", "rights", "accessPackages", "clientId", "isVisible", "allowedRedirectUrls"]
        .into_iter()
        .filter(|m| !names.contains(m))
        .collect();
    println!(
        "  replaced:      {}",
        if names.is_empty() { "(nothing: the stored system was sent back as it is)".into() } else { names.join(", ") }
    );
    println!("  kept:          {}", if kept.is_empty() { "(nothing)".into() } else { kept.join(", ") });
    println!("next: `{} system show {}`", global.invocation(), shell_word(&id));
    Ok(Exit::Ok)
}

fn set_rights(global: &Global, args: &SetRightsArgs) -> Result<Exit, Failure> {
    let rights = args.right.iter().map(|r| parse_right(r)).collect::<Result<Vec<_>, _>>()?;
    let (_, client) = global.client()?;
    client.set_system_rights(&args.system_id, rights.clone()).map_err(|e| failure(global, &client, e, &args.system_id))?;
    let id = args.system_id.trim();
    if global.json {
        print_json(
            &json!({"ok": true, "outcome": "rights-set", "systemId": id, "rights": rights.iter().map(right_json).collect::<Vec<_>>()}),
        );
        return Ok(Exit::Ok);
    }
    println!("{}", bold(&format!("✓ rights of {id} set: {}", count(rights.len(), "right"))));
    for r in &rights {
        println!("  right:         {}", output::right_text(r));
    }
    Ok(Exit::Ok)
}

fn set_packages(global: &Global, args: &SetPackagesArgs) -> Result<Exit, Failure> {
    let packages: Vec<wit::AccessPackage> = args.package.iter().map(|p| parse_package(p)).collect();
    let (_, client) = global.client()?;
    client.set_system_access_packages(&args.system_id, packages.clone()).map_err(|e| failure(global, &client, e, &args.system_id))?;
    let id = args.system_id.trim();
    if global.json {
        let urns: Vec<Value> = packages.iter().map(|p| json!({"urn": p.urn})).collect();
        print_json(&json!({"ok": true, "outcome": "access-packages-set", "systemId": id, "accessPackages": urns}));
        return Ok(Exit::Ok);
    }
    println!("{}", bold(&format!("✓ access packages of {id} set: {}", count(packages.len(), "access package"))));
    for p in &packages {
        println!("  package:       {}", p.urn);
    }
    Ok(Exit::Ok)
}

fn delete(global: &Global, args: &IdArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    client.delete_system(&args.system_id).map_err(|e| failure(global, &client, e, &args.system_id))?;
    let id = args.system_id.trim();
    if global.json {
        print_json(&json!({"ok": true, "outcome": "deleted", "systemId": id}));
        return Ok(Exit::Ok);
    }
    println!("{}", bold(&format!("✓ system {id} deleted")));
    println!("  no new requests can name it, its Maskinporten client ids are free for another system, and its id is");
    println!("  never registered again. Deleting it again changes nothing.");
    Ok(Exit::Ok)
}

fn changelog(global: &Global, args: &IdArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let changes = client.system_changelog(&args.system_id).map_err(|e| failure(global, &client, e, &args.system_id))?;
    let id = args.system_id.trim();
    if global.json {
        print_json(&json!({"systemId": id, "items": changes.iter().map(system_change_json).collect::<Vec<_>>()}));
        return Ok(Exit::Ok);
    }
    let n = changes.len();
    println!("{n} change{} to {id}", plural(n));
    if n > 0 {
        let rows: Vec<Vec<String>> = changes
            .iter()
            .map(|c| {
                vec![
                    c.created.as_ref().map(output::datetime).unwrap_or_default(),
                    c.change_type.clone(),
                    c.changed_by_org_no.clone(),
                    c.client_id.clone().unwrap_or_default(),
                ]
            })
            .collect();
        println!("{}", output::table(&["WHEN", "CHANGE", "BY", "MASKINPORTEN CLIENT"], &rows));
        println!("`{} --json system changelog {}` shows the body each change sent", global.invocation(), shell_word(id));
    }
    Ok(Exit::Ok)
}
