//! The simulator's own limits: a half-sent request head or an idle keep-alive connection is
//! closed after the header-read timeout, connections past the limit are closed at once while the
//! others are served, and a non-loopback address is refused unless explicitly allowed.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use altinn_sim::{SimError, SimOptions, Simulator};
use common::*;

/// Reads until the server closes the connection (EOF or reset); returns when that happened.
fn closed_after(s: &mut TcpStream, started: Instant, limit: Duration) -> Option<Duration> {
    s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut buf = [0u8; 4096];
    while started.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return Some(started.elapsed()),
        }
    }
    None
}

#[test]
fn a_half_sent_head_and_an_idle_keep_alive_connection_are_closed_after_10_s() {
    let sim = Sim::start();
    let started = Instant::now();
    // Half a request head, never finished.
    let mut half = TcpStream::connect(sim.addr()).unwrap();
    half.write_all(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n").unwrap();
    // A whole request on a keep-alive connection, answered, then nothing more.
    let mut idle = TcpStream::connect(sim.addr()).unwrap();
    idle.write_all(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut answer = [0u8; 4096];
    let n = idle.read(&mut answer).unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"));
    let limit = Duration::from_secs(12);
    let half_closed = closed_after(&mut half, started, limit).expect("the half-sent head is closed within 12 s");
    let idle_closed = closed_after(&mut idle, started, limit).expect("the idle connection is closed within 12 s");
    assert!(half_closed >= Duration::from_secs(9), "{half_closed:?}");
    assert!(idle_closed >= Duration::from_secs(9), "{idle_closed:?}");
    // The simulator goes on serving.
    assert_eq!(sim.call("GET", "/.well-known/oauth-authorization-server", None, None).status, 200);
}

/// Whether the server closes a fresh connection at once (instead of answering).
fn refused_at_once(addr: SocketAddr) -> bool {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let _ = s.write_all(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut buf = Vec::new();
    match s.read_to_end(&mut buf) {
        Ok(_) => buf.is_empty(),
        Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
    }
}

#[test]
fn connections_past_the_limit_are_closed_and_the_others_served() {
    let sim = Sim::with(SimOptions::default().with_admin(true).with_max_connections(2));
    let first = TcpStream::connect(sim.addr()).unwrap();
    let _second = TcpStream::connect(sim.addr()).unwrap();
    // Let the accept loop take both.
    std::thread::sleep(Duration::from_millis(200));
    assert!(refused_at_once(sim.addr()), "the third connection is closed unanswered");
    // One goes away: a new connection is served again.
    drop(first);
    let started = Instant::now();
    loop {
        if let Ok(r) = raw(sim.addr(), "GET", "/.well-known/oauth-authorization-server", &[], b"") {
            assert_eq!(r.status, 200);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "no slot came free");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_non_loopback_address_is_refused_unless_allowed() {
    let any: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = Simulator::start(SimOptions::default().with_listen(any)).unwrap_err();
    assert!(matches!(err, SimError::NotLoopback(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("not a loopback address") && text.contains("confirm page") && text.contains("--allow-remote"), "{text}");
    // Allowed explicitly, it listens (and answers on loopback too).
    let sim = Sim::with(SimOptions::default().with_listen(any).with_allow_remote(true));
    let local = SocketAddr::from(([127, 0, 0, 1], sim.addr().port()));
    assert_eq!(raw(local, "GET", "/.well-known/oauth-authorization-server", &[], b"").unwrap().status, 200);
}
