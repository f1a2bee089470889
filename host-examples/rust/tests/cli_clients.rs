//! `systemuser clients agents | available | list | add | remove`, end to end: the real binary,
//! the built component and an in-process simulator on a free port. The vendor registers
//! SmartKlient (holding `klientadministrator`, Maskinporten client `sim-spare-client`) and has
//! the bureau approve an agent request and its klientadministrator system user; the bureau's
//! software then runs the commands with SmartKlient's key (`--key`, `--kid`, `--client-id`), or
//! with the bureau's token in `SYSTEMUSER_TOKEN`. Human output, `--json`, exit codes, hints that
//! carry the global options in force; no run prints a token.

mod cli;
mod common;

use std::path::PathBuf;
use std::process::Output;

use altinn_sim::test_clients::SPARE;
use altinn_sim::{SimHandle, SimOptions, Simulator};
use cli::*;
use serde_json::{json, Value};

const CLIENT_ADMIN_SYSTEM: &str = "314248295_smartklient";
const BUREAU: &str = "314224965";
const BUREAU_REF: &str = "bureau-client-admin";
const SOLSIKKEN: &str = "313981436";
const HEIBAKKEN: &str = "316501389";
const HAVBRUK: &str = "314941888";
/// A client of the bureau for a package the agent system user does not hold.
const OTHER_PACKAGE: &str = "313526011";
/// Not a client of the bureau at all.
const STRANGER: &str = "316859356";
const VENDOR_SCOPES: [&str; 3] = [
    "altinn:authentication/systemuser.request.write",
    "altinn:authentication/systemuser.request.read",
    "altinn:authentication/systemregister.write",
];
const DELEGATION_SCOPES: [&str; 2] = ["altinn:clientdelegations.read", "altinn:clientdelegations.write"];

/// SmartKlient's TEST-ONLY key as the bureau's software has it (in the temp dir, removed on drop).
struct KeyFile(PathBuf);

impl KeyFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("systemuser-cli-clients-{}-{name}.pem", std::process::id()));
        std::fs::write(&path, SPARE.key_pem).expect("key file");
        KeyFile(path)
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        std::fs::remove_file(&self.0).ok();
    }
}

struct Story {
    sim: SimHandle,
    vendor_token: String,
    key: KeyFile,
    agent: String,
}

/// No JWT in the output: neither the Maskinporten token nor the Altinn token it is exchanged
/// for (nor the vendor's), whole or in part.
#[track_caller]
fn assert_no_token(out: &Output, known: &[&str]) {
    for text in [stdout(out), stderr(out)] {
        assert!(!text.contains("eyJ"), "a JWT in the output:\n{text}");
        for token in known {
            let signature = token.rsplit('.').next().unwrap();
            assert!(!text.contains(token) && !text.contains(signature), "a token in the output:\n{text}");
        }
    }
}

impl Story {
    /// `systemuser --base-url <sim> ARGS` as the vendor (its token in `SYSTEMUSER_TOKEN`).
    fn vendor(&self, args: &[&str]) -> Output {
        let out =
            base_command().arg("--base-url").arg(self.sim.url()).args(args).env("SYSTEMUSER_TOKEN", &self.vendor_token).output().unwrap();
        assert_no_token(&out, &[&self.vendor_token]);
        out
    }

    /// `systemuser --base-url <sim> --key <SmartKlient's key> --kid … --client-id … ARGS`: the
    /// bureau's software.
    fn bureau(&self, args: &[&str]) -> Output {
        let out = base_command()
            .args(["--base-url", &self.sim.url(), "--key", self.key.arg(), "--kid", SPARE.kid, "--client-id", SPARE.client_id])
            .args(args)
            .output()
            .unwrap();
        assert_no_token(&out, &[&self.vendor_token]);
        out
    }

    /// The start of a command a hint offers the bureau's software.
    fn invocation(&self) -> String {
        format!(
            "systemuser --component {} --base-url {} --key {} --kid {} --client-id {}",
            common::component_path().display(),
            self.sim.url(),
            self.key.arg(),
            SPARE.kid,
            SPARE.client_id
        )
    }

