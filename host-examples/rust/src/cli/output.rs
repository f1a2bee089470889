//! WIT values for people and for scripts: JSON shapes (camelCase, like Altinn's own), human
//! blocks and tables, the boxed confirm link, timestamps.

use serde_json::Value;
// The JSON shapes live in the library, shared with the C ABI: one vocabulary.
pub use systemuser_host::json::{
    change_request_json, change_status_name, created_json, created_outcome, datetime, effective_status, kind_name, request_json,
    status_json, status_name, system_json, user_json, user_type_name,
};
use systemuser_host::wit::{self, ChangeRequest, ChangeRequestStatus, RequestKind, RequestStatus, Right, SystemUser, SystemUserRequest};

/// `urn:altinn:resource=ske-krav-og-betalinger` (several pairs joined by `,`).
pub fn right_text(right: &Right) -> String {
    right.resource.iter().map(|p| format!("{}={}", p.id, p.value)).collect::<Vec<_>>().join(",")
}

/// The component's error as JSON (`systemuser_host::json::error_json`).
pub fn error_json(e: &wit::Error) -> Value {
    systemuser_host::json::error_json(e)
}

/// Prints one JSON document on stdout.
/// `seconds` since the Unix epoch as ISO 8601 in UTC (`2026-12-06T09:30:00Z`), the way every
/// host writes times (tests/vocabulary.json).
pub fn iso_utc(seconds: i64) -> String {
    systemuser_host::json::datetime(&wit::Datetime { seconds, nanoseconds: 0 })
}

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
    boxed(title, url)
}

/// A change request's confirm link, boxed.
pub fn change_confirm_box(url: &str) -> String {
    boxed("Send this link to the customer; they approve the change in Altinn:", url)
}

fn boxed(title: &str, url: &str) -> String {
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

/// `New`, `New (timed out)` when the flag says so, or `Withdrawn (a status this version does
/// not know)`.
pub fn status_label(r: &SystemUserRequest) -> String {
    let name = status_name(&r.status);
    match &r.status {
        RequestStatus::Unknown(_) => format!("{name} (a status this version does not know)"),
        RequestStatus::New if r.timed_out => format!("{name} (timed out)"),
        _ => name,
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

/// Whether a change request counts as timed out: still `New`, and the server's flag or (the
/// component's, by `created`) the 180 days passed.
pub fn change_timed_out(c: &ChangeRequest) -> bool {
    c.timed_out && c.status == ChangeRequestStatus::New
}

/// `New`, `New (timed out)`, or `Archived (a status this version does not know)`.
pub fn change_status_label(c: &ChangeRequest) -> String {
    let name = change_status_name(&c.status);
    match &c.status {
        ChangeRequestStatus::Unknown(_) => format!("{name} (a status this version does not know)"),
        _ if change_timed_out(c) => format!("{name} (timed out)"),
        _ => name.to_string(),
    }
}

/// Whether no decision can come any more: accepted, rejected, nothing to change, or timed out.
/// A status this version does not know is not final: keep watching it.
pub fn change_is_final(c: &ChangeRequest) -> bool {
    matches!(c.status, ChangeRequestStatus::Accepted | ChangeRequestStatus::Rejected | ChangeRequestStatus::NoChangeNeeded)
        || change_timed_out(c)
}

/// The details of a change request, one `label: value` per line.
pub fn change_lines(c: &ChangeRequest) -> Vec<String> {
    let mut lines = vec![
        format!("id:              {}", c.id),
        format!("status:          {}", change_status_label(c)),
        format!("system user:     {}", c.system_user_id),
        format!("system:          {}", c.system_id),
        format!("customer:        {}", c.party_org_no),
        format!("external ref:    {}", c.external_ref),
    ];
    for r in &c.required_rights {
        lines.push(format!("require right:   {}", right_text(r)));
    }
    for p in &c.required_access_packages {
        lines.push(format!("require package: {}", p.urn));
    }
    for r in &c.unwanted_rights {
        lines.push(format!("remove right:    {}", right_text(r)));
    }
    for p in &c.unwanted_access_packages {
        lines.push(format!("remove package:  {}", p.urn));
    }
    if let Some(url) = &c.redirect_url {
        lines.push(format!("redirect url:    {url}"));
    }
    if let Some(created) = &c.created {
        lines.push(format!("created:         {}", datetime(created)));
    }
    lines
}

/// The details, then the confirm link: boxed while the customer can still decide.
pub fn print_change(c: &ChangeRequest) {
    for line in change_lines(c) {
        println!("  {line}");
    }
    if let Some(url) = &c.confirm_url {
        if c.status == ChangeRequestStatus::New && !change_timed_out(c) {
            println!("{}", change_confirm_box(url));
        } else {
            println!("  confirm url:     {url}");
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
    #[test]
    fn iso_utc_matches_known_instants() {
        assert_eq!(super::iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::iso_utc(1_796_549_400), "2026-12-06T09:30:00Z");
        assert_eq!(super::iso_utc(-1), "1969-12-31T23:59:59Z");
    }
}
