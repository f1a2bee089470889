//! `systemuser clients agents | available | list | add | remove`: an accounting bureau's
//! software delegates clients to the bureau's agent system user by API (API.md §12), instead of
//! someone at the bureau adding each one on Altinn's clients page.
//!
//! The token is the bureau's: with `--key` and `--client-id` the component asks Maskinporten for
//! a system-user token for the bureau (its own standard system user for a system holding the
//! access package `klientadministrator`, named by `--bureau` and `--bureau-ref`) with the scopes
//! `altinn:clientdelegations.read` and `.write`; with a token instead (`$SYSTEMUSER_TOKEN`,
//! `--token-file`) that token must be it. The component exchanges it for an Altinn token, which
//! serves every call of the command; neither is ever printed.

use serde_json::{json, Value};
use systemuser_host::json::{agent_json, client_list_json};
use systemuser_host::wit::{self, ClientList};
use systemuser_host::{Bureau, Client, ClientError};

use super::output::{self, bold, print_json};
use super::system::{codes, with_field_errors};
use super::{plural, shell_word, Exit, Failure, Global};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// The bureau's agent system users: their ids (what --agent takes), systems and access packages.
    Agents(BureauArgs),
    /// The bureau's clients that could be delegated to an agent system user: those holding at
    /// least one of its access packages (a client must hold all of them to be added).
    Available(AgentArgs),
    /// The clients delegated to an agent system user.
    List(AgentArgs),
    /// Delegate clients to an agent system user, by organisation number or party uuid. Adding a
    /// client that is delegated already changes nothing, so a rerun is safe.
    Add(LinkArgs),
    /// Take clients away from an agent system user. A client of the bureau that is not delegated
    /// is nothing to remove (exit 0).
    Remove(LinkArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct BureauArgs {
    /// The accounting bureau's organisation number (the owner of the agent system users)
    #[arg(long, value_name = "ORGNO")]
    pub bureau: String,
    /// The external ref of the bureau's own klientadministrator system user (the one its request
    /// was created with) [default: the bureau's org number]
    #[arg(long, value_name = "REF")]
    pub bureau_ref: Option<String>,
}

impl BureauArgs {
    fn bureau(&self) -> Bureau {
        Bureau { org_no: self.bureau.clone(), external_ref: self.bureau_ref.clone() }
    }

    /// `--bureau ORG [--bureau-ref REF]`, for a command a hint offers.
    fn flags(&self) -> String {
        let mut flags = format!("--bureau {}", shell_word(self.bureau.trim()));
        if let Some(r) = &self.bureau_ref {
            flags.push_str(&format!(" --bureau-ref {}", shell_word(r)));
        }
        flags
    }

    fn json(&self) -> Value {
        json!({"orgNo": self.bureau.trim(), "externalRef": self.bureau_ref})
    }
}

#[derive(Debug, clap::Args)]
pub struct AgentArgs {
    #[command(flatten)]
    pub bureau: BureauArgs,
    /// The agent system user's id (`clients agents` lists them) [default: the bureau's only one]
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    #[command(flatten)]
    pub bureau: BureauArgs,
    /// The agent system user's id (`clients agents` lists them) [default: the bureau's only one]
    #[arg(long, value_name = "ID")]
    pub agent: Option<String>,
    /// A client: its organisation number (looked up among the bureau's clients) or its party
    /// uuid (as `clients available` shows it). Repeatable
    #[arg(long, value_name = "ORGNO|UUID", required = true)]
    pub client: Vec<String>,
}

pub fn run(global: &Global, command: &Command) -> Result<Exit, Failure> {
    match command {
        Command::Agents(args) => agents(global, args),
        Command::Available(args) => clients(global, &args.bureau, args.agent.as_deref(), Listing::Available),
        Command::List(args) => clients(global, &args.bureau, args.agent.as_deref(), Listing::Delegated),
        Command::Add(args) => add(global, args),
        Command::Remove(args) => remove(global, args),
    }
}

/// A client as the command line names it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ClientRef {
    OrgNo(String),
    PartyUuid(String),
}