    fn admin_get(&self, path: &str) -> Value {
        let text = ureq::get(format!("{}{path}", self.sim.url())).call().expect("admin").body_mut().read_to_string().unwrap();
        serde_json::from_str(&text).expect("admin JSON")
    }

    fn routes(&self) -> Vec<String> {
        let calls = self.admin_get("/_sim/calls")["calls"].as_array().cloned().unwrap_or_default();
        calls.iter().filter_map(|c| c["route"].as_str().map(String::from)).collect()
    }

    fn clear_calls(&self) {
        ureq::delete(format!("{}/_sim/calls", self.sim.url())).call().expect("clear the call log");
    }

    fn delegated(&self) -> Vec<String> {
        let user = self.admin_get(&format!("/_sim/systemusers/{}", self.agent));
        user["clients"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
    }

    fn party_uuid(&self, org: &str) -> String {
        let fixture = self.admin_get("/_sim/fixture");
        let org = fixture["organizations"].as_array().unwrap().iter().find(|o| o["orgNo"] == org).unwrap().clone();
        org["partyUuid"].as_str().unwrap().to_string()
    }
}

/// The vendor registers SmartKlient and asks the bureau for an agent system user (with the
/// package `regnskapsforer-med-signeringsrettighet`) and its klientadministrator system user;
/// the bureau approves both. All through the CLI, as the vendor.
fn story(name: &str) -> Story {
    let sim = Simulator::start(SimOptions::default().with_admin(true)).expect("the simulator starts");
    let vendor_token = sim.mint_token(VENDOR, &VENDOR_SCOPES);
    let story = Story { sim, vendor_token, key: KeyFile::new(name), agent: String::new() };
    let system = json!({
        "id": CLIENT_ADMIN_SYSTEM, "vendor": {"ID": format!("0192:{VENDOR}")},
        "name": {"nb": "SmartKlient", "nn": "SmartKlient", "en": "SmartClient"},
        "description": {"nb": "Klientadministrasjon", "nn": "Klientadministrasjon", "en": "Client administration"},
        "accessPackages": [{"urn": "urn:altinn:accesspackage:klientadministrator"}], "clientId": [SPARE.client_id],
    });
    let path = std::env::temp_dir().join(format!("systemuser-cli-clients-{}-{name}.json", std::process::id()));
    std::fs::write(&path, system.to_string()).unwrap();
    let out = story.vendor(&["system", "register", "--file", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert_exit(&out, 0);
    let agent = approved(
        &story,
        &["request", "create-agent", "--system-id", AGENT_SYSTEM, "--org", BUREAU, "--package", "regnskapsforer-med-signeringsrettighet"],
    );
    approved(
        &story,
        &[
            "request",
            "create",
            "--system-id",
            CLIENT_ADMIN_SYSTEM,
            "--org",
            BUREAU,
            "--external-ref",
            BUREAU_REF,
            "--package",
            "klientadministrator",
        ],
    );
    story.clear_calls();
    Story { agent, ..story }
}

/// Creates a request with the vendor's CLI and has the customer approve it; its id.
fn approved(story: &Story, args: &[&str]) -> String {
    let mut all = vec!["--json"];
    all.extend(args);
    let out = story.vendor(&all);
    assert_exit(&out, 0);
    let id = json(&out)["id"].as_str().unwrap().to_string();
    story.sim.approve(&id).unwrap();
    id
}

#[test]
fn agents_available_add_list_and_remove() {
    let s = story("flow");
    let inv = s.invocation();
    let flags = format!("--bureau {BUREAU} --bureau-ref {BUREAU_REF}");
    let agent = s.agent.clone();
    fn with<'a>(more: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["--bureau", BUREAU, "--bureau-ref", BUREAU_REF];
        args.extend(more);
        args
    }

    let out = s.bureau(&[&["clients", "agents"][..], &with(&[])].concat());
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("1 agent system user of bureau {BUREAU}\nID ")), "{text}");
    assert!(text.contains(&format!("\n{agent}  {AGENT_SYSTEM}  regnskapsforer-med-signeringsrettighet  ")), "{text}");
    assert!(text.ends_with(&format!("next: the clients one could get: `{inv} clients available {flags} --agent {agent}`\n")), "{text}");
    let doc = json(&s.bureau(&[&["--json", "clients", "agents"][..], &with(&[])].concat()));
    assert_eq!(doc["bureau"], json!({"orgNo": BUREAU, "externalRef": BUREAU_REF}));
    assert_eq!(doc["items"][0]["id"], agent.as_str());
    assert_eq!(doc["items"][0]["userType"], "agent");
    assert_eq!(doc["items"][0]["accessPackages"], json!([{"urn": "urn:altinn:accesspackage:regnskapsforer-med-signeringsrettighet"}]));

