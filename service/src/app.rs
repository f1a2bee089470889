//! The service's HTTP surface, free of any platform: the same as the npm package's edge handler
//! (host-examples/node/src/edge.js).
//!
//!   POST {base}        {"orgNo": "310816191", "externalRef"?: "…"} → 201 (new) or 200 (the same
//!                      request again), `Location: {base}/{id}`, the confirm link to send
//!   GET  {base}/{id}   → the request's status
//!
//! Every failure is problem JSON (RFC 9457) that never quotes a token or Altinn's raw body.
//! Each Altinn exchange is a step of the core's operation machine, answered through `Io`.

use altinn_systemuser::json::Json;
use altinn_systemuser::lifecycle::{effective_status, DEFAULT_TIMEOUT_WINDOW_SECONDS};
use altinn_systemuser::model::{
    AccessPackage, Config, CustomEnvironment, DateTime, Environment, RequestKind, StandardRequestInput, SystemUserRequest,
};
use altinn_systemuser::operation::{drive, Io, Operation, Outcome, Task};
use altinn_systemuser::protocol::Call;
use altinn_systemuser::secret::Secret;
use altinn_systemuser::{Error, TransportErrorKind, Violation};

/// The largest body `POST {base}` reads (an org number and a reference need far less).
pub const MAX_BODY: usize = 16 * 1024;

/// What the service answers.
#[derive(Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

const JSON_TYPE: &str = "application/json; charset=utf-8";
const PROBLEM_TYPE: &str = "application/problem+json; charset=utf-8";

fn answer(status: u16, content_type: &str, value: Json, extra: Vec<(String, String)>) -> Answer {
    let mut headers = vec![("content-type".to_string(), content_type.to_string()), ("cache-control".into(), "no-store".into())];
    headers.extend(extra);
    Answer { status, headers, body: value.to_text().into_bytes() }
}

fn s(text: impl Into<String>) -> Json {
    Json::String(text.into())
}

fn opt(text: Option<String>) -> Json {
    text.map_or(Json::Null, Json::String)
}

fn problem(status: u16, title: &str, extra: Vec<(&str, Json)>, headers: Vec<(String, String)>) -> Answer {
    let mut members =
        vec![("type".to_string(), s("about:blank")), ("title".into(), s(title)), ("status".into(), Json::Number(status.to_string()))];
    members.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
    answer(status, PROBLEM_TYPE, Json::Object(members), headers)
}

fn violations(list: &[Violation]) -> Json {
    Json::Array(
        list.iter()
            .map(|v| Json::Object(vec![("code".into(), s(&v.code)), ("field".into(), s(&v.field)), ("message".into(), s(&v.message))]))
            .collect(),
    )
}

/// The service's settings, read once from the host's configuration (`from_vars`).
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub system_id: String,
    pub access_packages: Option<Vec<AccessPackage>>,
    pub integration_title: Option<String>,
    pub redirect_url: Option<String>,
    pub base_path: String,
    /// The bearer token for Altinn (see service/README.md on Maskinporten): never printed.
    token: Option<Secret>,
}

/// What is wrong with the configuration: names the variable, never a value.
#[derive(Debug, PartialEq, Eq)]
pub struct SettingsError(pub String);

impl Settings {
    /// From the host's variables (`SYSTEMUSER_*`, the names the edge handler and the CLI read; service/README.md lists them).
    pub fn from_vars(vars: &[(String, String)]) -> Result<Settings, SettingsError> {
        let get = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).filter(|v| !v.is_empty());
        let environment = match get("SYSTEMUSER_ENV").as_deref().unwrap_or("tt02") {
            "production" => Environment::Production,
            "tt02" => Environment::Tt02,
            "at22" => Environment::At22,
            "at23" => Environment::At23,
            "at24" => Environment::At24,
            "yt01" => Environment::Yt01,
            "custom" => Environment::Custom(CustomEnvironment {
                platform_url: get("SYSTEMUSER_PLATFORM_URL")
                    .ok_or_else(|| SettingsError("SYSTEMUSER_ENV=custom needs SYSTEMUSER_PLATFORM_URL".into()))?,
                confirm_url: get("SYSTEMUSER_CONFIRM_URL")
                    .ok_or_else(|| SettingsError("SYSTEMUSER_ENV=custom needs SYSTEMUSER_CONFIRM_URL".into()))?,
                maskinporten_issuer: get("MASKINPORTEN_ISSUER").unwrap_or_default(),
            }),
            _ => return Err(SettingsError("SYSTEMUSER_ENV must be production, tt02, at22, at23, at24, yt01 or custom".into())),
        };
        let system_id = get("SYSTEMUSER_SYSTEM_ID").ok_or_else(|| SettingsError("SYSTEMUSER_SYSTEM_ID is not set".into()))?;
        let access_packages = get("SYSTEMUSER_ACCESS_PACKAGES").map(|list| {
            list.split(',').map(str::trim).filter(|u| !u.is_empty()).map(|urn| AccessPackage { urn: urn.to_string() }).collect()
        });
        let mut config = Config::new(environment);
        if let Some(ms) = get("SYSTEMUSER_TIMEOUT_MS") {
            config.timeout_ms = ms
                .parse()
                .ok()
                .filter(|ms| *ms > 0)
                .ok_or_else(|| SettingsError("SYSTEMUSER_TIMEOUT_MS must be a number of milliseconds".into()))?;
        }
        let base_path = get("SYSTEMUSER_BASE_PATH").unwrap_or_else(|| "/onboard".into()).trim_end_matches('/').to_string();
        Ok(Settings {
            config,
            system_id,
            access_packages,
            integration_title: get("SYSTEMUSER_INTEGRATION_TITLE"),
            redirect_url: get("SYSTEMUSER_REDIRECT_URL"),
            base_path,
            token: get("SYSTEMUSER_TOKEN").map(Secret::new),
        })
    }

    /// The token for a `need-token` step: the configured one, whatever the scopes (the
    /// operator gives it the request read and write scopes).
    pub fn token(&self) -> Result<String, String> {
        self.token
            .as_ref()
            .map(|t| t.expose().to_string())
            .ok_or_else(|| "SYSTEMUSER_TOKEN is not set: this service has no Altinn token".into())
    }
}

