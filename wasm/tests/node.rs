//! The bindings in Node, through the JS values a page would pass: every export, its answers against the CLI's
//! documented ones, and bad input of every kind answered with an error object (a trap would fail the test with
//! `RuntimeError: unreachable`).
//!
//! Run with `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p
//! workmail-policy-wasm --target wasm32-unknown-unknown` (`wasm/build.sh` installs the runner).

#![cfg(target_arch = "wasm32")]
// Built with one module of the package (`--features engine`, `analysis`, `access` or `replay`), the helpers only the
// other modules' tests use are unused.
#![cfg_attr(
    not(all(feature = "engine", feature = "analysis", feature = "access", feature = "replay")),
    allow(dead_code, unused_imports)
)]

use js_sys::{Array, Object, Reflect, Uint8Array, JSON};
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
use workmail_policy_wasm::{compile, Policy};

const ACME: &str = include_str!("../../examples/acme.json");
const REQUESTS: &str = include_str!("../../examples/requests.jsonl");

const ALICE: &str = "alice@acme.example.com";
const ARCHIVER: &str = "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a";

/// A JS value made from JSON text, as a page's object would be.
fn js(value: Value) -> JsValue {
    JSON::parse(&value.to_string()).unwrap()
}

/// A JS value read back as JSON.
fn rs(value: &JsValue) -> Value {
    serde_json::from_str(&JSON::stringify(value).unwrap().as_string().unwrap()).unwrap()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &JsValue::from_str(key)).unwrap()
}

#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
fn acme() -> Policy {
    let compiled = compile(JsValue::from_str(ACME), None);
    assert_eq!(rs(&get(&compiled, "Findings")), json!([]));
    policy_from(get(&compiled, "Policy"))
}

/// The `Policy` instance inside a JS value; wasm-bindgen's generated `TryFromJsValue` takes it.
#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
fn policy_from(value: JsValue) -> Policy {
    use wasm_bindgen::convert::TryFromJsValue;
    Policy::try_from_js_value(value).unwrap_or_else(|_| panic!("not a Policy"))
}

/// An error object's code, or `None` for any other value.
fn error_code(answer: &Value) -> Option<&str> {
    answer.get("Error")?.get("Code")?.as_str()
}

/// Values no function here should choke on.
fn bad_values() -> Vec<JsValue> {
    let cyclic = Object::new();
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    let throwing_getter = js_sys::Function::new_no_args("throw new Error('getter says no')");
    let trap = Object::new();
    let descriptor = Object::new();
    Reflect::set(&descriptor, &"get".into(), &throwing_getter).unwrap();
    Reflect::set(&descriptor, &"enumerable".into(), &JsValue::TRUE).unwrap();
    Object::define_property(&trap, &"IpAddress".into(), &descriptor);
    vec![
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::TRUE,
        JsValue::from_f64(f64::NAN),
        JsValue::from_str(""),
        JsValue::from_str("{not json"),
        JsValue::bigint_from_str("12345678901234567890"),
        js_sys::Symbol::for_("s").into(),
        throwing_getter.into(),
        cyclic.into(),
        trap.into(),
        Array::new().into(),
        js(json!([1, "two", null])),
        js(json!({"IpAddress": 7})),
        Uint8Array::from(&[0xff, 0xfe, 0x00][..]).into(),
    ]
}

#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
#[wasm_bindgen_test]
fn compile_gives_a_policy_or_an_error_object_with_the_findings() {
    let compiled = compile(JsValue::from_str(ACME), None);
    assert!(get(&compiled, "Policy").is_object());
    assert!(get(&compiled, "Error").is_undefined());

    let bad =
        json!({"AccessControlRules": [{"Name": "x", "Effect": "DENY", "Description": "", "IpRanges": ["1.2.3/8"]}]});
    let compiled = rs(&compile(js(bad), None));
    assert_eq!(compiled["Error"]["Code"], json!("InvalidParameterException"));
    assert_eq!(compiled["Findings"][0]["Path"], json!("AccessControlRules[0].IpRanges[0]"));
    assert!(compiled.get("Policy").is_none());

    let unreadable = rs(&compile(JsValue::from_str("{"), None));
    assert_eq!(unreadable["Error"]["Code"], json!("SerializationException"));
}

/// The engine: `load`, `validate` and the handle's simulate calls and `batch` (feature `engine`; the package's
/// `workmail_policy_wasm.js`).
#[cfg(feature = "engine")]
mod engine {
    use super::*;
    use workmail_policy_wasm::{load, validate};

    #[wasm_bindgen_test]
    fn load_reads_organization_files_and_aws_cli_output() {
        let loaded = rs(&load(JsValue::from_str(ACME)));
        assert_eq!(loaded["Findings"], json!([]));
        // Every member survives, timestamps as written.
        let original: Value = serde_json::from_str(ACME).unwrap();
        assert_eq!(loaded["File"]["AccessControlRules"][1], original["AccessControlRules"][1]);
        assert_eq!(loaded["File"]["AccessControlRules"][0]["DateCreated"].as_f64(), Some(1614704932.0));
        assert_eq!(loaded["File"]["AccessControlRules"][1]["DateCreated"], json!("2024-02-01T09:30:00+01:00"));
        assert_eq!(loaded["File"]["Users"], original["Users"]);

        // Two aws CLI outputs, as bytes and as a parsed object, merged in order with their names.
        let inputs = Array::new();
        let first = Object::new();
        Reflect::set(&first, &"Name".into(), &"rules.json".into()).unwrap();
        let bytes = br#"{"Rules": [{"Name": "no-imap", "Effect": "DENY", "Actions": ["IMAP"]}]}"#;
        Reflect::set(&first, &"Content".into(), &Uint8Array::from(&bytes[..])).unwrap();
        inputs.push(&first);
        inputs.push(&js(
            json!({"Name": "users.json", "Content": {"Users": [{"Id": "S-1-5-18-0001"}], "NextToken": "x"}}),
        ));
        let merged = rs(&load(inputs.into()));
        assert_eq!(merged["File"]["AccessControlRules"][0]["Name"], json!("no-imap"));
        assert_eq!(merged["File"]["Users"][0]["Id"], json!("S-1-5-18-0001"));
    }

    #[wasm_bindgen_test]
    fn load_reports_unknown_members_with_paths() {
        let loaded = rs(&load(js(json!({"AccessControlRules": [{"Name": "a", "NotIpRange": ["10.0.0.0/8"]}]}))));
        assert!(loaded.get("File").is_none());
        let finding = &loaded["Findings"][0];
        assert_eq!(finding["Path"], json!("AccessControlRules[0].NotIpRange"));
        assert_eq!(finding["Code"], json!("InvalidParameterException"));
        assert_eq!(finding["Severity"], json!("error"));
        assert!(finding["Message"].as_str().unwrap().contains("did you mean `NotIpRanges`"));

        let several = js(json!([{"Name": "a.json", "Content": "{\"Rules\": 5}"}]));
        let loaded = rs(&load(several));
        let finding = &loaded["Findings"][0];
        assert_eq!((&finding["File"], &finding["Path"]), (&json!("a.json"), &json!("Rules")), "{loaded}");
        // Built without the library's `positions` feature: no line and column.
        assert!(finding.get("Line").is_none() && finding.get("Column").is_none(), "{loaded}");
        assert_eq!(finding["Problem"], json!("WrongType"));
    }