impl ClientRef {
    fn text(&self) -> &str {
        match self {
            ClientRef::OrgNo(t) | ClientRef::PartyUuid(t) => t,
        }
    }
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36 && text.char_indices().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { c == '-' } else { c.is_ascii_hexdigit() })
}

/// `--client`: 9 digits (`0192:` accepted) is an organisation number, a uuid a party uuid.
fn parse_client(text: &str) -> Result<ClientRef, Failure> {
    let trimmed = text.trim();
    let org = trimmed.strip_prefix("0192:").unwrap_or(trimmed);
    if org.len() == 9 && org.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(ClientRef::OrgNo(org.to_string()));
    }
    if is_uuid(trimmed) {
        return Ok(ClientRef::PartyUuid(trimmed.to_ascii_lowercase()));
    }
    Err(Failure::usage(format!(
        "--client {text:?}: give the client's organisation number (9 digits) or its party uuid (as `clients available` shows it)"
    )))
}

/// The short name of an access package (`urn:altinn:accesspackage:` left out).
fn short(urn: &str) -> &str {
    urn.strip_prefix("urn:altinn:accesspackage:").unwrap_or(urn)
}

/// A client-delegation failure, with what to do about it. `done` names the clients already
/// added or removed by this command when a later one failed.
fn failure(global: &Global, e: ClientError, bureau: &BureauArgs, agent: Option<&str>, done: &[String]) -> Failure {
    let inv = global.invocation();
    let flags = bureau.flags();
    let agent_flag = agent.map(|a| format!(" --agent {}", shell_word(a))).unwrap_or_default();
    let codes = codes(&e);
    let has = |code: &str| codes.iter().any(|c| c == code);
    let kind = e.altinn().map(systemuser_host::json::error_kind).unwrap_or("");
    let mp303 = matches!(e.altinn(), Some(wit::Error::Maskinporten(p)) if p.code.as_deref() == Some("MP-303"));
    let mut failure = with_field_errors(e);
    let ref_flag = bureau.bureau_ref.as_ref().map(|r| format!(" --external-ref {}", shell_word(r))).unwrap_or_default();
    let approve = format!(
        "`{inv} request create --system-id SYSTEM --org {}{ref_flag} --package klientadministrator` (SYSTEM: one of yours holding that package)",
        shell_word(bureau.bureau.trim())
    );
    let hint = match kind {
        "forbidden" => Some(format!(
            "the bureau must approve, once, its own standard system user for a system holding the access package klientadministrator: {approve}; this command then uses that system's Maskinporten client (--key, --client-id) with --bureau-ref the request's external ref. Until then, someone at the bureau adds clients on Altinn's clients page"
        )),
        "maskinporten" if mp303 => Some(format!(
            "the bureau has no approved system user of this client's system for that external ref: pass --bureau-ref the external ref its klientadministrator request was created with, or have the bureau approve one: {approve}"
        )),
        "not-found" => Some(format!("check the bureau's organisation number; `{inv} clients agents {flags}` lists its agent system users")),
        "token" => Some(
            "pass --key FILE --client-id ID (the Maskinporten client of the system the bureau's klientadministrator system user is for: the component then gets the bureau's token), or the bureau's system-user token in SYSTEMUSER_TOKEN / --token-file"
                .to_string(),
        ),
        _ if has("AUTH-00079") => Some(format!(
            "`{inv} clients available {flags}{agent_flag}` lists the clients that can be added (the bureau's clients holding one of the agent's access packages)"
        )),
        _ if has("AUTH-00080") => Some(format!(
            "a client must hold every access package of the agent system user (`{inv} clients agents {flags}` shows them): the client delegates the one it lacks to the bureau first"
        )),
        _ if has("AUTH.VLD-00014") => {
            Some(format!("no agent system user with that id (or it was deleted): `{inv} clients agents {flags}` lists the bureau's"))
        }
        _ if has("AUTH.VLD-00015") => {
            Some(format!("that system user is not an agent system user: `{inv} clients agents {flags}` lists the bureau's agent system users"))
        }
        _ => None,
    };
    if let Some(hint) = hint {
        failure.hint = Some(hint);
    }
    if !done.is_empty() {
        let before = failure.hint.take().map(|h| format!("{h}. ")).unwrap_or_default();
        failure.hint = Some(format!("{before}Done before the failure: {}; running the command again is safe", done.join(", ")));
    }
    failure
}

