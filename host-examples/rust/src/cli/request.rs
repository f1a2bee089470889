//! `systemuser request create | create-agent | get | list | withdraw`.

use std::path::PathBuf;

use serde_json::{json, Value};
use systemuser_host::json::CreateBody;
use systemuser_host::wit::{
    AccessPackage, AgentRequestInput, AttributePair, CreatedRequest, ExternalRefKey, RequestKind, RequestStatus, Right,
    StandardRequestInput, SystemUserRequest,
};
use systemuser_host::{Client, ClientError, Runtime, Validated};

use super::output::{self, bold, print_json};
use super::{plural, read_input, shell_word, Exit, Failure, Global};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Ask a customer for a standard system user (rights and/or access packages). Prints the
    /// confirm link the customer must open. Re-running with the same key finds the same request.
    Create(CreateArgs),
    /// Ask a customer for an agent system user for a client system (access packages only).
    CreateAgent(CreateArgs),
    /// Show one request, by id or by (system, customer, external ref).
    Get(GetArgs),
    /// List a system's requests (every page, or one page with --page / --single-page).
    List(ListArgs),
    /// Withdraw (delete) a request; a rejected or timed-out one blocks its key until withdrawn.
    Withdraw(WithdrawArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The vendor's system, `<vendor org no>_<name>`, e.g. 314248295_smartregnskap
    #[arg(long, value_name = "ID", required_unless_present = "request")]
    pub system_id: Option<String>,
    /// The customer organisation number (9 digits; `0192:` accepted)
    #[arg(long, value_name = "ORGNO", required_unless_present = "request")]
    pub org: Option<String>,
    /// The vendor's own key for this customer [default: the org number]
    #[arg(long, value_name = "REF")]
    pub external_ref: Option<String>,
    /// The integration title the customer sees [default: the system's name]
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// A right: `id=value` pairs joined by `,` form one right, e.g.
    /// `urn:altinn:resource=ske-krav-og-betalinger` or `urn:altinn:org=ttd,urn:altinn:app=regnskap`;
    /// a bare value means `urn:altinn:resource=VALUE`. Repeatable. Not on agent requests.
    #[arg(long, value_name = "ID=VALUE[,..]")]
    pub right: Vec<String>,
    /// An access package URN, e.g. `urn:altinn:accesspackage:skattegrunnlag` (a bare name gets
    /// the `urn:altinn:accesspackage:` prefix). Repeatable.
    #[arg(long, value_name = "URN")]
    pub package: Vec<String>,
    /// Where the customer's browser goes after deciding; must be registered on the system
    #[arg(long, value_name = "URL")]
    pub redirect_url: Option<String>,
    /// The create body as Altinn's JSON (API.md §4) instead of the flags; `-` reads stdin
    #[arg(long, value_name = "FILE.json", conflicts_with_all = ["system_id", "org", "external_ref", "title", "right", "package", "redirect_url"])]
    pub request: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindArg {
    Standard,
    Agent,
}

impl From<KindArg> for RequestKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Standard => RequestKind::Standard,
            KindArg::Agent => RequestKind::Agent,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The request id (a UUID); or give --system-id, --org and --external-ref instead
    #[arg(value_name = "ID", required_unless_present_all = ["system_id", "org"])]
    pub id: Option<String>,
    /// Standard or agent [default: try standard, then agent]
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    #[arg(long, value_name = "ID", requires = "org", conflicts_with = "id")]
    pub system_id: Option<String>,
    #[arg(long, value_name = "ORGNO", requires = "system_id", conflicts_with = "id")]
    pub org: Option<String>,
    /// [default: the org number]
    #[arg(long, value_name = "REF", requires = "system_id", conflicts_with = "id")]
    pub external_ref: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The vendor's system
    #[arg(long, value_name = "ID")]
    pub system_id: String,
    /// List agent requests instead of standard ones
    #[arg(long)]
    pub agent: bool,
    /// Only one page: the first, or the one this token (printed after a page) names
    #[arg(long)]
    pub single_page: bool,
    /// The page to fetch (a `next page` token); implies --single-page
    #[arg(long, value_name = "TOKEN")]
    pub page: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct WithdrawArgs {
    /// The request id
    #[arg(value_name = "ID")]
    pub id: String,
}

pub fn run(global: &Global, command: &Command) -> Result<Exit, Failure> {
    match command {
        Command::Create(args) => create(global, args, RequestKind::Standard),
        Command::CreateAgent(args) => create(global, args, RequestKind::Agent),
        Command::Get(args) => get(global, args),
        Command::List(args) => list(global, args),
        Command::Withdraw(args) => withdraw(global, args),
    }
}

/// The input of a create, standard or agent.
#[derive(Debug, Clone)]
pub enum CreateInput {
    Standard(StandardRequestInput),
    Agent(AgentRequestInput),
}

impl CreateInput {
    pub fn system_id(&self) -> &str {
        match self {
            CreateInput::Standard(i) => &i.system_id,
            CreateInput::Agent(i) => &i.system_id,
        }
    }

    pub fn org(&self) -> &str {
        match self {
            CreateInput::Standard(i) => &i.party_org_no,
            CreateInput::Agent(i) => &i.party_org_no,
        }
    }

    // `ClientError` is the library's type; its size is the library's business.
    #[allow(clippy::result_large_err)]
    pub fn send(self, client: &Client) -> Result<CreatedRequest, ClientError> {
        match self {
            CreateInput::Standard(i) => client.create_standard_request(i),
            CreateInput::Agent(i) => client.create_agent_request(i),
        }
    }
}

/// Parses `--right`: `id=value` pairs joined by `,`; a bare value is a `urn:altinn:resource`.
pub fn parse_right(text: &str) -> Result<Right, Failure> {
    let mut resource = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        if part.is_empty() {
            return Err(Failure::usage(format!("--right {text:?}: an empty pair; write id=value[,id=value]")));
        }
        let (id, value) = match part.split_once('=') {
            Some((id, value)) => (id.trim(), value.trim()),
            None => ("urn:altinn:resource", part),
        };
        if id.is_empty() || value.is_empty() {
            return Err(Failure::usage(format!("--right {text:?}: {part:?} needs both an id and a value (id=value)")));
        }
        resource.push(AttributePair { id: id.to_string(), value: value.to_string() });
    }
    Ok(Right { action: None, resource })
}