    #[wasm_bindgen_test]
    fn load_and_validate_answer_bad_input_with_findings() {
        for value in bad_values() {
            let loaded = rs(&load(value.clone()));
            let validation = rs(&validate(value.clone(), Some(value.clone())));
            if loaded.get("File").is_none() {
                let finding = &loaded["Findings"][0];
                assert_eq!(finding["Severity"], json!("error"), "{loaded}");
                assert!(finding["Code"].as_str().unwrap().ends_with("Exception"), "{loaded}");
                assert_eq!(validation["Valid"], json!(false), "{validation}");
            }
            let compiled = compile(value.clone(), Some(value));
            assert!(get(&compiled, "Error").is_object() || get(&compiled, "Policy").is_object());
        }
    }

    #[wasm_bindgen_test]
    fn validate_reports_findings_with_paths_and_service_error_names() {
        let validation = rs(&validate(JsValue::from_str(ACME), None));
        assert_eq!(validation, json!({"Valid": true, "Findings": []}));

        let file = json!({
            "AccessControlRules": [
                {"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["10.1.2.3/8"]},
                {"Name": "office", "Effect": "MAYBE", "Description": ""}
            ],
            "MobileDeviceAccessOverrides": [{"UserId": "nobody@acme.example.com", "DeviceId": "X1", "Effect": "DENY"}],
            "Users": [{"Id": "S-1-5-18-0001", "Email": "alice@acme.example.com"}]
        });
        let validation = rs(&validate(js(file), None));
        assert_eq!(validation["Valid"], json!(false));
        let findings = validation["Findings"].as_array().unwrap();
        let at =
            |path: &str| findings.iter().find(|f| f["Path"] == path).unwrap_or_else(|| panic!("{path}: {findings:?}"));
        assert_eq!(at("AccessControlRules[1].Effect")["Code"], json!("InvalidParameterException"));
        assert_eq!(at("MobileDeviceAccessOverrides[0].UserId")["Code"], json!("EntityNotFoundException"));
        assert_eq!(at("AccessControlRules[0].IpRanges[0]")["Severity"], json!("warning"));
        // Errors first, then warnings.
        assert_eq!(findings.last().unwrap()["Severity"], json!("warning"));
    }

    #[wasm_bindgen_test]
    fn relaxed_quotas_turn_the_rule_count_into_a_warning() {
        let rules: Vec<Value> =
            (0..11).map(|i| json!({"Name": format!("r{i}"), "Effect": "ALLOW", "Description": ""})).collect();
        let file = js(json!({ "AccessControlRules": rules }));
        let strict = rs(&validate(file.clone(), None));
        assert_eq!(strict["Findings"][0]["Code"], json!("LimitExceededException"));
        assert_eq!(strict["Valid"], json!(false));
        let relaxed = rs(&validate(file.clone(), Some(js(json!({"RelaxQuotas": true})))));
        assert_eq!(relaxed["Valid"], json!(true));
        assert_eq!(relaxed["Findings"][0]["Severity"], json!("warning"));
        assert!(get(&compile(file, Some(js(json!({"RelaxQuotas": true})))), "Policy").is_object());
    }

    #[wasm_bindgen_test]
    fn the_three_simulate_calls_answer_as_the_readme_shows() {
        let policy = acme();
        let access = policy.get_access_control_effect(js(json!({
            "IpAddress": "203.0.113.200", "Action": "WebMail", "UserId": "dave@acme.example.com"
        })));
        assert_eq!(rs(&access), json!({"Effect": "DENY", "MatchedRules": ["contractors-office-only"]}));

        let mobile = policy.get_mobile_device_access_effect(js(json!({
            "DeviceType": "iPhone", "DeviceOperatingSystem": "iOS 17.4", "DeviceUserAgent": "Apple-iPhone15C2/2104.1"
        })));
        assert_eq!(
            rs(&mobile),
            json!({"Effect": "ALLOW", "MatchedRules": [{"MobileDeviceAccessRuleId": "mdar-phones", "Name": "Allow phones and tablets"}]})
        );
        let overridden = policy.get_mobile_device_access_effect(js(json!({
            "DeviceType": "iPhone", "UserId": ALICE, "DeviceId": "lostphone01"
        })));
        assert_eq!(
            rs(&overridden),
            json!({"Effect": "DENY", "MatchedRules": [], "MatchedOverride": {"UserId": ALICE, "DeviceId": "LOSTPHONE01"}})
        );

        let impersonation = policy.get_impersonation_role_effect(js(json!({
            "ImpersonationRoleId": ARCHIVER, "TargetUser": "carol@acme.example.com",
            "OrganizationId": "m-0123456789abcdef0123456789abcdef"
        })));
        assert_eq!(
            rs(&impersonation),
            json!({"Type": "READ_ONLY", "Effect": "DENY", "MatchedRules": [{"ImpersonationRuleId": "archiver-not-ceo", "Name": "Not the CEO"}]})
        );
    }

    #[wasm_bindgen_test]
    fn simulate_calls_answer_bad_requests_with_the_services_errors() {
        let policy = acme();
        let refused = policy.get_access_control_effect(js(json!({
            "IpAddress": "192.0.2.10", "Action": "IMAP", "ImpersonationRoleId": ARCHIVER
        })));
        assert_eq!(
            rs(&refused),
            json!({"Error": {"Code": "InvalidParameterException", "Message": "Impersonation role ID can only be used with Action EWS, not \"IMAP\""}})
        );
        let unknown = policy.get_access_control_effect(js(
            json!({"IpAddress": "1.2.3.4", "Action": "EWS", "UserId": "nobody@acme.example.com"}),
        ));
        assert_eq!(error_code(&rs(&unknown)), Some("EntityNotFoundException"));
        let typo =
            policy.get_access_control_effect(js(json!({"IpAdress": "1.2.3.4", "Action": "EWS", "UserId": ALICE})));
        assert_eq!(error_code(&rs(&typo)), Some("InvalidParameterException"));
        let other_operation = policy.get_impersonation_role_effect(js(json!({"IpAddress": "1.2.3.4"})));
        assert_eq!(error_code(&rs(&other_operation)), Some("InvalidParameterException"));
        let disabled =
            policy.get_impersonation_role_effect(js(json!({"ImpersonationRoleId": ARCHIVER, "TargetUser": "erin"})));
        assert_eq!(error_code(&rs(&disabled)), Some("EntityStateException"));

        for value in bad_values() {
            for answer in [
                policy.get_access_control_effect(value.clone()),
                policy.get_mobile_device_access_effect(value.clone()),
                policy.get_impersonation_role_effect(value.clone()),
            ] {
                let answer = rs(&answer);
                // `{}` is a valid mobile request (no properties reported); everything else here is refused.
                assert!(error_code(&answer).is_some() || answer.get("Effect").is_some(), "{answer}");
            }
        }
    }

    /// The requests of `examples/requests.jsonl` and more, with the operation named in each.
    fn batch_requests() -> Vec<Value> {
        let mut requests: Vec<Value> =
            REQUESTS.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect();
        let access = |ip: &str, user: Value| json!({"Operation": "GetAccessControlEffect", "IpAddress": ip, "Action": "IMAP", "UserId": user});
        // Addresses the JS side must not take for canonical, and a few it must.
        for ip in [
            "01.2.3.4",
            "1.2.3.04",
            " 1.2.3.4",
            "1.2.3.4 ",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "0.0.0.0",
            "255.255.255.255",
            "198.51.100.20",
            "１.2.3.4",
            "1.2.3.4/32",
            "255.255.255.2555",
            "1.2.3.é",
            "",
        ] {
            requests.push(access(ip, json!(ALICE)));
        }
        requests.extend([
            access("198.51.100.20", json!("Ålice@acme.example.com")),
            access("198.51.100.20", json!("😀")),
            access("198.51.100.20", json!(null)),
            access("198.51.100.20", json!(42)),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "ImpersonationRoleId": ARCHIVER, "UserId": null}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "DeviceType": null, "UserId": ALICE}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "UserId": ALICE}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "UserId": ALICE, "TargetUser": "bob"}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "UserId": ALICE, "OrganizationId": "m-1"}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "UserId": ALICE, "OrganizationId": 5}),
            json!({"Operation": "GetMobileDeviceAccessEffect"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "android", "DeviceOperatingSystem": "ANDROID 5.1"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "Android", "UserId": "dave", "DeviceId": "DAVEANDROID5"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "Android", "UserId": "dave"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "DeviceType": ["Android"]}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "IpAddress": "1.2.3.4"}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER, "TargetUser": "bob"}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": "no-such-role", "TargetUser": "bob"}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER, "TargetUser": "bob", "UserId": "x"}),
            json!({"Operation": "GetAccessEffect", "IpAddress": "1.2.3.4"}),
            json!({"IpAddress": "1.2.3.4"}),
            json!({"Operation": 3}),
            json!("GetAccessControlEffect"),
            json!(7),
            json!(null),
            json!([]),
        ]);
        requests
    }

    /// Each request's answer, one call at a time, through the core's request-line reader.
    fn one_by_one(policy: &Policy, request: &Value) -> Value {
        let Some(operation) = request.get("Operation").and_then(Value::as_str) else {
            return json!(null);
        };
        let mut members = request.clone();
        members.as_object_mut().unwrap().remove("Operation");
        let members = js(members);
        rs(&match operation {
            "GetAccessControlEffect" => policy.get_access_control_effect(members),
            "GetMobileDeviceAccessEffect" => policy.get_mobile_device_access_effect(members),
            "GetImpersonationRoleEffect" => policy.get_impersonation_role_effect(members),
            _ => return json!(null),
        })
    }

    /// An answer with the position a JSON error message names dropped: the batch and the single calls hand the core
    /// different texts of the same request.
    fn without_position(answer: &Value) -> Value {
        let mut answer = answer.clone();
        if let Some(Value::String(message)) = answer.pointer_mut("/Error/Message") {
            if let Some(at) = message.find(" at line ") {
                message.truncate(at);
            }
        }
        answer
    }

    #[wasm_bindgen_test]
    fn batch_answers_each_request_as_the_single_calls_do() {
        let policy = acme();
        let requests = batch_requests();
        let answers = rs(&policy.batch(js(Value::Array(requests.clone()))));
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), requests.len());
        for (request, answer) in requests.iter().zip(answers) {
            let single = one_by_one(&policy, request);
            if single.is_null() {
                // No operation the single calls know: the batch must refuse it.
                assert!(error_code(answer).is_some(), "{request} -> {answer}");
            } else {
                assert_eq!(without_position(answer), without_position(&single), "{request}");
            }
        }
        // The first lines are the README's.
        assert_eq!(answers[1], json!({"Effect": "DENY", "MatchedRules": ["deny-imap-except-archiver"]}));
    }

    #[wasm_bindgen_test]
    fn batch_answers_bad_requests_and_bad_batches_with_error_objects() {
        let policy = acme();
        let values = bad_values();
        let batch = Array::new();
        for value in &values {
            batch.push(value);
        }
        let answers: Array = policy.batch(batch.into()).dyn_into().unwrap();
        assert_eq!(answers.length() as usize, values.len());
        for answer in answers.iter() {
            assert!(error_code(&rs(&answer)).is_some(), "{}", rs(&answer));
        }
        for not_an_array in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from_str("[]"), js(json!({"length": 1}))] {
            assert_eq!(error_code(&rs(&policy.batch(not_an_array))), Some("InvalidParameterException"));
        }
        assert_eq!(rs(&policy.batch(Array::new().into())), json!([]));
    }

    /// The core's answer to one request's JSON text, as `wmpolicy batch` gives it: the text of
    /// [`workmail_policy::batch::answer_line`], which the batch's packed road must match byte for byte.
    fn answer_line(policy: &workmail_policy::Policy, request: &Value) -> String {
        let mut out = Vec::new();
        workmail_policy::batch::answer_line(policy, request.to_string().as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    /// The example organization compiled by the core alone, for [`answer_line`].
    fn acme_core() -> workmail_policy::Policy {
        let file = workmail_policy::load::parse(ACME.as_bytes()).unwrap();
        let validation = workmail_policy::validate::validate(&file, &Default::default());
        workmail_policy::Policy::compile(&validation.organization.unwrap()).unwrap()
    }

    #[wasm_bindgen_test]
    fn organization_ids_are_held_to_their_shape_by_every_road() {
        let (policy, core) = (acme(), acme_core());
        const ORG: &str = "m-0123456789abcdef0123456789abcdef";
        // Ids of the model's shape, absent ones, ones of the wrong shape (the packed road checks these), and ones
        // that are not strings (the JSON road's).
        let good = [json!(ORG), json!("m-fedcba9876543210fedcba9876543210")];
        let absent = [Value::Null, json!("absent")];
        let bad = [
            json!("m-XYZ"),
            json!(""),
            json!("M-0123456789ABCDEF0123456789ABCDEF"),
            json!("m-0123456789abcdef0123456789abcdeg"),
            json!("m-0123456789abcdef0123456789abcdef0"),
            json!("m-0123456789abcdef0123456789abcdé"),
            json!("m-\"quoted\"\u{1}"),
            json!(7),
            json!(["m-0123456789abcdef0123456789abcdef"]),
        ];
        let with = |mut request: Value, id: &Value| {
            if id != &json!("absent") {
                request["OrganizationId"] = id.clone();
            }
            request
        };
        // Each operation, answered and refused by the engine, and with faults of the reader's that come before
        // the id's check (a member of another operation, a missing one, a value that is not a string) or after it
        // (the engine's: an address or device id of the wrong shape, an unknown user or role).
        let requests = [
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "198.51.100.20", "Action": "IMAP", "UserId": ALICE}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "ImpersonationRoleId": ARCHIVER}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "1.2.3", "Action": "EWS", "UserId": ALICE}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "UserId": "nobody"}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS"}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "UserId": ALICE}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.10", "Action": "EWS", "UserId": 5}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "DeviceType": "iPhone", "DeviceOperatingSystem": "iOS 17.4"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "UserId": ALICE, "DeviceId": "lostphone01"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "UserId": ALICE, "DeviceId": "not a device id!"}),
            json!({"Operation": "GetMobileDeviceAccessEffect"}),
            json!({"Operation": "GetMobileDeviceAccessEffect", "TargetUser": "bob"}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER, "TargetUser": "carol@acme.example.com"}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": "no-such-role", "TargetUser": "bob"}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER, "TargetUser": "bob", "Zebra": 1}),
        ];
        let batch: Vec<Value> = requests
            .iter()
            .flat_map(|request| good.iter().chain(&absent).chain(&bad).map(move |id| with(request.clone(), id)))
            .collect();
        let answers: Array = policy.batch(js(Value::Array(batch.clone()))).dyn_into().unwrap();
        assert_eq!(answers.length() as usize, batch.len());
        let mut refused_for_the_id = 0;
        for (request, answer) in batch.iter().zip(answers.iter()) {
            // The same text: JSON.stringify keeps the members' order and writes these messages' characters as
            // serde_json does.
            let expected = answer_line(&core, request);
            assert_eq!(JSON::stringify(&answer).unwrap().as_string().unwrap(), expected, "{request}");
            // And the same as the single call, which has no Operation member to read.
            assert_eq!(rs(&answer), one_by_one(&policy, request), "{request}");
            if expected.contains(r#""Message":"OrganizationId "#) {
                refused_for_the_id += 1;
            }
        }
        // Every string id of the wrong shape is refused for it on the requests the reader finds no earlier fault
        // with: 7 bad strings on 11 such requests.
        assert_eq!(refused_for_the_id, 7 * 11);
        // With an id of the model's shape, the answer is the one without an id.
        for request in &requests {
            let without = answer_line(&core, request);
            for id in &good {
                assert_eq!(answer_line(&core, &with(request.clone(), id)), without, "{request} with {id}");
            }
        }
    }

    #[wasm_bindgen_test]
    fn strings_with_lone_surrogates_get_the_readers_answer() {
        let (policy, core) = (acme(), acme_core());
        // JSON.parse makes lone surrogates of these escapes; JSON.stringify writes them back as escapes, which the
        // core's reader refuses, where a packed string would reach Rust with U+FFFD in their place.
        let requests = JSON::parse(
            r#"[
            {"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.10","Action":"EWS","UserId":"a\uD800"},
            {"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.10","Action":"EWS","UserId":"alice@acme.example.com","OrganizationId":"m-\uDC00"},
            {"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1\uD800","Action":"EWS","UserId":"alice@acme.example.com"},
            {"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.10","Action":"E\uD800","UserId":"alice@acme.example.com"},
            {"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.10","Action":"EWS","UserId":"\uD83D\uDE00"},
            {"Operation":"GetMobileDeviceAccessEffect","DeviceType":"\uDE00\uD83D"},
            {"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r\uD800","TargetUser":"bob"},
            {"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r","TargetUser":"bob\uDFFF"}
        ]"#,
        )
        .unwrap();
        let answers: Array = policy.batch(requests.clone()).dyn_into().unwrap();
        for (request, answer) in Array::from(&requests).iter().zip(answers.iter()) {
            let text = JSON::stringify(&request).unwrap().as_string().unwrap();
            let mut expected = Vec::new();
            workmail_policy::batch::answer_line(&core, text.as_bytes(), &mut expected);
            assert_eq!(JSON::stringify(&answer).unwrap().as_string().unwrap().as_bytes(), expected, "{text}");
        }
    }

    #[wasm_bindgen_test]
    fn bad_requests_are_named_in_the_services_words_not_serdes() {
        let policy = acme();
        let message = |answer: &JsValue| rs(answer)["Error"]["Message"].as_str().unwrap().to_string();
        let typo =
            policy.get_access_control_effect(js(json!({"IpAddress": "1.2.3.4", "Action": "EWS", "UserID": ALICE})));
        assert_eq!(message(&typo), "unknown member `UserID`; did you mean `UserId`?");
        let wrong =
            policy.get_access_control_effect(js(json!({"IpAddress": [1, 2, 3, 4], "Action": "EWS", "UserId": ALICE})));
        assert_eq!(message(&wrong), "`IpAddress` is a list; expected a string");
        let null = message(&policy.get_access_control_effect(JsValue::NULL));
        assert!(null.starts_with("the request is null") && !null.contains("struct"), "{null}");
    }

    #[wasm_bindgen_test]
    fn batches_longer_than_a_chunk_keep_their_strings_and_order() {
        let policy = acme();
        // Three chunks; strings first seen in later chunks (one of them not ASCII), and malformed requests throughout.
        let count = 140_000;
        let request = |i: usize| {
            let user = match i {
                i if i < 100_000 => {
                    ["alice@acme.example.com", "archive@acme.example.com", "dave@acme.example.com"][i % 3].to_string()
                }
                i if i % 2 == 0 => format!("nobody{}@acme.example.com", i % 5),
                _ => "ü-nobody@acme.example.com".to_string(),
            };
            let ip = format!("{}.{}.{}.{}", 190 + i % 14, i / 65536 % 256, i / 256 % 256, i % 256);
            if i % 10_007 == 0 {
                json!({"Operation": "GetAccessControlEffect", "IpAddress": ip, "Action": "IMAP", "UserId": user, "Extra": 1})
            } else {
                let action = ["IMAP", "WebMail", "EWS"][i % 3];
                json!({"Operation": "GetAccessControlEffect", "IpAddress": ip, "Action": action, "UserId": user})
            }
        };
        let requests: Vec<Value> = (0..count).map(request).collect();
        let answers: Array = policy.batch(js(Value::Array(requests.clone()))).dyn_into().unwrap();
        assert_eq!(answers.length() as usize, count);
        for i in
            [0, 1, 2, 65_535, 65_536, 65_537, 99_999, 100_000, 100_001, 131_071, 131_072, 131_073, 130_070, count - 1]
        {
            let answer = rs(&answers.get(i as u32));
            assert_eq!(without_position(&answer), without_position(&one_by_one(&policy, &requests[i])), "request {i}");
        }
    }

    #[wasm_bindgen_test]
    fn equal_batch_answers_are_one_frozen_object() {
        let policy = acme();
        let request = json!({"Operation": "GetAccessControlEffect", "IpAddress": "198.51.100.20", "Action": "IMAP", "UserId": ALICE});
        let answers: Array = policy.batch(js(json!([request, request]))).dyn_into().unwrap();
        assert!(Object::is(&answers.get(0), &answers.get(1)));
        assert!(Object::is_frozen(answers.get(0).unchecked_ref::<Object>()));
        assert!(Object::is_frozen(get(&answers.get(0), "MatchedRules").unchecked_ref::<Object>()));
    }

    #[wasm_bindgen_test]
    fn answers_have_exactly_the_services_member_names() {
        let policy = acme();
        let keys = |value: &JsValue| -> Vec<String> {
            Object::keys(value.unchecked_ref::<Object>()).iter().map(|k| k.as_string().unwrap()).collect()
        };
        let access =
            policy.get_access_control_effect(js(json!({"IpAddress": "192.0.2.1", "Action": "EWS", "UserId": ALICE})));
        assert_eq!(keys(&access), ["Effect", "MatchedRules"]);
        let impersonation =
            policy.get_impersonation_role_effect(js(json!({"ImpersonationRoleId": ARCHIVER, "TargetUser": "bob"})));
        assert_eq!(keys(&impersonation), ["Type", "Effect", "MatchedRules"]);
        let rule = Array::from(&get(&impersonation, "MatchedRules")).get(0);
        assert_eq!(keys(&rule), ["ImpersonationRuleId", "Name"]);
        let mobile = policy.get_mobile_device_access_effect(js(json!({"UserId": ALICE, "DeviceId": "LOSTPHONE01"})));
        assert_eq!(keys(&mobile), ["Effect", "MatchedRules", "MatchedOverride"]);
        let error = policy.get_access_control_effect(JsValue::NULL);
        assert_eq!(keys(&error), ["Error"]);
        assert_eq!(keys(&get(&error, "Error")), ["Code", "Message"]);
        let validation = validate(js(json!({"Rules": 1})), None);
        assert_eq!(keys(&validation), ["Valid", "Findings"]);
        let finding = Array::from(&get(&validation, "Findings")).get(0);
        assert_eq!(keys(&finding), ["Path", "Problem", "Code", "Severity", "Message"]);
        let compiled = compile(JsValue::from_str(ACME), None);
        assert_eq!(keys(&compiled), ["Policy", "Findings"]);
        assert_eq!(keys(&load(JsValue::from_str("{}"))), ["File", "Findings"]);
    }
}

