//! `systemuser status ID [--watch]`: where a request or a change request stands, or waiting
//! (with a spinner) until the customer decides. Without `--kind` the id is looked for on the
//! request routes (standard, then agent), then on the change-request route.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use systemuser_host::wit::{self, ChangeRequest, ChangeRequestStatus, RequestKind, RequestStatus, SystemUserRequest};
use systemuser_host::{Client, ClientError, Runtime};

use super::output::{self, print_json};
use super::request::fetch;
use super::{shell_word, Exit, Failure, Global};

/// What an id names, for `status --kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusKind {
    /// A standard system user request
    Standard,
    /// An agent system user request
    Agent,
    /// A change request
    Change,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request id, or a change request's id
    #[arg(value_name = "ID")]
    pub id: String,
    /// What the id names [default: try the standard and agent request routes, then the
    /// change-request route]
    #[arg(long, value_enum)]
    pub kind: Option<StatusKind>,
    /// Keep polling until the request or change request reaches a final status (Accepted,
    /// Rejected, Denied, timed out) or --timeout runs out; prints each change
    #[arg(long)]
    pub watch: bool,
    /// With --watch: give up after this many seconds (exit 5)
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    pub timeout: f64,
    /// With --watch: seconds between polls
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub interval: f64,
}

/// How a watch ended.
#[derive(Debug)]
pub struct Watched {
    /// The last request seen.
    pub request: SystemUserRequest,
    /// The status to act on (the component's `effective-status`).
    pub status: RequestStatus,
    /// Whether `status` is final; false when the watch gave up at its timeout.
    pub terminal: bool,
    /// Each status seen, with when (since the watch began).
    pub transitions: Vec<(RequestStatus, Duration)>,
    pub elapsed: Duration,
}

/// Progress while waiting: a spinner on a terminal, an occasional line otherwise (stderr).
pub struct Progress {
    tty: bool,
    frame: usize,
    last_line: Instant,
    drawn: bool,
    quiet: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        Progress { tty: std::io::stderr().is_terminal(), frame: 0, last_line: Instant::now(), drawn: false, quiet }
    }

    fn tick(&mut self, status: &str, elapsed: Duration, timeout: Duration) {
        if self.quiet {
            return;
        }
        let left = timeout.saturating_sub(elapsed).as_secs();
        if self.tty {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            self.frame = (self.frame + 1) % FRAMES.len();
            eprint!(
                "\r\x1b[2K{} waiting for the customer… {status}, {:.0} s (giving up in {left} s)",
                FRAMES[self.frame],
                elapsed.as_secs_f64()
            );
            let _ = std::io::stderr().flush();
            self.drawn = true;
        } else if self.last_line.elapsed() >= Duration::from_secs(15) {
            self.last_line = Instant::now();
            eprintln!("… still {status} after {:.0} s (giving up in {left} s)", elapsed.as_secs_f64());
        }
    }

    /// Clears the spinner line before something else is printed.
    pub fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
            self.drawn = false;
        }
    }
}

/// What to watch, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub id: &'a str,
    /// `None`: try standard, then agent.
    pub kind: Option<RequestKind>,
    pub timeout: Duration,
    /// Between polls.
    pub interval: Duration,
}

/// Polls the request until a final status or `timeout`; `on_change` sees every new status
/// (the first one included). Terminal and effective status come from the component's
/// `lifecycle` interface.
pub fn watch(
    runtime: &Runtime,
    client: &Client,
    target: &Target<'_>,
    progress: &mut Progress,
    on_change: impl FnMut(&SystemUserRequest, &RequestStatus, Option<&RequestStatus>, Duration),
) -> Result<Watched, Failure> {
    watch_from(runtime, client, target, None, progress, on_change)
}

