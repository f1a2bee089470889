//! API.md §5: the create rules, each in its own test, in server order, plus the
//! response shapes of §4 for 201 and 200.

mod common;

use common::*;
use serde_json::{json, Value};

fn create_path() -> String {
    format!("{API}/systemuser/request/vendor")
}

fn raw_create(sim: &Sim, body: &[u8], content_type: &str) -> Resp {
    let auth = format!("Bearer {}", sim.rw());
    raw(sim.addr(), "POST", &create_path(), &[("Authorization", &auth), ("Content-Type", content_type)], body).unwrap()
}

// ---- rule 0: binding and validation ----

#[test]
fn rule0_malformed_json_is_validation_problem() {
    let sim = Sim::start();
    let r = raw_create(&sim, b"{\"systemId\": ", "application/json");
    let v = r.validation();
    assert!(v["errors"]["$"].is_array(), "{v}");
    assert!(v["errors"]["createRequest"].is_array(), "{v}");
    assert!(r.header("content-type").unwrap().starts_with("application/problem+json"));
}

#[test]
fn rule0_empty_body_is_validation_problem() {
    let sim = Sim::start();
    let v = raw_create(&sim, b"", "application/json").validation();
    assert_eq!(v["errors"][""][0], "A non-empty request body is required.");
}

#[test]
fn rule0_missing_system_id_or_party_is_validation_problem() {
    let sim = Sim::start();
    let v = sim.create(&json!({"partyOrgNo": CUSTOMER, "rights": []})).validation();
    assert!(v["errors"]["$"][0].as_str().unwrap().contains("'systemId'"), "{v}");
    let v = sim.create(&json!({"systemId": STD_SYSTEM})).validation();
    assert!(v["errors"]["$"][0].as_str().unwrap().contains("'partyOrgNo'"), "{v}");
    // Present but null or blank: the [Required] attribute.
    let v = sim.create(&json!({"systemId": "  ", "partyOrgNo": null})).validation();
    assert_eq!(v["errors"]["SystemId"][0], "The SystemId field is required.");
    assert_eq!(v["errors"]["PartyOrgNo"][0], "The PartyOrgNo field is required.");
    // Agent body: no `required` keyword, [Required] on systemId, partyOrgNo, accessPackages.
    let v = sim.create_agent(&json!({"partyOrgNo": CUSTOMER})).validation();
    assert!(v["errors"]["SystemId"].is_array() && v["errors"]["AccessPackages"].is_array(), "{v}");
}

#[test]
fn rule0_wrong_member_type_is_validation_problem() {
    let sim = Sim::start();
    let v = sim.create(&json!({"systemId": 42, "partyOrgNo": CUSTOMER})).validation();
    assert!(v["errors"]["$.systemId"].is_array(), "{v}");
    let v = sim.create(&json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "rights": "x"})).validation();
    assert!(v["errors"]["$.rights"].is_array(), "{v}");
}

#[test]
fn rule0_non_json_content_type_is_415() {
    let sim = Sim::start();
    let body = serde_json::to_vec(&std_body(CUSTOMER, None)).unwrap();
    let r = raw_create(&sim, &body, "text/plain");
    assert_eq!(r.status, 415);
}

// ---- rule 1 ----

#[test]
fn rule1_no_consumer_claim_is_401_auth_00023() {
    let sim = Sim::start();
    let t = sim.h.mint_token_with(VENDOR, &[WRITE], 600, false);
    sim.post(&create_path(), &t, &std_body(CUSTOMER, None)).problem(401, "AUTH-00023");
}

#[test]
fn rule0_runs_before_rule1() {
    let sim = Sim::start();
    let t = sim.h.mint_token_with(VENDOR, &[WRITE], 600, false);
    sim.post(&create_path(), &t, &json!({"partyOrgNo": CUSTOMER})).validation();
}

// ---- rules 2 and 4: dedupe ----

