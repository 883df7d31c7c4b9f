//! One arbitrary `wmpolicy batch` line against examples/acme.json: always exactly one answer, a JSON object on one
//! line (a response or the service's error shape), never a panic.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use workmail_policy::{batch, load, validate, Policy};

static POLICY: LazyLock<Policy> = LazyLock::new(|| {
    let file = load::parse(include_bytes!("../../examples/acme.json")).expect("the example reads");
    let organization = validate::validate(&file, &validate::Options::default()).organization.expect("and is valid");
    Policy::compile(&organization).expect("and compiles")
});

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    batch::answer_line(&POLICY, data, &mut out);
    assert!(!out.contains(&b'\n'), "an answer is one line");
    let answer: serde_json::Value = serde_json::from_slice(&out).expect("an answer is JSON");
    let answer = answer.as_object().expect("an answer is an object");
    assert!(answer.contains_key("Effect") || answer.contains_key("Error"), "{answer:?}");
});