/// `watch`, with the request as just read (`first`) for its first poll: a decision made after
/// that read is seen as a transition.
pub fn watch_from(
    runtime: &Runtime,
    client: &Client,
    target: &Target<'_>,
    mut first: Option<SystemUserRequest>,
    progress: &mut Progress,
    mut on_change: impl FnMut(&SystemUserRequest, &RequestStatus, Option<&RequestStatus>, Duration),
) -> Result<Watched, Failure> {
    let (id, timeout, interval) = (target.id, target.timeout, target.interval);
    let started = Instant::now();
    let mut session = runtime.session();
    let mut kind = target.kind;
    let mut transitions: Vec<(RequestStatus, Duration)> = Vec::new();
    loop {
        let request = match first.take() {
            Some(request) => request,
            None => fetch(client, kind, id).inspect_err(|_| progress.clear())?,
        };
        kind = Some(request.kind);
        let status = session.effective_status(&request, None, 0)?;
        let elapsed = started.elapsed();
        if transitions.last().map(|(s, _)| s) != Some(&status) {
            progress.clear();
            on_change(&request, &status, transitions.last().map(|(s, _)| s), elapsed);
            transitions.push((status.clone(), elapsed));
        }
        if session.is_terminal(&status)? {
            progress.clear();
            return Ok(Watched { request, status, terminal: true, transitions, elapsed });
        }
        if elapsed >= timeout {
            progress.clear();
            return Ok(Watched { request, status, terminal: false, transitions, elapsed });
        }
        sleep_until_next_poll(started, elapsed, interval, timeout, progress, &output::status_name(&status));
    }
}

/// Sleeps until the next poll, animating the spinner.
fn sleep_until_next_poll(
    started: Instant,
    elapsed: Duration,
    interval: Duration,
    timeout: Duration,
    progress: &mut Progress,
    status: &str,
) {
    let next = (elapsed + interval).min(timeout);
    loop {
        let now = started.elapsed();
        if now >= next {
            break;
        }
        progress.tick(status, now, timeout);
        std::thread::sleep((next - now).min(Duration::from_millis(100)));
    }
}

/// What a status id named.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // one value per command
pub enum Found {
    Request(SystemUserRequest),
    Change(ChangeRequest),
}

/// Looks `id` up: on the routes `kind` names, or the standard and agent request routes, then the
/// change-request route. Not found anywhere: one not-found error that says where it looked.
#[allow(clippy::result_large_err)]
pub fn find(client: &Client, kind: Option<StatusKind>, id: &str) -> Result<Found, ClientError> {
    match kind {
        Some(StatusKind::Standard) => client.get_request(RequestKind::Standard, id).map(Found::Request),
        Some(StatusKind::Agent) => client.get_request(RequestKind::Agent, id).map(Found::Request),
        Some(StatusKind::Change) => client.get_change_request(id).map(Found::Change),
        None => match fetch(client, None, id) {
            Err(ClientError::Altinn(wit::Error::NotFound(_))) => match client.get_change_request(id) {
                Err(ClientError::Altinn(wit::Error::NotFound(p))) => {
                    Err(ClientError::Altinn(wit::Error::NotFound(wit::StatusProblem {
                        message: format!(
                            "Altinn knows no request and no change request {id}: not on the standard or agent request routes, nor the change-request route (it may have been withdrawn); check the id"
                        ),
                        ..p
                    })))
                }
                other => other.map(Found::Change),
            },
            other => other.map(Found::Request),
        },
    }
}

/// How a watch of a change request ended.
#[derive(Debug)]
pub struct WatchedChange {
    /// The last change request seen.
    pub change: ChangeRequest,
    /// Whether it is final; false when the watch gave up at its timeout.
    pub terminal: bool,
    /// Each status seen (its label: `New`, `Accepted`, `New (timed out)`…), with when.
    pub transitions: Vec<(String, Duration)>,
    pub elapsed: Duration,
}

