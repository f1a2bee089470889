//! `Default` and builders for the request inputs (#18): a caller names only what it asks for,
//! and what it builds is what the spelled-out struct was, through the component to the simulator.

mod common;
mod e2e;

use e2e::*;
use systemuser_host::wit::{AccessPackage, AgentRequestInput, AttributePair, ChangeRequestInput, RequestKind, Right, StandardRequestInput};
use systemuser_host::ChangeOutcome;

const RIGHT: &str = "ske-krav-og-betalinger";
const REDIRECT: &str = "https://smartregnskap.example/callback";

#[test]
fn a_standard_request_built_is_the_one_spelled_out() {
    let built = StandardRequestInput::new(STANDARD_SYSTEM, "310816191")
        .external_ref("erp-42")
        .integration_title("Regnskap")
        .right(Right::resource(RIGHT))
        .access_package("skattegrunnlag")
        .redirect_url(REDIRECT);
    let spelled = StandardRequestInput {
        system_id: STANDARD_SYSTEM.into(),
        party_org_no: "310816191".into(),
        external_ref: Some("erp-42".into()),
        integration_title: Some("Regnskap".into()),
        rights: Some(vec![Right { action: None, resource: vec![AttributePair { id: "urn:altinn:resource".into(), value: RIGHT.into() }] }]),
        access_packages: Some(vec![AccessPackage { urn: "urn:altinn:accesspackage:skattegrunnlag".into() }]),
        redirect_url: Some(REDIRECT.into()),
    };
    assert_eq!(built, spelled);
    // Defaults: nothing asked beyond the two names.
    let bare = StandardRequestInput::new(STANDARD_SYSTEM, "310816191");
    assert_eq!((bare.external_ref, bare.rights, bare.access_packages), (None, None, None));
    assert_eq!(StandardRequestInput { system_id: "s".into(), ..Default::default() }.party_org_no, "");
    // A URN stays a URN; several attribute pairs make one right.
    assert_eq!(AccessPackage::named("urn:altinn:accesspackage:x").urn, "urn:altinn:accesspackage:x");
    assert_eq!(Right::attributes([("urn:altinn:org", "ttd"), ("urn:altinn:app", "regnskap")]).resource.len(), 2);
}

#[test]
fn built_inputs_go_through_the_component_to_altinn() {
    let sim = start();
    let client = client(&sim);
    let org = CUSTOMERS[0];
    let created = client
        .create_standard_request(
            StandardRequestInput::new(STANDARD_SYSTEM, org)
                .external_ref("built-1")
                .right(Right::resource(RIGHT))
                .access_package("skattegrunnlag"),
        )
        .expect("created");
    assert!(created.is_new);
    let r = &created.request;
    assert_eq!((r.kind, r.external_ref.as_str(), r.party_org_no.as_str()), (RequestKind::Standard, "built-1", org));
    assert_eq!(r.rights, vec![Right::resource(RIGHT)]);
    assert_eq!(r.access_packages, vec![AccessPackage::named("skattegrunnlag")]);

    sim.approve(&r.id).expect("approved");
    let change = ChangeRequestInput::new(STANDARD_SYSTEM, org).external_ref("built-1").require_access_package("merverdiavgift");
    assert_eq!(change.required_access_packages, vec![AccessPackage { urn: "urn:altinn:accesspackage:merverdiavgift".into() }]);
    assert_eq!((change.correlation_id.as_deref(), change.unwanted_rights.len()), (None, 0));
    match client.create_change_request(change).expect("a change request") {
        ChangeOutcome::Created(c) => assert!(c.is_new),
        ChangeOutcome::NoChangeNeeded => panic!("the change asks for a package"),
    }
    // A change that asks for nothing is the default one.
    assert!(matches!(
        client.create_change_request(ChangeRequestInput::new(STANDARD_SYSTEM, org).external_ref("built-1")),
        Ok(ChangeOutcome::NoChangeNeeded)
    ));

    let agent = AgentRequestInput::new(AGENT_SYSTEM, CUSTOMERS[1]).access_package("regnskapsforer-lonn");
    assert_eq!(agent.rights, None);
    let created = client.create_agent_request(agent).expect("created");
    assert_eq!(created.request.kind, RequestKind::Agent);
}