#[test]
fn rule4_same_key_returns_200_with_existing_request() {
    let sim = Sim::start();
    let first = sim.create(&std_body(CUSTOMER, Some("ref-1")));
    assert_eq!(first.status, 201, "{}", first.text());
    let id = first.json()["id"].as_str().unwrap().to_string();
    // Another body with the same key (different rights) still gets the stored request.
    let mut b = std_body(CUSTOMER, Some("ref-1"));
    b["rights"] = json!([]);
    b["accessPackages"] = json!([{"urn": "urn:altinn:accesspackage:skattegrunnlag"}]);
    let second = sim.create(&b);
    assert_eq!(second.status, 200);
    let v = second.json();
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["rights"][0]["resource"][0]["value"], "ske-krav-og-betalinger");
    assert!(v["confirmUrl"].as_str().unwrap().contains(&id));
    // A different external ref is a different key.
    assert_eq!(sim.create(&std_body(CUSTOMER, Some("ref-2"))).status, 201);
    // Default key (externalRef absent) = orgno: explicit orgno is the same key.
    assert_eq!(sim.create(&std_body(CUSTOMER2, None)).status, 201);
    assert_eq!(sim.create(&std_body(CUSTOMER2, Some(CUSTOMER2))).status, 200);
}

#[test]
fn rule4_rejected_request_still_answers_200_until_deleted() {
    let sim = Sim::start();
    let id = sim.create(&std_body(CUSTOMER, None)).json()["id"].as_str().unwrap().to_string();
    assert_eq!(sim.admin("POST", &format!("/_sim/requests/{id}/reject"), None).status, 200);
    let again = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "Rejected");
    assert_eq!(again.json()["id"], id.as_str());
    let del = sim.call("DELETE", &format!("{}/{id}", create_path()), Some(&sim.rw()), None);
    del.assert_empty(202);
    let fresh = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(fresh.status, 201);
    assert_ne!(fresh.json()["id"], id.as_str());
}

#[test]
fn rule4_dedupe_is_per_kind() {
    let sim = Sim::start();
    // A standard request with the agent system's key does not block an agent request.
    let mut b = std_body(CUSTOMER, Some("k"));
    b["systemId"] = json!(AGENT_SYSTEM);
    b["rights"] = Value::Null;
    b["accessPackages"] = json!([{"urn": "urn:altinn:accesspackage:skattegrunnlag"}]);
    assert_eq!(sim.create(&b).status, 201);
    let a = sim.create_agent(&agent_body(CUSTOMER, Some("k2")));
    assert_eq!(a.status, 201);
    assert_eq!(sim.create_agent(&agent_body(CUSTOMER, Some("k2"))).status, 200);
}

// ---- rule 3 ----

#[test]
fn rule3_active_system_user_is_400_auth_00004() {
    let sim = Sim::start();
    let id = sim.create(&std_body(CUSTOMER, Some("su"))).json()["id"].as_str().unwrap().to_string();
    assert_eq!(sim.approve(&id).status, 200);
    sim.create(&std_body(CUSTOMER, Some("su"))).problem(400, "AUTH-00004");
    // Rule 3 comes before the vendor check: a foreign vendor gets the same answer.
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[WRITE]);
    sim.post(&create_path(), &foreign, &std_body(CUSTOMER, Some("su"))).problem(400, "AUTH-00004");
    // The customer deleting the system user soft-deletes its request too (API.md §14), so the
    // key takes a new request.
    assert_eq!(sim.admin("DELETE", &format!("/_sim/systemusers/{id}"), None).status, 204);
    let r = sim.create(&std_body(CUSTOMER, Some("su")));
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["status"], "New");
    assert_ne!(r.json()["id"], id.as_str());
}

// ---- rule 5 ----

#[test]
fn rule5_unknown_and_foreign_system_are_the_same_404_auth_00011() {
    let sim = Sim::start();
    let mut b = std_body(CUSTOMER, None);
    b["systemId"] = json!("314248295_doesnotexist");
    let unknown = sim.create(&b).problem(404, "AUTH-00011");
    b["systemId"] = json!(FOREIGN_SYSTEM);
    let foreign = sim.create(&b).problem(404, "AUTH-00011");
    assert_eq!(unknown["title"], foreign["title"]);
    assert_eq!(unknown["title"], "The Id does not refer to a Registered System.");
    assert_eq!(foreign["statusDescription"], "Not Found");
    // Agent route alike.
    let mut a = agent_body(CUSTOMER, None);
    a["systemId"] = json!(FOREIGN_SYSTEM);
    sim.create_agent(&a).problem(404, "AUTH-00011");
}