/// Parses `--package`: a URN, or a bare name under `urn:altinn:accesspackage:`.
pub fn parse_package(text: &str) -> AccessPackage {
    let text = text.trim();
    let urn = if text.starts_with("urn:") { text.to_string() } else { format!("urn:altinn:accesspackage:{text}") };
    AccessPackage { urn }
}

/// A create body (JSON) into the typed input. The component reads it first with
/// `validation.validate-json` (case-insensitive member names, trimming, Altinn's rules), so the
/// JSON parsed here is the component's normalised body, never the raw file.
pub fn input_from_json(runtime: &Runtime, kind: RequestKind, bytes: &[u8]) -> Result<CreateInput, Failure> {
    let verdict = match kind {
        RequestKind::Standard => runtime.validate_standard(bytes, None),
        RequestKind::Agent => runtime.validate_agent(bytes, None),
    }?;
    let normalised = match verdict {
        Validated::Valid(body) => body,
        Validated::Invalid(violations) => return Err(super::from_altinn(&systemuser_host::wit::Error::Validation(violations))),
    };
    let body: CreateBody = serde_json::from_slice(&normalised)
        .map_err(|e| Failure::new(Exit::Internal, format!("the component's normalised body does not read back: {e}")))?;
    Ok(match kind {
        RequestKind::Standard => CreateInput::Standard(body.into_standard()),
        RequestKind::Agent => CreateInput::Agent(body.into_agent()),
    })
}