/// The core's analyses: the handle's `explain`, and `diff` (feature `analysis`; the package's
/// `workmail_policy_analysis.js`).
#[cfg(feature = "analysis")]
mod analysis {
    use super::*;
    use workmail_policy_wasm::diff;

    #[wasm_bindgen_test]
    fn explain_holds_organization_ids_to_their_shape() {
        let policy = acme();
        let request = |id: &str| {
            js(
                json!({"Operation": "GetImpersonationRoleEffect", "OrganizationId": id, "ImpersonationRoleId": ARCHIVER, "TargetUser": "carol"}),
            )
        };
        let good = rs(&policy.explain(request("m-0123456789abcdef0123456789abcdef")));
        assert_eq!(good["Verdict"]["Type"], json!("READ_ONLY"));
        for bad in ["m-XYZ", ""] {
            assert_eq!(error_code(&rs(&policy.explain(request(bad)))), Some("InvalidParameterException"), "{bad:?}");
        }
    }

    #[wasm_bindgen_test]
    fn explain_goes_rule_by_rule() {
        let policy = acme();
        let explained = rs(&policy.explain(js(json!({
            "Operation": "GetAccessControlEffect", "IpAddress": "198.51.100.20", "Action": "IMAP", "UserId": ALICE
        }))));
        assert_eq!(explained["Verdict"], json!({"Effect": "DENY", "MatchedRules": ["deny-imap-except-archiver"]}));
        assert_eq!(explained["Decision"]["Kind"], json!("DenyRuleMatched"));
        let rules = explained["Rules"].as_array().unwrap();
        assert_eq!(rules.len(), 5);
        assert_eq!(rules[0]["Path"], json!("AccessControlRules[0]"));
        assert_eq!(rules[0]["Matched"], json!(true));
        assert_eq!(rules[1]["Matched"], json!(false));
        assert_eq!(rules[1]["Failed"]["Condition"], json!("NotIpRanges"));

        let impersonation = rs(&policy.explain(js(json!({
            "Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER, "TargetUser": "carol"
        }))));
        assert_eq!(impersonation["Verdict"]["Type"], json!("READ_ONLY"));
        let mobile = rs(&policy.explain(js(json!({
            "Operation": "GetMobileDeviceAccessEffect", "UserId": ALICE, "DeviceId": "LOSTPHONE01"
        }))));
        assert_eq!(mobile["Decision"]["Kind"], json!("OverrideDecided"));

        // Refused by the service: explained as refused. Not a request: the service's error.
        let refused = rs(&policy.explain(js(json!({
            "Operation": "GetAccessControlEffect", "IpAddress": "1.2.3.4", "Action": "EWS", "UserId": "nobody@acme.example.com"
        }))));
        assert_eq!(refused["Verdict"]["Error"]["Code"], json!("EntityNotFoundException"));
        assert_eq!(refused["Decision"]["Kind"], json!("RequestRejected"));
        for bad in [
            json!({"Operation": "GetAccessControlEffect", "IpAdress": "1.2.3.4", "Action": "EWS", "UserId": ALICE}),
            json!({"Operation": "GetAccessControlEffect", "IpAddress": "1.2.3.4", "UserId": ALICE}),
            json!({"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": ARCHIVER, "TargetUser": "bob", "Action": "EWS"}),
            json!({"Operation": "GetAccessEffect"}),
            json!({"IpAddress": "1.2.3.4"}),
        ] {
            assert_eq!(error_code(&rs(&policy.explain(js(bad.clone())))), Some("InvalidParameterException"), "{bad}");
        }
        for value in bad_values() {
            assert!(error_code(&rs(&policy.explain(value))).is_some());
        }
    }

