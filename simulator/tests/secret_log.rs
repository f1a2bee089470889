//! With `ALTINN_SIM_SECRET_LOG` set, every token the simulator mints and every assertion it
//! receives (or echoes back) is appended to that file. Its own test binary, because it sets the variable.

mod common;

use common::*;

#[test]
fn minted_tokens_and_received_assertions_are_logged() {
    // Under `make test` the suite's log is set already: use it. Else a file of our own (this
    // binary holds only this test, so changing the environment races with nothing).
    let own = std::env::var_os(altinn_sim::SECRET_LOG_ENV).filter(|p| !p.is_empty()).is_none();
    let file = match own {
        true => {
            let f = std::env::temp_dir().join(format!("altinn-sim-secret-log-{}.txt", std::process::id()));
            let _ = std::fs::remove_file(&f);
            // No other thread of this test binary reads or writes the environment.
            std::env::set_var(altinn_sim::SECRET_LOG_ENV, &f);
            f
        }
        false => std::path::PathBuf::from(std::env::var_os(altinn_sim::SECRET_LOG_ENV).unwrap()),
    };
    let sim = Sim::start();
    let token = sim.rw();
    let assertion = sign(&test_key(), &good_header(), &good_claims(&sim, READ));
    let r = grant(&sim, &assertion);
    // A secret echoed back by an `echo_token` fault (the route never runs) is logged too.
    sim.h.arm_fault(altinn_sim::FaultSpec::new("maskinporten_token", altinn_sim::FaultKind::EchoToken)).unwrap();
    let echoed = sign(&test_key(), &good_header(), &good_claims(&sim, WRITE));
    assert_eq!(grant(&sim, &echoed).status, 400);
    // The Altinn tokens the Maskinporten exchange issues.
    let altinn = sim.exchange(&token);
    let log = std::fs::read_to_string(&file).unwrap_or_default();
    if own {
        std::fs::remove_file(&file).ok();
    }
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.contains(&token.as_str()), "the minted token is logged");
    assert!(lines.contains(&assertion.as_str()), "the received assertion is logged");
    assert!(lines.contains(&echoed.as_str()), "the echoed assertion is logged");
    assert!(lines.contains(&altinn.as_str()), "the exchanged Altinn token is logged");
    assert_eq!(r.status, 200, "{}", r.text());
    let issued = r.json()["access_token"].as_str().unwrap().to_string();
    assert!(lines.contains(&issued.as_str()), "the token from the grant is logged");
    assert!(lines.iter().any(|l| l.len() == 64 && l.bytes().all(|b| b.is_ascii_hexdigit())), "the token key is logged");
}
