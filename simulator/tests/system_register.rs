//! The System Register's vendor routes (API.md §13) over real HTTP: every route, every check of
//! the "Order of checks" table in order (each test shows the earlier check winning), the
//! AUTH.VLD codes, the change log, and a system registered through the API used by the request
//! routes at once.

mod common;

use common::*;
use serde_json::{json, Value};

const R: &str = "/authentication/api/v1/systemregister/vendor";
const NEW: &str = "314248295_nyttsystem";

/// A complete, valid system of vendor 314248295.
fn system(id: &str) -> Value {
    json!({
        "id": id,
        "vendor": {"ID": "0192:314248295", "authority": "iso6523-actorid-upis"},
        "name": {"nb": "Nytt system", "nn": "Nytt system", "en": "New system"},
        "description": {"nb": "Beskrivelse", "nn": "Skildring", "en": "Description"},
        "rights": [right(KRAV)],
        "accessPackages": [package("skattegrunnlag")],
        "clientId": ["sim-spare-client"],
        "isVisible": true,
        "allowedRedirectUrls": ["HTTPS://Ny.Example:443"],
    })
}

fn reg(sim: &Sim) -> String {
    sim.token(&[REGISTER])
}

fn foreign(sim: &Sim) -> String {
    sim.h.mint_token(OTHER_VENDOR, &[REGISTER])
}

fn put(sim: &Sim, path: &str, token: &str, body: &Value) -> Resp {
    sim.call("PUT", path, Some(token), Some(body))
}

fn delete(sim: &Sim, id: &str, token: &str) -> Resp {
    sim.call("DELETE", &format!("{R}/{id}"), Some(token), None)
}

/// Registers `body` and returns the internal id (asserts the 200 and its bare JSON string).
fn register(sim: &Sim, body: &Value) -> String {
    let r = sim.post(R, &reg(sim), body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("content-type").unwrap_or("").starts_with("application/json"), "{:?}", r.headers);
    let id = r.json().as_str().expect("a bare JSON string").to_string();
    assert_eq!(r.text(), format!("\"{id}\""));
    assert_eq!(id.len(), 36);
    id
}

/// The codes of a `STD-00000` validation problem, in order; checks the shape.
fn vld_codes(r: &Resp) -> Vec<String> {
    let v = r.problem(400, "STD-00000");
    assert_eq!(v["title"], "One or more validation errors occurred.");
    assert_eq!(v["statusDescription"], "Bad Request");
    let items = v["validationErrors"].as_array().expect("validationErrors");
    for i in items {
        assert!(i["code"].as_str().unwrap().starts_with("AUTH.VLD-"), "{i}");
        assert!(i["title"].is_string() && i["paths"].is_array() && i.get("detail").is_none(), "{i}");
    }
    items.iter().map(|i| i["code"].as_str().unwrap().to_string()).collect()
}

fn item<'a>(v: &'a Value, code: &str) -> &'a Value {
    v["validationErrors"].as_array().unwrap().iter().find(|i| i["code"] == code).unwrap_or_else(|| panic!("no {code} in {v}"))
}

fn assert_text(r: &Resp, status: u16, text: &str) {
    assert_eq!((r.status, r.text().as_str()), (status, text));
    assert!(r.header("content-type").unwrap_or("").starts_with("text/plain"), "{:?}", r.headers);
}

fn changelog(sim: &Sim, id: &str) -> Vec<Value> {
    let r = sim.get(&format!("{R}/{id}/changelog"), &reg(sim));
    assert_eq!(r.status, 200, "{}", r.text());
    r.json().as_array().unwrap().clone()
}

// ---- scopes (every route) ----

#[test]
fn every_route_needs_a_token_and_the_register_scope() {
    let sim = Sim::start();
    let routes = [
        ("GET", R.to_string()),
        ("POST", R.to_string()),
        ("GET", format!("{R}/{STD_SYSTEM}")),
        ("PUT", format!("{R}/{STD_SYSTEM}")),
        ("PUT", format!("{R}/{STD_SYSTEM}/rights")),
        ("PUT", format!("{R}/{STD_SYSTEM}/accesspackages")),
        ("DELETE", format!("{R}/{STD_SYSTEM}")),
        ("GET", format!("{R}/{STD_SYSTEM}/changelog")),
    ];
    let wrong = sim.token(&[READ, WRITE]);
    for (method, path) in &routes {
        // The token comes before the framework's binding (an empty body here).
        sim.call(method, path, None, None).assert_empty(401);
        sim.call(method, path, Some(&wrong), None).assert_empty(403);
    }
    // `systemregister.admin` is enough, and skips the owner check.
    let admin = sim.h.mint_token(OTHER_VENDOR, &[REGISTER_ADMIN]);
    assert_eq!(sim.get(&format!("{R}/{STD_SYSTEM}/changelog"), &admin).status, 200);
    assert_eq!(put(&sim, &format!("{R}/{STD_SYSTEM}/rights"), &admin, &json!([right(KRAV)])).status, 200);
}

