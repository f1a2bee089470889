//! Admin routes under `/_sim/` (only when admin is enabled): test tokens, inspection,
//! decisions without a browser, the clock, faults, settings. Answers are plain JSON;
//! errors are `{"error": "..."}`. Documented with curl examples in the README.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::clock::{self, format_timestamp};
use crate::delegation::{self, ClientKey};
use crate::faults::FaultSpec;
use crate::http::{Request, Response};
use crate::lifecycle;
use crate::problems;
use crate::routes::FAULT_ROUTES;
use crate::state::{Inner, Shared};
use crate::store::{DedupeKey, KeyCounters, Kind};
use crate::tokens::{AccessClaims, Consumer};
use crate::views;

fn error(status: u16, msg: impl Into<String>) -> Response {
    Response::json(status, &json!({"error": msg.into()}))
}

fn parse_body<T: for<'de> Deserialize<'de>>(req: &Request) -> Result<T, Response> {
    let body: &[u8] = if req.body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &req.body };
    serde_json::from_slice(body).map_err(|e| error(400, format!("invalid JSON body: {e}")))
}

/// What `POST /_sim/token` takes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenRequest {
    vendor_org_no: String,
    #[serde(default)]
    scopes: Vec<String>,
    /// Lifetime in seconds; zero or negative gives an already expired token.
    #[serde(default = "default_ttl")]
    expires_in: i64,
    /// Leave out the `consumer` claim (to provoke AUTH-00023 / 401).
    #[serde(default)]
    omit_consumer: bool,
}

fn default_ttl() -> i64 {
    3600
}

/// Mints an access token as our Maskinporten would for this vendor, without a grant.
pub fn mint(shared: &Shared, vendor_org_no: &str, scopes: &[&str], expires_in: i64, consumer: bool) -> String {
    let now = clock::real_secs();
    let claims = AccessClaims {
        iss: shared.issuer(),
        client_id: format!("sim-admin-{vendor_org_no}"),
        consumer: consumer.then(|| Consumer::for_org(vendor_org_no)),
        scope: scopes.join(" "),
        iat: now,
        exp: now.saturating_add(expires_in),
        jti: crate::ids::uuid_v4(),
        authorization_details: None,
        token_type: "Bearer".into(),
        altinn: Default::default(),
    };
    shared.key.mint(&claims)
}

fn request_inspection(inner: &Inner) -> Vec<Value> {
    let now = inner.clock.now_micros();
    inner
        .store
        .requests()
        .iter()
        .map(|r| {
            let (status, _) = views::effective_status(r, now, &inner.settings);
            let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.remove("createdMicros");
                m.insert("created".into(), Value::from(format_timestamp(r.created_micros)));
                m.insert("effectiveStatus".into(), Value::from(status.as_str()));
                m.insert("timedOut".into(), Value::from(views::is_timed_out(r, now, &inner.settings)));
                m.remove("row");
            }
            v
        })
        .collect()
}

fn one_system_user(u: &crate::store::SystemUser) -> Value {
    let mut v = serde_json::to_value(u).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.remove("createdMicros");
        m.insert("created".into(), Value::from(format_timestamp(u.created_micros)));
    }
    v
}

/// The System Register as it stands, deleted systems too, each with its internal id.
fn system_inspection(inner: &Inner) -> Vec<Value> {
    inner
        .systems
        .rows_in_heap_order()
        .into_iter()
        .map(|row| {
            let mut v = serde_json::to_value(views::system_json(row)).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("internalId".into(), Value::from(row.internal_id.as_str()));
            }
            v
        })
        .collect()
}

fn system_user_inspection(inner: &Inner) -> Vec<Value> {
    inner.store.system_users().iter().map(one_system_user).collect()
}

/// Every change request, deleted ones too, with `timedOut` as a list item shows it.
fn change_request_inspection(inner: &Inner) -> Vec<Value> {
    let now = inner.clock.now_micros();
    inner
        .store
        .change_requests()
        .iter()
        .map(|c| {
            let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.remove("createdMicros");
                m.remove("row");
                m.insert("created".into(), Value::from(crate::clock::format_utc(c.created_micros)));
                m.insert("timedOut".into(), Value::from(views::change_timed_out(c, now, &inner.settings)));
            }
            v
        })
        .collect()
}

