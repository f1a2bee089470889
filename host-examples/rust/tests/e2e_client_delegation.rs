//! Client delegation (API.md §12) through the component, against the simulator over real HTTP:
//! the vendor registers a system holding `klientadministrator` with its own Maskinporten client,
//! a bureau approves an agent request and, once, its own klientadministrator system user; the
//! bureau's software then lists, adds and removes clients by API. One token exchange serves
//! many calls and is renewed when the Altinn token expires (by the host's clock); every refusal
//! is typed with its advice; no Maskinporten or Altinn token appears in any error or `Debug`.

#![allow(clippy::result_large_err)] // the typed error is matched by value here

mod common;
mod e2e;

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use altinn_sim::test_clients::{TestClient, SMARTREGNSKAP, SPARE};
use altinn_sim::SimHandle;
use e2e::*;
use serde_json::Value;
use systemuser_host::json::error_json;
use systemuser_host::wit::{self, AccessPackage, Datetime, LocalizedText, RegisteredSystem, StandardRequestInput};
use systemuser_host::{
    config_with_maskinporten, custom_environment, Bureau, Capabilities, Client, ClientError, Clock, HttpTransport, RsaSigner, SystemClock,
    UreqTransport,
};

const CLIENT_ADMIN_SYSTEM: &str = "314248295_smartklient";
const BUREAU: &str = "314224965";
const BUREAU_REF: &str = "bureau-client-admin";
const R_MED: &str = "regnskapsforer-med-signeringsrettighet";
const R_LONN: &str = "regnskapsforer-lonn";
/// Clients of the bureau: both hold `R_MED`, 316501389 also `R_LONN`; 313526011 holds neither
/// (it is the bureau's client for another package only).
const SOLSIKKEN: &str = "313981436";
const HEIBAKKEN: &str = "316501389";
const NOT_A_CLIENT_FOR_THESE: &str = "313526011";

fn package(name: &str) -> AccessPackage {
    AccessPackage { urn: format!("urn:altinn:accesspackage:{name}") }
}

fn text(s: &str) -> LocalizedText {
    LocalizedText { nb: Some(s.into()), nn: Some(s.into()), en: Some(s.into()) }
}

/// Real HTTP that keeps every secret it carries: the bearer tokens it sends and the Altinn
/// tokens the exchange answers.
#[derive(Clone, Default)]
struct SecretRecorder {
    inner: UreqTransport,
    secrets: Arc<Mutex<Vec<String>>>,
}

impl SecretRecorder {
    fn secrets(&self) -> Vec<String> {
        let mut all = self.secrets.lock().unwrap().clone();
        all.sort();
        all.dedup();
        all
    }
}

impl HttpTransport for SecretRecorder {
    fn send(&self, request: wit::HttpRequest) -> Result<wit::HttpResponse, wit::TransportFailure> {
        let exchange = request.url.contains("/exchange/maskinporten");
        for h in &request.headers {
            if h.name.eq_ignore_ascii_case("authorization") {
                self.secrets.lock().unwrap().push(h.value.trim_start_matches("Bearer ").to_string());
            }
        }
        let response = self.inner.send(request)?;
        if exchange && response.status == 200 {
            self.secrets.lock().unwrap().push(String::from_utf8_lossy(&response.body).trim().to_string());
        }
        if let Some(token) = serde_json::from_slice::<Value>(&response.body).ok().and_then(|v| v["access_token"].as_str().map(String::from))
        {
            self.secrets.lock().unwrap().push(token);
        }
        Ok(response)
    }
}

/// A clock whose offset from the system's a test moves.
#[derive(Clone, Default)]
struct MovableClock(Arc<AtomicI64>);

impl Clock for MovableClock {
    fn now(&self) -> Datetime {
        SystemClock::shifted(self.0.load(Ordering::SeqCst)).now()
    }
}

/// The bureau's software: grants with `client`'s key, every secret recorded, the given clock.
fn software(sim: &SimHandle, client: TestClient, http: SecretRecorder, clock: MovableClock) -> Client {
    let signer = RsaSigner::from_text(client.key_pem, Some(client.kid)).unwrap();
    let mut config = config_with_maskinporten(custom_environment(&sim.url()), client.client_id, signer.key_identity());
    config.backoff_ms = 1;
    client_with(Capabilities::with_key(http, signer).with_clock(clock), config)
}

