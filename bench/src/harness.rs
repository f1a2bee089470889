//! A light harness: warm-up, calibrated samples, median and p90; CPU clocks and RSS.

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Per-operation time in nanoseconds over several samples.
#[derive(Debug, Clone, Copy)]
pub struct Stat {
    pub median: f64,
    pub p90: f64,
}

impl Stat {
    pub fn from_samples(mut v: Vec<f64>) -> Stat {
        v.sort_by(|a, b| a.total_cmp(b));
        let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
        Stat { median: at(0.5), p90: at(0.9) }
    }
}

/// How long to spend: samples per measurement and the target length of one sample.
#[derive(Debug, Clone, Copy)]
pub struct Effort {
    pub samples: usize,
    pub sample: Duration,
    pub warmup: Duration,
}

impl Effort {
    pub fn new(quick: bool) -> Self {
        if quick {
            Effort { samples: 11, sample: Duration::from_millis(20), warmup: Duration::from_millis(100) }
        } else {
            Effort { samples: 21, sample: Duration::from_millis(40), warmup: Duration::from_millis(300) }
        }
    }
}

/// Iterations that take about `target`, found by running `f` for the warm-up period.
fn calibrate<T>(f: &mut impl FnMut() -> T, warmup: Duration, target: Duration) -> u64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < warmup || n < 3 {
        black_box(f());
        n += 1;
    }
    let per = start.elapsed().as_secs_f64() / n as f64;
    ((target.as_secs_f64() / per) as u64).max(1)
}

fn sample<T>(f: &mut impl FnMut() -> T, iters: u64) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

/// Measures `a` and `b` with their samples interleaved, so that a noisy neighbour hits both.
pub fn pair<A, B>(effort: Effort, mut a: impl FnMut() -> A, mut b: impl FnMut() -> B) -> (Stat, Stat) {
    let na = calibrate(&mut a, effort.warmup, effort.sample);
    let nb = calibrate(&mut b, effort.warmup, effort.sample);
    let (mut sa, mut sb) = (Vec::new(), Vec::new());
    for _ in 0..effort.samples {
        sa.push(sample(&mut a, na));
        sb.push(sample(&mut b, nb));
    }
    (Stat::from_samples(sa), Stat::from_samples(sb))
}

/// One measurement of `f` (per-call time).
pub fn single<A>(effort: Effort, mut f: impl FnMut() -> A) -> Stat {
    let n = calibrate(&mut f, effort.warmup, effort.sample);
    Stat::from_samples((0..effort.samples).map(|_| sample(&mut f, n)).collect())
}

/// Times each call of `f` on its own (for operations of milliseconds and more).
pub fn each(times: usize, mut f: impl FnMut()) -> Stat {
    Stat::from_samples(
        (0..times)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_nanos() as f64
            })
            .collect(),
    )
}

/// CPU time of the calling thread.
pub fn thread_cpu_ns() -> u64 {
    clock_ns(libc::CLOCK_THREAD_CPUTIME_ID)
}

fn clock_ns(clock: libc::clockid_t) -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid pointer to a timespec; the clock ids are the standard ones.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// User + system CPU time of the whole process (getrusage).
pub fn process_cpu_ns() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct we hand it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as u64 * 1_000_000_000 + t.tv_usec as u64 * 1_000;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// VmRSS of this process in KiB, from /proc/self/status.
pub fn rss_kib() -> u64 {
    status_kib("/proc/self/status", "VmRSS:")
}

pub fn status_kib(path: &str, field: &str) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

/// CPU time (user + system) of another process, from /proc/PID/stat, in nanoseconds.
pub fn other_process_cpu_ns(pid: u32) -> u64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // Fields after the `)` closing the command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11).and_then(|s| s.parse().ok()).unwrap_or(0) + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    ticks * 1_000_000_000 / hz
}

pub fn us(ns: f64) -> String {
    if ns >= 100_000.0 {
        format!("{:.0}", ns / 1e3)
    } else if ns >= 10_000.0 {
        format!("{:.1}", ns / 1e3)
    } else {
        format!("{:.2}", ns / 1e3)
    }
}

pub fn ms(ns: f64) -> String {
    format!("{:.1}", ns / 1e6)
}

pub fn ratio(a: f64, b: f64) -> String {
    if b <= 0.0 {
        "—".into()
    } else {
        format!("{:.2}×", a / b)
    }
}

pub fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}