/// The status of a change request a watch compares and JSON shows: Altinn's, `Timedout` when it
/// timed out (as a request's effective status), `Unknown` for one this version does not know.
pub fn change_status_json(c: &ChangeRequest) -> String {
    match &c.status {
        ChangeRequestStatus::Unknown(_) => "Unknown".into(),
        _ if output::change_timed_out(c) => "Timedout".into(),
        known => output::change_status_name(known).into(),
    }
}

/// Polls a change request until a final status or `timeout`; `on_change` sees every new status
/// (the first one included) as its label, with the previous one. `first`: the change request as
/// just read, for the first poll.
pub fn watch_change(
    client: &Client,
    target: &Target<'_>,
    mut first: Option<ChangeRequest>,
    progress: &mut Progress,
    mut on_change: impl FnMut(&ChangeRequest, &str, Option<&str>, Duration),
) -> Result<WatchedChange, Failure> {
    let (id, timeout, interval) = (target.id, target.timeout, target.interval);
    let started = Instant::now();
    let mut transitions: Vec<(String, Duration)> = Vec::new();
    loop {
        let change = match first.take() {
            Some(change) => change,
            None => client.get_change_request(id).inspect_err(|_| progress.clear())?,
        };
        let label = output::change_status_label(&change);
        let elapsed = started.elapsed();
        if transitions.last().map(|(s, _)| s) != Some(&label) {
            progress.clear();
            on_change(&change, &label, transitions.last().map(|(s, _)| s.as_str()), elapsed);
            transitions.push((label.clone(), elapsed));
        }
        if output::change_is_final(&change) {
            progress.clear();
            return Ok(WatchedChange { change, terminal: true, transitions, elapsed });
        }
        if elapsed >= timeout {
            progress.clear();
            return Ok(WatchedChange { change, terminal: false, transitions, elapsed });
        }
        sleep_until_next_poll(started, elapsed, interval, timeout, progress, &label);
    }
}

/// One human line for a status change, by label.
pub fn label_transition_line(label: &str, previous: Option<&str>, elapsed: Duration) -> String {
    match previous {
        None => format!("[{:>5.1} s] {label}", elapsed.as_secs_f64()),
        Some(prev) => format!("[{:>5.1} s] {prev} → {label}", elapsed.as_secs_f64()),
    }
}

/// 0 approved (or nothing to change), 1 rejected or timed out, 5 gave up.
pub fn change_watch_exit(w: &WatchedChange) -> Exit {
    match (&w.change.status, w.terminal) {
        (_, false) => Exit::WatchTimeout,
        (ChangeRequestStatus::Accepted | ChangeRequestStatus::NoChangeNeeded, true) => Exit::Ok,
        _ => Exit::No,
    }
}

/// What a watch of a change request came to, and what to do next (`invocation`: the command
/// with this run's global options).
pub fn change_watch_summary(w: &WatchedChange, invocation: &str) -> String {
    let c = &w.change;
    match (&c.status, w.terminal) {
        (_, false) => format!(
            "✗ gave up after {:.1} s: the change request is still {}; run `{invocation} status {} --watch` again later",
            w.elapsed.as_secs_f64(),
            output::change_status_label(c),
            c.id
        ),
        (ChangeRequestStatus::Accepted, true) => {
            format!("✓ the customer approved the change: system user {} holds it now", c.system_user_id)
        }
        (ChangeRequestStatus::NoChangeNeeded, true) => "✓ nothing to change: the system user already is as asked".into(),
        (ChangeRequestStatus::Rejected, true) => format!(
            "✗ the customer rejected the change; system user {} is unchanged. Asking again takes a new correlation id (`change create … --correlation-id NEW-UUID`)",
            c.system_user_id
        ),
        (_, true) => format!(
            "✗ the customer did not answer in time; system user {} is unchanged. Asking again takes a new correlation id (`change create … --correlation-id NEW-UUID`)",
            c.system_user_id
        ),
    }
}