// ---- GET vendor, GET vendor/{id} ----

#[test]
fn list_own_systems_without_deleted_ones() {
    let sim = Sim::start();
    let v = sim.get(R, &reg(&sim)).json();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|s| s["systemId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["314248295_smartregnskap", "314248295_smartbyraa", "314248295_smartarkiv"]);
    let first = &v[0];
    let keys: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys.len(),
        8,
        "systemId, systemVendorOrgNumber, systemVendorOrgName, name, description, rights, accessPackages, isVisible: {keys:?}"
    );
    assert_eq!((first["systemVendorOrgNumber"].as_str(), first["systemVendorOrgName"].as_str()), (Some(VENDOR), Some("")));
    assert_eq!(v[1]["isVisible"], false, "invisible systems are listed too");
    let text = sim.get(R, &reg(&sim)).text();
    assert!(text.starts_with("[{\"systemId\":\"314248295_smartregnskap\",\"systemVendorOrgNumber\""), "{text}");
    // A deleted system is left out; another vendor sees its own.
    assert_eq!(delete(&sim, NOREDIRECT_SYSTEM, &reg(&sim)).status, 400, "smartarkiv has no client id: empty 400, deleted anyway");
    assert_eq!(sim.get(R, &reg(&sim)).json().as_array().unwrap().len(), 2);
    let theirs = sim.get(R, &foreign(&sim)).json();
    assert_eq!(theirs.as_array().unwrap().iter().map(|s| s["systemId"].clone()).collect::<Vec<_>>(), [json!(FOREIGN_SYSTEM)]);
    // No consumer: 403.
    sim.get(R, &sim.h.mint_token_with(VENDOR, &[REGISTER], 600, false)).assert_empty(403);
}

#[test]
fn read_finds_deleted_systems_too() {
    let sim = Sim::start();
    sim.get(&format!("{R}/314248295_unknown"), &reg(&sim)).assert_empty(404);
    sim.get(&format!("{R}/{FOREIGN_SYSTEM}"), &reg(&sim)).assert_empty(403);
    assert_eq!(delete(&sim, STD_SYSTEM, &reg(&sim)).status, 200);
    let v = sim.get(&format!("{R}/{STD_SYSTEM}"), &reg(&sim)).json();
    assert_eq!(v["isDeleted"], true);
    assert_eq!(v["clientId"], json!(["sim-smartregnskap-client"]), "the column keeps the client ids");
}

// ---- POST vendor ----

#[test]
fn create_answers_the_internal_id_and_stores_the_system() {
    let sim = Sim::start();
    let id = register(&sim, &system(NEW));
    let v = sim.get(&format!("{R}/{NEW}"), &reg(&sim)).json();
    assert_eq!(v["id"], NEW);
    assert_eq!(v["vendor"], json!({"ID": "0192:314248295"}), "authority is not written back");
    assert_eq!(v["allowedRedirectUrls"], json!(["https://ny.example/"]), "stored as Uri.ToString()");
    assert_eq!(v["clientId"], json!(["sim-spare-client"]));
    assert_eq!(v["accessPackages"], json!([package("skattegrunnlag")]));
    assert_eq!((v["isVisible"].as_bool(), v["isDeleted"].as_bool()), (Some(true), Some(false)));
    // Defaults: rights and packages [], clientId [], isVisible true, no redirect URLs.
    let minimal = json!({"id": "314248295_minimal", "vendor": {"ID": "0192:314248295"}, "name": {"nb": "M", "nn": "M", "en": "M"}, "description": {"nb": "", "nn": "", "en": ""}});
    register(&sim, &minimal);
    let m = sim.get(&format!("{R}/314248295_minimal"), &reg(&sim)).json();
    assert_eq!((&m["rights"], &m["accessPackages"], &m["clientId"], &m["isVisible"]), (&json!([]), &json!([]), &json!([]), &json!(true)));
    // `"accessPackages": null` is stored as NULL and read back as null.
    let mut nulls = system("314248295_nullpakker");
    nulls["accessPackages"] = Value::Null;
    nulls["clientId"] = json!([]);
    register(&sim, &nulls);
    assert_eq!(sim.get(&format!("{R}/314248295_nullpakker"), &reg(&sim)).json()["accessPackages"], Value::Null);
    // The change log has the create, with the body as the server serialised it.
    let log = changelog(&sim, NEW);
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["systemInternalId"], id.as_str());
    assert_eq!((log[0]["changeType"].as_str(), log[0]["changedByOrgNumber"].as_str()), (Some("create"), Some(VENDOR)));
    assert_eq!(log[0]["clientId"], format!("sim-admin-{VENDOR}"));
    let data = &log[0]["changedData"];
    assert_eq!(data["Id"], NEW);
    assert_eq!(data["Vendor"], json!({"ID": "0192:314248295"}));
    assert_eq!(data["Rights"], json!([{"Action": null, "Resource": [{"id": "urn:altinn:resource", "value": KRAV}]}]));
    assert_eq!(data["AllowedRedirectUrls"], json!(["HTTPS://Ny.Example:443"]), "as sent");
}

