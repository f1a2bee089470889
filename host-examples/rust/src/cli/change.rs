//! `systemuser change create | get | list | withdraw`: change requests (API.md §11), asking an
//! approved customer to change what its standard system user holds.

use std::path::PathBuf;

use serde_json::{json, Value};
use systemuser_host::json::{documents::unquoted, ChangeDoc};
use systemuser_host::wit::{self, ChangeRequest, ChangeRequestInput, ChangeRequestKey, ChangeRequestStatus, CreatedChangeRequest};
use systemuser_host::{ChangeOutcome, ClientError, Random};

use super::output::{self, bold, print_json};
use super::request::{parse_package, parse_right};
use super::{plural, read_input, shell_word, Exit, Failure, Global};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Ask an approved customer to change its standard system user: rights and access packages
    /// to add (--require-…) or remove (--remove-…). Prints the confirm link the customer must
    /// open. Re-running the same change finds the same change request; a change that asks for
    /// nothing is answered here ("no change needed") without asking Altinn.
    Create(CreateArgs),
    /// Show one change request, by id or by its system user's key (system, customer, external ref).
    Get(GetArgs),
    /// List a system's change requests: the first 50 only (Altinn's list repeats its first
    /// page), and it says when there may be more.
    List(ListArgs),
    /// Withdraw (delete) a change request. Its id can never be used again.
    Withdraw(WithdrawArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The vendor's system, e.g. 314248295_smartregnskap
    #[arg(long, value_name = "ID", required_unless_present = "request")]
    pub system_id: Option<String>,
    /// The customer whose system user changes (9 digits; `0192:` accepted)
    #[arg(long, value_name = "ORGNO", required_unless_present = "request")]
    pub org: Option<String>,
    /// The system user's external ref (the one its request was created with) [default: the org number]
    #[arg(long, value_name = "REF")]
    pub external_ref: Option<String>,
    /// The idempotency key, a uuid [default: derived from the system user and the change, so
    /// that a rerun finds the same change request]. Give a new one to ask again for a change
    /// that was rejected, timed out or withdrawn
    #[arg(long, value_name = "UUID")]
    pub correlation_id: Option<String>,
    /// An access package the system user should get: a URN, or a bare name under
    /// `urn:altinn:accesspackage:` (e.g. `merverdiavgift`). Repeatable
    #[arg(long, value_name = "NAME|URN")]
    pub require_package: Vec<String>,
    /// An access package the system user should lose. Repeatable
    #[arg(long, value_name = "NAME|URN")]
    pub remove_package: Vec<String>,
    /// A right the system user should get: `id=value` pairs joined by `,` form one right; a
    /// bare value means `urn:altinn:resource=VALUE`. Repeatable
    #[arg(long, value_name = "ID=VALUE[,..]")]
    pub require_right: Vec<String>,
    /// A right the system user should lose (same form). Repeatable
    #[arg(long, value_name = "ID=VALUE[,..]")]
    pub remove_right: Vec<String>,
    /// Where the customer's browser goes after deciding; must be registered on the system
    #[arg(long, value_name = "URL")]
    pub redirect_url: Option<String>,
    /// The change as JSON instead of the flags: `{"systemId", "partyOrgNo", "externalRef"?,
    /// "correlationId"?, "requiredRights"?, "unwantedRights"?, "requiredAccessPackages"?,
    /// "unwantedAccessPackages"?, "redirectUrl"?}` (member names exact); `-` reads stdin
    #[arg(long, value_name = "FILE.json", conflicts_with_all = [
        "system_id", "org", "external_ref", "correlation_id", "require_package", "remove_package", "require_right", "remove_right",
        "redirect_url",
    ])]
    pub request: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The change request id (its correlation id); or give --system-id and --org instead
    #[arg(value_name = "ID", required_unless_present_all = ["system_id", "org"])]
    pub id: Option<String>,
    #[arg(long, value_name = "ID", requires = "org", conflicts_with = "id")]
    pub system_id: Option<String>,
    #[arg(long, value_name = "ORGNO", requires = "system_id", conflicts_with = "id")]
    pub org: Option<String>,
    /// The system user's external ref [default: the org number]
    #[arg(long, value_name = "REF", requires = "system_id", conflicts_with = "id")]
    pub external_ref: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The vendor's system
    #[arg(long, value_name = "ID")]
    pub system_id: String,
}

#[derive(Debug, clap::Args)]
pub struct WithdrawArgs {
    /// The change request id
    #[arg(value_name = "ID")]
    pub id: String,
}

pub fn run(global: &Global, command: &Command) -> Result<Exit, Failure> {
    match command {
        Command::Create(args) => create(global, args),
        Command::Get(args) => get(global, args),
        Command::List(args) => list(global, args),
        Command::Withdraw(args) => withdraw(global, args),
    }
}