pub fn change_watch_json(w: &WatchedChange, exit: Exit) -> Value {
    json!({
        "ok": exit == Exit::Ok,
        "id": w.change.id,
        "kind": "change",
        "status": change_status_json(&w.change),
        "statusText": output::change_status_name(&w.change.status),
        "terminal": w.terminal,
        "gaveUp": !w.terminal,
        "elapsedMs": w.elapsed.as_millis() as u64,
        "transitions": w.transitions.iter().map(|(s, t)| json!({"status": s, "elapsedMs": t.as_millis() as u64})).collect::<Vec<_>>(),
        "changeRequest": output::change_request_json(&w.change),
    })
}

fn seconds(value: f64, what: &str) -> Result<Duration, Failure> {
    if !value.is_finite() || !(0.0..=31_536_000.0).contains(&value) {
        return Err(Failure::usage(format!("{what} must be a number of seconds between 0 and 31536000")));
    }
    Ok(Duration::from_secs_f64(value))
}

/// One human line for a status change.
pub fn transition_line(status: &RequestStatus, previous: Option<&RequestStatus>, elapsed: Duration) -> String {
    let name = output::status_name(status);
    match previous {
        None => format!("[{:>5.1} s] {name}", elapsed.as_secs_f64()),
        Some(prev) => format!("[{:>5.1} s] {} → {name}", elapsed.as_secs_f64(), output::status_name(prev)),
    }
}

pub fn run(global: &Global, args: &Args) -> Result<Exit, Failure> {
    let timeout = seconds(args.timeout, "--timeout")?;
    let interval = seconds(args.interval, "--interval")?.max(Duration::from_millis(50));
    let (runtime, client) = global.client()?;
    let found = find(&client, args.kind, &args.id)?;

    if !args.watch {
        let exit = status_exit(&found);
        match &found {
            Found::Request(request) if global.json => print_json(&output::request_json(request)),
            Found::Request(request) => {
                println!("{} {}", args.id, output::status_label(request));
                output::print_request(request);
            }
            Found::Change(change) if global.json => {
                let mut value = output::change_request_json(change);
                value["kind"] = Value::String("change".into());
                print_json(&value);
            }
            Found::Change(change) => {
                println!("{} {} (a change request)", args.id, output::change_status_label(change));
                output::print_change(change);
            }
        }
        if exit == Exit::No && !global.json {
            match &found {
                Found::Request(r) => println!("{}", ended_line(&output::effective_status(r), r, &global.invocation())),
                Found::Change(c) => println!("{}", change_ended_line(c)),
            }
        }
        return Ok(exit);
    }

    let mut progress = Progress::new(global.json);
    if !global.json && !progress.tty {
        eprintln!(
            "waiting for the customer to decide (polling every {:.1} s, giving up after {:.0} s)…",
            interval.as_secs_f64(),
            timeout.as_secs_f64()
        );
    }
    let human = !global.json;
    let (kind, first_request, first_change) = match found {
        Found::Request(request) => (Some(request.kind), Some(request), None),
        Found::Change(change) => (None, None, Some(change)),
    };
    let target = Target { id: &args.id, kind, timeout, interval };
    if first_change.is_some() {
        let watched = watch_change(&client, &target, first_change, &mut progress, |change, label, previous, elapsed| {
            if human {
                println!("{}", label_transition_line(label, previous, elapsed));
                if previous.is_none() && change.status == ChangeRequestStatus::New && !output::change_timed_out(change) {
                    if let Some(url) = &change.confirm_url {
                        println!("{}", output::change_confirm_box(url));
                    }
                }
            }
        })?;
        let exit = change_watch_exit(&watched);
        if global.json {
            print_json(&change_watch_json(&watched, exit));
        } else {
            println!("{}", change_watch_summary(&watched, &global.invocation()));
        }
        return Ok(exit);
    }
    let watched = watch_from(&runtime, &client, &target, first_request, &mut progress, |request, status, previous, elapsed| {
        if human {
            println!("{}", transition_line(status, previous, elapsed));
            if previous.is_none() && *status == RequestStatus::New {
                if let Some(url) = &request.confirm_url {
                    println!("{}", output::confirm_box(url, request.kind));
                }
            }
        }
    })?;
    let exit = watch_exit(&watched);
    if global.json {
        print_json(&watch_json(&watched, exit));
    } else {
        println!("{}", watch_summary(&watched, &global.invocation()));
    }
    Ok(exit)
}