fn dedupe_inspection(inner: &Inner) -> Vec<Value> {
    let keys: BTreeSet<(Kind, DedupeKey)> =
        inner.store.counters().keys().cloned().chain(inner.store.requests().iter().map(|r| (r.kind, r.key()))).collect();
    keys.into_iter()
        .map(|(kind, key)| {
            let c = inner.store.counters().get(&(kind, key.clone())).cloned().unwrap_or(KeyCounters::default());
            let stored = inner.store.requests_with_key(kind, &key).count();
            let active = inner.store.requests_with_key(kind, &key).filter(|r| !r.is_deleted).count();
            let users = inner.store.system_users_with_key(&key).filter(|u| !u.is_deleted).count();
            json!({
                "kind": kind,
                "partyOrgNo": key.party_org_no,
                "externalRef": key.external_ref,
                "systemId": key.system_id,
                "createCalls": c.create_calls,
                "created": c.created,
                "existing": c.existing,
                "requestsStored": stored,
                "requestsActive": active,
                "activeSystemUsers": users,
            })
        })
        .collect()
}

fn clock_json(inner: &Inner) -> Value {
    json!({
        "now": format_timestamp(inner.clock.now_micros()),
        "offsetSeconds": inner.clock.offset_micros() / 1_000_000,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    #[serde(default)]
    days: i64,
    #[serde(default)]
    hours: i64,
    #[serde(default)]
    minutes: i64,
    #[serde(default)]
    seconds: i64,
}

fn apply_settings(inner: &mut Inner, patch: &Map<String, Value>) -> Result<(), String> {
    let mut s = inner.settings.clone();
    s.apply_patch(patch, FAULT_ROUTES)?;
    inner.set_settings(s);
    Ok(())
}

/// `GET /_sim/syntheticcustomers?offset=&limit=`: the synthetic customers' organisation numbers.
fn synthetic_customers(shared: &Shared, req: &Request) -> Response {
    let number = |name: &str, default: u64| match req.query_param(name) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map_err(|_| error(400, format!("{name} must be a number"))),
    };
    let (offset, limit) = match (number("offset", 0), number("limit", 1000)) {
        (Ok(o), Ok(l)) if l <= 100_000 => (o, l),
        (Err(r), _) | (_, Err(r)) => return r,
        _ => return error(400, "limit must be 0..=100000"),
    };
    let total = u64::from(shared.lock().settings.synthetic_customers);
    let end = offset.saturating_add(limit).min(total);
    let org_nos: Vec<String> = (offset.min(end)..end).map(|i| crate::settings::synthetic_org_no(i as u32)).collect();
    Response::json(200, &json!({"total": total, "offset": offset, "orgNos": org_nos}))
}

fn decision(shared: &Shared, id: &str, what: &str) -> Response {
    let Some(id) = crate::ids::parse_guid(id) else {
        return error(404, "no such request");
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    let result = match what {
        "approve" => lifecycle::approve(&mut inner, &id, None).map(|u| json!({"systemUserId": u.id})),
        "reject" => lifecycle::reject(&mut inner, &id, None).map(|_| json!({})),
        "escalate" => lifecycle::escalate(&mut inner, &id).map(|_| json!({})),
        _ => return Response::empty(404),
    };
    match result {
        Ok(mut v) => {
            let status = inner.store.request(&id).map(|r| views::effective_status(r, inner.clock.now_micros(), &inner.settings).0.as_str());
            if let (Value::Object(m), Some(s)) = (&mut v, status) {
                m.insert("id".into(), Value::from(id.as_str()));
                m.insert("status".into(), Value::from(s));
            }
            Response::json(200, &v)
        }
        Err(e) => problems::auth_problem(shape, e.code(), &[]),
    }
}

fn change_decision(shared: &Shared, id: &str, what: &str) -> Response {
    let Some(id) = crate::ids::parse_guid(id) else {
        return error(404, "no such change request");
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    let result = match what {
        "approve" => lifecycle::approve_change(&mut inner, &id),
        "reject" => lifecycle::reject_change(&mut inner, &id),
        _ => return Response::empty(404),
    };
    match (result, inner.store.change_request(&id)) {
        (Ok(()), Some(c)) => Response::json(200, &json!({"id": c.id, "status": c.status.as_str(), "systemUserId": c.system_user_id})),
        (Ok(()), None) => problems::internal_error(),
        (Err(e), _) => problems::auth_problem(shape, e.code(), &[]),
    }
}

/// `DELETE /_sim/systemusers/{id}[?failAccessManagement=true]`: the customer deletes it in the
/// portal (API.md §14).
fn delete_system_user(shared: &Shared, req: &Request, id: &str) -> Response {
    let fails = match req.query_param("failAccessManagement") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return error(400, "failAccessManagement must be true or false"),
    };
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    let Some(id) = crate::ids::parse_guid(id) else {
        return error(404, "no such system user");
    };
    match lifecycle::delete_system_user(&mut inner, &id, fails) {
        Ok(()) => Response::empty(204),
        Err(lifecycle::DeleteError::NotFound) => error(404, "no such system user"),
        Err(e) => problems::auth_problem(shape, e.code(), &[]),
    }
}

pub fn handle(shared: &Shared, req: &Request, rest: &[String]) -> Response {
    let parts: Vec<&str> = rest.iter().map(String::as_str).collect();
    let m = req.method.as_str();
    match (m, parts.as_slice()) {
        ("POST", ["token"]) => {
            let t: TokenRequest = match parse_body(req) {
                Ok(t) => t,
                Err(r) => return r,
            };
            if !crate::orgno::is_valid(&t.vendor_org_no) {
                return error(400, "vendorOrgNo must be a valid organisation number");
            }
            let scopes: Vec<&str> = t.scopes.iter().map(String::as_str).collect();
            let token = mint(shared, &t.vendor_org_no, &scopes, t.expires_in, !t.omit_consumer);
            Response::json(
                200,
                &json!({
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": t.expires_in.max(0),
                    "scope": scopes.join(" "),
                }),
            )
        }
        ("GET", ["state"]) => {
            let inner = shared.lock();
            Response::json(
                200,
                &json!({
                    "requests": request_inspection(&inner),
                    "changeRequests": change_request_inspection(&inner),
                    "systemUsers": system_user_inspection(&inner),
                    "systems": system_inspection(&inner),
                    "dedupe": dedupe_inspection(&inner),
                    "clock": clock_json(&inner),
                    "settings": inner.settings,
                    "faults": inner.faults.list(),
                }),
            )
        }
        ("GET", ["requests"]) => Response::json(200, &json!({"requests": request_inspection(&shared.lock())})),
        ("POST", ["requests", id, what]) => decision(shared, id, what),
        ("GET", ["changerequests"]) => Response::json(200, &json!({"changeRequests": change_request_inspection(&shared.lock())})),
        ("POST", ["changerequests", id, what]) => change_decision(shared, id, what),
        ("GET", ["systemusers"]) => Response::json(200, &json!({"systemUsers": system_user_inspection(&shared.lock())})),
        ("GET", ["systemusers", id]) => {
            let inner = shared.lock();
            match crate::ids::parse_guid(id).and_then(|id| inner.store.system_user(&id).map(one_system_user)) {
                Some(v) => Response::json(200, &v),
                None => error(404, "no such system user"),
            }
        }
        ("DELETE", ["systemusers", id]) => delete_system_user(shared, req, id),
        ("POST", ["systemusers", id, "clients"]) => {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct Client {
                org_no: String,
            }
            let c: Client = match parse_body(req) {
                Ok(c) => c,
                Err(r) => return r,
            };
            client_change(shared, id, &c.org_no, true)
        }
        ("DELETE", ["systemusers", id, "clients", org]) => client_change(shared, id, org, false),
        ("GET", ["dedupe"]) => Response::json(200, &json!({"keys": dedupe_inspection(&shared.lock())})),
        ("GET", ["calls"]) => Response::json(200, &shared.lock().calls.to_json()),
        ("DELETE", ["calls"]) => {
            shared.lock().calls.clear();
            Response::empty(204)
        }
        ("GET", ["clock"]) => Response::json(200, &clock_json(&shared.lock())),
        ("POST", ["clock", "advance"]) => {
            let a: Advance = match parse_body(req) {
                Ok(a) => a,
                Err(r) => return r,
            };
            let secs = a
                .days
                .saturating_mul(86_400)
                .saturating_add(a.hours.saturating_mul(3600))
                .saturating_add(a.minutes.saturating_mul(60))
                .saturating_add(a.seconds);
            if secs < 0 {
                return error(400, "the clock only moves forward");
            }
            let mut inner = shared.lock();
            inner.clock.advance_micros(secs.saturating_mul(1_000_000));
            Response::json(200, &clock_json(&inner))
        }
        ("GET", ["faults"]) => Response::json(200, &json!({"faults": shared.lock().faults.list()})),
        ("POST", ["faults"]) => {
            let spec: FaultSpec = match parse_body(req) {
                Ok(s) => s,
                Err(r) => return r,
            };
            let mut inner = shared.lock();
            match inner.faults.arm(spec, FAULT_ROUTES) {
                Ok(id) => {
                    let armed = inner.faults.list().iter().find(|f| f.id == id).cloned();
                    Response::json(201, &armed)
                }
                Err(e) => error(400, e.to_string()),
            }
        }
        ("DELETE", ["faults"]) => {
            shared.lock().faults.clear();
            Response::empty(204)
        }
        ("DELETE", ["faults", id]) => match id.parse::<u64>() {
            Ok(n) if shared.lock().faults.remove(n) => Response::empty(204),
            _ => error(404, "no such fault"),
        },
        ("GET", ["settings"]) => Response::json(200, &shared.lock().settings),
        ("PUT" | "PATCH", ["settings"]) => {
            let patch: Map<String, Value> = match parse_body(req) {
                Ok(p) => p,
                Err(r) => return r,
            };
            let mut inner = shared.lock();
            match apply_settings(&mut inner, &patch) {
                Ok(()) => Response::json(200, &inner.settings),
                Err(e) => error(400, e),
            }
        }
        ("GET", ["syntheticcustomers"]) => synthetic_customers(shared, req),
        ("GET", ["fixture"]) => Response::json(200, &shared.lock().fixture),
        ("GET", ["systems"]) => Response::json(200, &json!({"systems": system_inspection(&shared.lock())})),
        ("DELETE", ["organizations", org]) => {
            let mut inner = shared.lock();
            if inner.organization(org).is_none() {
                return error(404, "no such organisation in the register");
            }
            inner.store.deregistered.push(org.to_string());
            Response::empty(204)
        }
        ("POST", ["clientadministrators"]) => {
            #[derive(Deserialize)]
            #[serde(rename_all = "camelCase", deny_unknown_fields)]
            struct ClientAdministrator {
                org_no: String,
                #[serde(default)]
                external_ref: Option<String>,
                #[serde(default)]
                system_id: Option<String>,
            }
            let c: ClientAdministrator = match parse_body(req) {
                Ok(c) => c,
                Err(r) => return r,
            };
            let mut inner = shared.lock();
            match lifecycle::approve_client_administrator(&mut inner, c.system_id.as_deref(), &c.org_no, c.external_ref.as_deref()) {
                Ok(u) => Response::json(200, &json!({"systemUserId": u.id, "systemId": u.system_id, "externalRef": u.external_ref})),
                Err(e) => error(400, e),
            }
        }
        ("POST", ["reset"]) => {
            let mut inner = shared.lock();
            inner.store.clear();
            inner.systems = crate::register::SystemRegister::from_fixture(&inner.fixture);
            inner.faults.clear();
            inner.calls.clear();
            inner.buckets = Default::default();
            inner.clock.reset();
            inner.jtis = Default::default();
            Response::empty(204)
        }
        _ => Response::empty(404),
    }
}

fn client_change(shared: &Shared, id: &str, org: &str, add: bool) -> Response {
    let mut inner = shared.lock();
    let shape = inner.settings.problem_shape;
    let Some(id) = crate::ids::parse_guid(id) else {
        return problems::auth_problem(shape, "AUTH-00015", &[]);
    };
    let done = match add {
        true => delegation::delegate(&mut inner, &id, ClientKey::Org(org), true),
        false => delegation::revoke(&mut inner, &id, ClientKey::Org(org)),
    };
    match done {
        Ok(()) => {
            let clients = inner.store.system_user(&id).map(|u| u.clients.clone()).unwrap_or_default();
            Response::json(200, &json!({"id": id, "clients": clients}))
        }
        Err(e) => problems::auth_problem(shape, e.code(), &e.extensions()),
    }
}