    let out = s.bureau(&[&["clients", "available"][..], &with(&["--agent", &agent])].concat());
    assert_exit(&out, 0);
    let text = stdout(&out);
    for line in [
        format!("3 clients of bureau {BUREAU} could be delegated to agent system user {agent}\n"),
        "ORG NO     PARTY UUID                            NAME\n".into(),
        format!("{SOLSIKKEN}  {}  SOLSIKKEN BARNEHAGE SA\n", s.party_uuid(SOLSIKKEN)),
        format!("{HEIBAKKEN}  {}  HEIBAKKEN BYGG OG ANLEGG AS\n", s.party_uuid(HEIBAKKEN)),
        format!("next: `{inv} clients add {flags} --agent {agent} --client ORGNO`\n"),
    ] {
        assert!(text.contains(&line), "missing {line:?}:\n{text}");
    }

    // One client by organisation number, one by party uuid: one exchange for the lookup and
    // both adds.
    let heibakken = s.party_uuid(HEIBAKKEN);
    s.clear_calls();
    let out = s.bureau(&[&["clients", "add"][..], &with(&["--agent", &agent, "--client", SOLSIKKEN, "--client", &heibakken])].concat());
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        format!(
            "✓ {SOLSIKKEN} SOLSIKKEN BARNEHAGE SA delegated to agent system user {agent} (party {})\n✓ {HEIBAKKEN} HEIBAKKEN BYGG OG ANLEGG AS delegated to agent system user {agent} (party {heibakken})\n✓ 2 clients added; the agent system user may act for them now\nnext: `{inv} clients list {flags} --agent {agent}`\n",
            s.party_uuid(SOLSIKKEN)
        )
    );
    assert_eq!(s.delegated(), [SOLSIKKEN, HEIBAKKEN]);
    let routes = s.routes();
    assert_eq!(routes, ["maskinporten_token", "exchange_token", "list_available_clients", "add_client", "add_client"]);

    // Without --agent: the bureau's only agent system user.
    let out = s.bureau(&[&["clients", "list"][..], &with(&[])].concat());
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("2 clients delegated to agent system user {agent} of bureau {BUREAU}\nORG NO ")), "{text}");
    assert!(text.ends_with(&format!("remove one with `{inv} clients remove {flags} --agent {agent} --client ORGNO`\n")), "{text}");
    let doc = json(&s.bureau(&[&["--json", "clients", "list"][..], &with(&["--agent", &agent])].concat()));
    let orgs: Vec<&str> = doc["clients"].as_array().unwrap().iter().map(|c| c["orgNo"].as_str().unwrap()).collect();
    assert_eq!(orgs, [SOLSIKKEN, HEIBAKKEN]);
    assert_eq!(
        (doc["systemUserId"].as_str(), doc["ownerOrgNo"].as_str(), doc["agent"].as_str()),
        (Some(agent.as_str()), Some(BUREAU), Some(agent.as_str()))
    );

    // Not among the clients that could be added: exit 1, nothing added, the list to look at.
    s.clear_calls();
    let out = s.bureau(&[&["clients", "add"][..], &with(&["--agent", &agent, "--client", HAVBRUK, "--client", OTHER_PACKAGE])].concat());
    assert_exit(&out, 1);
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(err.starts_with(&format!("error: {OTHER_PACKAGE} is not among the clients bureau {BUREAU} could delegate to agent system user {agent}: it is not the bureau's client, or it holds none of the agent's access packages; nothing was added\n")), "{err}");
    assert!(err.contains(&format!("hint: `{inv} clients available {flags} --agent {agent}` lists them")), "{err}");
    assert!(!s.routes().contains(&"add_client".to_string()), "a typo adds nothing, not even the clients named before it");
    // By party uuid the server decides: AUTH-00079, typed, with the list to look at.
    let out =
        s.bureau(&[&["--json", "clients", "add"][..], &with(&["--agent", &agent, "--client", &s.party_uuid(OTHER_PACKAGE)])].concat());
    assert_exit(&out, 1);
    let doc = json(&out);
    assert_eq!((doc["error"]["kind"].as_str(), doc["error"]["code"].as_str()), (Some("altinn"), Some("AUTH-00079")));
    assert!(doc["error"]["hint"].as_str().unwrap().contains(&format!("`{inv} clients available {flags} --agent {agent}`")), "{doc}");
    assert_eq!(s.delegated(), [SOLSIKKEN, HEIBAKKEN]);

    // Remove: a delegated client goes, one of the bureau's that is not delegated is nothing to
    // remove, one that is not the bureau's at all is an error.
    let out = s.bureau(&[&["clients", "remove"][..], &with(&["--agent", &agent, "--client", SOLSIKKEN, "--client", HAVBRUK])].concat());
    assert_exit(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("✓ {SOLSIKKEN} SOLSIKKEN BARNEHAGE SA removed from agent system user {agent} (party ")), "{text}");
    assert!(
        text.contains(&format!("• {HAVBRUK} HAVBRUKSSENTERET VEST AS is not delegated to agent system user {agent}: nothing to remove\n")),
        "{text}"
    );
    assert!(text.contains("✓ 1 client removed; the agent system user no longer acts for it\n"), "{text}");
    assert_eq!(s.delegated(), [HEIBAKKEN]);
    let out = s.bureau(&[&["clients", "remove"][..], &with(&["--agent", &agent, "--client", STRANGER])].concat());
    assert_exit(&out, 1);
    assert!(
        stderr(&out).contains(&format!("error: {STRANGER} is not among the clients of bureau {BUREAU} for agent system user {agent}")),
        "{}",
        stderr(&out)
    );
    let out = s.bureau(&[&["--json", "clients", "remove"][..], &with(&["--agent", &agent, "--client", &heibakken])].concat());
    assert_exit(&out, 0);
    assert_eq!(
        json(&out),
        json!({"ok": true, "outcome": "clients-removed", "bureau": {"orgNo": BUREAU, "externalRef": BUREAU_REF}, "agent": agent,
               "clients": [{"id": heibakken, "orgNo": null, "name": null}], "notDelegated": []})
    );
    assert!(s.delegated().is_empty());

    // Bad usage: exit 2, nothing on stdout.
    for args in [with(&["--agent", &agent, "--client", "acme"]), with(&["--agent", &agent])] {
        let out = s.bureau(&[&["--json", "clients", "add"][..], &args].concat());
        assert_exit(&out, 2);
        assert_eq!(stdout(&out), "");
    }
}

