//! Arbitrary bytes as several inputs (split at each 0xFF byte, which no UTF-8 text holds), merged as
//! `wmpolicy validate a.json b.json` merges them: reading and validating must never panic, and once each finding
//! is told in its input's terms it names one of the inputs, or (for a finding about a whole merged list, such as a
//! quota) keeps the merged path it had.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::{load, validate};

fuzz_target!(|data: &[u8]| {
    let names: Vec<String> = (0..data.split(|&b| b == 0xFF).count()).map(|i| format!("input-{i}.json")).collect();
    let inputs = names.iter().map(String::as_str).zip(data.split(|&b| b == 0xFF));
    let (file, sources) = match load::parse_all_with_sources(inputs, &load::Limits::default()) {
        Ok(read) => read,
        Err(findings) => {
            assert!(!findings.is_empty(), "a refused input says why");
            return;
        }
    };
    let validation = validate::validate(&file, &validate::Options::default());
    let mut located = validation.findings.clone();
    sources.locate_all(&mut located);
    for (before, after) in validation.findings.iter().zip(&located) {
        assert!(
            after.path == before.path || names.iter().any(|name| after.path.starts_with(name.as_str())),
            "{} became {}",
            before.path,
            after.path
        );
    }
});