    #[wasm_bindgen_test]
    fn diff_finds_every_request_answered_differently_with_an_example() {
        let old: Value = serde_json::from_str(ACME).unwrap();
        let mut new = old.clone();
        new["AccessControlRules"][0]["Actions"] = json!(["IMAP", "WebMail"]);
        assert_eq!(rs(&diff(js(old.clone()), js(old.clone()), None, None))["Equivalent"], json!(true));

        let found = rs(&diff(js(old.clone()), js(new.clone()), None, Some(js(json!(["Access"])))));
        assert_eq!(found["Equivalent"], json!(false));
        assert!(found.get("Mobile").is_none());
        let changes = found["Access"].as_array().unwrap();
        assert!(!changes.is_empty());
        for change in changes {
            assert_eq!(change["Actions"]["Listed"], json!(["WebMail"]), "{change}");
            assert_eq!(change["New"]["MatchedRules"][0], json!("deny-imap-except-archiver"), "{change}");
            // The example is a request the single calls answer as the diff says.
            let (old, new) = (
                policy_from(get(&compile(js(serde_json::from_str(ACME).unwrap()), None), "Policy")),
                policy_from(get(&compile(js(new.clone()), None), "Policy")),
            );
            #[cfg(feature = "engine")]
            {
                let example = js(change["Example"].clone());
                assert_eq!(rs(&old.get_access_control_effect(example.clone())), change["Old"]);
                assert_eq!(rs(&new.get_access_control_effect(example)), change["New"]);
            }
            // And one the analyses' own explanation answers the same way, in either half of the package.
            let mut request = change["Example"].clone();
            request["Operation"] = json!("GetAccessControlEffect");
            assert_eq!(rs(&old.explain(js(request.clone())))["Verdict"], change["Old"]);
            assert_eq!(rs(&new.explain(js(request)))["Verdict"], change["New"]);
        }

        let broken = rs(&diff(JsValue::from_str("{"), js(new), None, None));
        assert_eq!(broken["Error"]["Code"], json!("SerializationException"));
        assert!(broken["Findings"][0]["Path"].as_str().unwrap().starts_with("old: "));
        let kinds = rs(&diff(js(old.clone()), js(old.clone()), None, Some(js(json!(["Everything"])))));
        assert_eq!(error_code(&kinds), Some("InvalidParameterException"));
        for value in bad_values() {
            let compared = diff(value.clone(), js(old.clone()), Some(value.clone()), Some(value));
            assert!(get(&compared, "Error").is_object() || get(&compared, "Equivalent").is_truthy());
        }
    }
}