#[test]
fn refusals_say_what_to_do_with_the_global_options_in_force() {
    let s = story("refusals");
    let inv = s.invocation();
    let flags = format!("--bureau {BUREAU} --bureau-ref {BUREAU_REF}");

    // An agent system user that does not exist: AUTH.VLD-00014, and where to find the real ones.
    let out =
        s.bureau(&["clients", "list", "--bureau", BUREAU, "--bureau-ref", BUREAU_REF, "--agent", "6a1d3b4e-0000-4000-8000-000000000000"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("\n  ✗ ?agent: System user not found [AUTH.VLD-00014]"), "{err}");
    assert!(
        err.contains(&format!(
            "hint: no agent system user with that id (or it was deleted): `{inv} clients agents {flags}` lists the bureau's"
        )),
        "{err}"
    );

    // No klientadministrator system user for that external ref: MP-303, exit 1.
    let out = s.bureau(&["clients", "agents", "--bureau", BUREAU, "--bureau-ref", "no-such-ref"]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("MP-303"), "{err}");
    assert!(err.contains(&format!("hint: the bureau has no approved system user of this client's system for that external ref: pass --bureau-ref the external ref its klientadministrator request was created with, or have the bureau approve one: `{inv} request create --system-id SYSTEM --org {BUREAU} --external-ref no-such-ref --package klientadministrator`")), "{err}");

    // The vendor's own token, not the bureau's: 403, exit 4, and how the bureau gets one.
    let vendor_delegation = s.sim.mint_token(VENDOR, &DELEGATION_SCOPES);
    let out = base_command()
        .args(["--base-url", &s.sim.url(), "clients", "agents", "--bureau", BUREAU])
        .env("SYSTEMUSER_TOKEN", &vendor_delegation)
        .output()
        .unwrap();
    assert_no_token(&out, &[&vendor_delegation]);
    assert_exit(&out, 4);
    let err = stderr(&out);
    assert!(err.contains("klientadministrator"), "{err}");
    let vendor_inv = format!("systemuser --component {} --base-url {}", common::component_path().display(), s.sim.url());
    assert!(err.contains(&format!("hint: the bureau must approve, once, its own standard system user for a system holding the access package klientadministrator: `{vendor_inv} request create --system-id SYSTEM --org {BUREAU} --package klientadministrator`")), "{err}");
    assert!(err.contains("Altinn's clients page"), "the fallback is named: {err}");

    // The bureau's own Maskinporten token in SYSTEMUSER_TOKEN (token mode) works, and is never shown.
    let mut scope_args = vec![];
    for scope in DELEGATION_SCOPES {
        scope_args.extend(["--scope", scope]);
    }
    let out = base_command()
        .args(["--base-url", &s.sim.url(), "--key", s.key.arg(), "--kid", SPARE.kid, "--client-id", SPARE.client_id])
        .args([&["token", "--org", BUREAU, "--external-ref", BUREAU_REF, "--reveal"][..], &scope_args].concat())
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let bureau_token = stdout(&out).trim().to_string();
    assert!(bureau_token.starts_with("eyJ"));
    let out = base_command()
        .args(["--base-url", &s.sim.url(), "--json", "clients", "available", "--bureau", BUREAU, "--agent", &s.agent])
        .env("SYSTEMUSER_TOKEN", &bureau_token)
        .output()
        .unwrap();
    assert_no_token(&out, &[&bureau_token]);
    assert_exit(&out, 0);
    assert_eq!(json(&out)["clients"].as_array().unwrap().len(), 3);

    // No token at all: exit 4, and how to give one.
    let out = base_command().args(["--base-url", &s.sim.url(), "clients", "agents", "--bureau", BUREAU]).output().unwrap();
    assert_exit(&out, 4);
    assert!(stderr(&out).contains("hint: pass --key FILE --client-id ID (the Maskinporten client of the system the bureau's klientadministrator system user is for"), "{}", stderr(&out));

    // Two agent system users: --agent is needed, and they are named.
    let second = approved(
        &s,
        &[
            "request",
            "create-agent",
            "--system-id",
            AGENT_SYSTEM,
            "--org",
            BUREAU,
            "--external-ref",
            "second",
            "--package",
            "regnskapsforer-lonn",
        ],
    );
    let out = s.bureau(&["clients", "list", "--bureau", BUREAU, "--bureau-ref", BUREAU_REF]);
    assert_exit(&out, 2);
    let err = stderr(&out);
    assert!(err.contains(&format!("bureau {BUREAU} has 2 agent system users; name one with --agent: ")), "{err}");
    assert!(err.contains(&s.agent) && err.contains(&second), "{err}");

    // The bureau taken out of the register: 404, exit 1.
    s.sim.deregister_organization(BUREAU).unwrap();
    let out = s.bureau(&["clients", "list", "--bureau", BUREAU, "--bureau-ref", BUREAU_REF, "--agent", &s.agent]);
    assert_exit(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("no such bureau or agent system user (404"), "{err}");
    assert!(
        err.contains(&format!("hint: check the bureau's organisation number; `{inv} clients agents {flags}` lists its agent system users")),
        "{err}"
    );
}