pub fn watch_exit(w: &Watched) -> Exit {
    match (&w.status, w.terminal) {
        (_, false) => Exit::WatchTimeout,
        (RequestStatus::Accepted, true) => Exit::Ok,
        _ => Exit::No,
    }
}

/// The exit status of `status` without `--watch`, as with it: 0 while the customer can still
/// decide (`New`), approved, or no change needed (and a status this version does not know); 1 for
/// a final "no" (Rejected, Denied, timed out).
fn status_exit(found: &Found) -> Exit {
    match found {
        Found::Request(r) => match output::effective_status(r) {
            RequestStatus::Rejected | RequestStatus::Denied | RequestStatus::TimedOut => Exit::No,
            RequestStatus::New | RequestStatus::Accepted | RequestStatus::Unknown(_) => Exit::Ok,
        },
        Found::Change(c) => match &c.status {
            ChangeRequestStatus::Rejected => Exit::No,
            ChangeRequestStatus::New if output::change_timed_out(c) => Exit::No,
            _ => Exit::Ok,
        },
    }
}

/// What a request that ended in a "no" means, and what to do (`invocation`: the command with
/// this run's global options).
fn ended_line(status: &RequestStatus, r: &SystemUserRequest, invocation: &str) -> String {
    let id = shell_word(&r.id);
    match status {
        RequestStatus::TimedOut => {
            format!("✗ the request timed out; withdraw it (`{invocation} request withdraw {id}`) and create a new one")
        }
        status => format!(
            "✗ the request ended as {}; withdraw it (`{invocation} request withdraw {id}`) before asking this customer again",
            output::status_name(status)
        ),
    }
}

fn change_ended_line(c: &ChangeRequest) -> String {
    let what = if c.status == ChangeRequestStatus::Rejected { "rejected the change" } else { "did not answer in time" };
    format!(
        "✗ the customer {what}; system user {} is unchanged. Asking again takes a new correlation id (`change create … --correlation-id NEW-UUID`)",
        c.system_user_id
    )
}

/// What a watch of a request came to, and what to do next (`invocation`: the command with this
/// run's global options).
pub fn watch_summary(w: &Watched, invocation: &str) -> String {
    let r = &w.request;
    match (&w.status, w.terminal) {
        (status, false) => format!(
            "✗ gave up after {:.1} s: the request is still {}; run `{invocation} status {} --watch` again later",
            w.elapsed.as_secs_f64(),
            output::status_name(status),
            shell_word(&r.id)
        ),
        (RequestStatus::Accepted, true) => format!(
            "✓ the customer approved: system user {} exists (`{invocation} verify --system-id {} --org {}{}`)",
            r.id,
            shell_word(&r.system_id),
            shell_word(&r.party_org_no),
            if r.external_ref == r.party_org_no { String::new() } else { format!(" --external-ref {}", shell_word(&r.external_ref)) }
        ),
        (status, true) => ended_line(status, r, invocation),
    }
}

pub fn watch_json(w: &Watched, exit: Exit) -> Value {
    json!({
        "ok": exit == Exit::Ok,
        "id": w.request.id,
        "kind": output::kind_name(w.request.kind),
        "status": output::status_json(&w.status),
        "statusText": output::status_name(&w.status),
        "terminal": w.terminal,
        "gaveUp": !w.terminal,
        "elapsedMs": w.elapsed.as_millis() as u64,
        "transitions": w.transitions.iter().map(|(s, t)| json!({"status": output::status_json(s), "elapsedMs": t.as_millis() as u64})).collect::<Vec<_>>(),
        "request": output::request_json(&w.request),
    })
}