/// The typed input from the flags (the component validates it when the create runs).
pub fn input_from_flags(args: &CreateArgs, kind: RequestKind) -> Result<CreateInput, Failure> {
    let (Some(system_id), Some(org)) = (args.system_id.clone(), args.org.clone()) else {
        return Err(Failure::usage("give --system-id and --org, or --request FILE.json"));
    };
    let rights = args.right.iter().map(|r| parse_right(r)).collect::<Result<Vec<_>, _>>()?;
    let packages: Vec<AccessPackage> = args.package.iter().map(|p| parse_package(p)).collect();
    Ok(match kind {
        RequestKind::Standard => CreateInput::Standard(StandardRequestInput {
            system_id,
            party_org_no: org,
            external_ref: args.external_ref.clone(),
            integration_title: args.title.clone(),
            rights: (!rights.is_empty()).then_some(rights),
            access_packages: (!packages.is_empty()).then_some(packages),
            redirect_url: args.redirect_url.clone(),
        }),
        RequestKind::Agent => CreateInput::Agent(AgentRequestInput {
            system_id,
            party_org_no: org,
            external_ref: args.external_ref.clone(),
            integration_title: args.title.clone(),
            access_packages: packages,
            redirect_url: args.redirect_url.clone(),
            // Kept so that the component refuses them (rights-on-agent-request) instead of
            // Altinn silently dropping them.
            rights: (!rights.is_empty()).then_some(rights),
        }),
    })
}

fn create(global: &Global, args: &CreateArgs, kind: RequestKind) -> Result<Exit, Failure> {
    let file = args.request.as_deref().map(|p| read_input(p, "request")).transpose()?;
    let (runtime, client) = global.client()?;
    let input = match &file {
        Some(bytes) => input_from_json(&runtime, kind, bytes)?,
        None => input_from_flags(args, kind)?,
    };
    let (system_id, org) = (input.system_id().to_string(), input.org().to_string());
    let inv = global.invocation();
    let created = input.send(&client).map_err(|e| create_failure(e, &system_id, &org, &inv))?;
    let exit = created_exit(&created);
    if global.json {
        print_json(&created_json_with_exit(&created, exit, &inv));
    } else {
        print_created(&created, &inv);
    }
    Ok(exit)
}

fn created_json_with_exit(created: &CreatedRequest, exit: Exit, invocation: &str) -> Value {
    let mut value = output::created_json(created);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("ok".into(), Value::Bool(exit == Exit::Ok));
        if exit != Exit::Ok {
            obj.insert("nextStep".into(), Value::String(format!("{invocation} request withdraw {}", shell_word(&created.request.id))));
        }
    }
    value
}

/// 0 for a request the customer can still decide (or already approved); 1 for one that
/// blocks the key (rejected, denied, timed out): it must be withdrawn first.
pub fn created_exit(created: &CreatedRequest) -> Exit {
    match output::effective_status(&created.request) {
        RequestStatus::New | RequestStatus::Accepted | RequestStatus::Unknown(_) => Exit::Ok,
        RequestStatus::Rejected | RequestStatus::Denied | RequestStatus::TimedOut => Exit::No,
    }
}

/// AUTH-00004 in words, with what to do; `invocation` starts the command the hint gives.
pub fn create_failure(e: ClientError, system_id: &str, org: &str, invocation: &str) -> Failure {
    let failure = Failure::from(e);
    if failure.altinn_code() == Some("AUTH-00004") {
        let message = format!(
            "a system user already exists for this customer ({org}) on {system_id} with this external ref; there is nothing to approve"
        );
        return Failure { message, ..failure }.with_hint(format!(
            "check it with `{invocation} verify --system-id {} --org {}` (add --external-ref if you used one)",
            shell_word(system_id),
            shell_word(org)
        ));
    }
    failure
}

/// The created request for people; `invocation` starts the commands it suggests
/// (`Global::invocation`, so that they carry the run's global options).
pub fn print_created(created: &CreatedRequest, invocation: &str) {
    let r = &created.request;
    let headline = match output::created_outcome(created) {
        "new" => "✓ request created".to_string(),
        "reconciled" => "✓ request created (the answer was lost; found it again by its external ref)".to_string(),
        _ => format!("• a request for this key already exists (not new): status {}", output::status_label(r)),
    };
    println!("{}", bold(&headline));
    output::print_request(r);
    match output::effective_status(r) {
        RequestStatus::New => println!("next: wait for the customer with `{invocation} status {} --watch`", shell_word(&r.id)),
        RequestStatus::Accepted => println!(
            "next: the customer approved it; `{invocation} verify --system-id {} --org {} --external-ref {}` shows the system user",
            shell_word(&r.system_id),
            shell_word(&r.party_org_no),
            shell_word(&r.external_ref)
        ),
        RequestStatus::Rejected | RequestStatus::Denied | RequestStatus::TimedOut => {
            println!(
                "✗ the customer {} this request, and it blocks the key: withdraw it first with `{invocation} request withdraw {}`, then create it again",
                match output::effective_status(r) {
                    RequestStatus::TimedOut => "did not answer",
                    _ => "rejected",
                },
                shell_word(&r.id)
            );
        }
        RequestStatus::Unknown(_) => {}
    }
}