#[test]
fn rule5_runs_before_rule6() {
    let sim = Sim::start();
    let mut b = std_body("310000000", None);
    b["systemId"] = json!("314248295_nope");
    sim.create(&b).problem(404, "AUTH-00011");
}

#[test]
fn rule5_foreign_vendor_sees_no_existing_request() {
    let sim = Sim::start();
    assert_eq!(sim.create(&std_body(CUSTOMER, Some("mine"))).status, 201);
    // The server's status check on the key (AUTH-00007, pending) runs before its vendor check.
    let foreign = sim.h.mint_token(OTHER_VENDOR, &[WRITE]);
    sim.post(&create_path(), &foreign, &std_body(CUSTOMER, Some("mine"))).problem(400, "AUTH-00007");
}

// ---- rule 6 ----

#[test]
fn rule6_unknown_customer_is_400_auth_00000() {
    let sim = Sim::start();
    // Valid mod-11 but not in the register, and an invalid number: the server has no format check.
    sim.create(&std_body("313000009", None)).problem(400, "AUTH-00000");
    sim.create(&std_body("123456789", None)).problem(400, "AUTH-00000");
    sim.create(&std_body("0192:310816191", None)).problem(400, "AUTH-00000");
}

// ---- rule 7 ----

fn with_redirect(url: &str) -> Value {
    let mut b = std_body(CUSTOMER, Some(&format!("r{}", url.len())));
    b["externalRef"] = json!(format!("r-{}", url.bytes().map(|b| b as u32).sum::<u32>()));
    b["redirectUrl"] = json!(url);
    b
}

#[test]
fn rule7_system_without_redirect_urls_is_auth_00026() {
    let sim = Sim::start();
    let mut b = std_body(CUSTOMER, None);
    b["systemId"] = json!(NOREDIRECT_SYSTEM);
    b["redirectUrl"] = json!("https://smartregnskap.example/callback");
    sim.create(&b).problem(400, "AUTH-00026");
    // Even a relative URL: the server checks for allowed URLs before parsing.
    b["redirectUrl"] = json!("/callback");
    sim.create(&b).problem(400, "AUTH-00026");
    // Empty redirectUrl is no redirect.
    b["redirectUrl"] = json!("");
    assert_eq!(sim.create(&b).status, 201);
}

#[test]
fn rule7_redirect_match_is_scheme_host_port_path() {
    let sim = Sim::start();
    for ok in [
        "https://smartregnskap.example/callback",
        "HTTPS://SmartRegnskap.EXAMPLE/callback",
        "https://smartregnskap.example:443/callback",
        "https://smartregnskap.example/callback?state=abc#frag",
    ] {
        let r = sim.create(&with_redirect(ok));
        assert_eq!(r.status, 201, "{ok}: {}", r.text());
        assert_eq!(r.json()["redirectUrl"], ok);
    }
    for bad in [
        "https://smartregnskap.example/Callback",
        "https://smartregnskap.example/callback/",
        "https://smartregnskap.example/callback/sub",
        "https://smartregnskap.example:8443/callback",
        "http://smartregnskap.example/callback",
        "https://evil.example/callback",
        "https://smartregnskap.example.evil.example/callback",
    ] {
        sim.create(&with_redirect(bad)).problem(400, "AUTH-00021");
    }
}

#[test]
fn rule7_relative_redirect_url_is_500() {
    let sim = Sim::start();
    let r = sim.create(&with_redirect("/callback"));
    assert_eq!(r.status, 500);
    let v = r.json();
    assert_eq!(v["status"], 500);
    assert!(v.get("code").is_none());
}

// ---- rule 8 ----

#[test]
fn rule8_standard_without_rights_and_packages_is_auth_00001() {
    let sim = Sim::start();
    sim.create(&json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER})).problem(400, "AUTH-00001");
}