#[test]
fn create_framework_400s_come_first() {
    let sim = Sim::start();
    let t = reg(&sim);
    let send = |ct: &str, body: &[u8]| {
        raw(sim.addr(), "POST", R, &[("Authorization", &format!("Bearer {t}")), ("Content-Type", ct)], body).unwrap()
    };
    assert_eq!(send("text/plain", b"{}").status, 415);
    let v = send("application/json", b"").validation();
    assert!(v["errors"][""].is_array() && v["errors"]["registerNewSystem"].is_array(), "an empty body: {v}");
    assert!(send("application/json", b"{nope").validation()["errors"]["$"].is_array());
    // Required members, before AUTH.VLD-00000 (this vendor authority is wrong too).
    let v = sim.post(R, &t, &json!({"id": "x", "vendor": {"ID": "9908:1"}})).validation();
    assert!(v["errors"]["$"][0].as_str().unwrap().contains("'name', 'description'"), "{v}");
    // Null and empty required values, all together.
    let mut b = system(NEW);
    b["id"] = json!("");
    b["vendor"] = json!({"ID": null});
    b["clientId"] = Value::Null;
    b["rights"] = json!([{"resource": [{"id": "urn:altinn:resource"}]}]);
    let v = sim.post(R, &t, &b).validation();
    let keys: Vec<&str> = v["errors"].as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["Id", "Vendor.ID", "ClientId", "Rights[0].Resource[0].Value"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    // A wrong type.
    let mut b = system(NEW);
    b["isVisible"] = json!("yes");
    assert!(sim.post(R, &t, &b).validation()["errors"]["$.isVisible"].is_array());
}

#[test]
fn create_vld_00000_is_reported_alone_and_first() {
    let sim = Sim::start();
    let mut b = system("has space");
    b["vendor"] = json!({"ID": "9908:313367002"});
    b["rights"] = json!([{"resource": [{"id": "urn:altinn:org", "value": "ttd"}]}]);
    // Another vendor's org with a bad authority: 00000, not 403, and nothing else.
    let r = sim.post(R, &reg(&sim), &b);
    assert_eq!(vld_codes(&r), ["AUTH.VLD-00000"]);
    assert_eq!(item(&r.json(), "AUTH.VLD-00000")["paths"], json!(["/registersystemrequest/vendor/id"]));
}

#[test]
fn create_owner_check_answers_403_before_the_400_list() {
    let sim = Sim::start();
    let mut b = system("313367002_theirs");
    b["vendor"] = json!({"ID": "0192:313367002"});
    b["rights"] = json!([right("finnes-ikke")]);
    sim.post(R, &reg(&sim), &b).assert_empty(403);
    // A vendor without `consumer` is not the owner either.
    sim.post(R, &sim.h.mint_token_with(VENDOR, &[REGISTER], 600, false), &system(NEW)).assert_empty(403);
    // The admin scope skips the owner check: the list comes back.
    let admin = sim.h.mint_token(VENDOR, &[REGISTER_ADMIN]);
    assert_eq!(vld_codes(&sim.post(R, &admin, &b)), ["AUTH.VLD-00003"]);
    b["rights"] = json!([right(KRAV)]);
    b["clientId"] = json!([]);
    assert_eq!(sim.post(R, &admin, &b).status, 200, "an admin registers for another vendor");
}

#[test]
fn create_collects_the_400_list_in_the_servers_order() {
    let sim = Sim::start();
    let mut b = system(STD_SYSTEM);
    b["allowedRedirectUrls"] = json!(["https://ok.example/cb", "http://plain.example/cb"]);
    b["clientId"] = json!(["sim-smartbyraa-client"]);
    b["rights"] = json!([
        {"resource": [{"id": "urn:altinn:org", "value": "ttd"}, {"id": "urn:altinn:app", "value": "regnskap"}]},
        right("finnes-ikke"),
        right("ske-maskinporten-skattemelding"),
        right(KRAV),
        right(KRAV),
    ]);
    b["accessPackages"] = json!([
        {"urn": "urn:x"},
        {"urn": null},
        package("finnes-ikke"),
        package("hovedadministrator"),
        package("skattegrunnlag"),
        package("skattegrunnlag"),
        package("regnskapsforer-lonn"),
    ]);
    let r = sim.post(R, &reg(&sim), &b);
    let codes = vld_codes(&r);
    assert_eq!(
        codes,
        [
            "AUTH.VLD-00002",
            "AUTH.VLD-00005",
            "AUTH.VLD-00004",
            "AUTH.VLD-00009",
            "AUTH.VLD-00003",
            "AUTH.VLD-00017",
            "AUTH.VLD-00006",
            "AUTH.VLD-00008",
            "AUTH.VLD-00007",
            "AUTH.VLD-00018"
        ]
    );
    let v = r.json();
    assert_eq!(item(&v, "AUTH.VLD-00002")["paths"], json!(["/registersystemrequest/systemid"]));
    assert_eq!(item(&v, "AUTH.VLD-00005")["paths"], json!(["/registersystemrequest/allowedredirecturls"]));
    assert_eq!(item(&v, "AUTH.VLD-00004")["paths"], json!(["/registersystemrequest/clientid"]));
    assert_eq!(item(&v, "AUTH.VLD-00009")["Invalid Resource Id Details : "], "ttd | regnskap");
    assert_eq!(item(&v, "AUTH.VLD-00003")["ResourceIds Not Found : "], "finnes-ikke");
    assert_eq!(item(&v, "AUTH.VLD-00017")["ResourceIds Not Delegable : "], "ske-maskinporten-skattemelding");
    assert_eq!(item(&v, "AUTH.VLD-00017")["paths"], json!(["/registersystemrequest/rights/resource"]));
    assert_eq!(
        item(&v, "AUTH.VLD-00008")["Invalid Urn Details : "],
        "Invalid format: urn:x,  | Not found: urn:altinn:accesspackage:finnes-ikke | Not possible to delegate: urn:altinn:accesspackage:hovedadministrator"
    );
    assert_eq!(
        item(&v, "AUTH.VLD-00018")["title"],
        "Access packages meant for system user for client relations can't be used in combination with the flag isVisible: true"
    );
    // Member order of an item: code, title, paths, then the extension.
    let text = r.text();
    assert!(text.contains("{\"code\":\"AUTH.VLD-00003\",\"title\":\"One or more resources specified in rights were not found in Altinn's resource register.\",\"paths\":[\"/registersystemrequest/rights/resource\"],\"ResourceIds Not Found : \":\"finnes-ikke\"}"), "{text}");
    // The same packages on an invisible system: no 00018.
    b["isVisible"] = json!(false);
    assert!(!vld_codes(&sim.post(R, &reg(&sim), &b)).contains(&"AUTH.VLD-00018".to_string()));
}

#[test]
fn create_vld_00013_and_00001_on_the_id() {
    let sim = Sim::start();
    let r = sim.post(R, &reg(&sim), &system("31424829 5_x"));
    assert_eq!(vld_codes(&r), ["AUTH.VLD-00013", "AUTH.VLD-00001"]);
    assert_eq!(vld_codes(&sim.post(R, &reg(&sim), &system("313367002_x"))), ["AUTH.VLD-00001"]);
    // The trim filter takes leading and trailing spaces off the id first.
    register(&sim, &system(&format!("  {NEW} ")));
    assert_eq!(sim.get(&format!("{R}/{NEW}"), &reg(&sim)).status, 200);
}

#[test]
fn create_vld_00002_deleted_ids_are_never_reused() {
    let sim = Sim::start();
    register(&sim, &system(NEW));
    assert_eq!(delete(&sim, NEW, &reg(&sim)).status, 200);
    assert_eq!(vld_codes(&sim.post(R, &reg(&sim), &system(NEW))), ["AUTH.VLD-00002"]);
}

#[test]
fn create_vld_00004_only_counts_active_systems() {
    let sim = Sim::start();
    let mut b = system(NEW);
    b["clientId"] = json!(["sim-smartregnskap-client"]);
    assert_eq!(vld_codes(&sim.post(R, &reg(&sim), &b)), ["AUTH.VLD-00004"]);
    // Deleting smartregnskap drops its Maskinporten client rows: the client id is free again.
    assert_eq!(delete(&sim, STD_SYSTEM, &reg(&sim)).status, 200);
    register(&sim, &b);
    assert_eq!(sim.get(&format!("{R}/{NEW}"), &reg(&sim)).json()["clientId"], json!(["sim-smartregnskap-client"]));
}

#[test]
fn create_409_and_500_are_bare_strings() {
    let sim = Sim::start();
    let t = reg(&sim);
    // Duplicate client ids pass the checks, then break the maskinporten_client key: 409, nothing stored.
    let mut b = system(NEW);
    b["clientId"] = json!(["sim-spare-client", "sim-spare-client"]);
    assert_text(&sim.post(R, &t, &b), 409, &format!("The System already exist: {NEW}"));
    sim.get(&format!("{R}/{NEW}"), &t).assert_empty(404);
    // name/description must hold en, nb and nn (a domain check of the table).
    let mut b = system(NEW);
    b["name"] = json!({"nb": "Bare bokmål", "en": "x"});
    assert_text(
        &sim.post(R, &t, &b),
        500,
        "23514: value for domain business_application.translated_text violates check constraint \"translated_text_contains_nn\"",
    );
    // `"rights": null` makes the validation throw.
    let mut b = system(NEW);
    b["rights"] = Value::Null;
    assert_text(&sim.post(R, &t, &b), 500, "Object reference not set to an instance of an object.");
    // A vendor id without the number after `0192`.
    let mut b = system(NEW);
    b["vendor"] = json!({"ID": "0192"});
    assert_text(&sim.post(R, &t, &b), 500, "Index was outside the bounds of the array.");
    // An id longer than the column.
    let long = format!("314248295_{}", "x".repeat(250));
    assert_text(&sim.post(R, &t, &system(&long)), 500, "22001: value too long for type character varying(255)");
    // The admin scope without a consumer: the change log cannot name the organisation.
    let admin = sim.h.mint_token_with(VENDOR, &[REGISTER_ADMIN], 600, false);
    assert_text(&sim.post(R, &admin, &system(NEW)), 500, "Value cannot be null. (Parameter 'value')");
    sim.get(&format!("{R}/{NEW}"), &t).assert_empty(404);
}

// ---- PUT vendor/{id} ----

#[test]
fn replace_checks_in_order() {
    let sim = Sim::start();
    let t = reg(&sim);
    let path = format!("{R}/{NEW}");
    // Framework 400 before anything, even for an unknown system.
    assert!(put(&sim, &format!("{R}/314248295_unknown"), &t, &json!({"id": "x"})).validation()["errors"]["$"].is_array());
    // 1. unknown → 404 text.
    assert_text(
        &put(&sim, &format!("{R}/314248295_unknown"), &t, &system("314248295_unknown")),
        404,
        "System with ID '314248295_unknown' not found.",
    );
    register(&sim, &system(NEW));
    // 2. another vendor's system → 403, before the vendor comparison.
    let mut theirs = system(FOREIGN_SYSTEM);
    theirs["vendor"] = json!({"ID": "0192:314248295"});
    put(&sim, &format!("{R}/{FOREIGN_SYSTEM}"), &t, &theirs).assert_empty(403);
    // 3. body vendor ≠ stored → 404 text (exact comparison), before the id check.
    let mut b = system("314248295_other");
    b["vendor"] = json!({"ID": "0192:313367002"});
    assert_text(&put(&sim, &path, &t, &b), 404, &format!("System with ID '{NEW}' not found."));
    // 4. body id ≠ path id → 00012 alone (the bad right is not reported).
    let mut b = system("314248295_other");
    b["rights"] = json!([right("finnes-ikke")]);
    let r = put(&sim, &path, &t, &b);
    assert_eq!(vld_codes(&r), ["AUTH.VLD-00012"]);
    assert_eq!(item(&r.json(), "AUTH.VLD-00012")["paths"], json!(["/registersystemrequest/systemid"]));
    // 6. the list: rights, packages, client ids (00011 duplicates, 00004 once per taken id).
    let mut b = system(NEW);
    b["rights"] = json!([right("finnes-ikke")]);
    b["accessPackages"] = json!([package("regnskapsforer-lonn")]);
    b["clientId"] = json!(["sim-spare-client", "SIM-SPARE-CLIENT", "sim-smartbyraa-client", "sim-konkurrent-client"]);
    assert_eq!(
        vld_codes(&put(&sim, &path, &t, &b)),
        ["AUTH.VLD-00003", "AUTH.VLD-00018", "AUTH.VLD-00011", "AUTH.VLD-00004", "AUTH.VLD-00004"]
    );
    // 5. deleted → 400 text, before the list.
    assert_eq!(delete(&sim, NEW, &t).status, 200);
    assert_text(&put(&sim, &path, &t, &b), 400, "Cannot update a system marked as deleted.");
}

#[test]
fn replace_reverts_omitted_fields_and_is_logged() {
    let sim = Sim::start();
    let t = reg(&sim);
    register(&sim, &system(NEW));
    let only_required = json!({"id": NEW, "vendor": {"ID": "0192:314248295"}, "name": {"nb": "Nytt navn", "nn": "N", "en": "N"}, "description": {"nb": "", "nn": "", "en": ""}});
    let r = put(&sim, &format!("{R}/{NEW}"), &t, &only_required);
    assert_eq!((r.status, r.json()), (200, json!({"succeeded": true})));
    let v = sim.get(&format!("{R}/{NEW}"), &t).json();
    assert_eq!(v["name"]["nb"], "Nytt navn");
    assert_eq!(
        (&v["rights"], &v["accessPackages"], &v["clientId"], &v["allowedRedirectUrls"]),
        (&json!([]), &json!([]), &json!([]), &json!([]))
    );
    assert_eq!(v["isVisible"], true);
    // Its client id went with the replace: another system may take it now.
    let mut other = system("314248295_annet");
    other["clientId"] = json!(["sim-spare-client"]);
    register(&sim, &other);
    let log = changelog(&sim, NEW);
    assert_eq!(log.iter().map(|e| e["changeType"].as_str().unwrap()).collect::<Vec<_>>(), ["update", "create"], "newest first");
    assert_eq!(log[0]["changedData"]["ClientId"], json!([]));
    // PUT does not check the redirect URLs' form; the column's domain refuses a relative one (500).
    let mut http = only_required.clone();
    http["allowedRedirectUrls"] = json!(["http://plain.example/cb"]);
    assert_eq!(put(&sim, &format!("{R}/{NEW}"), &t, &http).status, 200);
    http["allowedRedirectUrls"] = json!(["/relative"]);
    let r = put(&sim, &format!("{R}/{NEW}"), &t, &http);
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["title"], "An error occurred while processing your request.");
}