/// A request by id, trying standard then agent when the kind is not given.
#[allow(clippy::result_large_err)]
pub fn fetch(client: &Client, kind: Option<RequestKind>, id: &str) -> Result<SystemUserRequest, ClientError> {
    match kind {
        Some(kind) => client.get_request(kind, id),
        None => match client.get_request(RequestKind::Standard, id) {
            Err(ClientError::Altinn(systemuser_host::wit::Error::NotFound(_))) => client.get_request(RequestKind::Agent, id),
            other => other,
        },
    }
}

fn get(global: &Global, args: &GetArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let kind = args.kind.map(RequestKind::from);
    let request = match (&args.id, &args.system_id, &args.org) {
        (Some(id), _, _) => fetch(&client, kind, id)?,
        (None, Some(system_id), Some(org)) => {
            let key = |kind| ExternalRefKey {
                kind,
                system_id: system_id.clone(),
                org_no: org.clone(),
                external_ref: args.external_ref.clone().unwrap_or_else(|| org.clone()),
            };
            match kind {
                Some(kind) => client.get_request_by_external_ref(key(kind))?,
                None => match client.get_request_by_external_ref(key(RequestKind::Standard)) {
                    Err(ClientError::Altinn(systemuser_host::wit::Error::NotFound(_))) => {
                        client.get_request_by_external_ref(key(RequestKind::Agent))?
                    }
                    other => other?,
                },
            }
        }
        _ => return Err(Failure::usage("give a request ID, or --system-id and --org")),
    };
    if global.json {
        print_json(&output::request_json(&request));
    } else {
        output::print_request(&request);
    }
    Ok(Exit::Ok)
}

fn list(global: &Global, args: &ListArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    let kind = if args.agent { RequestKind::Agent } else { RequestKind::Standard };
    let page = if args.single_page || args.page.is_some() {
        client.list_requests(kind, &args.system_id, args.page.clone())?
    } else {
        systemuser_host::wit::RequestPage { items: client.list_all_requests(kind, &args.system_id)?, next_page: None }
    };
    if global.json {
        let items: Vec<Value> = page.items.iter().map(output::request_json).collect();
        print_json(&json!({"systemId": args.system_id, "kind": output::kind_name(kind), "items": items, "nextPage": page.next_page}));
        return Ok(Exit::Ok);
    }
    let n = page.items.len();
    println!("{n} {} request{} for {}", output::kind_name(kind), plural(n), args.system_id);
    if n > 0 {
        let rows: Vec<Vec<String>> = page
            .items
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    output::status_label(r),
                    r.party_org_no.clone(),
                    r.external_ref.clone(),
                    r.created.as_ref().map(output::datetime).unwrap_or_default(),
                ]
            })
            .collect();
        println!("{}", output::table(&["ID", "STATUS", "CUSTOMER", "EXTERNAL REF", "CREATED"], &rows));
    }
    if let Some(token) = &page.next_page {
        let agent = if args.agent { " --agent" } else { "" };
        println!(
            "more: {} request list --system-id {}{agent} --page {}",
            global.invocation(),
            shell_word(&args.system_id),
            shell_word(token)
        );
    }
    Ok(Exit::Ok)
}

fn withdraw(global: &Global, args: &WithdrawArgs) -> Result<Exit, Failure> {
    let (_, client) = global.client()?;
    client.withdraw_request(&args.id)?;
    if global.json {
        print_json(&json!({"ok": true, "id": args.id, "withdrawn": true}));
    } else {
        println!("✓ request {} withdrawn; its key is free for a new request", args.id);
    }
    Ok(Exit::Ok)
}