/// The typed input from the flags (the component checks it when the create runs).
fn input_from_flags(args: &CreateArgs) -> Result<ChangeRequestInput, Failure> {
    let (Some(system_id), Some(org)) = (args.system_id.clone(), args.org.clone()) else {
        return Err(Failure::usage("give --system-id and --org, or --request FILE.json"));
    };
    let rights = |list: &[String]| list.iter().map(|r| parse_right(r)).collect::<Result<Vec<_>, _>>();
    Ok(ChangeRequestInput {
        system_id,
        party_org_no: org,
        external_ref: args.external_ref.clone(),
        correlation_id: args.correlation_id.clone(),
        required_rights: rights(&args.require_right)?,
        unwanted_rights: rights(&args.remove_right)?,
        required_access_packages: args.require_package.iter().map(|p| parse_package(p)).collect(),
        unwanted_access_packages: args.remove_package.iter().map(|p| parse_package(p)).collect(),
        redirect_url: args.redirect_url.clone(),
    })
}

/// The typed input from a JSON file (`ChangeDoc`: exact member names, so that a misspelt list
/// is refused instead of silently asking for nothing). A file that does not decode is exit 2.
fn input_from_file(bytes: &[u8], path: &std::path::Path) -> Result<ChangeRequestInput, Failure> {
    let doc: ChangeDoc = serde_json::from_slice(bytes).map_err(|e| {
        Failure::usage(format!(
            "cannot decode the change request file {}: {} (members: systemId, partyOrgNo, externalRef, correlationId, requiredRights, unwantedRights, requiredAccessPackages, unwantedAccessPackages, redirectUrl)",
            path.display(),
            unquoted(&e.to_string())
        ))
    })?;
    Ok(doc.into_input())
}

/// A fresh random (version 4) uuid, for a correlation id a hint proposes.
fn fresh_uuid() -> String {
    let bytes = systemuser_host::OsRandom::default().random_bytes(16);
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// The command that asks for this change again under `correlation_id`, with the global options
/// of this run: what a hint tells the user to run.
fn create_command(global: &Global, input: &ChangeRequestInput, correlation_id: &str) -> String {
    let mut words = vec![global.invocation(), "change create".to_string()];
    let mut add = |flag: &str, value: &str| words.push(format!("{flag} {}", shell_word(value)));
    add("--system-id", &input.system_id);
    add("--org", &input.party_org_no);
    if let Some(r) = &input.external_ref {
        add("--external-ref", r);
    }
    for r in &input.required_rights {
        add("--require-right", &output::right_text(r));
    }
    for r in &input.unwanted_rights {
        add("--remove-right", &output::right_text(r));
    }
    for p in &input.required_access_packages {
        add("--require-package", &p.urn);
    }
    for p in &input.unwanted_access_packages {
        add("--remove-package", &p.urn);
    }
    if let Some(url) = &input.redirect_url {
        add("--redirect-url", url);
    }
    add("--correlation-id", correlation_id);
    words.join(" ")
}

/// `systemuser … verify` for the system user the change names.
fn verify_command(global: &Global, system_id: &str, org: &str, external_ref: Option<&str>) -> String {
    let mut command =
        format!("{} verify --system-id {} --org {}", global.invocation(), shell_word(system_id.trim()), shell_word(org.trim()));
    if let Some(r) = external_ref {
        command.push_str(&format!(" --external-ref {}", shell_word(r)));
    }
    command
}

/// The failures of a change create, with what to do about each.
fn create_failure(global: &Global, e: ClientError, input: &ChangeRequestInput) -> Failure {
    let (code, status, kind) = match e.altinn() {
        Some(wit::Error::Conflict(p)) => (p.code.clone(), p.status, "conflict"),
        Some(wit::Error::NotFound(p)) => (p.code.clone(), p.status, "not-found"),
        Some(wit::Error::Altinn(p)) => (p.code.clone(), p.status, "altinn"),
        Some(wit::Error::Unavailable(o)) => (o.code.clone(), o.status, "unavailable"),
        _ => (None, 0, ""),
    };
    let failure = Failure::from(e);
    let again = || create_command(global, input, &fresh_uuid());
    match (kind, code.as_deref(), status) {
        ("conflict", Some("correlation-id-reused"), _) => failure.with_hint(format!(
            "Altinn keeps the change first asked for under a correlation id and answers it for any later one. Leave --correlation-id out (the change then names its own), or ask with a new one: `{}`",
            again()
        )),
        ("conflict", Some("correlation-id-unusable"), _) => {
            failure.with_hint(format!("ask for this change again with a new correlation id: `{}`", again()))
        }
        ("conflict", Some("AUTH-00061"), _) | ("altinn", Some("AUTH-00007"), _) => {
            failure.with_hint(format!("that correlation id is another vendor's; ask with a new one: `{}`", again()))
        }
        ("not-found", Some("AUTH-00015"), _) | ("not-found", None, _) if code.is_some() || failure.message.contains("no system user") => {
            failure.with_hint(format!(
                "check that the customer approved a standard system user for this key: `{}`",
                verify_command(global, &input.system_id, &input.party_org_no, input.external_ref.as_deref())
            ))
        }
        ("unavailable", _, 500) => failure.with_hint(format!(
            "Altinn could not answer now (this is not a \"no\"); try again later. If this same change was withdrawn before, Altinn cannot take its correlation id again and answers 500 every time: ask with a new one: `{}`",
            again()
        )),
        _ => failure,
    }
}

/// 0 for a change the customer can still decide or approved; 1 for one they rejected or let time
/// out (asking again needs a new correlation id).
fn created_exit(c: &CreatedChangeRequest) -> Exit {
    let r = &c.change_request;
    match r.status {
        ChangeRequestStatus::Rejected => Exit::No,
        ChangeRequestStatus::New if output::change_timed_out(r) => Exit::No,
        _ => Exit::Ok,
    }
}

/// `new`, `existing` (the same change was asked before) or `reconciled` (the answer was lost
/// and the change request found by its correlation id).
fn created_outcome(c: &CreatedChangeRequest) -> &'static str {
    match (c.is_new, c.reconciled) {
        (_, true) => "reconciled",
        (true, false) => "new",
        (false, false) => "existing",
    }
}