/// Who reaches mail: the handle's `lint` and `effectiveAccess`, and `effectiveAccessChanges` (feature `access`; the
/// package's `workmail_policy_access.js`).
#[cfg(feature = "access")]
mod access {
    use super::*;
    use workmail_policy_wasm::effective_access_changes;

    const PROPOSED: &str = include_str!("../../examples/acme-proposed.json");
    const PROTOCOLS: [&str; 7] = ["ActiveSync", "AutoDiscover", "EWS", "IMAP", "SMTP", "WindowsOutlook", "WebMail"];
    const DAVE: &str = "dave@acme.example.com";
    const ARCHIVE: &str = "archive@acme.example.com";

    #[wasm_bindgen_test]
    fn lint_finds_the_shadowed_rule() {
        let file = json!({"AccessControlRules": [
            {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
            {"Name": "imap-office", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "IpRanges": ["192.0.2.0/24"]},
            {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
        ]});
        let policy = policy_from(get(&compile(js(file), None), "Policy"));
        let report = rs(&policy.lint(None));
        assert_eq!(report["Findings"][0]["Category"], json!("DeadRule"));
        assert_eq!(report["Findings"][0]["Path"], json!("AccessControlRules[1]"));
        assert_eq!(report["Findings"][0]["ShadowedBy"], json!(["AccessControlRules[0]"]));
        assert_eq!(rs(&acme().lint(None)), json!({"Findings": []}));
    }

    /// `{MustReach}` is `wmpolicy lint --must-reach`: the contractor has no IMAP, the archiver has; a value that is
    /// not `USER[:PROTOCOL]` is refused with its index.
    #[wasm_bindgen_test]
    fn lint_checks_the_accounts_that_must_keep_access() {
        let options = js(json!({"MustReach": [format!("{ARCHIVE}:IMAP"), format!("{DAVE}:imap")]}));
        let report = rs(&acme().lint(Some(options)));
        let findings = report["Findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{report}");
        assert_eq!(findings[0]["Check"], json!("MustReach"));
        assert_eq!(findings[0]["Lockout"]["Extent"], json!({"ProtocolsEverywhere": ["IMAP"]}));
        assert_eq!(findings[0]["Lockout"]["Rules"], json!(["deny-imap-except-archiver", "contractors-office-only"]));
        let refused = rs(&acme().lint(Some(js(json!({"MustReach": [DAVE, "dave:IMAP4"]})))));
        assert_eq!(refused["Error"]["Code"], json!("InvalidParameterException"));
        assert!(
            refused["Error"]["Message"].as_str().unwrap().starts_with("MustReach[1]: \"IMAP4\" is not a protocol"),
            "{refused}"
        );
    }

    fn row<'a>(matrix: &'a Value, label: &str) -> &'a Value {
        let rows = matrix["Rows"].as_array().unwrap();
        rows.iter().find(|r| r["Label"].as_str().unwrap().starts_with(label)).unwrap_or_else(|| panic!("{label}"))
    }