#[test]
fn rule8_standard_with_both_empty_is_auth_00059() {
    let sim = Sim::start();
    sim.create(&json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "rights": [], "accessPackages": []})).problem(400, "AUTH-00059");
    sim.create(&json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "rights": []})).problem(400, "AUTH-00059");
}

#[test]
fn rule8_agent_with_empty_packages_is_auth_00058() {
    let sim = Sim::start();
    let mut a = agent_body(CUSTOMER, None);
    a["accessPackages"] = json!([]);
    sim.create_agent(&a).problem(400, "AUTH-00058");
}

#[test]
fn rule8_agent_without_packages_member_is_validation_problem() {
    // The server's model has [Required] on AccessPackages: absent or null fails binding
    // (API.md says AUTH-00058; the server source answers this way, see README).
    let sim = Sim::start();
    let v = sim.create_agent(&json!({"systemId": AGENT_SYSTEM, "partyOrgNo": CUSTOMER})).validation();
    assert!(v["errors"]["AccessPackages"].is_array());
}

// ---- rule 9 ----

fn right(pairs: &[(&str, &str)]) -> Value {
    json!({"resource": pairs.iter().map(|(i, v)| json!({"id": i, "value": v})).collect::<Vec<_>>()})
}

fn with_rights(rights: Vec<Value>) -> Value {
    json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "externalRef": format!("x{}", rights.len()), "rights": rights})
}

#[test]
fn rule9_right_not_on_system_is_auth_00001() {
    let sim = Sim::start();
    sim.create(&with_rights(vec![right(&[("urn:altinn:resource", "something-else")])])).problem(400, "AUTH-00001");
    // Case-sensitive.
    sim.create(&with_rights(vec![right(&[("urn:altinn:resource", "SKE-krav-og-betalinger")])])).problem(400, "AUTH-00001");
}

#[test]
fn rule9_right_is_matched_as_a_set_of_pairs() {
    let sim = Sim::start();
    // One pair of a two-pair right: no match.
    sim.create(&with_rights(vec![right(&[("urn:altinn:org", "ttd")])])).problem(400, "AUTH-00001");
    // Both pairs in the other order, with an action: match.
    let mut r = right(&[("urn:altinn:app", "regnskap"), ("urn:altinn:org", "ttd")]);
    r["action"] = json!("write");
    let resp = sim.create(&with_rights(vec![r]));
    assert_eq!(resp.status, 201, "{}", resp.text());
    assert_eq!(resp.json()["rights"][0]["action"], "write");
}

#[test]
fn rule9_more_rights_than_the_system_has_is_auth_00001() {
    let sim = Sim::start();
    let r = right(&[("urn:altinn:resource", "ske-krav-og-betalinger")]);
    sim.create(&with_rights(vec![r.clone(), r.clone(), r.clone(), r])).problem(400, "AUTH-00001");
}

#[test]
fn rule9_right_with_empty_resource_is_500() {
    let sim = Sim::start();
    let r = sim.create(&with_rights(vec![json!({"resource": []})]));
    assert_eq!(r.status, 500);
}

#[test]
fn rule9_package_not_on_system_is_auth_00063_with_not_found_packages() {
    let sim = Sim::start();
    let b = json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "accessPackages": [
        {"urn": "urn:altinn:accesspackage:skattegrunnlag"},
        {"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"},
        {"urn": "urn:altinn:accesspackage:lonn"}
    ]});
    let v = sim.create(&b).problem(400, "AUTH-00063");
    assert_eq!(v["NotFoundPackages"], "urn:altinn:accesspackage:regnskapsforer-lonn, urn:altinn:accesspackage:lonn");
}