// ---- PUT vendor/{id}/rights and …/accesspackages ----

#[test]
fn set_rights_checks_in_order() {
    let sim = Sim::start();
    let t = reg(&sim);
    let rights = |id: &str| format!("{R}/{id}/rights");
    // The body binds first: a list.
    assert!(put(&sim, &rights(STD_SYSTEM), &t, &json!({})).validation()["errors"]["$"].is_array());
    assert!(put(&sim, &rights(STD_SYSTEM), &t, &json!([{"resource": null}])).validation()["errors"]["[0].Resource"].is_array());
    // Unknown → 500 (the server dereferences the missing system), not 404.
    let r = put(&sim, &rights("314248295_unknown"), &t, &json!([]));
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["title"], "An error occurred while processing your request.");
    put(&sim, &rights(FOREIGN_SYSTEM), &t, &json!([right("finnes-ikke")])).assert_empty(403);
    let bad = json!([right("finnes-ikke"), right("ttd-samtykke"), {"resource": [{"id": "urn:altinn:org", "value": "ttd"}]}, right(KRAV), right(KRAV)]);
    assert_eq!(
        vld_codes(&put(&sim, &rights(STD_SYSTEM), &t, &bad)),
        ["AUTH.VLD-00009", "AUTH.VLD-00003", "AUTH.VLD-00017", "AUTH.VLD-00006"]
    );
    // Every delegable resource type passes.
    let good: Vec<Value> = [
        "ske-krav-og-betalinger",
        "app_ttd_regnskap",
        "ttd-systemtilgang",
        "ttd-melding",
        "ttd-formidling",
        "ttd-standard",
        "app_ttd_migrert",
    ]
    .iter()
    .map(|r| right(r))
    .collect();
    let r = put(&sim, &rights(STD_SYSTEM), &t, &json!(good));
    assert_eq!((r.status, r.json()), (200, json!({"succeeded": true})));
    assert_eq!(sim.get(&format!("{R}/{STD_SYSTEM}"), &t).json()["rights"].as_array().unwrap().len(), 7);
    let log = changelog(&sim, STD_SYSTEM);
    assert_eq!(log[0]["changeType"], "rightsupdate");
    assert_eq!(log[0]["changedData"][0], json!({"Action": null, "Resource": [{"id": "urn:altinn:resource", "value": KRAV}]}));
    // Deleted → 400 text, before the list.
    assert_eq!(delete(&sim, STD_SYSTEM, &t).status, 200);
    assert_text(&put(&sim, &rights(STD_SYSTEM), &t, &bad), 400, "Cannot update a system marked as deleted.");
}