    /// acme.json as `wmpolicy effective-access examples/acme.json` shows it: the contractor reaches mail from the
    /// two offices only, IMAP from nowhere but for the archiver, and the roles EWS from the datacenter only.
    #[wasm_bindgen_test]
    fn effective_access_of_the_example() {
        let matrix = rs(&acme().effective_access());
        let rows = matrix["Rows"].as_array().unwrap();
        let kinds: Vec<&str> = rows.iter().map(|r| r["Kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["User", "User", "User", "User", "User", "User", "ImpersonationRole", "ImpersonationRole"]);
        let dave = row(&matrix, DAVE);
        assert_eq!(dave["Path"], json!("Users[3]"));
        assert!(dave["Id"].as_str().unwrap().starts_with("S-1-1-11-"));
        for protocol in PROTOCOLS {
            let allowed = &dave["Protocols"][protocol]["Allowed"];
            if protocol == "IMAP" {
                assert_eq!(allowed, &json!([]));
            } else {
                assert_eq!(allowed, &json!(["198.51.100.0/24", "203.0.113.0/25"]), "{protocol}");
                let regions = &dave["Protocols"][protocol]["Regions"];
                assert_eq!(
                    regions[0]["Answer"],
                    json!({"Effect": "DENY", "MatchedRules": ["contractors-office-only"]})
                );
            }
        }
        for user in rows.iter().filter(|r| r["Kind"] == "User") {
            let imap = &user["Protocols"]["IMAP"]["Allowed"];
            let expected = if user["Label"] == ARCHIVE { json!(["0.0.0.0/0"]) } else { json!([]) };
            assert_eq!(imap, &expected, "{}", user["Label"]);
        }
        for role in rows.iter().filter(|r| r["Kind"] == "ImpersonationRole") {
            for protocol in PROTOCOLS {
                let cell = &role["Protocols"][protocol];
                if protocol == "EWS" {
                    assert_eq!(cell["Allowed"], json!(["192.0.2.0/24"]));
                } else {
                    assert_eq!(cell["Allowed"], json!([]));
                    assert_eq!(cell["Regions"][0]["Answer"]["Error"]["Code"], json!("InvalidParameterException"));
                }
            }
        }
        // Exactly the library's matrix, as `wmpolicy effective-access --json` prints it.
        let file = workmail_policy::load::parse(ACME.as_bytes()).unwrap();
        let org = workmail_policy::validate::validate(&file, &Default::default()).organization.unwrap();
        assert_eq!(matrix, serde_json::to_value(workmail_policy::analyse::effective_access(&org)).unwrap());
    }

    /// Every range of every region is answered so by the engine, from its first address.
    #[cfg(feature = "engine")]
    #[wasm_bindgen_test]
    fn every_region_is_the_engines_answer() {
        let policy = acme();
        let matrix = rs(&policy.effective_access());
        let mut asked = 0;
        for row in matrix["Rows"].as_array().unwrap() {
            let who = if row["Kind"] == "User" { "UserId" } else { "ImpersonationRoleId" };
            for protocol in PROTOCOLS {
                for region in row["Protocols"][protocol]["Regions"].as_array().unwrap() {
                    for range in region["Ranges"].as_array().unwrap() {
                        let range = range.as_str().unwrap();
                        let first = range.split(['/', '-']).next().unwrap();
                        let answer = rs(&policy.get_access_control_effect(js(json!({
                            "IpAddress": first, "Action": protocol, who: row["Id"]
                        }))));
                        match error_code(&answer) {
                            Some(code) => assert_eq!(region["Answer"]["Error"]["Code"], json!(code), "{range}"),
                            None => assert_eq!(answer, region["Answer"], "{} {protocol} {range}", row["Label"]),
                        }
                        asked += 1;
                    }
                }
            }
        }
        assert!(asked > 60, "{asked}");
    }

    #[wasm_bindgen_test]
    fn effective_access_changes_between_the_loaded_and_the_edited() {
        let old: Value = serde_json::from_str(ACME).unwrap();
        assert_eq!(rs(&effective_access_changes(js(old.clone()), js(old.clone()), None)), json!({"Changes": []}));

        let proposed = rs(&effective_access_changes(JsValue::from_str(ACME), JsValue::from_str(PROPOSED), None));
        let changes = proposed["Changes"].as_array().unwrap();
        let alice = changes.iter().find(|c| c["Label"] == ALICE && c["Protocol"] == "WebMail").unwrap();
        assert_eq!(alice["Kind"], json!("User"));
        assert_eq!(alice["Old"]["Allowed"], json!(["0.0.0.0/0"]));
        assert_eq!(alice["New"]["Allowed"], json!(["198.51.100.0/24", "203.0.113.0/26"]));

        // Without the contractors' rule, dave reaches mail from anywhere by every protocol but IMAP, whose cell
        // changes too: nowhere still, decided by one rule fewer.
        let mut new = old.clone();
        new["AccessControlRules"].as_array_mut().unwrap().retain(|r| r["Name"] != "contractors-office-only");
        let changed = rs(&effective_access_changes(js(old.clone()), js(new.clone()), Some(js(json!({})))));
        let changes = changed["Changes"].as_array().unwrap();
        assert!(changes.iter().all(|c| c["Label"] == DAVE), "{changed}");
        let protocols: Vec<&str> = changes.iter().map(|c| c["Protocol"].as_str().unwrap()).collect();
        assert_eq!(protocols, PROTOCOLS);
        for change in changes {
            let (before, after) = (&change["Old"]["Allowed"], &change["New"]["Allowed"]);
            if change["Protocol"] == "IMAP" {
                assert_eq!((before, after), (&json!([]), &json!([])));
                let regions = change["New"]["Regions"].as_array().unwrap();
                assert_eq!(regions.len(), 1);
                assert_eq!(regions[0]["Answer"]["MatchedRules"], json!(["deny-imap-except-archiver"]));
            } else {
                assert_eq!((before, after), (&json!(["198.51.100.0/24", "203.0.113.0/25"]), &json!(["0.0.0.0/0"])));
            }
        }
        // The changes' new cells are the edited organization's.
        let edited = rs(&policy_from(get(&compile(js(new.clone()), None), "Policy")).effective_access());
        for change in changes {
            assert_eq!(row(&edited, DAVE)["Protocols"][change["Protocol"].as_str().unwrap()], change["New"]);
        }

        let broken = rs(&effective_access_changes(js(old.clone()), JsValue::from_str("{"), None));
        assert_eq!(broken["Error"]["Code"], json!("SerializationException"));
        assert!(broken["Findings"][0]["Path"].as_str().unwrap().starts_with("new: "));
        for value in bad_values() {
            let compared = effective_access_changes(value.clone(), js(old.clone()), Some(value));
            assert!(get(&compared, "Error").is_object() || get(&compared, "Changes").is_object());
        }
    }
}

/// Audit-log replay: `replay` and its `Replay` (feature `replay`; the package's `workmail_policy_replay.js`).
#[cfg(feature = "replay")]
mod replay {
    use super::*;
    use workmail_policy_wasm::{replay, Replay};

    const PROPOSED: &str = include_str!("../../examples/acme-proposed.json");

    /// The directory ids of acme.json's users, as the service logs them.
    fn id(user: &str) -> String {
        let n = ["alice", "bob", "carol", "dave", "archive"].iter().position(|u| *u == user).unwrap() + 1;
        format!("S-1-1-11-4012345678-100000000{n}-200000000{n}-100{n}")
    }

    /// One `AccessControl` event line.
    fn event(user: &str, protocol: &str, ip: &str, granted: bool, rule: &str) -> String {
        json!({
            "event_timestamp": 1764547200000u64, "request_id": "r", "scope": "AccessControl", "protocol": protocol,
            "source_ip": ip, "user_id": id(user), "rule_id": rule, "access_granted": granted,
        })
        .to_string()
    }

    /// Eleven records: seven replayed (one disagreeing), three of them now denied by acme-proposed.json's
    /// `webmail-from-offices-only` (alice twice, dave once); mail flow, a device event, a line that is not JSON and
    /// a protocol no rule governs.
    fn log() -> String {
        let lines = [
            event("alice", "WebMail", "192.0.2.10", true, "default"),
            event("alice", "WebMail", "192.0.2.11", true, "default"),
            event("carol", "WebMail", "192.0.2.12", true, "default"),
            event("bob", "WebMail", "198.51.100.7", true, "default"),
            event("dave", "WebMail", "203.0.113.100", true, "default"),
            event("bob", "IMAP", "198.51.100.7", true, "default"),
            event("alice", "IMAP", "198.51.100.8", false, "deny-imap-except-archiver"),
            json!({"scope": "AccessControl", "protocol": "IncomingEmail", "user_id": id("alice"), "access_granted": true})
                .to_string(),
            json!({"scope": "DeviceAccessControl", "user_id": id("alice"), "access_granted": true}).to_string(),
            "not json".to_owned(),
            event("alice", "POP3", "192.0.2.10", true, "default"),
        ];
        lines.join("\n") + "\n"
    }

    fn start(rules: JsValue, against: Option<JsValue>) -> Replay {
        use wasm_bindgen::convert::TryFromJsValue;
        let started = replay(rules, against, None);
        Replay::try_from_js_value(get(&started, "Replay"))
            .unwrap_or_else(|_| panic!("not a Replay: {:?}", rs(&started)))
    }

    fn replayed(log: &[u8], chunk: usize) -> Value {
        let mut replay = start(JsValue::from_str(ACME), Some(JsValue::from_str(PROPOSED)));
        for piece in log.chunks(chunk) {
            replay.push(piece);
        }
        assert_eq!(replay.bytes(), log.len() as f64);
        rs(&replay.finish(Some("acme.log".to_owned())))
    }

    #[wasm_bindgen_test]
    fn a_log_replayed_gives_the_agreement_and_the_impact() {
        let report = replayed(log().as_bytes(), 1 << 16);
        assert_eq!(
            (&report["Events"], &report["Replayed"], &report["Agreed"], &report["Disagreed"]),
            (&json!(11), &json!(7), &json!(6), &json!(1))
        );
        assert_eq!(
            report["Skipped"],
            json!({"DeviceAccessControl": 1, "MailFlow": 1, "Unreadable": 1, "Unreplayable": 1})
        );
        assert_eq!(report["Disagreements"][0]["Request"]["Action"], json!("IMAP"));
        assert_eq!(report["Disagreements"][0]["Engine"]["MatchedRules"], json!(["deny-imap-except-archiver"]));
        assert!(report["Disagreements"][0].get("Reason").is_none(), "explain is the analyses' module's");
        let problems: Vec<_> =
            report["Problems"].as_array().unwrap().iter().map(|p| (&p["Line"], &p["Kind"])).collect();
        assert_eq!(problems, [(&json!(10), &json!("Unreadable")), (&json!(11), &json!("Unreplayable"))]);
        assert_eq!(report["Problems"][0]["File"], json!("acme.log"));

        assert_eq!(report["Summary"], json!("3 of 7 logins by 2 users would now be denied; 0 would now be allowed"));
        assert_eq!(
            (&report["Changed"], &report["NowDenied"], &report["NowAllowed"]),
            (&json!(3), &json!(3), &json!(0))
        );
        let groups = |kind: &str| -> Vec<(String, u64)> {
            let groups = report[kind].as_array().unwrap().iter();
            groups.map(|g| (g["Key"].as_str().unwrap().to_owned(), g["Events"].as_u64().unwrap())).collect()
        };
        assert_eq!(groups("ChangesByUser"), [(id("alice"), 2), (id("dave"), 1)]);
        assert_eq!(groups("ChangesByProtocol"), [("WebMail".to_owned(), 3)]);
        assert_eq!(
            groups("ChangesBySourceNetwork"),
            [("192.0.2.0/24".to_owned(), 2), ("203.0.113.0/24".to_owned(), 1)]
        );
        let dave = &report["ChangesByUser"][1];
        assert_eq!(dave["Line"], json!(5));
        assert_eq!(dave["Example"]["IpAddress"], json!("203.0.113.100"));
        assert_eq!(dave["Before"], json!({"Effect": "ALLOW", "MatchedRules": ["default"]}));
        assert_eq!(
            dave["After"],
            json!({"Effect": "DENY", "MatchedRules": ["contractors-office-only", "webmail-from-offices-only"]})
        );
        assert_eq!(dave["FirstSeen"], json!("2025-12-01T00:00:00.000Z"));
    }

    #[wasm_bindgen_test]
    fn chunks_may_end_anywhere() {
        let log = log();
        let whole = replayed(log.as_bytes(), log.len());
        for chunk in [1, 7, 64] {
            assert_eq!(replayed(log.as_bytes(), chunk), whole, "chunks of {chunk}");
        }
        // The same events as aws logs filter-log-events output, pretty-printed, read alike.
        let events: Vec<Value> =
            log.lines().map(|line| json!({"timestamp": 1764547200000u64, "message": line})).collect();
        let pages = serde_json::to_string_pretty(&json!({"events": events, "nextToken": "t"})).unwrap();
        let paged = replayed(pages.as_bytes(), 100);
        for key in ["Events", "Replayed", "Agreed", "Disagreed", "Skipped", "Summary", "ChangesByUser"] {
            if key == "ChangesByUser" {
                assert_eq!(paged[key].as_array().unwrap().len(), 2);
            } else {
                assert_eq!(paged[key], whole[key], "{key}");
            }
        }
    }

    #[wasm_bindgen_test]
    fn without_a_second_organization_the_report_has_no_impact() {
        let mut replay = start(JsValue::from_str(ACME), None);
        replay.push(log().as_bytes());
        assert_eq!(replay.events(), 11.0);
        let report = replay.finish(None);
        let keys: Vec<String> =
            Object::keys(report.unchecked_ref::<Object>()).iter().map(|k| k.as_string().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "Events",
                "Replayed",
                "Agreed",
                "Disagreed",
                "ReplayedByClass",
                "Skipped",
                "RuleIdsNotCompared",
                "Disagreements",
                "DisagreementsNotListed",
                "Problems",
                "ProblemsNotListed"
            ]
        );
        assert_eq!(rs(&report)["Problems"][0]["File"], json!("log"));
        // The replay starts again: another log against the same rules.
        assert_eq!(replay.events(), 0.0);
        replay.push(event("alice", "WebMail", "192.0.2.10", true, "default").as_bytes());
        assert_eq!(rs(&replay.finish(None))["Agreed"], json!(1));
        // `null` is no second organization either.
        let mut replay = start(JsValue::from_str(ACME), Some(JsValue::NULL));
        assert!(rs(&replay.finish(None)).get("Summary").is_none());
    }

    #[wasm_bindgen_test]
    fn bad_organizations_are_errors_with_their_side() {
        let started = rs(&replay(JsValue::from_str("{"), Some(JsValue::from_str(ACME)), None));
        assert_eq!(error_code(&started), Some("SerializationException"));
        assert!(started["Findings"][0]["Path"].as_str().unwrap().starts_with("rules: "), "{started}");
        let bad = json!({"AccessControlRules": [{"Name": "x", "Effect": "DENY", "Description": "", "IpRanges": ["1.2.3/8"]}]});
        let started = rs(&replay(JsValue::from_str(ACME), Some(js(bad)), None));
        assert_eq!(error_code(&started), Some("InvalidParameterException"));
        assert_eq!(started["Findings"][0]["Path"], json!("against: AccessControlRules[0].IpRanges[0]"));
        assert!(started.get("Replay").is_none());
        for value in bad_values() {
            let started = replay(value.clone(), Some(value), Some(JsValue::from_str("x")));
            assert!(get(&started, "Error").is_object() || get(&started, "Replay").is_object());
        }
    }
}
