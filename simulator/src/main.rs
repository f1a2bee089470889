//! `altinn-sim`: runs the local Altinn until killed.
//!
//! ```text
//! altinn-sim --listen 127.0.0.1:0 [--fixtures FILE] [--admin]
//!            [--problem-shape current|legacy] [--timeout-mode current|legacy] [--page-size N]
//!            [--state FILE] [--max-connections N] [--allow-remote]
//!            [--list-quirks on|off] [--lossy-request-pages on|off] [--unordered-agent-requests on|off]
//!            [--repeating-change-request-pages on|off] [--customer-delegation-check REASON]
//!            [--jwt-validity-minutes N] [--access-management-failure none|reads|writes]
//!            [--settings FILE] [--latency MS[+JITTER]] [--latency-seed N] [--route-latency ROUTE=MS[+JITTER]]
//!            [--throttle RPS[/BURST]] [--throttle-retry-after SECS] [--route-throttle ROUTE=RPS[/BURST]]
//!            [--synthetic-customers N] [--call-log-limit N]
//! ```
//! Prints exactly one line, `listening on http://127.0.0.1:PORT`, once it accepts connections.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use altinn_sim::{
    AccessManagementFailure, DelegationCheck, Fixture, ProblemShape, RouteThrottle, SimOptions, Simulator, Throttle, TimeoutMode,
    FAULT_ROUTES,
};

const USAGE: &str = "usage: altinn-sim [--listen ADDR] [--fixtures FILE] [--admin] \
[--problem-shape current|legacy] [--timeout-mode current|legacy] [--page-size N] \
[--timeout-days N] [--confirm-host ORIGIN] [--next-link-host ORIGIN] [--state FILE] \
[--max-connections N] [--allow-remote] [--list-quirks on|off] [--lossy-request-pages on|off] \
[--unordered-agent-requests on|off] [--repeating-change-request-pages on|off] [--customer-delegation-check REASON] \
[--jwt-validity-minutes N] [--access-management-failure none|reads|writes] \
[--settings FILE] [--latency MS[+JITTER]] [--latency-seed N] [--route-latency ROUTE=MS[+JITTER]] \
[--throttle RPS[/BURST]] [--throttle-retry-after SECS] [--route-throttle ROUTE=RPS[/BURST]] \
[--synthetic-customers N] [--call-log-limit N]";

/// `MS` or `MS+JITTER` (milliseconds).
fn latency(name: &str, v: &str) -> Result<(u64, u64), String> {
    let (fixed, jitter) = v.split_once('+').unwrap_or((v, "0"));
    match (fixed.trim().parse::<u64>(), jitter.trim().parse::<u64>()) {
        (Ok(f), Ok(j)) => Ok((f, j)),
        _ => Err(format!("{name} {v}: expected MS or MS+JITTER (milliseconds)")),
    }
}

/// `RPS` or `RPS/BURST`.
fn rate(name: &str, v: &str) -> Result<RouteThrottle, String> {
    let (rps, burst) = match v.split_once('/') {
        Some((r, b)) => (r, Some(b)),
        None => (v, None),
    };
    let bad = || format!("{name} {v}: expected RPS or RPS/BURST");
    let requests_per_second = rps.trim().parse::<f64>().ok().filter(|r| r.is_finite() && *r > 0.0).ok_or_else(bad)?;
    let burst = burst.map(|b| b.trim().parse::<u32>().ok().filter(|b| *b > 0).ok_or_else(bad)).transpose()?;
    Ok(RouteThrottle { requests_per_second, burst })
}

/// `ROUTE=VALUE` with a route name of `/_sim/calls`.
fn route_value<'a>(name: &str, v: &'a str) -> Result<(&'a str, &'a str), String> {
    let (route, value) = v.split_once('=').ok_or_else(|| format!("{name} {v}: expected ROUTE=VALUE"))?;
    if !FAULT_ROUTES.contains(&route) {
        return Err(format!("{name} {v}: unknown route {route:?}"));
    }
    Ok((route, value))
}

/// `on` / `off` (also `true` / `false`).
fn switch(name: &str, v: &str) -> Result<bool, String> {
    match v {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        other => Err(format!("{name} {other}: expected on or off")),
    }
}

