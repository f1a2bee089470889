//! Client delegation (API.md §12) through the operation machine, natively with scripted
//! answers: the bureau's Maskinporten token (the host's, or granted for the bureau's own system
//! user) exchanged for an Altinn token, which the delegation calls carry and the instance keeps;
//! answers bound to the agent and client asked about; the server's refusals said plainly; and
//! neither token in any error.

#![allow(clippy::result_large_err)] // the typed error is matched by value here

use altinn_systemuser::error::Error;
use altinn_systemuser::http::{Header, HttpRequest, HttpResponse, Method};
use altinn_systemuser::maskinporten::{KeyIdentity, SharedCache};
use altinn_systemuser::model::{Bureau, Config, DateTime, Environment, MaskinportenClient};
use altinn_systemuser::operation::{Input, Operation, Outcome, Step, Task};
use altinn_systemuser::protocol::Call;
use altinn_systemuser::secret::Secret;
use serde_json::json;

const T0: DateTime = DateTime { seconds: 1_790_000_000, nanoseconds: 0 };
const BASE: &str = "https://platform.tt02.altinn.no/authentication/api/v1/";
const BUREAU: &str = "310816191";
const AGENT: &str = "0f9a5c8e-3f4b-4e2a-9d1c-2b7e6a1d4c3f";
const CLIENT: &str = "5d2c0a1e-8b7f-4c3d-a9e6-1f2b3c4d5e6f";
/// The bureau's Maskinporten system-user token, and the Altinn token it is exchanged for
/// (expiring 30 minutes after T0: `{"exp":1790001800}`).
const MP_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzY29wZSI6ImEifQ.bXAtc2lnbmF0dXJl";
const ALTINN_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3OTAwMDE4MDB9.YWx0aW5uLXNpZ25hdHVyZQ";

fn scopes() -> Vec<String> {
    vec!["altinn:clientdelegations.read".into(), "altinn:clientdelegations.write".into()]
}

fn bureau() -> Bureau {
    Bureau { org_no: BUREAU.into(), external_ref: Some("byraa-selv".into()) }
}

fn task(call: Call) -> Task {
    Task::ClientDelegation { bureau: bureau(), call }
}

fn config() -> Config {
    Config { retry_budget: 2, backoff_ms: 0, ..Config::new(Environment::Tt02) }
}

fn answer(status: u16, content_type: &str, body: &str) -> Input {
    Input::Response(HttpResponse {
        status,
        headers: vec![Header { name: "Content-Type".into(), value: content_type.into() }],
        body: body.as_bytes().to_vec(),
    })
}

fn json_answer(status: u16, body: &str) -> Input {
    answer(status, "application/json", body)
}

fn next(op: &mut Operation, input: Input) -> Step {
    op.advance(input, T0)
}

#[track_caller]
fn sent(step: Step, method: Method, path_and_query: &str, bearer: &str) -> HttpRequest {
    match step {
        Step::Send(r) => {
            assert_eq!((r.method, r.url.as_str()), (method, format!("{BASE}{path_and_query}").as_str()), "{r:?}");
            let auth = r.headers.iter().find(|h| h.name.eq_ignore_ascii_case("authorization")).map(|h| h.value.clone());
            assert_eq!(auth.as_deref(), Some(format!("Bearer {bearer}").as_str()));
            r
        }
        other => panic!("expected {method:?} {path_and_query}, got {other:?}"),
    }
}

/// Starts `op` in token mode, answers the token and the exchange, and returns the call sent.
#[track_caller]
fn exchanged(op: &mut Operation, method: Method, path_and_query: &str) -> HttpRequest {
    assert_eq!(op.start(), Step::NeedToken(scopes()));
    sent(next(op, Input::Token(Secret::new(MP_TOKEN))), Method::Get, "exchange/maskinporten", MP_TOKEN);
    sent(next(op, answer(200, "text/plain", ALTINN_TOKEN)), method, path_and_query, ALTINN_TOKEN)
}

