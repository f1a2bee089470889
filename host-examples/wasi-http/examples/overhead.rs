//! Per-request cost of the onboarding service under wasmtime's wasi:http, against the Rust host
//! and a plain HTTP call, in the same run, on the same simulator and the same request:
//!
//!   plain      GET of Altinn's request route with ureq (the round trip itself)
//!   rust-host  `Client::get_request` through the systemuser component (systemuser-host)
//!   service    `GET /onboard/{id}` to the service component (a fresh instance a request, as
//!              `wasmtime serve` does), which makes the same Altinn call
//!
//! `cargo run --release -p wasi-http-serve --example overhead [ROUNDS] [PER_ROUND]`
//! (needs `make component`). Rounds interleave the three so drift hits each alike; the table
//! gives each one's median and p90 over all calls, in microseconds.

use altinn_sim::{SimOptions, Simulator};
use std::time::Instant;
use systemuser_host::{config, custom_environment, wit, Capabilities, Client, Runtime, StaticToken, UreqTransport};

const SCOPES: [&str; 2] = ["altinn:authentication/systemuser.request.read", "altinn:authentication/systemuser.request.write"];

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("ROUNDS and PER_ROUND are numbers"));
    let (rounds, per_round) = (args.next().unwrap_or(5), args.next().unwrap_or(100));
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let sim = Simulator::start(SimOptions::default().with_admin(true)).expect("simulator");
    let token = sim.mint_token("314248295", &SCOPES);
    let env: Vec<(String, String)> = [
        ("SYSTEMUSER_ENV", "custom".to_string()),
        ("SYSTEMUSER_PLATFORM_URL", sim.url()),
        ("SYSTEMUSER_CONFIRM_URL", sim.url()),
        ("SYSTEMUSER_SYSTEM_ID", "314248295_smartregnskap".into()),
        ("SYSTEMUSER_ACCESS_PACKAGES", "urn:altinn:accesspackage:skattegrunnlag".into()),
        ("SYSTEMUSER_TOKEN", token.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let service =
        wasi_http_serve::serve(&root.join("target/wasm/onboarding_service.wasm"), env, "127.0.0.1:0".parse().unwrap()).expect("serving");
    let http: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let created = http
        .post(format!("{}/onboard", service.url()))
        .header("content-type", "application/json")
        .send(r#"{"orgNo":"310816191","externalRef":"overhead"}"#)
        .expect("onboard")
        .body_mut()
        .read_to_string()
        .unwrap();
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"].as_str().expect("an id").to_string();

    let runtime = Runtime::load(root.join("target/wasm/altinn_systemuser.wasm")).expect("the systemuser component");
    let caps = Capabilities::new(UreqTransport::new(), StaticToken::new(token.as_str()).unwrap());
    let client = Client::new(runtime, caps, config(custom_environment(&sim.url())));

    let plain_url = format!("{}/authentication/api/v1/systemuser/request/vendor/{id}", sim.url());
    let service_url = format!("{}/onboard/{id}", service.url());
    let auth = format!("Bearer {token}");
    let mut times: [Vec<u128>; 3] = Default::default();
    for _ in 0..rounds {
        for _ in 0..per_round {
            let t = Instant::now();
            let status = http.get(&plain_url).header("authorization", &auth).call().expect("plain").status();
            times[0].push(t.elapsed().as_micros());
            assert_eq!(status, 200);

            let t = Instant::now();
            client.get_request(wit::RequestKind::Standard, &id).expect("rust host");
            times[1].push(t.elapsed().as_micros());

            let t = Instant::now();
            let mut response = http.get(&service_url).call().expect("service");
            let _ = response.body_mut().read_to_string();
            times[2].push(t.elapsed().as_micros());
            assert_eq!(response.status(), 200);
        }
    }
    println!("{} calls each ({rounds} rounds of {per_round}), microseconds a call", rounds * per_round);
    println!("| path | median | p90 | median over plain |");
    println!("|---|---:|---:|---:|");
    let stats = |v: &mut Vec<u128>| {
        v.sort_unstable();
        (v[v.len() / 2], v[v.len() * 9 / 10])
    };
    let (plain, _) = stats(&mut times[0].clone());
    for (name, v) in ["plain", "rust-host", "service"].iter().zip(times.iter_mut()) {
        let (median, p90) = stats(v);
        println!("| {name} | {median} | {p90} | +{} |", median.saturating_sub(plain));
    }
}