fn agents(global: &Global, args: &BureauArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let agents = client.list_agents(&args.bureau()).map_err(|e| failure(global, e, args, None, &[]))?;
    if global.json {
        print_json(&json!({"bureau": args.json(), "items": agents.iter().map(agent_json).collect::<Vec<_>>()}));
        return Ok(Exit::Ok);
    }
    let n = agents.len();
    println!("{n} agent system user{} of bureau {}", plural(n), args.bureau.trim());
    if n == 0 {
        println!("  a customer (the bureau) approves an agent request for a client system first (`request create-agent`)");
        return Ok(Exit::Ok);
    }
    print_agents(&agents);
    println!(
        "next: the clients one could get: `{} clients available {} --agent {}`",
        global.invocation(),
        args.flags(),
        shell_word(&agents[0].system_user.id)
    );
    Ok(Exit::Ok)
}

/// Agent system users as a table: id, system, access packages (short names), created, title.
pub fn print_agents(agents: &[wit::AgentSystemUser]) {
    let rows: Vec<Vec<String>> = agents
        .iter()
        .map(|a| {
            let u = &a.system_user;
            vec![
                u.id.clone(),
                u.system_id.clone(),
                a.access_packages.iter().map(|p| short(&p.urn)).collect::<Vec<_>>().join(", "),
                u.created.as_ref().map(output::datetime).unwrap_or_default(),
                u.integration_title.clone().unwrap_or_default(),
            ]
        })
        .collect();
    println!("{}", output::table(&["ID", "SYSTEM", "ACCESS PACKAGES", "CREATED", "TITLE"], &rows));
}

