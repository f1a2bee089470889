//! `systemuser status ID [--watch]`: where a request stands, or waiting (with a spinner) until
//! the customer decides.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use systemuser_host::wit::{RequestKind, RequestStatus, SystemUserRequest};
use systemuser_host::{Client, Runtime};

use super::output::{self, print_json};
use super::request::{fetch, KindArg};
use super::{Exit, Failure, Global};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request id
    #[arg(value_name = "ID")]
    pub id: String,
    /// Standard or agent [default: try standard, then agent]
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Keep polling until the request reaches a final status (Accepted, Rejected, Denied,
    /// timed out) or --timeout runs out; prints each change
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

    fn tick(&mut self, status: &RequestStatus, elapsed: Duration, timeout: Duration) {
        if self.quiet {
            return;
        }
        let left = timeout.saturating_sub(elapsed).as_secs();
        if self.tty {
            const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
            self.frame = (self.frame + 1) % FRAMES.len();
            let status = output::status_name(status);
            eprint!(
                "\r\x1b[2K{} waiting for the customer… {status}, {:.0} s (giving up in {left} s)",
                FRAMES[self.frame],
                elapsed.as_secs_f64()
            );
            let _ = std::io::stderr().flush();
            self.drawn = true;
        } else if self.last_line.elapsed() >= Duration::from_secs(15) {
            self.last_line = Instant::now();
            eprintln!("… still {} after {:.0} s (giving up in {left} s)", output::status_name(status), elapsed.as_secs_f64());
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
    mut on_change: impl FnMut(&SystemUserRequest, &RequestStatus, Option<&RequestStatus>, Duration),
) -> Result<Watched, Failure> {
    let (id, timeout, interval) = (target.id, target.timeout, target.interval);
    let started = Instant::now();
    let mut session = runtime.session();
    let mut kind = target.kind;
    let mut transitions: Vec<(RequestStatus, Duration)> = Vec::new();
    loop {
        let request = fetch(client, kind, id).inspect_err(|_| progress.clear())?;
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
        // Sleep until the next poll, animating the spinner.
        let next = (elapsed + interval).min(timeout);
        loop {
            let now = started.elapsed();
            if now >= next {
                break;
            }
            progress.tick(&status, now, timeout);
            std::thread::sleep((next - now).min(Duration::from_millis(100)));
        }
    }
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
    let kind = args.kind.map(RequestKind::from);

    if !args.watch {
        let request = fetch(&client, kind, &args.id)?;
        if global.json {
            print_json(&output::request_json(&request));
        } else {
            println!("{} {}", args.id, output::status_label(&request));
            output::print_request(&request);
        }
        return Ok(Exit::Ok);
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
    let target = Target { id: &args.id, kind, timeout, interval };
    let watched = watch(&runtime, &client, &target, &mut progress, |request, status, previous, elapsed| {
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
        println!("{}", watch_summary(&watched));
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

pub fn watch_summary(w: &Watched) -> String {
    let r = &w.request;
    match (&w.status, w.terminal) {
        (status, false) => format!(
            "✗ gave up after {:.1} s: the request is still {}; run `systemuser status {} --watch` again later",
            w.elapsed.as_secs_f64(),
            output::status_name(status),
            r.id
        ),
        (RequestStatus::Accepted, true) => format!(
            "✓ the customer approved: system user {} exists (`systemuser verify --system-id {} --org {}{}`)",
            r.id,
            r.system_id,
            r.party_org_no,
            if r.external_ref == r.party_org_no { String::new() } else { format!(" --external-ref {}", r.external_ref) }
        ),
        (RequestStatus::TimedOut, true) => {
            format!("✗ the request timed out; withdraw it (`systemuser request withdraw {}`) and create a new one", r.id)
        }
        (status, true) => format!(
            "✗ the request ended as {}; withdraw it (`systemuser request withdraw {}`) before asking this customer again",
            output::status_name(status),
            r.id
        ),
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