fn parse_args(args: &[String]) -> Result<SimOptions, String> {
    let mut o = SimOptions::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match a.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                o.listen = v.parse::<SocketAddr>().map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--fixtures" | "--fixture" => {
                let v = value("--fixtures")?;
                o.fixture = Fixture::from_json_file(&v).map_err(|e| e.to_string())?;
            }
            "--admin" => o.admin = true,
            "--problem-shape" => o.problem_shape = value("--problem-shape")?.parse::<ProblemShape>()?,
            "--timeout-mode" => o.timeout_mode = value("--timeout-mode")?.parse::<TimeoutMode>()?,
            "--page-size" => {
                let v = value("--page-size")?;
                o.page_size =
                    v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| format!("--page-size {v}: expected a number >= 1"))?;
            }
            "--timeout-days" => {
                let v = value("--timeout-days")?;
                o.timeout_days = Some(v.parse::<u32>().map_err(|e| format!("--timeout-days {v}: {e}"))?);
            }
            "--confirm-host" => o.confirm_host = Some(value("--confirm-host")?),
            "--next-link-host" => o.next_link_host = Some(value("--next-link-host")?),
            "--state" => o.state_file = Some(value("--state")?.into()),
            "--max-connections" => {
                let v = value("--max-connections")?;
                o.max_connections =
                    v.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| format!("--max-connections {v}: expected a number >= 1"))?;
            }
            "--allow-remote" => o.allow_remote = true,
            "--list-quirks" => o = o.with_list_quirks(switch(a, &value(a)?)?),
            "--lossy-request-pages" => o.lossy_request_pages = switch(a, &value(a)?)?,
            "--unordered-agent-requests" => o.unordered_agent_requests = switch(a, &value(a)?)?,
            "--repeating-change-request-pages" => o.repeating_change_request_pages = switch(a, &value(a)?)?,
            "--customer-delegation-check" => o.customer_delegation_check = value(a)?.parse::<DelegationCheck>()?,
            "--jwt-validity-minutes" => {
                let v = value(a)?;
                o.jwt_validity_minutes = v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("--jwt-validity-minutes {v}: expected a number >= 1"))?;
            }
            "--access-management-failure" => o.access_management_failure = value(a)?.parse::<AccessManagementFailure>()?,
            "--settings" => {
                let v = value(a)?;
                let text = std::fs::read_to_string(&v).map_err(|e| format!("--settings {v}: {e}"))?;
                let patch: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_str(&text).map_err(|e| format!("--settings {v}: not a JSON object: {e}"))?;
                let mut settings = o.settings();
                settings.apply_patch(&patch, FAULT_ROUTES).map_err(|e| format!("--settings {v}: {e}"))?;
                o = o.with_settings(settings);
            }
            "--latency" => {
                let (fixed, jitter) = latency(a, &value(a)?)?;
                o = o.with_latency(fixed, jitter);
            }
            "--latency-seed" => {
                let v = value(a)?;
                o.latency.seed = Some(v.parse::<u64>().map_err(|e| format!("--latency-seed {v}: {e}"))?);
            }
            "--route-latency" => {
                let v = value(a)?;
                let (route, l) = route_value(a, &v)?;
                let (fixed, jitter) = latency(a, l)?;
                o = o.with_route_latency(route, fixed, jitter);
            }
            "--throttle" => {
                let r = rate(a, &value(a)?)?;
                let t = o.throttle.get_or_insert_with(Throttle::default);
                t.requests_per_second = Some(r.requests_per_second);
                t.burst = r.burst;
            }
            "--throttle-retry-after" => {
                let v = value(a)?;
                let secs = v
                    .parse::<u32>()
                    .ok()
                    .filter(|s| *s >= 1)
                    .ok_or_else(|| format!("--throttle-retry-after {v}: expected seconds >= 1"))?;
                o.throttle.get_or_insert_with(Throttle::default).retry_after_secs = Some(secs);
            }
            "--route-throttle" => {
                let v = value(a)?;
                let (route, r) = route_value(a, &v)?;
                let r = rate(a, r)?;
                o.throttle.get_or_insert_with(Throttle::default).routes.insert(route.to_string(), r);
            }
            "--synthetic-customers" => {
                let v = value(a)?;
                o.synthetic_customers = v.parse::<u32>().map_err(|e| format!("--synthetic-customers {v}: {e}"))?;
            }
            "--call-log-limit" => {
                let v = value(a)?;
                o.call_log_limit = v.parse::<usize>().map_err(|e| format!("--call-log-limit {v}: {e}"))?;
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    o.settings().validate(FAULT_ROUTES)?;
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match parse_args(&args) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("altinn-sim: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let handle = match Simulator::start(options) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("altinn-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout().lock();
    if writeln!(out, "listening on {}", handle.url()).and_then(|_| out.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(out);
    // Serve until the process is killed; the handle lives as long as main.
    loop {
        std::thread::park();
    }
}