/// The story up to the bureau's software: the vendor registers SmartKlient (holding
/// `klientadministrator`, Maskinporten client `sim-spare-client`), the bureau approves an agent
/// request with `packages` and its own klientadministrator system user.
struct Story {
    sim: SimHandle,
    vendor: Client,
    agent: String,
    bureau: Bureau,
}

fn story(packages: &[&str]) -> Story {
    let sim = start();
    let vendor = client(&sim);
    let system = RegisteredSystem {
        id: CLIENT_ADMIN_SYSTEM.into(),
        vendor_org_no: VENDOR.into(),
        name: text("SmartKlient"),
        description: text("Klientadministrasjon for regnskapsbyrå"),
        rights: vec![],
        access_packages: vec![package("klientadministrator")],
        client_ids: vec![SPARE.client_id.into()],
        is_visible: true,
        allowed_redirect_urls: vec![],
        is_deleted: false,
    };
    vendor.register_system(system).expect("SmartKlient registered");

    let mut agent = agent_input(BUREAU, None);
    agent.access_packages = packages.iter().map(|p| package(p)).collect();
    let agent = vendor.create_agent_request(agent).expect("agent request").request.id;
    sim.approve(&agent).unwrap();

    let admin =
        vendor.create_standard_request(klientadministrator_request(CLIENT_ADMIN_SYSTEM, BUREAU_REF)).expect("klientadministrator request");
    sim.approve(&admin.request.id).unwrap();
    Story { sim, vendor, agent, bureau: Bureau::with_external_ref(BUREAU, BUREAU_REF) }
}

fn klientadministrator_request(system: &str, external_ref: &str) -> StandardRequestInput {
    StandardRequestInput {
        system_id: system.into(),
        party_org_no: BUREAU.into(),
        external_ref: Some(external_ref.into()),
        integration_title: None,
        rights: None,
        access_packages: Some(vec![package("klientadministrator")]),
        redirect_url: None,
    }
}

/// The party uuid of an organisation of the fixture.
fn party_uuid(sim: &SimHandle, org: &str) -> String {
    let fixture = admin_get(sim, "/_sim/fixture");
    let orgs = fixture["organizations"].as_array().unwrap();
    orgs.iter().find(|o| o["orgNo"] == org).and_then(|o| o["partyUuid"].as_str()).expect("a party uuid").to_string()
}