#[test]
fn rule9_agent_only_package_in_standard_request_is_auth_00064() {
    let sim = Sim::start();
    // On the standard system, but not assignable.
    let b = json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "accessPackages": [
        {"urn": "urn:altinn:accesspackage:revisormedarbeider"}
    ]});
    let v = sim.create(&b).problem(400, "AUTH-00064");
    assert_eq!(v["NotDelegablePackages"], "urn:altinn:accesspackage:revisormedarbeider");
    // A standard request against the agent system with regnskapsforer-lonn.
    let b = json!({"systemId": AGENT_SYSTEM, "partyOrgNo": CUSTOMER, "accessPackages": [
        {"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"}
    ]});
    let v = sim.create(&b).problem(400, "AUTH-00064");
    assert_eq!(v["NotDelegablePackages"], "urn:altinn:accesspackage:regnskapsforer-lonn");
}

#[test]
fn rule9_non_delegable_package_in_agent_request_is_auth_00065() {
    let sim = Sim::start();
    let mut a = agent_body(CUSTOMER, None);
    a["accessPackages"] = json!([
        {"urn": "urn:altinn:accesspackage:regnskapsforer-lonn"},
        {"urn": "urn:altinn:accesspackage:hovedadministrator"}
    ]);
    let v = sim.create_agent(&a).problem(400, "AUTH-00065");
    assert_eq!(v["NotDelegablePackages"], "urn:altinn:accesspackage:hovedadministrator");
    // Not found comes first.
    a["accessPackages"] = json!([{"urn": "urn:altinn:accesspackage:hovedadministrator"}, {"urn": "urn:x"}]);
    let v = sim.create_agent(&a).problem(400, "AUTH-00063");
    assert_eq!(v["NotFoundPackages"], "urn:x");
}

#[test]
fn rule9_package_urns_are_not_trimmed() {
    let sim = Sim::start();
    let b = json!({"systemId": STD_SYSTEM, "partyOrgNo": CUSTOMER, "accessPackages": [
        {"urn": " urn:altinn:accesspackage:skattegrunnlag "}
    ]});
    sim.create(&b).problem(400, "AUTH-00063");
}

// ---- rule 10 ----

#[test]
fn rule10_empty_external_ref_creates_a_new_request_every_time() {
    let sim = Sim::start();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let r = sim.create(&std_body(CUSTOMER, Some("")));
        assert_eq!(r.status, 201);
        let v = r.json();
        assert_eq!(v["externalRef"], CUSTOMER, "stored as the org number");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    ids.dedup();
    assert_eq!(ids.len(), 3);
    // Blank is trimmed to empty: the same quirk.
    assert_eq!(sim.create(&std_body(CUSTOMER, Some("   "))).status, 201);
    // The counters see it too.
    let keys = sim.admin("GET", "/_sim/dedupe", None).json();
    let stored =
        keys["keys"].as_array().unwrap().iter().find(|k| k["externalRef"] == CUSTOMER && k["systemId"] == STD_SYSTEM).unwrap().clone();
    assert_eq!(stored["requestsStored"], 4, "{keys}");
    // Absent externalRef now finds one of them: 200.
    assert_eq!(sim.create(&std_body(CUSTOMER, None)).status, 200);
}

#[test]
fn rule10_null_external_ref_is_the_org_number() {
    let sim = Sim::start();
    let mut b = std_body(CUSTOMER, None);
    b["externalRef"] = Value::Null;
    let v = sim.create(&b).json();
    assert_eq!(v["externalRef"], CUSTOMER);
}

// ---- rule 11 ----

#[test]
fn rule11_stored_as_new_with_default_title() {
    let sim = Sim::start();
    let r = sim.create(&std_body(CUSTOMER, Some("t")));
    assert_eq!(r.status, 201);
    let v = r.json();
    assert_eq!(v["status"], "New");
    assert_eq!(v["integrationTitle"], "SmartRegnskap");
    let mut b = std_body(CUSTOMER, Some("t2"));
    b["integrationTitle"] = json!("  Lønn og regnskap  ");
    assert_eq!(sim.create(&b).json()["integrationTitle"], "Lønn og regnskap");
}

#[test]
fn rule11_strings_over_255_characters_are_500() {
    let sim = Sim::start();
    let long = "a".repeat(256);
    let r = sim.create(&std_body(CUSTOMER, Some(&long)));
    assert_eq!(r.status, 500);
    let mut b = std_body(CUSTOMER, Some("ok"));
    b["integrationTitle"] = json!(long);
    assert_eq!(sim.create(&b).status, 500);
    // 255 is fine (counted in characters).
    assert_eq!(sim.create(&std_body(CUSTOMER, Some(&"ø".repeat(255)))).status, 201);
}

