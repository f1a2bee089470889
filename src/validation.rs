//! Request validation in the server's rule order (API.md §5), collecting every violation so a
//! vendor sees all mistakes at once. With the registered system it also checks what the server
//! checks against it (redirect URL, rights, packages).

use crate::error::{Error, Violation};
use crate::identifiers::{self, MAX_LEN};
use crate::model::{AccessPackage, AgentRequestInput, ChangeRequestInput, RegisteredSystem, RequestKind, Right, StandardRequestInput};
use crate::text::{has_control, longer_than, quote};
use crate::url::{self, UrlError};

const PACKAGE_PREFIX: &str = "urn:altinn:accesspackage:";

/// Delegable but not assignable: only an agent (client) system may ask for these (AUTH-00064).
pub fn is_agent_only_package(urn: &str) -> bool {
    urn.strip_prefix(PACKAGE_PREFIX).is_some_and(|name| {
        name.starts_with("regnskapsforer-") || matches!(name, "ansvarlig-revisor" | "revisormedarbeider" | "forretningsforer-eiendom")
    })
}

/// The top-level fields both request kinds share, after normalisation.
struct Common<'a> {
    system_id: &'a mut String,
    party_org_no: &'a mut String,
    external_ref: &'a mut Option<String>,
    integration_title: &'a mut Option<String>,
    redirect_url: &'a mut Option<String>,
}

/// Replaces `s` by `part(s)`, allocating only when that cuts something off.
fn keep(s: &mut String, part: fn(&str) -> &str) {
    let kept = part(s);
    if kept.len() != s.len() {
        *s = kept.to_string();
    }
}

fn trimmed(value: &mut Option<String>) {
    if let Some(s) = value {
        keep(s, str::trim);
        if s.is_empty() {
            *value = None;
        }
    }
}

/// Trims top-level strings (as the server does), strips `0192:`, and never leaves an empty
/// external ref (the server would store "" and skip its duplicate check).
fn normalize(c: Common<'_>) {
    keep(c.system_id, str::trim);
    keep(c.party_org_no, identifiers::normalize_org_no);
    trimmed(c.external_ref);
    trimmed(c.integration_title);
    trimmed(c.redirect_url);
    // From a valid org number only, so a bad one is reported once (as partyOrgNo).
    if c.external_ref.is_none() && identifiers::org_no_digits(c.party_org_no, "").is_ok() {
        *c.external_ref = Some(c.party_org_no.clone());
    }
}

pub fn normalize_standard(mut input: StandardRequestInput) -> StandardRequestInput {
    normalize(Common {
        system_id: &mut input.system_id,
        party_org_no: &mut input.party_org_no,
        external_ref: &mut input.external_ref,
        integration_title: &mut input.integration_title,
        redirect_url: &mut input.redirect_url,
    });
    input
}

pub fn normalize_agent(mut input: AgentRequestInput) -> AgentRequestInput {
    normalize(Common {
        system_id: &mut input.system_id,
        party_org_no: &mut input.party_org_no,
        external_ref: &mut input.external_ref,
        integration_title: &mut input.integration_title,
        redirect_url: &mut input.redirect_url,
    });
    input
}

/// Normalises, then validates a standard request. Ok: the normalised input, ready to send.
pub fn validate_standard(input: StandardRequestInput, system: Option<&RegisteredSystem>) -> Result<StandardRequestInput, Error> {
    let input = normalize_standard(input);
    let mut v = Vec::new();
    check_identity(&mut v, &input.system_id, &input.party_org_no, input.external_ref.as_deref(), system);
    check_redirect(&mut v, input.redirect_url.as_deref(), system);
    match (&input.rights, &input.access_packages) {
        (None, None) => v.push(Violation::new(
            "AUTH-00001",
            "rights",
            "a standard request needs rights or accessPackages (or both): say what the system user may do",
        )),
        (rights, packages) if rights.as_ref().is_none_or(Vec::is_empty) && packages.as_ref().is_none_or(Vec::is_empty) => v.push(
            Violation::new("AUTH-00059", "rights", "rights and accessPackages are both empty: add at least one right or access package"),
        ),
        _ => {}
    }
    check_rights(&mut v, "rights", input.rights.as_deref().unwrap_or_default(), system);
    let packages = input.access_packages.as_deref().unwrap_or_default();
    check_packages(&mut v, "accessPackages", packages, system);
    check_assignable(&mut v, "accessPackages", packages);
    check_title(&mut v, input.integration_title.as_deref());
    finish(v, input)
}