#[test]
fn set_access_packages_checks_in_order_with_the_stored_visibility() {
    let sim = Sim::start();
    let t = reg(&sim);
    let packages = |id: &str| format!("{R}/{id}/accesspackages");
    let r = put(&sim, &packages("314248295_unknown"), &t, &json!([]));
    assert_eq!(r.status, 500);
    put(&sim, &packages(FOREIGN_SYSTEM), &t, &json!([{"urn": "urn:x"}])).assert_empty(403);
    let agent_only = json!([package("regnskapsforer-lonn")]);
    // smartregnskap is visible: an agent-only package is 00018; smartbyraa is not visible.
    assert_eq!(vld_codes(&put(&sim, &packages(STD_SYSTEM), &t, &agent_only)), ["AUTH.VLD-00018"]);
    assert_eq!(put(&sim, &packages(AGENT_SYSTEM), &t, &agent_only).status, 200);
    assert_eq!(sim.get(&format!("{R}/{AGENT_SYSTEM}"), &t).json()["accessPackages"], agent_only);
    let bad = json!([{"urn": ""}, package("skattegrunnlag"), package("skattegrunnlag")]);
    assert_eq!(vld_codes(&put(&sim, &packages(STD_SYSTEM), &t, &bad)), ["AUTH.VLD-00008", "AUTH.VLD-00007"]);
    let log = changelog(&sim, AGENT_SYSTEM);
    assert_eq!(
        (log[0]["changeType"].as_str(), &log[0]["changedData"]),
        (Some("accesspackageupdate"), &json!([{"Urn": "urn:altinn:accesspackage:regnskapsforer-lonn"}]))
    );
    assert_eq!(delete(&sim, AGENT_SYSTEM, &t).status, 200);
    assert_text(&put(&sim, &packages(AGENT_SYSTEM), &t, &bad), 400, "Cannot update a system marked as deleted.");
}

