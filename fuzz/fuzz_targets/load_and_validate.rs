//! Arbitrary bytes as an organization file: reading, validating (with quotas enforced and relaxed) and compiling
//! must never panic, and validation yields an organization exactly when it found no error. Read with `Rules`
//! lists taken as either kind (`wmpolicy --as`), the bytes must not panic either, and a refusal says why.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::{load, validate, Policy};

fuzz_target!(|data: &[u8]| {
    for rules_as in [load::RulesAs::AccessControlRules, load::RulesAs::MobileDeviceAccessRules] {
        if let Err(findings) = load::documents_as(data, &load::Limits::default(), Some(rules_as)) {
            assert!(!findings.is_empty(), "a refused input says why");
        }
    }
    let file = match load::parse(data) {
        Ok(file) => file,
        Err(findings) => {
            assert!(!findings.is_empty(), "a refused input says why");
            return;
        }
    };
    for enforce_quotas in [true, false] {
        let validation = validate::validate(&file, &validate::Options { enforce_quotas });
        assert_eq!(validation.organization.is_some(), !validation.has_errors());
        if let Some(organization) = &validation.organization {
            // Over the engine's limits is a clean error; anything else compiles.
            let _ = Policy::compile(organization);
        }
    }
});