/// Agent-only packages can be given to a client system only, through an agent request
/// (AUTH-00064): not in a standard request, not in a change request.
fn check_assignable(v: &mut Vec<Violation>, list: &str, packages: &[AccessPackage]) {
    for (i, p) in packages.iter().enumerate() {
        if is_agent_only_package(&p.urn) {
            v.push(Violation::new(
                "AUTH-00064",
                format!("{list}[{i}].urn"),
                format!(
                    "{} can only be given to a client system through an agent request; remove it or create an agent request",
                    quote(&p.urn)
                ),
            ));
        }
    }
}

/// Normalises (trims, strips `0192:`, fills the external ref), then validates a change request
/// in the server's order where it has one (API.md §11): the system user's key, the correlation
/// id, the redirect URL, the items asked for (among the registered system's when it is given,
/// no agent-only package) and nothing both required and unwanted. Ok: the normalised input.
/// An input asking for nothing is valid: the operation answers it without a call.
pub fn validate_change(mut input: ChangeRequestInput, system: Option<&RegisteredSystem>) -> Result<ChangeRequestInput, Error> {
    let mut title = None;
    normalize(Common {
        system_id: &mut input.system_id,
        party_org_no: &mut input.party_org_no,
        external_ref: &mut input.external_ref,
        integration_title: &mut title,
        redirect_url: &mut input.redirect_url,
    });
    trimmed(&mut input.correlation_id);
    let mut v = Vec::new();
    check_identity(&mut v, &input.system_id, &input.party_org_no, input.external_ref.as_deref(), system);
    if let Some(id) = &input.correlation_id {
        match identifiers::check_correlation_id(id, "correlationId") {
            Err(e) => v.push(e),
            Ok(id) => input.correlation_id = Some(id),
        }
    }
    check_redirect(&mut v, input.redirect_url.as_deref(), system);
    check_rights(&mut v, "requiredRights", &input.required_rights, system);
    check_rights(&mut v, "unwantedRights", &input.unwanted_rights, None);
    check_packages(&mut v, "requiredAccessPackages", &input.required_access_packages, system);
    check_packages(&mut v, "unwantedAccessPackages", &input.unwanted_access_packages, None);
    check_assignable(&mut v, "requiredAccessPackages", &input.required_access_packages);
    for (i, right) in input.unwanted_rights.iter().enumerate() {
        if input.required_rights.iter().any(|r| same_resource(r, right)) {
            v.push(Violation::new(
                "change-contradicts",
                format!("unwantedRights[{i}]"),
                "the same right is both required and unwanted: ask for one or the other",
            ));
        }
    }
    for (i, p) in input.unwanted_access_packages.iter().enumerate() {
        if input.required_access_packages.iter().any(|r| r.urn == p.urn) {
            v.push(Violation::new(
                "change-contradicts",
                format!("unwantedAccessPackages[{i}].urn"),
                format!("{} is both required and unwanted: ask for one or the other", quote(&p.urn)),
            ));
        }
    }
    finish(v, input)
}

/// Normalises, then validates an agent request: packages only, at least one.
pub fn validate_agent(input: AgentRequestInput, system: Option<&RegisteredSystem>) -> Result<AgentRequestInput, Error> {
    let input = normalize_agent(input);
    let mut v = Vec::new();
    check_identity(&mut v, &input.system_id, &input.party_org_no, input.external_ref.as_deref(), system);
    check_redirect(&mut v, input.redirect_url.as_deref(), system);
    if input.rights.as_ref().is_some_and(|r| !r.is_empty()) {
        v.push(Violation::new(
            "rights-on-agent-request",
            "rights",
            "agent requests carry access packages only (Altinn would silently drop these rights): remove rights, or make a standard request",
        ));
    }
    if input.access_packages.is_empty() {
        v.push(Violation::new("AUTH-00058", "accessPackages", "an agent request needs at least one access package"));
    }
    check_packages(&mut v, "accessPackages", &input.access_packages, system);
    check_title(&mut v, input.integration_title.as_deref());
    finish(v, input)
}

