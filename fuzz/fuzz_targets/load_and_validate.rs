//! Arbitrary bytes as an organization file: reading, validating (with quotas enforced and relaxed) and compiling
//! must never panic, and validation yields an organization exactly when it found no error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::{load, validate, Policy};

fuzz_target!(|data: &[u8]| {
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
