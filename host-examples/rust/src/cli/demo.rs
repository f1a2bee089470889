//! `systemuser demo`: the story a vendor lives, against a local Altinn (the simulator,
//! in-process, admin routes on), from zero: the vendor registers its system through the System
//! Register API, requests are approved, an accounting bureau's software delegates clients to its
//! agent system user by API, a rejection, refused inputs, and a change request for one more
//! access package. Every step checks what it got; the first surprise ends the demo with exit 1.

use std::time::{Duration, Instant};

use altinn_sim::test_client::{CLIENT_ID, KEY_PEM, KID};
use altinn_sim::test_clients::SPARE;
use altinn_sim::{SimHandle, SimOptions, Simulator};
use serde_json::Value;
use systemuser_host::json::SystemDoc;
use systemuser_host::wit::{
    self, AccessPackage, AgentRequestInput, AttributePair, ChangeRequestInput, ChangeRequestStatus, RequestKind, RequestStatus, Right,
    StandardRequestInput, UserType,
};
use systemuser_host::{
    config_with_maskinporten, custom_environment, Bureau, Capabilities, ChangeOutcome, Client, ClientError, RsaSigner, Runtime,
    UreqTransport,
};

use super::output::{self, bold};
use super::request::{created_exit, print_created};
use super::status::{change_watch_summary, label_transition_line, transition_line, watch, watch_change, watch_summary, Progress, Target};
use super::{load_runtime, Exit, Failure, Global};

const VENDOR: &str = "314248295";
const STANDARD_SYSTEM: &str = "314248295_smartregnskap";
const AGENT_SYSTEM: &str = "314248295_smartbyraa";
const REDIRECT: &str = "https://smartregnskap.example/callback";
/// The system the vendor registers through the API in section 1: accounting bureaus approve it
/// (with the access package `klientadministrator`) so that their software may add clients to
/// their agent system users.
const CLIENT_ADMIN_SYSTEM: &str = "314248295_smartklient";
const CLIENT_ADMIN_REDIRECT: &str = "https://smartklient.example/callback";
/// The accounting bureau of section 3, and the external ref of its klientadministrator request.
const BUREAU: &str = "314224965";
const BUREAU_REF: &str = "bureau-client-admin";
/// The two clients the bureau's software delegates to its agent system user.
const CLIENTS: [&str; 2] = ["313981436", "316501389"];
/// The system of section 1 as the vendor writes it, in Altinn's shape (`system register --file`).
const SMARTKLIENT_JSON: &str = r#"{"id": "{SYSTEM}", "vendor": {"ID": "0192:{VENDOR}"},
  "name": {"nb": "SmartKlient", "nn": "SmartKlient", "en": "SmartClient"},
  "description": {"nb": "Klientadministrasjon for regnskapsbyrå", "nn": "Klientadministrasjon for rekneskapsbyrå", "en": "Client administration for accounting bureaus"},
  "accessPackages": [{"urn": "urn:altinn:accesspackage:klientadministrator"}], "clientId": ["{CLIENT}"], "isVisible": true,
  "allowedRedirectUrls": ["{REDIRECT}"]}"#;
/// The scope of the API the vendor calls as the customer's system user.
const SERVICE_SCOPE: &str = "ttd:regnskap.read";
/// How long a watch in the demo may wait for the simulated customer.
const WATCH_TIMEOUT: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(250);
/// The customer opens the link after this long (so that the watch shows `New` first).
const CUSTOMER_DELAY: Duration = Duration::from_secs(1);

pub fn run(global: &Global) -> Result<Exit, Failure> {
    if global.json {
        return Err(Failure::usage(
            "`systemuser demo` has no --json output: it tells a story for people (the other commands have --json for scripts)",
        ));
    }
    if global.base_url.is_some()
        || global.env.is_some()
        || global.token_file.is_some()
        || global.key.is_some()
        || global.client_id.is_some()
    {
        return Err(Failure::usage(
            "`systemuser demo` runs its own local Altinn and Maskinporten; --env, --base-url, --token-file, --key and --client-id do not apply",
        ));
    }
    let started = Instant::now();
    let runtime = load_runtime(global.component.as_deref())?;
    let sim = Simulator::start(SimOptions::default().with_admin(true))
        .map_err(|e| Failure::new(Exit::Internal, format!("cannot start the simulator: {e}")))?;
    let client = vendor_client(&runtime, &sim.url())?;
    let demo = Demo { runtime, client, browser: browser(), base: sim.url(), sim: &sim };

    println!("{}", bold("systemuser demo: a vendor's system user requests, end to end, from zero"));
    println!("A local Altinn (the simulator) is running in this process at {}.", demo.base);
    println!("Vendor {VENDOR} (SMARTREGNSKAP AS) has the Maskinporten client {CLIENT_ID} and its key ({KID}, TEST-ONLY),");
    println!("and for the system it registers below the client {} ({}, TEST-ONLY).", SPARE.client_id, SPARE.kid);
    println!("The component builds each JWT grant, this host signs it, the local Maskinporten checks it and");
    println!("answers with a token the component caches: like `systemuser --key FILE --kid {KID} --client-id {CLIENT_ID} …`.");
    println!("Every call below goes through the altinn-systemuser WebAssembly component, exactly as the commands do.");

    let result = demo.story();
    let elapsed = started.elapsed().as_secs_f64();
    match result {
        Ok(()) => {
            let (grants, altinn) = demo.call_counts()?;
            println!();
            println!("Maskinporten grants: {grants} for {altinn} Altinn calls (the component caches each token per scope and customer).");
            println!("{}", bold(&format!("✓ demo finished: every step behaved as expected ({elapsed:.1} s)")));
            Ok(Exit::Ok)
        }
        Err(failure) => {
            println!();
            println!("✗ demo failed after {elapsed:.1} s");
            Err(Failure::new(Exit::No, format!("demo: {}", failure.message)))
        }
    }
}