/// Validates a create body given as JSON, optionally against a registered system given as JSON.
/// Ok: the normalised body, exactly as it would be sent.
pub fn validate_json(kind: RequestKind, body: &[u8], system: Option<&[u8]>) -> Result<Vec<u8>, Error> {
    let system = system.map(crate::decode::registered_system).transpose().map_err(|e| match e {
        Error::Validation(mut v) => {
            v.iter_mut().for_each(|v| v.field = "system".into());
            Error::Validation(v)
        }
        other => other,
    })?;
    match kind {
        RequestKind::Standard => {
            Ok(crate::wire::encode_standard_request(&validate_standard(crate::decode::standard_request(body)?, system.as_ref())?))
        }
        RequestKind::Agent => Ok(crate::wire::encode_agent_request(&validate_agent(crate::decode::agent_request(body)?, system.as_ref())?)),
    }
}

fn finish<T>(violations: Vec<Violation>, value: T) -> Result<T, Error> {
    if violations.is_empty() {
        Ok(value)
    } else {
        Err(Error::Validation(violations))
    }
}

fn check_identity(v: &mut Vec<Violation>, system_id: &str, org_no: &str, external_ref: Option<&str>, system: Option<&RegisteredSystem>) {
    match identifiers::system_id_trimmed(system_id, "systemId") {
        Err(e) => v.push(e),
        Ok(id) => {
            if let Some(s) = system.filter(|s| s.id != id) {
                v.push(Violation::new(
                    "system-mismatch",
                    "systemId",
                    format!("the request names {} but the registered system given is {}", quote(id), quote(&s.id)),
                ));
            }
        }
    }
    if let Err(e) = identifiers::org_no_digits(org_no, "partyOrgNo") {
        v.push(e);
    }
    if let Some(Err(e)) = external_ref.map(|r| identifiers::external_ref_trimmed(r, "externalRef")) {
        v.push(e);
    }
}

