//! Arbitrary bytes through `wmpolicy fmt`: whatever reads, its canonical form reads back as the same documents,
//! and formatting that again changes nothing.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::format;
use workmail_policy::load::{self, Limits};

fuzz_target!(|data: &[u8]| {
    let Ok(documents) = load::documents(data, &Limits::default()) else { return };
    let text = format::render(&documents).expect("documents that were read can be written");
    let again = load::documents(text.as_bytes(), &Limits::default())
        .unwrap_or_else(|findings| panic!("canonical text does not read back: {findings:?}\n{text}"));
    assert_eq!(again, documents, "canonical text reads back as other documents:\n{text}");
    assert_eq!(format::render(&again).expect("written once, so again"), text, "canonical form is not a fixed point");
});
