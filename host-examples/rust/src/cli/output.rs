//! WIT values for people and for scripts: JSON shapes (camelCase, like Altinn's own), human
//! blocks and tables, the boxed confirm link, timestamps.

use serde_json::{json, Value};
use systemuser_host::convert::ViolationJson;
use systemuser_host::wit::{
    self, AccessPackage, CreatedRequest, Datetime, RegisteredSystem, RequestKind, RequestStatus, Right, SystemUser, SystemUserRequest,
    UserType,
};

/// Altinn's spelling of a status (`Timedout` is the legacy timeout form); unknown ones verbatim.
pub fn status_name(status: &RequestStatus) -> String {
    match status {
        RequestStatus::New => "New".into(),
        RequestStatus::Accepted => "Accepted".into(),
        RequestStatus::Rejected => "Rejected".into(),
        RequestStatus::Denied => "Denied".into(),
        RequestStatus::TimedOut => "Timedout".into(),
        RequestStatus::Unknown(s) => s.clone(),
    }
}

/// The status a vendor acts on: `Timedout` when the request carries the `timedOut` flag.
pub fn effective_status(request: &SystemUserRequest) -> RequestStatus {
    if request.timed_out && request.status == RequestStatus::New {
        RequestStatus::TimedOut
    } else {
        request.status.clone()
    }
}

pub fn kind_name(kind: RequestKind) -> &'static str {
    match kind {
        RequestKind::Standard => "standard",
        RequestKind::Agent => "agent",
    }
}

/// `2026-03-01T10:15:00Z` (UTC, whole seconds).
pub fn datetime(dt: &Datetime) -> String {
    let secs = dt.seconds;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn opt_datetime(dt: &Option<Datetime>) -> Value {
    dt.as_ref().map_or(Value::Null, |d| Value::String(datetime(d)))
}

/// `urn:altinn:resource=ske-krav-og-betalinger` (several pairs joined by `,`).
pub fn right_text(right: &Right) -> String {
    right.resource.iter().map(|p| format!("{}={}", p.id, p.value)).collect::<Vec<_>>().join(",")
}

pub fn right_json(right: &Right) -> Value {
    let resource: Vec<Value> = right.resource.iter().map(|p| json!({"id": p.id, "value": p.value})).collect();
    match &right.action {
        Some(action) => json!({"action": action, "resource": resource}),
        None => json!({"resource": resource}),
    }
}

fn packages_json(packages: &[AccessPackage]) -> Value {
    Value::Array(packages.iter().map(|p| json!({"urn": p.urn})).collect())
}

pub fn request_json(r: &SystemUserRequest) -> Value {
    json!({
        "id": r.id,
        "kind": kind_name(r.kind),
        "status": status_name(&r.status),
        "effectiveStatus": status_name(&effective_status(r)),
        "systemId": r.system_id,
        "partyOrgNo": r.party_org_no,
        "externalRef": r.external_ref,
        "integrationTitle": r.integration_title,
        "rights": r.rights.iter().map(right_json).collect::<Vec<_>>(),
        "accessPackages": packages_json(&r.access_packages),
        "redirectUrl": r.redirect_url,
        "confirmUrl": r.confirm_url,
        "escalated": r.escalated,
        "created": opt_datetime(&r.created),
        "timedOut": r.timed_out,
    })
}

/// A created request: the request's members plus `isNew`, `reconciled` and `outcome`
/// (`new`, `existing` or `reconciled`).
pub fn created_json(c: &CreatedRequest) -> Value {
    let mut value = request_json(&c.request);
    if let Some(obj) = value.as_object_mut() {
        obj.insert("isNew".into(), Value::Bool(c.is_new));
        obj.insert("reconciled".into(), Value::Bool(c.reconciled));
        obj.insert("outcome".into(), Value::String(created_outcome(c).into()));
    }
    value
}

pub fn created_outcome(c: &CreatedRequest) -> &'static str {
    match (c.is_new, c.reconciled) {
        (_, true) => "reconciled",
        (true, false) => "new",
        (false, false) => "existing",
    }
}

pub fn user_type_name(t: &UserType) -> String {
    match t {
        UserType::Standard => "standard".into(),
        UserType::Agent => "agent".into(),
        UserType::Unknown(s) => s.clone(),
    }
}

pub fn user_json(u: &SystemUser) -> Value {
    json!({
        "id": u.id,
        "integrationTitle": u.integration_title,
        "systemId": u.system_id,
        "productName": u.product_name,
        "reporteeOrgNo": u.reportee_org_no,
        "created": opt_datetime(&u.created),
        "isDeleted": u.is_deleted,
        "supplierName": u.supplier_name,
        "supplierOrgNo": u.supplier_org_no,
        "externalRef": u.external_ref,
        "userType": user_type_name(&u.user_type),
    })
}

fn localized_json(t: &wit::LocalizedText) -> Value {
    json!({"nb": t.nb, "nn": t.nn, "en": t.en})
}

pub fn system_json(s: &RegisteredSystem) -> Value {
    json!({
        "id": s.id,
        "vendorOrgNo": s.vendor_org_no,
        "name": localized_json(&s.name),
        "description": localized_json(&s.description),
        "rights": s.rights.iter().map(right_json).collect::<Vec<_>>(),
        "accessPackages": packages_json(&s.access_packages),
        "clientIds": s.client_ids,
        "isVisible": s.is_visible,
        "allowedRedirectUrls": s.allowed_redirect_urls,
        "isDeleted": s.is_deleted,
    })
}