// ---- DELETE vendor/{id} ----

#[test]
fn delete_checks_and_quirks() {
    let sim = Sim::start();
    let t = reg(&sim);
    // Unknown → a validation problem, before the owner check.
    let v = delete(&sim, "314248295_unknown", &t).validation();
    assert_eq!(v["errors"]["return"], json!(["System not found"]));
    delete(&sim, FOREIGN_SYSTEM, &t).assert_empty(403);
    let r = delete(&sim, STD_SYSTEM, &t);
    assert_eq!((r.status, r.json()), (200, json!({"succeeded": true})));
    // The system is gone for the request routes and for Maskinporten.
    sim.create(&std_body(CUSTOMER, None)).problem(404, "AUTH-00011");
    let assertion = sign(&test_key(), &good_header(), &{
        let mut c = good_claims(&sim, READ);
        c["authorization_details"] = json!([{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": format!("0192:{CUSTOMER}")}}]);
        c
    });
    assert!(grant(&sim, &assertion).json()["error_description"].as_str().unwrap().contains("MP-303"));
    // A repeat: flagged already, no client rows left → empty 400, logged again.
    delete(&sim, STD_SYSTEM, &t).assert_empty(400);
    // A system without client ids: empty 400, although it is flagged.
    delete(&sim, NOREDIRECT_SYSTEM, &t).assert_empty(400);
    assert_eq!(sim.get(&format!("{R}/{NOREDIRECT_SYSTEM}"), &t).json()["isDeleted"], true);
    let log = changelog(&sim, STD_SYSTEM);
    assert_eq!(log.iter().map(|e| e["changeType"].as_str().unwrap()).collect::<Vec<_>>(), ["delete", "delete"]);
    assert_eq!(log[0]["changedData"], Value::Null);
}

// ---- GET vendor/{id}/changelog ----

#[test]
fn changelog_checks_and_shape() {
    let sim = Sim::start();
    let t = reg(&sim);
    assert_text(&sim.get(&format!("{R}/314248295_unknown/changelog"), &t), 404, "System with ID 314248295_unknown not found.");
    sim.get(&format!("{R}/{FOREIGN_SYSTEM}/changelog"), &t).assert_empty(403);
    assert_eq!(changelog(&sim, STD_SYSTEM), Vec::<Value>::new(), "fixture systems have no history");
    let id = register(&sim, &system(NEW));
    sim.h.advance_clock(std::time::Duration::from_secs(60));
    assert_eq!(put(&sim, &format!("{R}/{NEW}/rights"), &t, &json!([])).status, 200);
    let r = sim.get(&format!("{R}/{NEW}/changelog"), &t);
    let text = r.text();
    // Member order, and `changedData` as jsonb keeps it (shorter keys first).
    assert!(text.contains(&format!("[{{\"systemInternalId\":\"{id}\",\"changedByOrgNumber\":\"{VENDOR}\",\"changeType\":\"rightsupdate\",\"changedData\":[],\"clientId\":")), "{text}");
    assert!(text.contains("\"changedData\":{\"Id\":\"314248295_nyttsystem\",\"Name\":"), "{text}");
    let log = r.json();
    let created = log[1]["created"].as_str().unwrap();
    assert!(created.ends_with("+00:00") && created.contains('T'), "{created}");
    assert!(log[0]["created"].as_str().unwrap() > created, "newest first");
    // Another vendor's change (admin scope) names its own organisation and client.
    let admin = sim.h.mint_token(OTHER_VENDOR, &[REGISTER_ADMIN]);
    assert_eq!(put(&sim, &format!("{R}/{NEW}/accesspackages"), &admin, &json!([])).status, 200);
    assert_eq!(changelog(&sim, NEW)[0]["changedByOrgNumber"], OTHER_VENDOR);
}

// ---- a registered system is usable at once ----

#[test]
fn a_system_registered_by_api_is_used_by_the_request_routes_at_once() {
    let sim = Sim::start();
    let mut b = system(NEW);
    b["allowedRedirectUrls"] = json!(["https://ny.example/cb"]);
    register(&sim, &b);
    // Preflight: the vendor reads it.
    assert_eq!(sim.get(&format!("{R}/{NEW}"), &reg(&sim)).status, 200);
    // A request for it, with its right and package and redirect URL.
    let mut req = std_body(CUSTOMER, None);
    req["systemId"] = json!(NEW);
    req["accessPackages"] = json!([package("skattegrunnlag")]);
    req["redirectUrl"] = json!("https://ny.example/cb?state=1");
    let r = sim.create(&req);
    let v = r.json();
    assert_eq!((r.status, v["integrationTitle"].as_str()), (201, Some("Nytt system")), "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(sim.approve(&id).status, 200);
    let users = sim.get(&format!("{API}/systemuser/vendor/bysystem/{NEW}"), &sim.token(&[REGISTER])).json();
    assert_eq!(users["data"][0]["productName"], "Nytt system");
    // Its Maskinporten client gets a system-user token for the customer.
    let token = sim.grant_token(&altinn_sim::test_clients::SPARE, Some(CUSTOMER), None, &[READ]);
    assert_eq!(claims_of(&token)["authorization_details"][0]["systemuser_id"][0], id.as_str());
    // A replace changes what requests may ask for: the right is gone.
    let mut no_rights = b.clone();
    no_rights["rights"] = json!([]);
    assert_eq!(put(&sim, &format!("{R}/{NEW}"), &reg(&sim), &no_rights).status, 200);
    sim.create(
        &std_body(CUSTOMER2, None)
            .as_object()
            .map(|o| {
                let mut o = o.clone();
                o.insert("systemId".into(), json!(NEW));
                Value::Object(o)
            })
            .unwrap(),
    )
    .problem(400, "AUTH-00001");
}

#[test]
fn the_register_survives_a_restart_and_reset_forgets_it() {
    let path = std::env::temp_dir().join(format!("altinn-sim-register-{}-{}.json", std::process::id(), uuid()));
    let sim = Sim::with(altinn_sim::SimOptions::default().with_admin(true).with_state_file(Some(&path)));
    let id = register(&sim, &system(NEW));
    sim.h.restart(std::time::Duration::from_millis(10)).unwrap();
    assert_eq!(changelog(&sim, NEW)[0]["systemInternalId"], id.as_str());
    assert_eq!(sim.admin("GET", "/_sim/systems", None).json()["systems"].as_array().unwrap().iter().filter(|s| s["id"] == NEW).count(), 1);
    assert_eq!(sim.admin("POST", "/_sim/reset", None).status, 204);
    sim.get(&format!("{R}/{NEW}"), &reg(&sim)).assert_empty(404);
    drop(sim);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn legacy_problem_shape_puts_the_message_in_detail() {
    let sim = Sim::with(altinn_sim::SimOptions::default().with_admin(true).with_problem_shape(altinn_sim::ProblemShape::Legacy));
    let mut b = system(NEW);
    b["vendor"] = json!({"ID": "x:1"});
    let r = sim.post(R, &reg(&sim), &b);
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!((v["code"].as_str(), v["title"].as_str()), (Some("STD-00000"), Some("Bad Request")));
    assert_eq!(v["validationErrors"][0]["detail"], "the org number identifier is not valid ISO6523 identifier");
    assert!(v["validationErrors"][0].get("title").is_none());
}