fn create(global: &Global, args: &CreateArgs) -> Result<Exit, Failure> {
    let input = match &args.request {
        Some(path) => input_from_file(&read_input(path, "change request")?, path)?,
        None => input_from_flags(args)?,
    };
    let (_, client) = global.client()?;
    let outcome = client.create_change_request(input.clone()).map_err(|e| create_failure(global, e, &input))?;
    let created = match outcome {
        ChangeOutcome::NoChangeNeeded => {
            if global.json {
                print_json(&json!({
                    "ok": true, "outcome": "no-change-needed", "systemId": input.system_id.trim(), "partyOrgNo": input.party_org_no.trim(),
                    "externalRef": input.external_ref,
                }));
            } else {
                println!("{}", bold("✓ no change needed"));
                println!("  the change asks for nothing: no right or access package to add or remove. Nothing was sent to");
                println!("  Altinn and nothing is stored; there is nothing for the customer to approve.");
            }
            return Ok(Exit::Ok);
        }
        ChangeOutcome::Created(created) => created,
    };
    let exit = created_exit(&created);
    let c = &created.change_request;
    let retry = (exit != Exit::Ok).then(|| create_command(global, &input, &fresh_uuid()));
    if global.json {
        let mut value = output::change_request_json(c);
        if let Some(obj) = value.as_object_mut() {
            obj.insert("ok".into(), Value::Bool(exit == Exit::Ok));
            obj.insert("isNew".into(), Value::Bool(created.is_new));
            obj.insert("reconciled".into(), Value::Bool(created.reconciled));
            obj.insert("outcome".into(), Value::String(created_outcome(&created).into()));
            if let Some(retry) = &retry {
                obj.insert("nextStep".into(), Value::String(retry.clone()));
            }
        }
        print_json(&value);
        return Ok(exit);
    }
    print_created(&created, &global.invocation(), retry.as_deref());
    Ok(exit)
}

/// A created (or found again) change request for people: a headline, the details, the boxed
/// confirm link, and what to do next (`invocation`: `systemuser` and the global options in
/// force; `retry`: the command that asks again, for a change the customer turned down).
pub fn print_created(created: &CreatedChangeRequest, invocation: &str, retry: Option<&str>) {
    let c = &created.change_request;
    let headline = match created_outcome(created) {
        "new" => "✓ change request created".to_string(),
        "reconciled" => "✓ change request created (the answer was lost; found it again by its correlation id)".to_string(),
        _ => format!("• this change was asked for before (the same change request, not new): status {}", output::change_status_label(c)),
    };
    println!("{}", bold(&headline));
    output::print_change(c);
    match (&c.status, retry) {
        (_, Some(retry)) => {
            let why = if c.status == ChangeRequestStatus::Rejected { "rejected this change" } else { "did not answer in time" };
            println!("✗ the customer {why}; the same change keeps finding this change request. To ask again, use a new correlation id:");
            println!("  {retry}");
        }
        (ChangeRequestStatus::New, None) => println!("next: wait for the customer with `{invocation} status {} --watch`", c.id),
        (ChangeRequestStatus::Accepted, None) => {
            println!("the customer approved this change: system user {} holds it now", c.system_user_id)
        }
        _ => {}
    }
}