/// The component's error as JSON: `kind`, `message`, and `status`, `code`, `violations` when
/// it has them.
pub fn error_json(kind: &str, e: &wit::Error) -> Value {
    use wit::Error as E;
    let message = systemuser_host::convert::describe_error(e);
    match e {
        E::Validation(v) => json!({"kind": kind, "message": message, "violations": v.iter().map(ViolationJson::from).collect::<Vec<_>>()}),
        E::Altinn(p) => json!({
            "kind": kind, "message": message, "status": p.status, "code": p.code, "title": p.title, "detail": p.detail,
            "violations": p.field_errors.iter().map(ViolationJson::from).collect::<Vec<_>>(),
        }),
        E::Unauthorized(p) | E::Forbidden(p) | E::NotFound(p) | E::Conflict(p) | E::Maskinporten(p) => {
            json!({"kind": kind, "message": message, "status": p.status, "code": p.code, "title": p.title, "detail": p.detail})
        }
        E::Transport(_) | E::Token(_) | E::InvalidResponse(_) => json!({"kind": kind, "message": message}),
    }
}

/// Prints one JSON document on stdout.
pub fn print_json(value: &Value) {
    println!("{value}");
}

/// Bold, when stdout is a terminal and `NO_COLOR` is not set.
pub fn bold(text: &str) -> String {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        format!("\x1b[1m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// The confirm link, boxed so that nobody misses it.
pub fn confirm_box(url: &str, kind: RequestKind) -> String {
    let title = match kind {
        RequestKind::Standard => "Send this link to the customer; they approve it in Altinn:",
        RequestKind::Agent => "Send this link to the customer; they approve it in Altinn, then delegate clients:",
    };
    let width = title.chars().count().max(url.chars().count());
    let line = "─".repeat(width + 2);
    let pad = |s: &str| format!("{s}{}", " ".repeat(width - s.chars().count()));
    format!("┌{line}┐\n│ {} │\n│ {} │\n└{line}┘", pad(title), bold(&pad(url)))
}

/// The details of a request, one `label: value` per line, indented by two spaces.
pub fn request_lines(r: &SystemUserRequest) -> Vec<String> {
    let mut lines = vec![
        format!("id:           {}", r.id),
        format!("kind:         {}", kind_name(r.kind)),
        format!("status:       {}", status_label(r)),
        format!("system:       {}", r.system_id),
        format!("customer:     {}", r.party_org_no),
        format!("external ref: {}", r.external_ref),
    ];
    if let Some(title) = &r.integration_title {
        lines.push(format!("title:        {title}"));
    }
    for right in &r.rights {
        lines.push(format!("right:        {}", right_text(right)));
    }
    for p in &r.access_packages {
        lines.push(format!("package:      {}", p.urn));
    }
    if let Some(url) = &r.redirect_url {
        lines.push(format!("redirect url: {url}"));
    }
    if let Some(created) = &r.created {
        lines.push(format!("created:      {}", datetime(created)));
    }
    if r.escalated {
        lines.push("escalated:    yes (the customer forwarded it to someone who may approve)".into());
    }
    lines
}

/// `New`, or `New (timed out)` when the flag says so.
pub fn status_label(r: &SystemUserRequest) -> String {
    let name = status_name(&r.status);
    if r.timed_out && r.status != RequestStatus::TimedOut {
        format!("{name} (timed out)")
    } else {
        name
    }
}

pub fn print_request(r: &SystemUserRequest) {
    for line in request_lines(r) {
        println!("  {line}");
    }
    if let Some(url) = &r.confirm_url {
        if effective_status(r) == RequestStatus::New {
            println!("{}", confirm_box(url, r.kind));
        } else {
            println!("  confirm url:  {url}");
        }
    }
}

pub fn user_lines(u: &SystemUser) -> Vec<String> {
    let mut lines = vec![
        format!("id:           {}", u.id),
        format!("type:         {}", user_type_name(&u.user_type)),
        format!("system:       {}", u.system_id),
        format!("customer:     {}", u.reportee_org_no),
    ];
    if let Some(r) = &u.external_ref {
        lines.push(format!("external ref: {r}"));
    }
    if let Some(t) = &u.integration_title {
        lines.push(format!("title:        {t}"));
    }
    if let Some(c) = &u.created {
        lines.push(format!("created:      {}", datetime(c)));
    }
    if u.is_deleted {
        lines.push("deleted:      yes".into());
    }
    lines
}

/// A plain table: a header row and rows, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let fmt_row = |cells: Vec<String>| {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| if i == last { c.clone() } else { format!("{c}{}", " ".repeat(widths[i] - c.chars().count())) })
            .collect::<Vec<_>>()
            .join("  ")
    };
    let mut out = vec![fmt_row(header.iter().map(|h| h.to_string()).collect())];
    out.extend(rows.iter().map(|r| fmt_row(r.clone())));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_is_iso_utc() {
        assert_eq!(datetime(&Datetime { seconds: 0, nanoseconds: 0 }), "1970-01-01T00:00:00Z");
        assert_eq!(datetime(&Datetime { seconds: 1_772_360_100, nanoseconds: 5 }), "2026-03-01T10:15:00Z");
    }
}