/// The clients the simulator holds delegated to a system user (its admin view).
fn delegated(sim: &SimHandle, system_user: &str) -> Vec<String> {
    let user = admin_get(sim, &format!("/_sim/systemusers/{system_user}"));
    user["clients"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect()
}

fn orgs(list: &wit::ClientList) -> Vec<&str> {
    list.clients.iter().map(|c| c.org_no.as_str()).collect()
}

fn client_id(list: &wit::ClientList, org: &str) -> String {
    list.clients.iter().find(|c| c.org_no == org).unwrap_or_else(|| panic!("{org} is not in {list:?}")).id.clone()
}

#[test]
fn register_request_approve_delegate_list_remove() {
    let s = story(&[R_MED]);
    let http = SecretRecorder::default();
    let bureau_software = software(&s.sim, SPARE, http.clone(), MovableClock::default());

    let agents = bureau_software.list_agents(&s.bureau).expect("the bureau's agent system users");
    assert_eq!(agents.len(), 1);
    let agent = &agents[0];
    assert_eq!(agent.system_user.id, s.agent);
    assert_eq!(agent.system_user.system_id, AGENT_SYSTEM);
    assert_eq!(agent.system_user.user_type, wit::UserType::Agent);
    assert_eq!(agent.access_packages, vec![package(R_MED)]);

    let available = bureau_software.list_available_clients(&s.bureau, &s.agent).expect("the clients that could be added");
    assert_eq!((available.system_user_id.as_str(), available.owner_org_no.as_str()), (s.agent.as_str(), BUREAU));
    assert!(orgs(&available).contains(&SOLSIKKEN) && orgs(&available).contains(&HEIBAKKEN), "{available:?}");
    assert!(bureau_software.list_clients(&s.bureau, &s.agent).unwrap().clients.is_empty(), "none delegated yet");

    for org in [SOLSIKKEN, HEIBAKKEN] {
        let id = client_id(&available, org);
        let link = bureau_software.add_client(&s.bureau, &s.agent, &id).expect("added");
        assert_eq!((link.agent.as_str(), link.client.as_str()), (s.agent.as_str(), id.as_str()));
    }
    let listed = bureau_software.list_clients(&s.bureau, &s.agent).unwrap();
    assert_eq!(orgs(&listed), [SOLSIKKEN, HEIBAKKEN]);
    assert_eq!(listed.clients[0].name.as_deref(), Some("SOLSIKKEN BARNEHAGE SA"));
    assert_eq!(delegated(&s.sim, &s.agent), [SOLSIKKEN, HEIBAKKEN], "Access Management holds what the API listed");

    // Adding a delegated client again changes nothing.
    bureau_software.add_client(&s.bureau, &s.agent, &client_id(&available, SOLSIKKEN)).unwrap();
    assert_eq!(delegated(&s.sim, &s.agent), [SOLSIKKEN, HEIBAKKEN]);

    let removed = bureau_software.remove_client(&s.bureau, &s.agent, &client_id(&available, SOLSIKKEN)).expect("removed");
    assert_eq!(removed.client, client_id(&available, SOLSIKKEN));
    assert_eq!(orgs(&bureau_software.list_clients(&s.bureau, &s.agent).unwrap()), [HEIBAKKEN]);
    bureau_software.remove_client(&s.bureau, &s.agent, &client_id(&available, SOLSIKKEN)).expect("removing it again is no error");
    assert_eq!(delegated(&s.sim, &s.agent), [HEIBAKKEN]);
    // The vendor's own client sees the agent system user unchanged.
    assert!(s.vendor.list_all_system_users(AGENT_SYSTEM).unwrap().iter().any(|u| u.id == s.agent));
    assert!(http.secrets().len() >= 2, "a Maskinporten token and an Altinn token were used");
}

#[test]
fn one_exchange_serves_many_delegation_calls_of_one_client() {
    let s = story(&[R_MED]);
    let bureau_software = software(&s.sim, SPARE, SecretRecorder::default(), MovableClock::default());
    clear_calls(&s.sim);

    let available = bureau_software.list_available_clients(&s.bureau, &s.agent).unwrap();
    bureau_software.list_agents(&s.bureau).unwrap();
    for org in [SOLSIKKEN, HEIBAKKEN] {
        bureau_software.add_client(&s.bureau, &s.agent, &client_id(&available, org)).unwrap();
        bureau_software.list_clients(&s.bureau, &s.agent).unwrap();
    }
    bureau_software.remove_client(&s.bureau, &s.agent, &client_id(&available, SOLSIKKEN)).unwrap();
    bureau_software.list_clients(&s.bureau, &s.agent).unwrap();
    let delegation_calls: usize = ["list_agents", "list_available_clients", "list_clients", "add_client", "remove_client"]
        .iter()
        .map(|r| calls_of(&s.sim, r).len())
        .sum();
    assert_eq!(delegation_calls, 8);
    assert_eq!(calls_of(&s.sim, "exchange_token").len(), 1, "one exchange for eight calls");
    assert_eq!(calls_of(&s.sim, "maskinporten_token").len(), 1, "one grant: the bureau's system-user token");

    // Another client (another instance) exchanges once for itself.
    let other = software(&s.sim, SPARE, SecretRecorder::default(), MovableClock::default());
    other.list_agents(&s.bureau).unwrap();
    other.list_clients(&s.bureau, &s.agent).unwrap();
    assert_eq!(calls_of(&s.sim, "exchange_token").len(), 2);
}

#[test]
fn the_exchanged_token_is_renewed_after_it_expires() {
    let s = story(&[R_MED]);
    // Altinn tokens from the exchange live one minute; the component hands one out until 30 s
    // before it expires, by the host's clock.
    let mut settings = s.sim.settings();
    settings.jwt_validity_minutes = 1;
    s.sim.set_settings(settings);
    let clock = MovableClock::default();
    let bureau_software = software(&s.sim, SPARE, SecretRecorder::default(), clock.clone());
    clear_calls(&s.sim);

    bureau_software.list_agents(&s.bureau).unwrap();
    assert_eq!(calls_of(&s.sim, "exchange_token").len(), 1);
    clock.0.store(20, Ordering::SeqCst);
    bureau_software.list_clients(&s.bureau, &s.agent).unwrap();
    assert_eq!(calls_of(&s.sim, "exchange_token").len(), 1, "40 s left: still used");
    // The next token Altinn issues lives 30 minutes (the real default), so that the host's clock,
    // moved ahead below while the simulator's is not, still finds it fresh.
    let mut settings = s.sim.settings();
    settings.jwt_validity_minutes = 30;
    s.sim.set_settings(settings);
    clock.0.store(31, Ordering::SeqCst);
    bureau_software.list_clients(&s.bureau, &s.agent).unwrap();
    assert_eq!(calls_of(&s.sim, "exchange_token").len(), 2, "29 s left: exchanged again");
    assert_eq!(calls_of(&s.sim, "maskinporten_token").len(), 1, "the bureau's Maskinporten token (120 s) was still good to exchange");
    bureau_software.list_agents(&s.bureau).unwrap();
    bureau_software.list_available_clients(&s.bureau, &s.agent).unwrap();
    assert_eq!(calls_of(&s.sim, "exchange_token").len(), 2, "the renewed token serves the next calls");
}

/// Collects every error a test provokes, to check afterwards that none shows a token.
#[derive(Default)]
struct Errors(Vec<ClientError>);

impl Errors {
    #[track_caller]
    fn take<T: std::fmt::Debug>(&mut self, result: Result<T, ClientError>) -> &wit::Error {
        let error = match result {
            Err(e @ ClientError::Altinn(_)) => e,
            other => panic!("expected a typed error of the component, got {other:?}"),
        };
        self.0.push(error);
        self.0.last().unwrap().altinn().unwrap()
    }

    /// No secret in any error's `Display`, `Debug` or JSON (nor a token's signature alone).
    #[track_caller]
    fn assert_show_none_of(&self, secrets: &[String]) {
        assert!(!secrets.is_empty(), "the recorder caught the tokens");
        for e in &self.0 {
            let texts = [e.to_string(), format!("{e:?}"), e.altinn().map(|a| error_json(a).to_string()).unwrap_or_default()];
            for secret in secrets {
                let signature = secret.rsplit('.').next().unwrap_or(secret);
                for text in &texts {
                    assert!(!text.contains(secret.as_str()) && !text.contains(signature), "a token in an error:\n{text}");
                }
            }
        }
    }
}

#[test]
fn refusals_are_typed_with_their_advice_and_show_no_token() {
    let s = story(&[R_MED, R_LONN]);
    let http = SecretRecorder::default();
    let bureau_software = software(&s.sim, SPARE, http.clone(), MovableClock::default());
    let mut errors = Errors::default();

    // AUTH-00079: not among the bureau's clients holding one of the agent's packages.
    let outsider = party_uuid(&s.sim, NOT_A_CLIENT_FOR_THESE);
    match errors.take(bureau_software.add_client(&s.bureau, &s.agent, &outsider)) {
        wit::Error::Altinn(p) => {
            assert_eq!((p.status, p.code.as_deref()), (400, Some("AUTH-00079")));
            assert!(p.message.contains("not one of the bureau's clients") && p.message.contains("can be added"), "{}", p.message);
        }
        other => panic!("expected AUTH-00079, got {other:?}"),
    }
    // AUTH-00080: a client of the bureau that lacks one of the agent's two packages.
    let lacking = party_uuid(&s.sim, SOLSIKKEN);
    match errors.take(bureau_software.add_client(&s.bureau, &s.agent, &lacking)) {
        wit::Error::Altinn(p) => {
            assert_eq!((p.status, p.code.as_deref()), (400, Some("AUTH-00080")));
            assert!(
                p.message.contains("lacks one of the agent system user's access packages")
                    && p.message.contains("delegate it to the bureau first"),
                "{}",
                p.message
            );
        }
        other => panic!("expected AUTH-00080, got {other:?}"),
    }
    bureau_software.add_client(&s.bureau, &s.agent, &party_uuid(&s.sim, HEIBAKKEN)).expect("the client holding both packages");
    assert_eq!(delegated(&s.sim, &s.agent), [HEIBAKKEN], "the refused clients were not delegated");

    // An unknown agent system user: Altinn's AUTH.VLD-00014; an id that is not a uuid is refused
    // before anything is sent.
    match errors.take(bureau_software.list_clients(&s.bureau, "6a1d3b4e-0000-4000-8000-000000000000")) {
        wit::Error::Altinn(p) => {
            assert!(p.field_errors.iter().any(|v| v.code == "AUTH.VLD-00014" && v.message.contains("not found")), "{p:?}")
        }
        other => panic!("expected AUTH.VLD-00014, got {other:?}"),
    }
    clear_calls(&s.sim);
    assert!(matches!(errors.take(bureau_software.list_clients(&s.bureau, "agent-7")), wit::Error::Validation(_)));
    assert!(matches!(errors.take(bureau_software.list_agents(&Bureau::new("12345678"))), wit::Error::Validation(_)));
    assert!(calls_of(&s.sim, "list_clients").is_empty() && calls_of(&s.sim, "exchange_token").is_empty());

    // No klientadministrator system user for that external ref: Maskinporten's MP-303.
    match errors.take(bureau_software.list_agents(&Bureau::with_external_ref(BUREAU, "no-such-ref"))) {
        wit::Error::Maskinporten(p) => assert_eq!(p.code.as_deref(), Some("MP-303")),
        other => panic!("expected MP-303, got {other:?}"),
    }

    // 403: the bureau's standard system user without klientadministrator (a system user of
    // 314248295_smartregnskap, whose Maskinporten client asks).
    let mut plain = standard_input(BUREAU, Some("no-admin"));
    plain.rights = None;
    plain.access_packages = Some(vec![package("skattegrunnlag")]);
    let plain = s.vendor.create_standard_request(plain).unwrap();
    s.sim.approve(&plain.request.id).unwrap();
    let regnskap_software = software(&s.sim, SMARTREGNSKAP, http.clone(), MovableClock::default());
    let forbidden = |e: &wit::Error| match e {
        wit::Error::Forbidden(p) => {
            assert_eq!(p.status, 403);
            assert!(p.message.contains("klientadministrator") && p.message.contains("approve"), "{}", p.message);
        }
        other => panic!("expected forbidden, got {other:?}"),
    };
    forbidden(errors.take(regnskap_software.list_agents(&Bureau::with_external_ref(BUREAU, "no-admin"))));
    // The vendor's own Maskinporten token (not a system-user token of the bureau), exchanged,
    // is no administrator of the bureau's clients either.
    let vendor_token = s.sim.mint_token(VENDOR, &["altinn:clientdelegations.read", "altinn:clientdelegations.write"]);
    http.secrets.lock().unwrap().push(vendor_token.clone());
    let caps = Capabilities::new(http.clone(), systemuser_host::StaticToken::new(&vendor_token).unwrap());
    let vendor_as_bureau = client_with(caps, fast_config(&s.sim.url()));
    forbidden(errors.take(vendor_as_bureau.list_agents(&s.bureau)));

    // The host gives the bureau's Maskinporten token itself (token mode): it works for its
    // bureau, and is refused by the component for another bureau.
    let mp = software(&s.sim, SPARE, http.clone(), MovableClock::default())
        .system_user_token(BUREAU, Some(BUREAU_REF), &["altinn:clientdelegations.read", "altinn:clientdelegations.write"])
        .unwrap();
    http.secrets.lock().unwrap().push(mp.token.expose().to_string());
    let caps = Capabilities::new(http.clone(), systemuser_host::StaticToken::new(mp.token.expose()).unwrap());
    let token_mode = client_with(caps, fast_config(&s.sim.url()));
    assert_eq!(orgs(&token_mode.list_clients(&s.bureau, &s.agent).expect("the bureau's token from the host")), [HEIBAKKEN]);
    match errors.take(token_mode.list_agents(&Bureau::new("312317761"))) {
        wit::Error::Token(m) => assert!(m.contains("312317761") && m.contains("bureau's own system-user token"), "{m}"),
        other => panic!("expected a token error, got {other:?}"),
    }

    // 404: the owner taken out of the register.
    s.sim.deregister_organization(BUREAU).unwrap();
    match errors.take(bureau_software.list_clients(&s.bureau, &s.agent)) {
        wit::Error::NotFound(p) => {
            assert_eq!(p.status, 404);
            assert_eq!(p.title.as_deref(), Some("System Owner not Found"));
            assert!(p.message.contains("no such bureau or agent system user") && p.message.contains(BUREAU), "{}", p.message);
        }
        other => panic!("expected not found, got {other:?}"),
    }
    match errors.take(bureau_software.list_agents(&s.bureau)) {
        wit::Error::NotFound(p) => {
            assert_eq!(p.title.as_deref(), Some("Party not found"));
            assert!(p.message.contains("no such bureau") && p.message.contains(BUREAU), "{}", p.message);
        }
        other => panic!("expected not found, got {other:?}"),
    }

    let secrets = http.secrets();
    assert!(secrets.iter().any(|t| t.starts_with("eyJ")), "JWTs were recorded: {}", secrets.len());
    errors.assert_show_none_of(&secrets);
    // Nor does a client's Debug show one.
    let debug = format!("{bureau_software:?} {token_mode:?} {mp:?}");
    for secret in &secrets {
        assert!(!debug.contains(secret.as_str()), "a token in Debug output");
    }
}
