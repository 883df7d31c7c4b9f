//! Arbitrary bytes as an audit log, read by `replay::LogReader` whole and in chunks of a size the first byte picks:
//! the records (text, line, kind) and the shape are the same, whatever the chunking; every record replays against
//! examples/acme.json without a panic, and the summary counts every record once.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use workmail_policy::replay::{LogReader, LogShape, RecordKind, Records, Replayer, RuleSet, Summary};
use workmail_policy::{load, validate, Organization, Policy};

static RULES: LazyLock<(Organization, Policy)> = LazyLock::new(|| {
    let file = load::parse(include_bytes!("../../examples/acme.json")).expect("the example reads");
    let organization = validate::validate(&file, &validate::Options::default()).organization.expect("and is valid");
    let policy = Policy::compile(&organization).expect("and compiles");
    (organization, policy)
});

fn read(log: &[u8], chunk: usize) -> (Vec<(Vec<u8>, u64, RecordKind)>, LogShape, Records) {
    let (mut reader, mut records) = (LogReader::new(), Records::new());
    for piece in log.chunks(chunk) {
        reader.push(piece, &mut records);
    }
    let shape = reader.finish(&mut records);
    let list = records.iter().map(|(text, line, kind)| (text.to_vec(), line, kind)).collect();
    (list, shape, records)
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, log)) = data.split_first() else { return };
    let (whole, shape, records) = read(log, log.len().max(1));
    let (chunked, chunked_shape, _) = read(log, usize::from(first % 64) + 1);
    assert_eq!(chunked_shape, shape);
    assert_eq!(chunked, whole);
    let (organization, policy) = &*RULES;
    let mut replayer = Replayer::new(RuleSet { organization, policy });
    let mut summary = Summary::new(false);
    for replayed in replayer.replay(0, &records) {
        summary.add(&replayed);
    }
    assert_eq!(summary.events, records.len() as u64);
});