// ---- §4 shapes, trimming, member names ----

#[test]
fn created_response_shape() {
    let sim = Sim::start();
    let r = sim.create(&std_body(CUSTOMER, Some("shape")));
    assert_eq!(r.status, 201);
    let v = r.json();
    let id = v["id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(r.header("location").unwrap(), format!("{}/authentication/api/v1/systemuser/request/{id}", sim.h.url()));
    assert_eq!(v["confirmUrl"], format!("{}/accessmanagement/ui/systemuser/request?id={id}&DONTCHOOSEREPORTEE=true", sim.h.url()));
    assert!(v.get("redirectUrl").is_none(), "null omitted");
    assert_eq!(v["escalated"], false);
    assert_eq!(v["timedOut"], false);
    assert_eq!(v["accessPackages"], json!([]));
    let created = v["created"].as_str().unwrap();
    assert!(created.starts_with("20") && created.len() >= 19 && !created.ends_with('Z'), "{created}");
    assert!(!created.contains('+'));
    // Member order as the server writes it.
    let text = r.text();
    assert!(text.starts_with("{\"id\":"), "{text}");
}

#[test]
fn agent_response_has_no_rights_and_agent_confirm_url() {
    let sim = Sim::start();
    let mut a = agent_body(CUSTOMER, None);
    a["rights"] = json!([{"resource": [{"id": "urn:altinn:resource", "value": "ske-krav-og-betalinger"}]}]);
    let r = sim.create_agent(&a);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert!(v.get("rights").is_none(), "{v}");
    assert!(v["confirmUrl"].as_str().unwrap().contains("/accessmanagement/ui/systemuser/agentrequest?id="));
    assert_eq!(v["accessPackages"][0]["urn"], "urn:altinn:accesspackage:regnskapsforer-lonn");
}

#[test]
fn member_names_case_insensitive_unknown_ignored_top_level_trimmed() {
    let sim = Sim::start();
    let b = json!({
        "SYSTEMID": format!("  {STD_SYSTEM}  "),
        "partyorgno": format!(" {CUSTOMER}\t"),
        "ExternalRef": " trim-me ",
        "externalReference": "ignored",
        "Rights": [{"Resource": [{"ID": "urn:altinn:resource", "VALUE": "ske-krav-og-betalinger"}]}],
        "whatever": {"nested": true}
    });
    let r = sim.create(&b);
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    assert_eq!(v["systemId"], STD_SYSTEM);
    assert_eq!(v["partyOrgNo"], CUSTOMER);
    assert_eq!(v["externalRef"], "trim-me");
}

#[test]
fn legacy_problem_shape_uses_detail() {
    let sim = Sim::with(altinn_sim::SimOptions::default().with_admin(true).with_problem_shape(altinn_sim::ProblemShape::Legacy));
    let mut b = std_body(CUSTOMER, None);
    b["systemId"] = json!(FOREIGN_SYSTEM);
    let r = sim.create(&b);
    assert_eq!(r.status, 404);
    let v = r.json();
    assert_eq!(v["type"], "https://tools.ietf.org/html/rfc9110#section-15.5.5");
    assert_eq!(v["title"], "Not Found");
    assert_eq!(v["detail"], "The Id does not refer to a Registered System.");
    assert_eq!(v["code"], "AUTH-00011");
    assert!(v.get("statusDescription").is_none());
}

#[test]
fn zero_created_on_create_setting() {
    let sim = Sim::with(altinn_sim::SimOptions::default().with_admin(true).with_zero_created_on_create(true));
    let r = sim.create(&std_body(CUSTOMER, None));
    assert_eq!(r.json()["created"], "0001-01-01T00:00:00");
    let again = sim.create(&std_body(CUSTOMER, None));
    assert_ne!(again.json()["created"], "0001-01-01T00:00:00");
}