/// The answer when the configuration is unusable: the operator's problem, said once.
pub fn misconfigured(error: &SettingsError) -> Answer {
    problem(500, "This service is misconfigured", vec![("detail", s(&error.0))], vec![])
}

/// The platform's side of a call: Altinn's steps (`Io`) plus the clock and seed the machine
/// starts from.
pub trait Platform: Io {
    fn seed(&mut self) -> Vec<u8>;
}

/// One incoming request. `body` is `None` when it was longer than `MAX_BODY`.
pub fn handle(
    settings: &Settings,
    platform: &mut impl Platform,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> Answer {
    let path = path.split('?').next().unwrap_or_default();
    let base = settings.base_path.as_str();
    if path == base || path == format!("{base}/") {
        if method != "POST" {
            return problem(405, "Use POST to create a request", vec![], vec![("allow".into(), "POST".into())]);
        }
        return create(settings, platform, content_type, body);
    }
    let Some(rest) = path.strip_prefix(base).and_then(|r| r.strip_prefix('/')) else {
        return problem(404, "Not found", vec![], vec![]);
    };
    if rest.contains('/') {
        return problem(404, "Not found", vec![], vec![]);
    }
    if method != "GET" && method != "HEAD" {
        return problem(405, "Use GET to read a request", vec![], vec![("allow".into(), "GET, HEAD".into())]);
    }
    let Some(id) = percent_decode(rest) else {
        return problem(400, "Bad request id", vec![], vec![]);
    };
    status(settings, platform, id)
}

fn invalid(field: &str, message: &str) -> Answer {
    let v = Violation::new("type", field, message);
    problem(400, "The request is invalid", vec![("violations", violations(&[v]))], vec![])
}

fn create(settings: &Settings, platform: &mut impl Platform, content_type: Option<&str>, body: Option<&[u8]>) -> Answer {
    if !is_json(content_type.unwrap_or_default()) {
        return problem(415, "Send the body as application/json", vec![], vec![]);
    }
    let Some(body) = body else {
        return problem(413, "The body is too large", vec![], vec![]);
    };
    let object = match altinn_systemuser::json::parse(body) {
        Ok(value @ Json::Object(_)) => value,
        _ => return problem(400, "The body must be a JSON object such as {\"orgNo\": \"310816191\"}", vec![], vec![]),
    };
    let org_field = if object.member("orgNo").is_some() { "orgNo" } else { "partyOrgNo" };
    let mut strings = [(org_field, None), ("externalRef", None)];
    for (name, value) in strings.iter_mut() {
        match object.member(name) {
            None | Some(Json::Null) => {}
            Some(Json::String(text)) => *value = Some(text.clone()),
            Some(_) => return invalid(name, &format!("{name} must be a string")),
        }
    }
    let [(_, org_no), (_, external_ref)] = strings;
    let input = StandardRequestInput {
        system_id: settings.system_id.clone(),
        party_org_no: org_no.unwrap_or_default(),
        external_ref,
        integration_title: settings.integration_title.clone(),
        rights: None,
        access_packages: settings.access_packages.clone(),
        redirect_url: settings.redirect_url.clone(),
    };
    match run(settings, platform, Task::CreateStandardRequest(input)) {
        Ok(Outcome::Created { request, is_new, reconciled }) => {
            let location = format!("{}/{}", settings.base_path, percent_encode(&request.id));
            let r = request;
            let value = Json::Object(vec![
                ("id".into(), s(&r.id)),
                ("status".into(), s(r.status.as_wire())),
                ("confirmUrl".into(), opt(r.confirm_url)),
                ("partyOrgNo".into(), s(r.party_org_no)),
                ("externalRef".into(), s(r.external_ref)),
                ("isNew".into(), Json::Bool(is_new)),
                ("reconciled".into(), Json::Bool(reconciled)),
            ]);
            answer(if is_new { 201 } else { 200 }, JSON_TYPE, value, vec![("location".into(), location)])
        }
        Ok(_) => problem(500, "Internal error", vec![], vec![]),
        Err(e) => error_answer(&e),
    }
}

fn status(settings: &Settings, platform: &mut impl Platform, id: String) -> Answer {
    match run(settings, platform, Task::Read(Call::GetRequest { kind: RequestKind::Standard, id })) {
        Ok(Outcome::Request(r)) => {
            let now = platform.now();
            answer(200, JSON_TYPE, status_value(r, now), vec![])
        }
        Ok(_) => problem(500, "Internal error", vec![], vec![]),
        Err(e) => error_answer(&e),
    }
}

fn status_value(r: SystemUserRequest, now: DateTime) -> Json {
    let effective = effective_status(&r, Some(now), DEFAULT_TIMEOUT_WINDOW_SECONDS);
    Json::Object(vec![
        ("id".into(), s(&r.id)),
        ("status".into(), s(r.status.as_wire())),
        ("effectiveStatus".into(), s(effective.as_wire())),
        ("timedOut".into(), Json::Bool(r.timed_out)),
        ("escalated".into(), Json::Bool(r.escalated)),
        ("partyOrgNo".into(), s(r.party_org_no)),
        ("externalRef".into(), s(r.external_ref)),
        ("created".into(), opt(r.created.map(|c| c.format()))),
    ])
}

// The core's error as the core returns it (off the hot path; see the core's lib.rs).
#[allow(clippy::result_large_err)]
fn run(settings: &Settings, platform: &mut impl Platform, task: Task) -> Result<Outcome, Error> {
    let seed = platform.seed();
    let mut operation = Operation::new(settings.config.clone(), task, platform.now(), &seed);
    drive(&mut operation, platform);
    operation.finish()
}

/// A client error mapped for this service's caller, as the edge handler's `errorResponse`.
pub fn error_answer(err: &Error) -> Answer {
    let code = |c: &Option<String>| c.clone().map(|c| vec![("code", s(c))]).unwrap_or_default();
    match err {
        Error::Validation(list) => problem(400, "The request is invalid", vec![("violations", violations(list))], vec![]),
        Error::NotFound(p) => problem(404, "No such request", code(&p.code), vec![]),
        Error::Conflict(p) => problem(409, &p.message, code(&p.code), vec![]),
        Error::Altinn(p) => {
            let mut extra = code(&p.code);
            extra.push(("altinnStatus", Json::Number(p.status.to_string())));
            if !p.field_errors.is_empty() {
                extra.push(("violations", violations(&p.field_errors)));
            }
            problem(if p.status >= 500 { 502 } else { 422 }, &p.message, extra, vec![])
        }
        Error::Unauthorized(_) | Error::Forbidden(_) | Error::Token(_) | Error::Maskinporten(_) => problem(
            502,
            "This service's Altinn credentials were not accepted; the operator must check its token and scopes",
            vec![],
            vec![],
        ),
        Error::Unavailable(p) => {
            let wait = p.retry_after_seconds.map(|s| vec![("retry-after".to_string(), s.to_string())]).unwrap_or_default();
            let mut extra = code(&p.code);
            extra.push(("altinnStatus", Json::Number(p.status.to_string())));
            problem(503, "Altinn is unavailable right now; try again later", extra, wait)
        }
        Error::Transport(t) => {
            let kind = t.kind.name();
            let extra = vec![("transportKind", s(kind))];
            match t.kind {
                TransportErrorKind::TooLarge => problem(502, "Altinn answered with something this service refuses to use", extra, vec![]),
                TransportErrorKind::Timeout => problem(504, "Altinn could not be reached; try again", extra, vec![]),
                _ => problem(502, "Altinn could not be reached; try again", extra, vec![]),
            }
        }
        Error::InvalidResponse(_) => problem(502, "Altinn answered with something this service refuses to use", vec![], vec![]),
        _ => problem(500, "Internal error", vec![], vec![]),
    }
}

/// `application/json` or `application/…+json`, any parameters.
fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence.strip_prefix("application/").is_some_and(|sub| sub == "json" || sub.ends_with("+json"))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_round_trip_through_the_location() {
        for id in ["0b5f3a1e-9c1d-4a8e-9d3e-1f2a3b4c5d6e", "a b/ø%"] {
            assert_eq!(percent_decode(&percent_encode(id)).as_deref(), Some(id));
        }
        assert_eq!(percent_decode("%zz"), None);
    }

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("Application/Problem+JSON"));
        assert!(!is_json("text/plain"));
        assert!(!is_json(""));
    }

    #[test]
    fn settings_name_what_is_missing_never_a_value() {
        let vars = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        let err = Settings::from_vars(&vars(&[("SYSTEMUSER_TOKEN", "secret-token")])).unwrap_err();
        assert_eq!(err.0, "SYSTEMUSER_SYSTEM_ID is not set");
        let ok = Settings::from_vars(&vars(&[("SYSTEMUSER_SYSTEM_ID", "314248295_x"), ("SYSTEMUSER_TOKEN", "secret-token")])).unwrap();
        assert!(!format!("{ok:?}").contains("secret-token"), "Debug must not print the token");
        assert_eq!(ok.base_path, "/onboard");
    }
}