/// The vendor's client: its own grants to the local Maskinporten, signed with the TEST-ONLY key.
/// Each client caches its tokens; a new one starts with none.
fn vendor_client(runtime: &Runtime, base: &str) -> Result<Client, Failure> {
    let signer = RsaSigner::from_text(KEY_PEM, Some(KID)).map_err(|e| Failure::new(Exit::Internal, format!("the demo key: {e}")))?;
    let config = config_with_maskinporten(custom_environment(base), CLIENT_ID, signer.key_identity());
    Ok(Client::new(runtime.clone(), Capabilities::with_key(UreqTransport::new(), signer), config))
}

/// The accounting bureau's software: the vendor's SmartKlient, with that system's Maskinporten
/// client (TEST-ONLY key), asking for system-user tokens for the bureau.
fn bureau_client(runtime: &Runtime, base: &str) -> Result<Client, Failure> {
    let signer =
        RsaSigner::from_text(SPARE.key_pem, Some(SPARE.kid)).map_err(|e| Failure::new(Exit::Internal, format!("the demo key: {e}")))?;
    let config = config_with_maskinporten(custom_environment(base), SPARE.client_id, signer.key_identity());
    Ok(Client::new(runtime.clone(), Capabilities::with_key(UreqTransport::new(), signer), config))
}

struct Demo<'a> {
    runtime: Runtime,
    client: Client,
    browser: ureq::Agent,
    base: String,
    sim: &'a SimHandle,
}

/// A check of the story: fails the demo with `what` when `ok` is false.
fn expect(ok: bool, what: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok {
        Ok(())
    } else {
        Err(Failure::new(Exit::No, what()))
    }
}

/// A call that must succeed, with the step named in the failure.
fn step<T>(what: &str, result: Result<T, ClientError>) -> Result<T, Failure> {
    result.map_err(|e| Failure::new(Exit::No, format!("{what}: {}", Failure::from(e).message)))
}

fn section(n: u32, title: &str) {
    println!();
    println!("{}", bold(&format!("━━ {n}. {title} ━━")));
}

fn command(line: &str) {
    println!();
    println!("$ {}", bold(&format!("systemuser {line}")));
}

fn note(text: &str) {
    println!("  ({text})");
}

/// A browser: no redirects followed (we want to see where the customer is sent), no proxy
/// (everything is on loopback), any status is an answer.
fn browser() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..].find('/').map_or(url, |i| &url[..after_scheme + i])
}

fn attr<'h>(tag: &'h str, name: &str) -> Option<&'h str> {
    let key = format!("{name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Does what a customer's browser does: opens `page_url`, finds the form holding the button
/// `button_id`, and posts it with its hidden fields. Returns where the answer (a 303) sends the
/// browser.
fn submit_form(browser: &ureq::Agent, page_url: &str, button_id: &str) -> Result<String, String> {
    let mut page = browser.get(page_url).call().map_err(|e| format!("GET {page_url}: {e}"))?;
    let status = page.status().as_u16();
    let html = page.body_mut().read_to_string().map_err(|e| format!("reading {page_url}: {e}"))?;
    if status != 200 {
        return Err(format!("GET {page_url} answered {status}"));
    }
    let at = html.find(&format!("id=\"{button_id}\"")).ok_or_else(|| format!("the page has no button {button_id:?}"))?;
    let form_start = html[..at].rfind("<form").ok_or_else(|| format!("the button {button_id:?} is in no form"))?;
    let form = &html[form_start..at];
    let action = unescape(attr(form, "action").ok_or("the form has no action")?);
    let mut fields: Vec<(String, String)> = Vec::new();
    for input in form.split("<input").skip(1) {
        if let (Some(name), Some(value)) = (attr(input, "name"), attr(input, "value")) {
            fields.push((unescape(name), unescape(value)));
        }
    }
    let target = if action.starts_with("http") { action } else { format!("{}{action}", origin(page_url)) };
    let answer =
        browser.post(&target).send_form(fields.iter().map(|(k, v)| (k.as_str(), v.as_str()))).map_err(|e| format!("POST {target}: {e}"))?;
    let status = answer.status().as_u16();
    let location = answer.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_string();
    if status != 303 {
        return Err(format!("POST {target} answered {status}, not a redirect"));
    }
    Ok(location)
}

/// The customer, in a background thread: waits, then opens the confirm link and clicks.
fn customer_later(browser: &ureq::Agent, confirm_url: &str, button: &'static str) -> std::thread::JoinHandle<Result<String, String>> {
    let (browser, url) = (browser.clone(), confirm_url.to_string());
    std::thread::spawn(move || {
        std::thread::sleep(CUSTOMER_DELAY);
        submit_form(&browser, &url, button)
    })
}

fn join_customer(handle: std::thread::JoinHandle<Result<String, String>>) -> Result<String, Failure> {
    handle
        .join()
        .map_err(|_| Failure::new(Exit::No, "the simulated customer's browser thread panicked"))?
        .map_err(|e| Failure::new(Exit::No, format!("the customer's browser: {e}")))
}

fn violations_of(result: Result<wit::CreatedRequest, ClientError>, what: &str) -> Result<Vec<wit::Violation>, Failure> {
    match result {
        Err(ClientError::Altinn(wit::Error::Validation(v))) => Ok(v),
        Err(e) => {
            Err(Failure::new(Exit::No, format!("{what}: expected the component to refuse the input, got: {}", Failure::from(e).message)))
        }
        Ok(created) => Err(Failure::new(Exit::No, format!("{what}: expected a refusal, but request {} was created", created.request.id))),
    }
}

fn print_violations(violations: &[wit::Violation]) {
    for v in violations {
        println!("  ✗ {}: {} [{}]", systemuser_host::convert::field_or_body(&v.field), v.message, v.code);
    }
}

/// The `authorization_details` Maskinporten put in a system-user token (its payload is not
/// secret; the signature is what makes it a credential, and it is never shown).
fn token_details(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap_or_default();
    serde_json::from_slice::<Value>(&bytes).map(|v| v["authorization_details"][0].clone()).unwrap_or(Value::Null)
}

/// What a system user holds: its rights (`id=value` pairs) and access packages (URNs).
struct Holdings {
    rights: Vec<String>,
    packages: Vec<String>,
}

impl Holdings {
    fn describe(&self) -> String {
        let list = |l: &[String]| if l.is_empty() { "none".to_string() } else { l.join(", ") };
        format!("rights {}; access packages {}", list(&self.rights), list(&self.packages))
    }
}

fn right(value: &str) -> Right {
    Right { action: None, resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: value.into() }] }
}