/// The agent system user named by `--agent`, else the bureau's only one.
fn agent_id(global: &Global, client: &Client, bureau: &BureauArgs, agent: Option<&str>) -> Result<String, Failure> {
    if let Some(agent) = agent {
        return Ok(agent.trim().to_string());
    }
    let agents = client.list_agents(&bureau.bureau()).map_err(|e| failure(global, e, bureau, None, &[]))?;
    match agents.as_slice() {
        [only] => Ok(only.system_user.id.clone()),
        [] => Err(Failure::new(
            Exit::No,
            format!(
                "bureau {} has no agent system user: a customer approves an agent request for a client system first",
                bureau.bureau.trim()
            ),
        )),
        several => Err(Failure::usage(format!(
            "bureau {} has {} agent system users; name one with --agent: {}",
            bureau.bureau.trim(),
            several.len(),
            several.iter().map(|a| format!("{} ({})", a.system_user.id, a.system_user.system_id)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Available,
    Delegated,
}

fn clients(global: &Global, bureau: &BureauArgs, agent: Option<&str>, listing: Listing) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let agent = agent_id(global, &client, bureau, agent)?;
    let list = match listing {
        Listing::Available => client.list_available_clients(&bureau.bureau(), &agent),
        Listing::Delegated => client.list_clients(&bureau.bureau(), &agent),
    }
    .map_err(|e| failure(global, e, bureau, Some(&agent), &[]))?;
    if global.json {
        let mut value = client_list_json(&list);
        value["bureau"] = bureau.json();
        value["agent"] = Value::String(agent.clone());
        print_json(&value);
        return Ok(Exit::Ok);
    }
    let n = list.clients.len();
    let (inv, flags, agent_word) = (global.invocation(), bureau.flags(), shell_word(&agent));
    match listing {
        Listing::Available => {
            println!("{n} client{} of bureau {} could be delegated to agent system user {agent}", plural(n), list.owner_org_no);
            println!("  (each holds at least one of its access packages; one that lacks any of them is refused, AUTH-00080)");
        }
        Listing::Delegated => println!("{n} client{} delegated to agent system user {agent} of bureau {}", plural(n), list.owner_org_no),
    }
    print_clients(&list);
    match (listing, n) {
        (Listing::Available, 0) => {}
        (Listing::Available, _) => println!("next: `{inv} clients add {flags} --agent {agent_word} --client ORGNO`"),
        (Listing::Delegated, 0) => {
            println!("next: `{inv} clients available {flags} --agent {agent_word}` lists the clients that could be added")
        }
        (Listing::Delegated, _) => println!("remove one with `{inv} clients remove {flags} --agent {agent_word} --client ORGNO`"),
    }
    Ok(Exit::Ok)
}

/// A client list as a table (nothing when it is empty).
pub fn print_clients(list: &ClientList) {
    if list.clients.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> =
        list.clients.iter().map(|c| vec![c.org_no.clone(), c.id.clone(), c.name.clone().unwrap_or_default()]).collect();
    println!("{}", output::table(&["ORG NO", "PARTY UUID", "NAME"], &rows));
}

/// A client to add or remove, as far as it is known.
#[derive(Debug, Clone)]
struct Target {
    id: String,
    org_no: Option<String>,
    name: Option<String>,
}

impl Target {
    fn found(c: &wit::Client) -> Self {
        Target { id: c.id.clone(), org_no: Some(c.org_no.clone()), name: c.name.clone() }
    }

    fn label(&self) -> String {
        match (&self.org_no, &self.name) {
            (Some(org), Some(name)) => format!("{org} {name}"),
            (Some(org), None) => org.clone(),
            _ => format!("party {}", self.id),
        }
    }

    fn json(&self) -> Value {
        json!({"id": self.id, "orgNo": self.org_no, "name": self.name})
    }
}

fn find<'a>(list: &'a ClientList, client: &ClientRef) -> Option<&'a wit::Client> {
    list.clients.iter().find(|c| match client {
        ClientRef::OrgNo(org) => c.org_no == *org,
        ClientRef::PartyUuid(id) => c.id.eq_ignore_ascii_case(id),
    })
}

fn add(global: &Global, args: &LinkArgs) -> Result<Exit, Failure> {
    let wanted = args.client.iter().map(|c| parse_client(c)).collect::<Result<Vec<_>, _>>()?;
    let (_, client) = global.client()?;
    let bureau = args.bureau.bureau();
    let agent = agent_id(global, &client, &args.bureau, args.agent.as_deref())?;
    let fail = |e, done: &[String]| failure(global, e, &args.bureau, Some(&agent), done);
    // Organisation numbers are looked up among the clients that could be added, all of them
    // before anything is added: a typo adds nothing.
    let available = match wanted.iter().any(|c| matches!(c, ClientRef::OrgNo(_))) {
        true => Some(client.list_available_clients(&bureau, &agent).map_err(|e| fail(e, &[]))?),
        false => None,
    };
    let mut targets = Vec::new();
    for wanted in &wanted {
        let found = available.as_ref().and_then(|list| find(list, wanted));
        targets.push(match (found, wanted) {
            (Some(c), _) => Target::found(c),
            (None, ClientRef::PartyUuid(id)) => Target { id: id.clone(), org_no: None, name: None },
            (None, ClientRef::OrgNo(org)) => {
                return Err(Failure::new(
                    Exit::No,
                    format!(
                        "{org} is not among the clients bureau {} could delegate to agent system user {agent}: it is not the bureau's client, or it holds none of the agent's access packages; nothing was added",
                        args.bureau.bureau.trim()
                    ),
                )
                .with_hint(format!(
                    "`{} clients available {} --agent {}` lists them",
                    global.invocation(),
                    args.bureau.flags(),
                    shell_word(&agent)
                )))
            }
        });
    }
    let mut done = Vec::new();
    for target in &targets {
        client.add_client(&bureau, &agent, &target.id).map_err(|e| fail(e, &done))?;
        if !global.json {
            println!("✓ {} delegated to agent system user {agent} (party {})", target.label(), target.id);
        }
        done.push(target.label());
    }
    if global.json {
        print_json(&json!({
            "ok": true, "outcome": "clients-added", "bureau": args.bureau.json(), "agent": agent,
            "clients": targets.iter().map(Target::json).collect::<Vec<_>>(),
        }));
        return Ok(Exit::Ok);
    }
    println!("{}", bold(&format!("✓ {} added; the agent system user may act for {} now", count(targets.len()), them(targets.len()))));
    println!("next: `{} clients list {} --agent {}`", global.invocation(), args.bureau.flags(), shell_word(&agent));
    Ok(Exit::Ok)
}

fn count(n: usize) -> String {
    format!("{n} client{}", plural(n))
}

fn them(n: usize) -> &'static str {
    if n == 1 {
        "it"
    } else {
        "them"
    }
}

fn remove(global: &Global, args: &LinkArgs) -> Result<Exit, Failure> {
    let wanted = args.client.iter().map(|c| parse_client(c)).collect::<Result<Vec<_>, _>>()?;
    let (_, client) = global.client()?;
    let bureau = args.bureau.bureau();
    let agent = agent_id(global, &client, &args.bureau, args.agent.as_deref())?;
    let fail = |e, done: &[String]| failure(global, e, &args.bureau, Some(&agent), done);
    // Organisation numbers are looked up among the delegated clients; one that is not there but
    // is among the clients that could be added is not delegated: nothing to remove.
    let by_org = wanted.iter().any(|c| matches!(c, ClientRef::OrgNo(_)));
    let delegated = match by_org {
        true => Some(client.list_clients(&bureau, &agent).map_err(|e| fail(e, &[]))?),
        false => None,
    };
    let mut available: Option<ClientList> = None;
    let (mut targets, mut not_delegated) = (Vec::new(), Vec::new());
    for wanted in &wanted {
        if let Some(c) = delegated.as_ref().and_then(|list| find(list, wanted)) {
            targets.push(Target::found(c));
            continue;
        }
        let ClientRef::OrgNo(org) = wanted else {
            targets.push(Target { id: wanted.text().to_string(), org_no: None, name: None });
            continue;
        };
        if available.is_none() {
            available = Some(client.list_available_clients(&bureau, &agent).map_err(|e| fail(e, &[]))?);
        }
        match available.as_ref().and_then(|list| find(list, wanted)) {
            Some(c) => not_delegated.push(Target::found(c)),
            None => {
                return Err(Failure::new(
                    Exit::No,
                    format!(
                        "{org} is not among the clients of bureau {} for agent system user {agent} (neither delegated nor one that could be): nothing was removed",
                        args.bureau.bureau.trim()
                    ),
                )
                .with_hint(format!(
                    "`{} clients list {} --agent {}` lists the delegated clients",
                    global.invocation(),
                    args.bureau.flags(),
                    shell_word(&agent)
                )))
            }
        }
    }
    let mut done = Vec::new();
    for target in &targets {
        client.remove_client(&bureau, &agent, &target.id).map_err(|e| fail(e, &done))?;
        if !global.json {
            println!("✓ {} removed from agent system user {agent} (party {})", target.label(), target.id);
        }
        done.push(target.label());
    }
    if global.json {
        print_json(&json!({
            "ok": true, "outcome": "clients-removed", "bureau": args.bureau.json(), "agent": agent,
            "clients": targets.iter().map(Target::json).collect::<Vec<_>>(),
            "notDelegated": not_delegated.iter().map(Target::json).collect::<Vec<_>>(),
        }));
        return Ok(Exit::Ok);
    }
    for t in &not_delegated {
        println!("• {} is not delegated to agent system user {agent}: nothing to remove", t.label());
    }
    if !targets.is_empty() {
        println!(
            "{}",
            bold(&format!("✓ {} removed; the agent system user no longer acts for {}", count(targets.len()), them(targets.len())))
        );
    }
    println!("next: `{} clients list {} --agent {}`", global.invocation(), args.bureau.flags(), shell_word(&agent));
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_an_org_no_or_a_party_uuid() {
        assert_eq!(parse_client(" 0192:313981436 ").unwrap(), ClientRef::OrgNo("313981436".into()));
        let uuid = "4C6E8A0B-7D9F-4C1E-B3A5-2F4D6E8A0C07";
        assert_eq!(parse_client(uuid).unwrap(), ClientRef::PartyUuid(uuid.to_ascii_lowercase()));
        for bad in ["31398143", "3139814361", "acme", "4c6e8a0b7d9f4c1eb3a52f4d6e8a0c07", ""] {
            assert_eq!(parse_client(bad).unwrap_err().code, Exit::Usage, "{bad}");
        }
    }
}