/// Altinn's "no such request" (AUTH-00010) said of a change request.
fn unknown_change(e: ClientError, what: &str) -> Failure {
    let mut failure = Failure::from(e);
    if failure.altinn_code() == Some("AUTH-00010") {
        failure.message = format!("Altinn knows no change request {what} (AUTH-00010): it was withdrawn, or never made");
        if let Some(error) = failure.json.as_mut() {
            error["message"] = Value::String(failure.message.clone());
        }
    }
    failure
}

fn get(global: &Global, args: &GetArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let (change, named) = match (&args.id, &args.system_id, &args.org) {
        (Some(id), _, _) => (client.get_change_request(id).map_err(|e| unknown_change(e, id))?, None),
        (None, Some(system_id), Some(org)) => {
            let key = ChangeRequestKey {
                system_id: system_id.clone(),
                org_no: org.clone(),
                external_ref: args.external_ref.clone().unwrap_or_else(|| org.clone()),
            };
            let who = format!("for the system user of {} / customer {} / external ref {}", key.system_id, key.org_no, key.external_ref);
            // Altinn names one of the system user's change requests (any of several, any status)
            // and leaves its package lists out: read that one in full by its id.
            let hint = client.get_change_request_by_external_ref(key).map_err(|e| unknown_change(e, &who))?;
            (client.get_change_request(&hint.id).map_err(|e| unknown_change(e, &hint.id))?, Some(hint.id))
        }
        _ => return Err(Failure::usage("give a change request ID, or --system-id and --org")),
    };
    if global.json {
        print_json(&output::change_request_json(&change));
        return Ok(Exit::Ok);
    }
    if named.is_some() {
        println!("Altinn names change request {} for this system user (when it has several, any one of them):", change.id);
        println!("  `{} change list --system-id {}` lists them", global.invocation(), shell_word(&change.system_id));
    }
    output::print_change(&change);
    Ok(Exit::Ok)
}

/// What to run instead of trusting a list that may be incomplete.
fn lookup_hint(global: &Global) -> String {
    let inv = global.invocation();
    format!("look a change request up instead: `{inv} change get ID`, or by its system user: `{inv} change get --system-id SYSTEM --org ORGNO [--external-ref REF]`")
}

fn list(global: &Global, args: &ListArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let list = client.list_change_requests(&args.system_id)?;
    if global.json {
        let items: Vec<Value> = list.items.iter().map(output::change_request_json).collect();
        let mut value = json!({"systemId": args.system_id, "items": items, "mayBeIncomplete": list.may_be_incomplete});
        if list.may_be_incomplete {
            value["hint"] = Value::String(lookup_hint(global));
        }
        print_json(&value);
        return Ok(Exit::Ok);
    }
    let n = list.items.len();
    println!("{n} change request{} for {}", plural(n), args.system_id);
    if n > 0 {
        let rows: Vec<Vec<String>> = list
            .items
            .iter()
            .map(|c| {
                vec![
                    c.id.clone(),
                    output::change_status_label(c),
                    c.party_org_no.clone(),
                    c.external_ref.clone(),
                    c.system_user_id.clone(),
                    summary(c),
                    c.created.as_ref().map(output::datetime).unwrap_or_default(),
                ]
            })
            .collect();
        println!("{}", output::table(&["ID", "STATUS", "CUSTOMER", "EXTERNAL REF", "SYSTEM USER", "CHANGE", "CREATED"], &rows));
    }
    if list.may_be_incomplete {
        println!("⚠ this list may be incomplete: Altinn answers only the first {n} change requests of a system (its next");
        println!("  link gives the same page again, so it is not followed).");
        println!("  {}", lookup_hint(global));
    }
    Ok(Exit::Ok)
}

/// `+2 packages −1 right`: the size of a change, for a table.
fn summary(c: &ChangeRequest) -> String {
    let part = |sign: char, n: usize, what: &str| (n > 0).then(|| format!("{sign}{n} {what}{}", plural(n)));
    [
        part('+', c.required_rights.len(), "right"),
        part('+', c.required_access_packages.len(), "package"),
        part('−', c.unwanted_rights.len(), "right"),
        part('−', c.unwanted_access_packages.len(), "package"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

fn withdraw(global: &Global, args: &WithdrawArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    client.withdraw_change_request(&args.id).map_err(|e| unknown_change(e, &args.id))?;
    if global.json {
        print_json(&json!({"ok": true, "id": args.id, "withdrawn": true}));
    } else {
        println!("✓ change request {} withdrawn", args.id);
        println!("  Altinn never takes its id again: to ask for the same change later, give `change create` a new --correlation-id");
    }
    Ok(Exit::Ok)
}