fn package(name: &str) -> AccessPackage {
    AccessPackage { urn: format!("urn:altinn:accesspackage:{name}") }
}

impl Demo<'_> {
    fn story(&self) -> Result<(), Failure> {
        self.register_system()?;
        let approved = self.approved_standard()?;
        self.agent_with_clients()?;
        self.rejected_then_withdrawn()?;
        self.refused_before_sending()?;
        self.change_for_one_more_package(&approved)?;
        Ok(())
    }

    /// Section 1: the vendor's new system, registered through the System Register API, and one
    /// the component refuses before anything is sent.
    fn register_system(&self) -> Result<(), Failure> {
        section(1, "From zero: the vendor registers its system through the System Register API");
        println!("The vendor's new product, SmartKlient, lets an accounting bureau's software add clients to the bureau's");
        println!("agent system user. Before any customer can approve it, it must be in Altinn's System Register.");
        let text =
            SMARTKLIENT_JSON.replace("{VENDOR}", VENDOR).replace("{SYSTEM}", CLIENT_ADMIN_SYSTEM).replace("{CLIENT}", SPARE.client_id);
        let text = text.replace("{REDIRECT}", CLIENT_ADMIN_REDIRECT);
        let document: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Failure::new(Exit::Internal, format!("the demo's system document: {e}")))?;
        println!();
        println!("  smartklient.json, in Altinn's shape:");
        for line in systemuser_host::convert::pretty_json(text.as_bytes()).lines() {
            println!("    {line}");
        }
        note(&format!("its Maskinporten client id {} makes the grants of that client act for this system's system users", SPARE.client_id));
        let read = |value: serde_json::Value| -> Result<wit::RegisteredSystem, Failure> {
            let doc: SystemDoc = serde_json::from_value(value).map_err(|e| Failure::new(Exit::No, format!("the system document: {e}")))?;
            Ok(doc.into_system())
        };
        let registers_before = self.count_calls("create_registered_system")?;

        let mut bad = document.clone();
        bad["id"] = "314248295_smart klient".into();
        bad["allowedRedirectUrls"] = serde_json::json!(["http://smartklient.example/callback"]);
        command("system register --file smartklient-typo.json");
        note("the same file with a space in the id and a plain-http redirect URL");
        let violations = match self.client.register_system(read(bad)?) {
            Err(ClientError::Altinn(wit::Error::Validation(v))) => v,
            other => return Err(Failure::new(Exit::No, format!("expected the component to refuse the system, got {other:?}"))),
        };
        print_violations(&violations);
        let codes: Vec<&str> = violations.iter().map(|v| v.code.as_str()).collect();
        expect(codes.contains(&"AUTH.VLD-00013") && codes.contains(&"AUTH.VLD-00005"), || {
            format!("expected AUTH.VLD-00013 and AUTH.VLD-00005, got {codes:?}")
        })?;

        command("system register --file smartklient.json");
        let registered = step("registering the system", self.client.register_system(read(document)?))?;
        println!("{}", bold(&format!("✓ system {CLIENT_ADMIN_SYSTEM} registered")));
        if let Some(internal) = &registered.internal_id {
            println!("  internal id:   {internal}");
        }
        let posts = self.count_calls("create_registered_system")? - registers_before;
        println!("  register calls the local Altinn received: {posts} (the refused system never left the component)");
        expect(!registered.reconciled && posts == 1, || format!("expected one register call, the simulator saw {posts}"))?;

        command(&format!("system show {CLIENT_ADMIN_SYSTEM}"));
        let shown = step("reading the registered system", self.client.get_registered_system(CLIENT_ADMIN_SYSTEM))?;
        super::system::print_system(&shown);
        note("a system registered by API is usable at once: in section 3 an accounting bureau approves a request for it");
        expect(shown.client_ids == [SPARE.client_id] && !shown.is_deleted, || {
            format!("expected the system with the client id {}, got {:?}", SPARE.client_id, shown.client_ids)
        })
    }

    /// Watches `id` (the customer acts in the background) and prints each change.
    fn watch_until_final(&self, id: &str, kind: RequestKind, expected: RequestStatus) -> Result<(), Failure> {
        command(&format!("status {id} --watch"));
        let mut progress = Progress::new(false);
        let target = Target { id, kind: Some(kind), timeout: WATCH_TIMEOUT, interval: POLL };
        let watched = watch(&self.runtime, &self.client, &target, &mut progress, |_, status, previous, at| {
            println!("  {}", transition_line(status, previous, at));
        })?;
        println!("  {}", watch_summary(&watched, "systemuser"));
        let seen: Vec<String> = watched.transitions.iter().map(|(s, _)| output::status_name(s)).collect();
        let wanted = vec!["New".to_string(), output::status_name(&expected)];
        expect(watched.terminal && watched.status == expected && seen == wanted, || {
            format!("expected the watch to show {} and end there; it saw {}", wanted.join(" → "), seen.join(" → "))
        })
    }

    /// Section 2; returns the approved system user's id.
    fn approved_standard(&self) -> Result<String, Failure> {
        section(2, "A standard request with rights, a package and a redirect URL, approved by the customer");
        let org = "310816191";
        let external_ref = "erp-customer-42";
        command(&format!(
            "request create --system-id {STANDARD_SYSTEM} --org {org} --external-ref {external_ref} --title 'SmartRegnskap for Kunde AS' \
             --right urn:altinn:resource=ske-krav-og-betalinger --package skattegrunnlag --redirect-url {REDIRECT}"
        ));
        let input = StandardRequestInput {
            system_id: STANDARD_SYSTEM.into(),
            party_org_no: org.into(),
            external_ref: Some(external_ref.into()),
            integration_title: Some("SmartRegnskap for Kunde AS".into()),
            rights: Some(vec![right("ske-krav-og-betalinger")]),
            access_packages: Some(vec![package("skattegrunnlag")]),
            redirect_url: Some(REDIRECT.into()),
        };
        let created = step("creating the standard request", self.client.create_standard_request(input))?;
        print_created(&created, "systemuser");
        let r = &created.request;
        expect(created.is_new && r.status == RequestStatus::New, || {
            format!("expected a new request in status New, got {}", output::status_label(r))
        })?;
        let confirm = r.confirm_url.clone().ok_or_else(|| Failure::new(Exit::No, "the created request has no confirm link"))?;
        expect(confirm.starts_with(&self.base), || format!("the confirm link {confirm} is not on the local Altinn"))?;

        note("in about a second the customer opens the link in a browser and clicks Approve: GET the page, POST its form");
        let customer = customer_later(&self.browser, &confirm, "approve");
        self.watch_until_final(&r.id, RequestKind::Standard, RequestStatus::Accepted)?;
        let landed = join_customer(customer)?;
        note(&format!("after approving, the customer's browser was sent to {landed}"));
        expect(landed.starts_with(REDIRECT), || format!("expected the customer to be sent to {REDIRECT}, not {landed}"))?;

        command(&format!("verify --system-id {STANDARD_SYSTEM} --org {org} --external-ref {external_ref}"));
        let user = step("verifying the system user", self.client.verify_system_user(STANDARD_SYSTEM, org, Some(external_ref)))?;
        let user = user.ok_or_else(|| Failure::new(Exit::No, "verify found no system user after the customer approved"))?;
        println!("✓ system user found");
        for line in output::user_lines(&user) {
            println!("  {line}");
        }
        expect(user.id == r.id, || format!("the system user's id {} should equal the request's id {}", user.id, r.id))?;

        note("now the vendor acts for the customer: a system-user token (the grant names the customer and the external ref)");
        command(&format!("token --org {org} --external-ref {external_ref} --scope {SERVICE_SCOPE}"));
        let token = step("getting the system-user token", self.client.system_user_token(org, Some(external_ref), &[SERVICE_SCOPE]))?;
        println!("✓ system-user token for {org}: {}", token.token.masked());
        println!("  scope: {}", token.scope);
        let details = token_details(token.token.expose());
        let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
        println!(
            "  acts as: system user {} of {} (external ref {})",
            text(&details["systemuser_id"][0]),
            text(&details["systemuser_org"]["ID"]),
            text(&details["externalRef"])
        );
        expect(details["systemuser_org"]["ID"] == format!("0192:{org}").as_str() && details["systemuser_id"][0] == r.id.as_str(), || {
            format!("the token's authorization_details do not name the customer's system user: {details}")
        })?;
        expect(token.scope == SERVICE_SCOPE, || format!("expected the scope {SERVICE_SCOPE}, got {}", token.scope))?;

        note("without the external ref the request used, Maskinporten finds no system user");
        command(&format!("token --org {org} --scope {SERVICE_SCOPE}"));
        let refused = self.client.system_user_token(org, None, &[SERVICE_SCOPE]);
        match refused {
            Err(ClientError::Altinn(wit::Error::Maskinporten(p))) if p.code.as_deref() == Some("MP-303") => {
                println!("✗ {} [MP-303]", p.message);
                Ok(user.id)
            }
            other => Err(Failure::new(Exit::No, format!("expected MP-303 without the external ref, got {other:?}"))),
        }
    }

    fn agent_with_clients(&self) -> Result<(), Failure> {
        section(3, "An agent request for the client system 314248295_smartbyraa, approved, then clients delegated by API");
        let org = BUREAU;
        command(&format!("request create-agent --system-id {AGENT_SYSTEM} --org {org} --package regnskapsforer-med-signeringsrettighet"));
        let input = AgentRequestInput {
            system_id: AGENT_SYSTEM.into(),
            party_org_no: org.into(),
            external_ref: None,
            integration_title: None,
            access_packages: vec![package("regnskapsforer-med-signeringsrettighet")],
            redirect_url: None,
            rights: None,
        };
        let created = step("creating the agent request", self.client.create_agent_request(input))?;
        print_created(&created, "systemuser");
        let r = &created.request;
        expect(created.is_new && r.kind == RequestKind::Agent && r.rights.is_empty(), || {
            "expected a new agent request without rights".into()
        })?;
        let confirm = r.confirm_url.clone().ok_or_else(|| Failure::new(Exit::No, "the agent request has no confirm link"))?;

        note("the customer approves on the agent confirm page");
        let customer = customer_later(&self.browser, &confirm, "approve");
        self.watch_until_final(&r.id, RequestKind::Agent, RequestStatus::Accepted)?;
        join_customer(customer)?;

        self.clients_by_api(&r.id)?;

        command(&format!("verify --system-id {AGENT_SYSTEM} --org {org}"));
        let user = step("verifying the agent system user", self.client.verify_system_user(AGENT_SYSTEM, org, None))?
            .ok_or_else(|| Failure::new(Exit::No, "verify found no agent system user after approval"))?;
        println!("✓ system user found");
        for line in output::user_lines(&user) {
            println!("  {line}");
        }
        expect(user.user_type == UserType::Agent, || {
            format!("expected an agent system user, got {}", output::user_type_name(&user.user_type))
        })?;

        command(&format!("users list --system-id {AGENT_SYSTEM}"));
        let users = step("listing the system users", self.client.list_all_system_users(AGENT_SYSTEM))?;
        for u in &users {
            println!("  {}  {}  customer {}", u.id, output::user_type_name(&u.user_type), u.reportee_org_no);
        }
        expect(users.iter().any(|u| u.id == r.id), || "the new agent system user is missing from the list".into())
    }

    /// Section 3, continued: the bureau approves its klientadministrator system user once, then
    /// its software delegates two clients to the agent system user `agent` by API and lists them.
    fn clients_by_api(&self, agent: &str) -> Result<(), Failure> {
        println!();
        println!("The agent system user exists but may act for no client yet. The bureau's software adds the clients by API:");
        println!("once, the bureau approves its own standard system user for SmartKlient (section 1) with the access package");
        println!("klientadministrator; from then on a Maskinporten system-user token for the bureau, exchanged for an Altinn");
        println!("token, may administer the bureau's clients.");
        let line = format!(
            "request create --system-id {CLIENT_ADMIN_SYSTEM} --org {BUREAU} --external-ref {BUREAU_REF} --package klientadministrator --redirect-url {CLIENT_ADMIN_REDIRECT}"
        );
        command(&line);
        let input = StandardRequestInput {
            system_id: CLIENT_ADMIN_SYSTEM.into(),
            party_org_no: BUREAU.into(),
            external_ref: Some(BUREAU_REF.into()),
            integration_title: None,
            rights: None,
            access_packages: Some(vec![package("klientadministrator")]),
            redirect_url: Some(CLIENT_ADMIN_REDIRECT.into()),
        };
        let created = step("asking the bureau for its klientadministrator system user", self.client.create_standard_request(input))?;
        print_created(&created, "systemuser");
        let confirm = created.request.confirm_url.clone().ok_or_else(|| Failure::new(Exit::No, "the request has no confirm link"))?;
        note("the bureau's administrator opens the link and clicks Approve, once");
        let landed =
            submit_form(&self.browser, &confirm, "approve").map_err(|e| Failure::new(Exit::No, format!("the bureau's browser: {e}")))?;
        let approved = step("reading the bureau's request", self.client.get_request(RequestKind::Standard, &created.request.id))?;
        println!("✓ the bureau approved: request {} is {}", approved.id, output::status_label(&approved));
        expect(approved.status == RequestStatus::Accepted && landed.starts_with(CLIENT_ADMIN_REDIRECT), || {
            format!(
                "expected the bureau's request Accepted and a redirect to {CLIENT_ADMIN_REDIRECT}, got {} and {landed}",
                output::status_label(&approved)
            )
        })?;

        let bureau = Bureau::with_external_ref(BUREAU, BUREAU_REF);
        let software = bureau_client(&self.runtime, &self.base)?;
        let calls_before = self.routes_called()?.len();
        let prefix = format!("--key smartklient.pem --kid {} --client-id {} clients", SPARE.kid, SPARE.client_id);
        let flags = format!("--bureau {BUREAU} --bureau-ref {BUREAU_REF}");
        println!();
        println!("The bureau's software, with SmartKlient's Maskinporten client {}:", SPARE.client_id);

        command(&format!("{prefix} agents {flags}"));
        let agents = step("listing the bureau's agent system users", software.list_agents(&bureau))?;
        super::clients::print_agents(&agents);
        expect(agents.iter().any(|a| a.system_user.id == agent), || format!("the agent system user {agent} is not among the bureau's"))?;

        command(&format!("{prefix} available {flags} --agent {agent}"));
        let available = step("listing the clients that could be added", software.list_available_clients(&bureau, agent))?;
        super::clients::print_clients(&available);

        command(&format!("{prefix} add {flags} --agent {agent} --client {} --client {}", CLIENTS[0], CLIENTS[1]));
        for org in CLIENTS {
            let client =
                available.clients.iter().find(|c| c.org_no == org).ok_or_else(|| {
                    Failure::new(Exit::No, format!("client {org} is not among the clients bureau {BUREAU} could delegate"))
                })?;
            step(&format!("delegating client {org}"), software.add_client(&bureau, agent, &client.id))?;
            println!("✓ {org} {} delegated to agent system user {agent} (party {})", client.name.as_deref().unwrap_or(""), client.id);
        }

        command(&format!("{prefix} list {flags} --agent {agent}"));
        let listed = step("listing the delegated clients", software.list_clients(&bureau, agent))?;
        super::clients::print_clients(&listed);
        let listed_orgs: Vec<&str> = listed.clients.iter().map(|c| c.org_no.as_str()).collect();
        expect(listed_orgs == CLIENTS, || format!("expected the clients {CLIENTS:?}, Altinn lists {listed_orgs:?}"))?;

        let routes = self.routes_called()?.split_off(calls_before);
        let count = |route: &str| routes.iter().filter(|r| *r == route).count();
        let delegation_calls =
            ["list_agents", "list_available_clients", "add_client", "list_clients"].iter().map(|r| count(r)).sum::<usize>();
        let (exchanges, grants) = (count("exchange_token"), count("maskinporten_token"));
        println!();
        println!(
            "  token exchanges: {exchanges} for {delegation_calls} client-delegation calls; Maskinporten grants: {grants} (the bureau's system-user token)"
        );
        note("the component exchanged the bureau's token for an Altinn token once and kept it; neither token is ever shown");
        expect(exchanges == 1 && grants == 1 && delegation_calls == 5, || {
            format!("expected 1 exchange and 1 grant for 5 calls, the simulator saw {exchanges}, {grants} and {delegation_calls}")
        })?;
        let stored = self.delegated_clients(agent)?;
        println!("  delegated clients of system user {agent}: {}", stored.join(", "));
        note("the simulator's admin view (GET /_sim/systemusers) shows the same: Access Management holds the delegation");
        expect(stored == CLIENTS, || format!("expected the clients {CLIENTS:?}, the simulator shows {stored:?}"))?;
        let clients_page = format!("{}/accessmanagement/ui/systemuser/agentclients?id={agent}", self.base);
        println!("  The fallback, for a bureau without a klientadministrator system user: someone at the bureau adds each");
        println!("  client by hand on Altinn's clients page, {clients_page}");
        Ok(())
    }

    /// How many calls of one route the simulator has seen.
    fn count_calls(&self, route: &str) -> Result<usize, Failure> {
        Ok(self.routes_called()?.iter().filter(|r| *r == route).count())
    }

    fn delegated_clients(&self, system_user_id: &str) -> Result<Vec<String>, Failure> {
        let fail = |e: String| Failure::new(Exit::No, format!("reading the simulator's system users: {e}"));
        let url = format!("{}/_sim/systemusers", self.base);
        let mut answer = self.browser.get(&url).call().map_err(|e| fail(e.to_string()))?;
        let body = answer.body_mut().read_to_string().map_err(|e| fail(e.to_string()))?;
        let state: Value = serde_json::from_str(&body).map_err(|e| fail(e.to_string()))?;
        let user = state["systemUsers"]
            .as_array()
            .and_then(|users| users.iter().find(|u| u["id"] == system_user_id))
            .ok_or_else(|| fail(format!("no system user {system_user_id}")))?;
        Ok(user["clients"].as_array().map(|c| c.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default())
    }

    fn rejected_then_withdrawn(&self) -> Result<(), Failure> {
        section(4, "A rejected request, and what the vendor must do next");
        let org = "317103360";
        let external_ref = "erp-customer-77";
        let input = StandardRequestInput {
            system_id: STANDARD_SYSTEM.into(),
            party_org_no: org.into(),
            external_ref: Some(external_ref.into()),
            integration_title: None,
            rights: Some(vec![right("ske-innrapportering-a-ordning")]),
            access_packages: None,
            redirect_url: None,
        };
        let line = format!(
            "request create --system-id {STANDARD_SYSTEM} --org {org} --external-ref {external_ref} --right urn:altinn:resource=ske-innrapportering-a-ordning"
        );
        command(&line);
        let first = step("creating the request", self.client.create_standard_request(input.clone()))?;
        print_created(&first, "systemuser");
        let confirm = first.request.confirm_url.clone().ok_or_else(|| Failure::new(Exit::No, "no confirm link"))?;

        note("the customer clicks Reject this time");
        let customer = customer_later(&self.browser, &confirm, "reject");
        self.watch_until_final(&first.request.id, RequestKind::Standard, RequestStatus::Rejected)?;
        join_customer(customer)?;

        println!();
        println!("The vendor asks again with the same key (system, customer, external ref):");
        command(&line);
        let again = step("re-posting the rejected request", self.client.create_standard_request(input.clone()))?;
        print_created(&again, "systemuser");
        expect(!again.is_new && again.request.id == first.request.id && again.request.status == RequestStatus::Rejected, || {
            format!(
                "expected the same Rejected request with is-new=false, got {} ({}, is-new={})",
                again.request.id,
                output::status_label(&again.request),
                again.is_new
            )
        })?;
        expect(created_exit(&again) == Exit::No, || "a re-POST that finds a rejected request should exit 1".into())?;

        command(&format!("request withdraw {}", first.request.id));
        step("withdrawing the rejected request", self.client.withdraw_request(&first.request.id))?;
        println!("✓ request {} withdrawn; its key is free for a new request", first.request.id);

        command(&line);
        let fresh = step("creating the request again", self.client.create_standard_request(input))?;
        print_created(&fresh, "systemuser");
        expect(fresh.is_new && fresh.request.id != first.request.id && fresh.request.status == RequestStatus::New, || {
            format!("expected a new request in status New, got {} ({})", fresh.request.id, output::status_label(&fresh.request))
        })
    }

    fn refused_before_sending(&self) -> Result<(), Failure> {
        section(5, "Requests the component refuses before anything is sent");
        let calls_before = self.create_calls()?;

        command(&format!(
            "request create-agent --system-id {AGENT_SYSTEM} --org 313981436 --package regnskapsforer-lonn --right urn:altinn:resource=ske-krav-og-betalinger"
        ));
        let input = AgentRequestInput {
            system_id: AGENT_SYSTEM.into(),
            party_org_no: "313981436".into(),
            external_ref: None,
            integration_title: None,
            access_packages: vec![package("regnskapsforer-lonn")],
            redirect_url: None,
            rights: Some(vec![right("ske-krav-og-betalinger")]),
        };
        let violations = violations_of(self.client.create_agent_request(input), "rights on an agent request")?;
        print_violations(&violations);
        note("Altinn would silently drop the rights; the component refuses instead (exit 1)");
        expect(violations.iter().any(|v| v.code == "rights-on-agent-request"), || "expected the violation rights-on-agent-request".into())?;

        let wrong = format!("{REDIRECT}/");
        command(&format!("request create --system-id {STANDARD_SYSTEM} --org 313981436 --package merverdiavgift --redirect-url {wrong}"));
        let input = StandardRequestInput {
            system_id: STANDARD_SYSTEM.into(),
            party_org_no: "313981436".into(),
            external_ref: None,
            integration_title: None,
            rights: None,
            access_packages: Some(vec![package("merverdiavgift")]),
            redirect_url: Some(wrong.clone()),
        };
        let violations = violations_of(self.client.create_standard_request(input), "an unregistered redirect URL")?;
        print_violations(&violations);
        note(&format!("the system registers {REDIRECT}; the component read the registered system first and matched as Altinn does"));
        expect(violations.iter().any(|v| v.code == "AUTH-00021" && v.field == "redirectUrl"), || {
            "expected AUTH-00021 on redirectUrl".into()
        })?;

        let calls_after = self.create_calls()?;
        println!();
        println!("  create calls the local Altinn received during this section: {}", calls_after - calls_before);
        expect(calls_after == calls_before, || "a refused request reached Altinn".into())
    }

    fn change_for_one_more_package(&self, system_user_id: &str) -> Result<(), Failure> {
        section(6, "A change request: the approved customer of section 2 is asked for one more access package");
        let (org, external_ref, wanted) = ("310816191", "erp-customer-42", "merverdiavgift");
        println!("The vendor's product grows: its VAT feature needs the access package {wanted}, which the customer's");
        println!("system user {system_user_id} (approved in section 2) does not hold.");
        let before = self.holdings(system_user_id)?;
        println!("  it holds now: {}", before.describe());
        note("Altinn's vendor API never shows what a system user holds; this is the simulator's admin view, GET /_sim/systemusers/{id}");
        let input = ChangeRequestInput {
            system_id: STANDARD_SYSTEM.into(),
            party_org_no: org.into(),
            external_ref: Some(external_ref.into()),
            correlation_id: None,
            required_rights: vec![],
            unwanted_rights: vec![],
            required_access_packages: vec![package(wanted)],
            unwanted_access_packages: vec![],
            redirect_url: Some(REDIRECT.into()),
        };
        let line = format!(
            "change create --system-id {STANDARD_SYSTEM} --org {org} --external-ref {external_ref} --require-package {wanted} --redirect-url {REDIRECT}"
        );
        command(&line);
        let created = match step("creating the change request", self.client.create_change_request(input.clone()))? {
            ChangeOutcome::Created(created) => created,
            ChangeOutcome::NoChangeNeeded => return Err(Failure::new(Exit::No, "expected a change request, got \"no change needed\"")),
        };
        super::change::print_created(&created, "systemuser", None);
        let c = &created.change_request;
        note(
            "the component found the system user by the vendor's key, checked the package against the registered system and derived \
             the correlation id, Altinn's idempotency key, from the system user and the change",
        );
        expect(created.is_new && c.status == ChangeRequestStatus::New && c.system_user_id == system_user_id, || {
            format!("expected a new change request of system user {system_user_id} in status New, got {c:?}")
        })?;
        let confirm = c.confirm_url.clone().ok_or_else(|| Failure::new(Exit::No, "the change request has no confirm link"))?;
        expect(confirm.starts_with(&format!("{}/accessmanagement/ui/systemuser/changerequest?id=", self.base)), || {
            format!("the confirm link {confirm} is not the local change-request page")
        })?;

        note("the customer opens the change link and clicks Approve: GET the page, POST its form");
        let customer = customer_later(&self.browser, &confirm, "approve");
        command(&format!("status {} --watch", c.id));
        let mut progress = Progress::new(false);
        let target = Target { id: &c.id, kind: None, timeout: WATCH_TIMEOUT, interval: POLL };
        let watched = watch_change(&self.client, &target, None, &mut progress, |_, label, previous, at| {
            println!("  {}", label_transition_line(label, previous, at));
        })?;
        println!("  {}", change_watch_summary(&watched, "systemuser"));
        let seen: Vec<&str> = watched.transitions.iter().map(|(s, _)| s.as_str()).collect();
        expect(watched.terminal && watched.change.status == ChangeRequestStatus::Accepted && seen == ["New", "Accepted"], || {
            format!("expected the watch to show New → Accepted and end there; it saw {}", seen.join(" → "))
        })?;
        let landed = join_customer(customer)?;
        note(&format!("after approving, the customer's browser was sent to {landed}"));
        expect(landed.starts_with(REDIRECT), || format!("expected the customer to be sent to {REDIRECT}, not {landed}"))?;

        let after = self.holdings(system_user_id)?;
        println!();
        println!("  system user {system_user_id} holds now: {}", after.describe());
        let urn = format!("urn:altinn:accesspackage:{wanted}");
        println!("  {urn}: delegated to it when the customer approved change request {}", c.id);
        note("in Altinn, Access Management holds the delegation; the simulator's admin view shows it");
        expect(
            after.packages.contains(&urn) && before.packages.iter().all(|p| after.packages.contains(p)) && after.rights == before.rights,
            || format!("expected {} plus {urn}, the simulator shows {}", before.describe(), after.describe()),
        )?;

        println!();
        println!("The vendor's job runs again (after a crash, say) and asks for the same change:");
        command(&line);
        let again = match step("asking for the same change again", self.client.create_change_request(input))? {
            ChangeOutcome::Created(again) => again,
            ChangeOutcome::NoChangeNeeded => {
                return Err(Failure::new(Exit::No, "expected the same change request, got \"no change needed\""))
            }
        };
        super::change::print_created(&again, "systemuser", None);
        expect(!again.is_new && again.change_request.id == c.id && again.change_request.status == ChangeRequestStatus::Accepted, || {
            format!("expected the same Accepted change request {} (is-new false), got {} ({})", c.id, again.change_request.id, again.is_new)
        })?;
        let stored = self.stored_change_requests(system_user_id)?;
        println!("  change requests the local Altinn stores for this system user: {stored}");
        expect(stored == 1, || format!("expected exactly one change request, the simulator stores {stored}"))?;

        note("the system user still acts for the customer: a new client, with no cached token, asks Maskinporten for one");
        command(&format!("token --org {org} --external-ref {external_ref} --scope {SERVICE_SCOPE}"));
        let grants_before = self.routes_called()?.iter().filter(|r| *r == "maskinporten_token").count();
        let fresh = vendor_client(&self.runtime, &self.base)?;
        let token =
            step("getting a system-user token after the change", fresh.system_user_token(org, Some(external_ref), &[SERVICE_SCOPE]))?;
        let grants = self.routes_called()?.iter().filter(|r| *r == "maskinporten_token").count() - grants_before;
        println!("✓ system-user token for {org}: {}", token.token.masked());
        let details = token_details(token.token.expose());
        println!(
            "  acts as: system user {} ({grants} new Maskinporten grant{})",
            details["systemuser_id"][0].as_str().unwrap_or("?"),
            super::plural(grants)
        );
        expect(details["systemuser_id"][0] == system_user_id && grants >= 1, || {
            format!("expected a newly granted token for system user {system_user_id}, got {details} after {grants} grants")
        })
    }

    /// What a system user holds now, from the simulator's admin view.
    fn holdings(&self, system_user_id: &str) -> Result<Holdings, Failure> {
        let fail = |e: String| Failure::new(Exit::No, format!("reading system user {system_user_id} in the simulator: {e}"));
        let url = format!("{}/_sim/systemusers/{system_user_id}", self.base);
        let mut answer = self.browser.get(&url).call().map_err(|e| fail(e.to_string()))?;
        let body = answer.body_mut().read_to_string().map_err(|e| fail(e.to_string()))?;
        let user: Value = serde_json::from_str(&body).map_err(|e| fail(e.to_string()))?;
        let texts = |list: &Value, f: &dyn Fn(&Value) -> Option<String>| -> Vec<String> {
            list.as_array().map(|l| l.iter().filter_map(f).collect()).unwrap_or_default()
        };
        Ok(Holdings {
            rights: texts(&user["rights"], &|r| {
                let pairs = texts(&r["resource"], &|p| Some(format!("{}={}", p["id"].as_str()?, p["value"].as_str()?)));
                (!pairs.is_empty()).then(|| pairs.join(","))
            }),
            packages: texts(&user["accessPackages"], &|p| p["urn"].as_str().map(String::from)),
        })
    }

    /// How many change requests the simulator stores for a system user.
    fn stored_change_requests(&self, system_user_id: &str) -> Result<usize, Failure> {
        let fail = |e: String| Failure::new(Exit::No, format!("reading the simulator's change requests: {e}"));
        let url = format!("{}/_sim/changerequests", self.base);
        let mut answer = self.browser.get(&url).call().map_err(|e| fail(e.to_string()))?;
        let body = answer.body_mut().read_to_string().map_err(|e| fail(e.to_string()))?;
        let all: Value = serde_json::from_str(&body).map_err(|e| fail(e.to_string()))?;
        Ok(all["changeRequests"].as_array().map_or(0, |l| l.iter().filter(|c| c["systemUserId"] == system_user_id).count()))
    }

    /// The simulator's call log (its admin route), as route names.
    fn routes_called(&self) -> Result<Vec<String>, Failure> {
        let fail = |e: String| Failure::new(Exit::No, format!("reading the simulator's call log: {e}"));
        let url = format!("{}/_sim/calls", self.base);
        let mut answer = self.browser.get(&url).call().map_err(|e| fail(e.to_string()))?;
        let body = answer.body_mut().read_to_string().map_err(|e| fail(e.to_string()))?;
        let log: Value = serde_json::from_str(&body).map_err(|e| fail(e.to_string()))?;
        let _ = self.sim; // keeps the simulator alive for the whole story
        let calls = log["calls"].as_array().cloned().unwrap_or_default();
        Ok(calls.iter().filter_map(|c| c["route"].as_str().map(String::from)).collect())
    }

    /// How many create calls the simulator has seen.
    fn create_calls(&self) -> Result<usize, Failure> {
        Ok(self.routes_called()?.iter().filter(|r| matches!(r.as_str(), "create_request" | "create_agent_request")).count())
    }

    /// Maskinporten grants and vendor API calls over the whole story (the log names no route
    /// for the customer's pages and the admin routes).
    fn call_counts(&self) -> Result<(usize, usize), Failure> {
        let routes = self.routes_called()?;
        let grants = routes.iter().filter(|r| *r == "maskinporten_token").count();
        Ok((grants, routes.len() - grants))
    }
}