fn client_list(agent: &str) -> String {
    json!({
        "links": {}, "systemUserInformation": {"systemUserId": agent, "systemUserOwnerOrg": BUREAU},
        "data": [{"clientId": CLIENT, "clientOrganizationNumber": "313725138", "clientOrganizationName": "Bakeriet AS"}]
    })
    .to_string()
}

#[test]
fn the_bureaus_token_is_exchanged_and_the_altinn_token_lists_its_agents() {
    let mut agents = Operation::new(config(), task(Call::ListAgents { party_org_no: BUREAU.into() }), T0, &[1; 16]);
    exchanged(&mut agents, Method::Get, &format!("enduser/systemuser/agents?party={BUREAU}"));
    let body = json!([{
        "id": AGENT, "systemId": "314248295_smartregnskap", "reporteeOrgNo": BUREAU, "userType": "agent",
        "systemInternalId": "7c1e5e2a-7d4b-4a8e-9f3a-1b2c3d4e5f60", "partyUuId": "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "accessPackages": [{"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"}]
    }]);
    match next(&mut agents, json_answer(200, &body.to_string())) {
        Step::Done(Ok(Outcome::Agents(list))) => {
            assert_eq!((list.len(), list[0].system_user.id.as_str()), (1, AGENT));
            assert_eq!(list[0].access_packages[0].urn, "urn:altinn:accesspackage:regnskapsforer-lonn");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn clients_are_listed_added_and_removed_for_the_agent_asked_about() {
    let mut listed = Operation::new(config(), task(Call::ListAvailableClients { agent: AGENT.into() }), T0, &[1; 16]);
    exchanged(&mut listed, Method::Get, &format!("enduser/systemuser/clients/available?agent={AGENT}"));
    match next(&mut listed, json_answer(200, &client_list(AGENT))) {
        Step::Done(Ok(Outcome::Clients(list))) => {
            assert_eq!((list.clients[0].id.as_str(), list.clients[0].org_no.as_str()), (CLIENT, "313725138"))
        }
        other => panic!("{other:?}"),
    }

    // A list for another agent system user is refused, not shown as this one's.
    let mut other = Operation::new(config(), task(Call::ListClients { agent: AGENT.into() }), T0, &[1; 16]);
    exchanged(&mut other, Method::Get, &format!("enduser/systemuser/clients?agent={AGENT}"));
    let foreign = client_list("11111111-2222-4333-8444-555555555555");
    assert!(matches!(next(&mut other, json_answer(200, &foreign)), Step::Done(Err(Error::InvalidResponse(_)))));

    let query = format!("enduser/systemuser/clients?agent={AGENT}&client={CLIENT}");
    let link = json!({"agent": AGENT, "client": CLIENT}).to_string();
    let mut add = Operation::new(config(), task(Call::AddClient { agent: AGENT.into(), client: CLIENT.into() }), T0, &[1; 16]);
    let post = exchanged(&mut add, Method::Post, &query);
    assert!(post.body.is_none(), "the add has no body");
    assert!(matches!(next(&mut add, json_answer(200, &link)), Step::Done(Ok(Outcome::ClientAdded(l))) if l.client == CLIENT));

    let mut remove = Operation::new(config(), task(Call::RemoveClient { agent: AGENT.into(), client: CLIENT.into() }), T0, &[1; 16]);
    exchanged(&mut remove, Method::Delete, &query);
    assert!(matches!(next(&mut remove, json_answer(200, &link)), Step::Done(Ok(Outcome::ClientRemoved(_)))));
}

#[test]
fn the_servers_refusals_are_said_plainly_and_quote_no_token() {
    let problem =
        |code: &str| json!({"status": 400, "title": "x", "detail": format!("{MP_TOKEN} {ALTINN_TOKEN}"), "code": code}).to_string();
    for (code, says) in
        [("AUTH-00079", "not one of the bureau's clients"), ("AUTH-00080", "lacks one of the agent system user's access packages")]
    {
        let mut add = Operation::new(config(), task(Call::AddClient { agent: AGENT.into(), client: CLIENT.into() }), T0, &[1; 16]);
        exchanged(&mut add, Method::Post, &format!("enduser/systemuser/clients?agent={AGENT}&client={CLIENT}"));
        let Step::Done(Err(error)) = next(&mut add, json_answer(400, &problem(code))) else { panic!("refused") };
        let shown = format!("{error} {error:?}");
        assert!(shown.contains(says), "{shown}");
        assert!(!shown.contains(MP_TOKEN) && !shown.contains(ALTINN_TOKEN) && !shown.contains("YWx0aW5uLXNpZ25hdHVyZQ"), "{shown}");
    }
    // A 403 with the bureau's token: the bureau's approval of klientadministrator is missing.
    let mut agents = Operation::new(config(), task(Call::ListAgents { party_org_no: BUREAU.into() }), T0, &[1; 16]);
    exchanged(&mut agents, Method::Get, &format!("enduser/systemuser/agents?party={BUREAU}"));
    match next(&mut agents, json_answer(403, "")) {
        Step::Done(Err(Error::Forbidden(p))) => assert!(p.message.contains("klientadministrator"), "{p:?}"),
        other => panic!("{other:?}"),
    }
    // The exchange refuses a token that is not the bureau's system-user token.
    let mut refused = Operation::new(config(), task(Call::ListAgents { party_org_no: BUREAU.into() }), T0, &[1; 16]);
    assert_eq!(refused.start(), Step::NeedToken(scopes()));
    sent(next(&mut refused, Input::Token(Secret::new(MP_TOKEN))), Method::Get, "exchange/maskinporten", MP_TOKEN);
    assert!(matches!(next(&mut refused, answer(401, "text/plain", "")), Step::Done(Err(Error::Unauthorized(_)))));
    // An exchange that answers something other than a JWT is an invalid response.
    let mut odd = Operation::new(config(), task(Call::ListAgents { party_org_no: BUREAU.into() }), T0, &[1; 16]);
    let _ = odd.start();
    let _ = next(&mut odd, Input::Token(Secret::new(MP_TOKEN)));
    assert!(matches!(next(&mut odd, answer(200, "text/html", "<html>login</html>")), Step::Done(Err(Error::InvalidResponse(_)))));
}

#[test]
fn bad_inputs_are_refused_before_any_token_is_asked_for() {
    let cases = [
        (Bureau { org_no: "12345678".into(), external_ref: None }, Call::ListAgents { party_org_no: BUREAU.into() }),
        (bureau(), Call::AddClient { agent: AGENT.into(), client: "../../admin".into() }),
        (bureau(), Call::ListSystems),
    ];
    for (bureau, call) in cases {
        let mut op = Operation::new(config(), Task::ClientDelegation { bureau, call: call.clone() }, T0, &[1; 16]);
        assert!(matches!(op.start(), Step::Done(Err(Error::Validation(_)))), "{call:?}");
    }
}

#[test]
fn with_maskinporten_the_bureaus_grant_is_made_and_its_exchanged_token_serves_the_next_operation() {
    let config = Config {
        maskinporten: Some(MaskinportenClient { client_id: "vendor-client".into(), resource: None, key: KeyIdentity::KeyId("k1".into()) }),
        ..config()
    };
    let cache = SharedCache::default();
    let mut first = Operation::with_cache(config.clone(), task(Call::ListClients { agent: AGENT.into() }), T0, &[2; 16], cache.clone());
    let Step::Sign(data) = first.start() else { panic!("a grant to sign") };
    let claims = String::from_utf8(data).unwrap();
    let claims = claims.split('.').nth(1).unwrap();
    let claims = String::from_utf8(base64_url(claims)).unwrap();
    assert!(claims.contains("\"systemuser_org\"") && claims.contains(BUREAU) && claims.contains("byraa-selv"), "{claims}");
    assert!(claims.contains("altinn:clientdelegations.read altinn:clientdelegations.write"), "{claims}");
    let grant = next(&mut first, Input::Signature(vec![0xab; 256]));
    assert!(matches!(&grant, Step::Send(r) if r.url == "https://test.maskinporten.no/token"), "{grant:?}");
    let token_answer = json!({"access_token": MP_TOKEN, "token_type": "Bearer", "expires_in": 120, "scope": "altinn:clientdelegations.read altinn:clientdelegations.write"});
    sent(next(&mut first, json_answer(200, &token_answer.to_string())), Method::Get, "exchange/maskinporten", MP_TOKEN);
    sent(
        next(&mut first, answer(200, "text/plain", ALTINN_TOKEN)),
        Method::Get,
        &format!("enduser/systemuser/clients?agent={AGENT}"),
        ALTINN_TOKEN,
    );
    assert!(matches!(next(&mut first, json_answer(200, &client_list(AGENT))), Step::Done(Ok(Outcome::Clients(_)))));

    // The next operation of the instance: no grant, no exchange, straight to the call.
    let mut second =
        Operation::with_cache(config.clone(), task(Call::ListAgents { party_org_no: BUREAU.into() }), T0, &[3; 16], cache.clone());
    sent(second.start(), Method::Get, &format!("enduser/systemuser/agents?party={BUREAU}"), ALTINN_TOKEN);

    // Another bureau is another token.
    let other = Bureau { org_no: "313725138".into(), external_ref: None };
    let mut third = Operation::with_cache(
        config,
        Task::ClientDelegation { bureau: other, call: Call::ListAgents { party_org_no: "313725138".into() } },
        T0,
        &[4; 16],
        cache,
    );
    assert!(matches!(third.start(), Step::Sign(_)));
}

#[test]
fn without_maskinporten_the_exchanged_token_is_kept_per_bureau_and_renewed_when_it_expires() {
    let cache = SharedCache::default();
    let agents = || task(Call::ListAgents { party_org_no: BUREAU.into() });
    let mut first = Operation::with_cache(config(), agents(), T0, &[1; 16], cache.clone());
    exchanged(&mut first, Method::Get, &format!("enduser/systemuser/agents?party={BUREAU}"));
    // One exchange serves the instance's next calls: no token asked, no exchange.
    let mut second = Operation::with_cache(config(), agents(), T0, &[1; 16], cache.clone());
    sent(second.start(), Method::Get, &format!("enduser/systemuser/agents?party={BUREAU}"), ALTINN_TOKEN);
    // 30 s before it expires (at T0 + 30 min) it is no longer handed out: asked for and exchanged again.
    let later = DateTime { seconds: T0.seconds + 30 * 60 - 29, nanoseconds: 0 };
    let mut renewed = Operation::with_cache(config(), agents(), later, &[1; 16], cache);
    assert_eq!(renewed.start(), Step::NeedToken(scopes()));
    let exchange = renewed.advance(Input::Token(Secret::new(MP_TOKEN)), later);
    sent(exchange, Method::Get, "exchange/maskinporten", MP_TOKEN);
}

#[test]
fn an_exchanged_token_acting_for_another_organisation_is_refused_and_not_kept() {
    let claims = json!({"exp": T0.seconds + 1800, "authorization_details": [{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:313725138"}}]});
    let foreign = format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", base64_url_encode(claims.to_string().as_bytes()));
    let cache = SharedCache::default();
    let mut agents = Operation::with_cache(config(), task(Call::ListAgents { party_org_no: BUREAU.into() }), T0, &[1; 16], cache.clone());
    let _ = agents.start();
    let _ = next(&mut agents, Input::Token(Secret::new(MP_TOKEN)));
    match next(&mut agents, answer(200, "text/plain", &foreign)) {
        Step::Done(Err(Error::Token(message))) => {
            assert!(message.contains("313725138") && message.contains(BUREAU), "{message}");
            assert!(!message.contains(&foreign), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(cache.borrow().tokens.is_empty(), "nothing kept");
}

fn base64_url_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn base64_url(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        bits = (bits << 6) | ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}
