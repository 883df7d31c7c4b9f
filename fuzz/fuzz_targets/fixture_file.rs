//! Arbitrary bytes as a fixture file (`wmpolicy test`'s input): reading must never panic, a refused file says
//! why, and a fixture that reads replays against the engine without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::{load, validate};
use workmail_policy_fixture as fixture;

fuzz_target!(|data: &[u8]| {
    // Small limits, so that the fuzzer reaches them.
    let limits = load::Limits { max_input_bytes: 1 << 16, max_records: 64, max_list_items: 256 };
    match fixture::parse_with(data, &limits) {
        Ok(recorded) => {
            let _ = fixture::replay(&recorded, &validate::Options::default());
        }
        Err(findings) => assert!(!findings.is_empty(), "a refused fixture says why"),
    }
});