fn check_redirect(v: &mut Vec<Violation>, redirect: Option<&str>, system: Option<&RegisteredSystem>) {
    let Some(redirect) = redirect else { return };
    let field = "redirectUrl";
    if longer_than(redirect, MAX_LEN * 8) {
        v.push(identifiers::too_long(field, redirect));
        return;
    }
    let parsed = match url::parse(redirect) {
        Err(UrlError::Relative) => {
            v.push(Violation::new(
                "redirect-url-relative",
                field,
                format!("{} is relative: give the absolute https URL registered on the system", quote(redirect)),
            ));
            return;
        }
        Err(UrlError::Invalid) => {
            v.push(Violation::new(
                "redirect-url-invalid",
                field,
                format!("{} is not a plain absolute URL (no spaces, backslashes, user info or non-ASCII host)", quote(redirect)),
            ));
            return;
        }
        Ok(u) if u.scheme != "https" => {
            v.push(Violation::new("redirect-url-not-https", field, format!("{} must use https", quote(redirect))));
            return;
        }
        Ok(u) => u,
    };
    let Some(system) = system else { return };
    if system.allowed_redirect_urls.is_empty() {
        v.push(Violation::new(
            "AUTH-00026",
            field,
            format!(
                "system {} has no allowed redirect URLs: register the URL on the system first, or leave redirectUrl out",
                quote(&system.id)
            ),
        ));
    } else if !system.allowed_redirect_urls.iter().any(|allowed| url::parse(allowed).is_ok_and(|a| a.same_endpoint(&parsed))) {
        v.push(Violation::new(
            "AUTH-00021",
            field,
            format!(
                "{} is not registered on system {}: use one of {} (scheme, host, port and path must match exactly; query and fragment may differ)",
                quote(redirect),
                quote(&system.id),
                system.allowed_redirect_urls.iter().map(|u| quote(u)).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
}

/// `field` names the value in a violation; it is only written out when there is one.
fn check_string(v: &mut Vec<Violation>, field: impl FnOnce() -> String, value: &str) {
    if value.is_empty() {
        v.push(Violation::new("required", field(), "must not be empty"));
    } else if longer_than(value, MAX_LEN) {
        v.push(identifiers::too_long(&field(), value));
    } else if has_control(value) {
        v.push(Violation::new("control-character", field(), "must not contain control characters (newlines, NUL, …)"));
    }
}

/// Rights are compared as sets of (id, value) pairs; `action` is ignored (as the server does).
fn same_resource(a: &Right, b: &Right) -> bool {
    fn set(r: &Right) -> Vec<&crate::model::AttributePair> {
        let mut pairs: Vec<_> = r.resource.iter().collect();
        pairs.sort();
        pairs.dedup();
        pairs
    }
    set(a) == set(b)
}

/// Rights of the list `list` (a body member name, for the violations' fields).
fn check_rights(v: &mut Vec<Violation>, list: &str, rights: &[Right], system: Option<&RegisteredSystem>) {
    for (i, right) in rights.iter().enumerate() {
        if right.resource.is_empty() {
            v.push(Violation::new("right-empty-resource", format!("{list}[{i}].resource"), "a right needs at least one attribute pair"));
            continue;
        }
        for (j, pair) in right.resource.iter().enumerate() {
            check_string(v, || format!("{list}[{i}].resource[{j}].id"), &pair.id);
            check_string(v, || format!("{list}[{i}].resource[{j}].value"), &pair.value);
        }
        if let Some(system) = system {
            if !system.rights.iter().any(|allowed| same_resource(allowed, right)) {
                let shown: Vec<String> = right.resource.iter().map(|p| format!("{}={}", p.id, p.value)).collect();
                v.push(Violation::new(
                    "AUTH-00001",
                    format!("{list}[{i}]"),
                    format!(
                        "the right on {} is not one of system {}'s rights: ask only for rights registered on the system",
                        quote(&shown.join(", ")),
                        quote(&system.id)
                    ),
                ));
            }
        }
    }
}

/// Access packages of the list `list` (a body member name, for the violations' fields).
fn check_packages(v: &mut Vec<Violation>, list: &str, packages: &[AccessPackage], system: Option<&RegisteredSystem>) {
    for (i, p) in packages.iter().enumerate() {
        let field = || format!("{list}[{i}].urn");
        if p.urn.is_empty() || longer_than(&p.urn, MAX_LEN) || has_control(&p.urn) {
            check_string(v, field, &p.urn);
        } else if !p.urn.starts_with(PACKAGE_PREFIX) {
            v.push(Violation::new(
                "access-package-urn",
                field(),
                format!("{} is not an access package URN: they start with {PACKAGE_PREFIX}", quote(&p.urn)),
            ));
        } else if let Some(system) = system.filter(|s| !s.access_packages.iter().any(|a| a.urn == p.urn)) {
            v.push(Violation::new(
                "AUTH-00063",
                field(),
                format!(
                    "{} is not one of system {}'s access packages: ask only for packages registered on the system",
                    quote(&p.urn),
                    quote(&system.id)
                ),
            ));
        }
    }
}

fn check_title(v: &mut Vec<Violation>, title: Option<&str>) {
    if let Some(title) = title {
        check_string(v, || "integrationTitle".into(), title);
    }
}

/// A system as the vendor registers or replaces it, checked for what the server's AUTH.VLD codes
/// check where the client can know (API.md §13): the id (`<vendor org no>_<name>`, no spaces),
/// absolute https redirect URLs, rights on `urn:altinn:resource` and no duplicate right, package
/// or client id, no agent-only package on a visible system. Ok: the trimmed system.
pub fn validate_system(mut s: RegisteredSystem) -> Result<RegisteredSystem, Error> {
    keep(&mut s.id, str::trim);
    let mut v = Vec::new();
    // `vendor.ID` is `0192:<org no>`; another authority is AUTH.VLD-00000 (the model keeps the
    // bare number, so an ID with another prefix arrives here whole).
    if s.vendor_org_no.split_once(':').is_some_and(|(authority, _)| authority.trim() != "0192") {
        v.push(Violation::new(
            "AUTH.VLD-00000",
            "vendor.ID",
            "the vendor's ID must be 0192:<organisation number> (ISO 6523 0192, the Norwegian register)",
        ));
        return finish(v, s);
    }
    keep(&mut s.vendor_org_no, identifiers::normalize_org_no);
    let vendor = identifiers::org_no_digits(&s.vendor_org_no, "vendor").map_err(|e| v.push(e)).ok().map(str::to_string);
    if s.id.contains(char::is_whitespace) {
        v.push(Violation::new("AUTH.VLD-00013", "id", format!("the system id {} holds a space", quote(&s.id))));
    } else if let Some(vendor) = vendor.filter(|vendor| !s.id.starts_with(&format!("{vendor}_"))) {
        v.push(Violation::new(
            "AUTH.VLD-00001",
            "id",
            format!("the system id must start with the vendor's organisation number: {vendor}_<name>"),
        ));
    } else if let Err(e) = identifiers::system_id_trimmed(&s.id, "id") {
        v.push(e);
    }
    // Altinn's database holds a name and a description in all three languages: one missing is
    // a 500 there (API.md §13), which no retry mends.
    for (field, text) in [("name", &s.name), ("description", &s.description)] {
        for (lang, value) in [("nb", &text.nb), ("nn", &text.nn), ("en", &text.en)] {
            if value.as_deref().is_none_or(|t| t.trim().is_empty()) {
                v.push(Violation::new(
                    "required",
                    format!("{field}.{lang}"),
                    format!("the system's {field} must be given in nb, nn and en ({lang} is missing)"),
                ));
            }
        }
    }
    for (i, url) in s.allowed_redirect_urls.iter().enumerate() {
        if !url::parse(url).is_ok_and(|u| u.scheme == "https") {
            v.push(Violation::new(
                "AUTH.VLD-00005",
                format!("allowedRedirectUrls[{i}]"),
                format!("{} is not an absolute https URL", quote(url)),
            ));
        }
    }
    check_system_rights(&mut v, &s.rights);
    check_system_packages(&mut v, &s.access_packages, s.is_visible);
    for (i, id) in s.client_ids.iter().enumerate() {
        check_string(&mut v, || format!("clientId[{i}]"), id);
        if s.client_ids[..i].contains(id) {
            v.push(Violation::new("AUTH.VLD-00011", format!("clientId[{i}]"), format!("client id {} is listed twice", quote(id))));
        }
    }
    finish(v, s)
}

/// A system's rights: each on `urn:altinn:resource` attributes, none twice (AUTH.VLD-00009/00006).
pub fn validate_system_rights(rights: Vec<Right>) -> Result<Vec<Right>, Error> {
    let mut v = Vec::new();
    check_system_rights(&mut v, &rights);
    finish(v, rights)
}

/// A system's access packages: URNs, none twice, no agent-only one on a visible system
/// (AUTH.VLD-00008/00007/00018).
pub fn validate_system_packages(packages: Vec<AccessPackage>, is_visible: bool) -> Result<Vec<AccessPackage>, Error> {
    let mut v = Vec::new();
    check_system_packages(&mut v, &packages, is_visible);
    finish(v, packages)
}

fn check_system_rights(v: &mut Vec<Violation>, rights: &[Right]) {
    check_rights(v, "rights", rights, None);
    for (i, right) in rights.iter().enumerate() {
        if let Some(pair) = right.resource.iter().find(|p| p.id != "urn:altinn:resource") {
            v.push(Violation::new(
                "AUTH.VLD-00009",
                format!("rights[{i}].resource"),
                format!("a system's rights name resources by urn:altinn:resource, not {}", quote(&pair.id)),
            ));
        }
        if rights[..i].iter().any(|r| same_resource(r, right)) {
            v.push(Violation::new("AUTH.VLD-00006", format!("rights[{i}]"), "the same right is listed twice"));
        }
    }
}

fn check_system_packages(v: &mut Vec<Violation>, packages: &[AccessPackage], is_visible: bool) {
    for (i, p) in packages.iter().enumerate() {
        let field = || format!("accessPackages[{i}].urn");
        if !p.urn.starts_with(PACKAGE_PREFIX) || p.urn.len() <= PACKAGE_PREFIX.len() || has_control(&p.urn) {
            v.push(Violation::new(
                "AUTH.VLD-00008",
                field(),
                format!("{} is not an access package URN ({PACKAGE_PREFIX}…)", quote(&p.urn)),
            ));
        } else if packages[..i].iter().any(|q| q.urn == p.urn) {
            v.push(Violation::new("AUTH.VLD-00007", field(), format!("{} is listed twice", quote(&p.urn))));
        } else if is_visible && is_agent_only_package(&p.urn) {
            v.push(Violation::new(
                "AUTH.VLD-00018",
                field(),
                format!("{} is for client systems only: a visible system (isVisible) cannot hold it", quote(&p.urn)),
            ));
        }
    }
}
