//! No token in any `Debug` output or error of the host.

mod common;

use systemuser_host::{Capabilities, HostError, Runtime, StaticToken, UreqTransport};

const TOKEN: &str = "eyJraWQiOi.TOPSECRET.signature";

#[test]
fn debug_output_never_holds_the_token() {
    let token = StaticToken::new(TOKEN).expect("a well-formed token");
    let caps = Capabilities::new(UreqTransport::new(), token.clone());
    let runtime = Runtime::load(common::component_path()).expect("loads");
    let session = runtime.session_with(caps.clone());
    for text in [format!("{token:?}"), format!("{caps:?}"), format!("{session:?}"), format!("{runtime:?}")] {
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}

#[test]
fn token_errors_never_hold_the_token() {
    let err: HostError = StaticToken::new("TOPSECRET with spaces").unwrap_err();
    assert!(!err.to_string().contains("TOPSECRET") && !format!("{err:?}").contains("TOPSECRET"));

    let file = std::env::temp_dir().join(format!("systemuser-token-{}", std::process::id()));
    std::fs::write(&file, "TOPSECRET\nsecond line").unwrap();
    let err = StaticToken::from_file(&file).unwrap_err();
    std::fs::remove_file(&file).ok();
    assert!(!err.to_string().contains("TOPSECRET"), "{err}");
}
