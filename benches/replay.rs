//! `wmpolicy replay` throughput on one core: audit-log bytes in, a summary out.
//!
//! 100,000 events of a generated log for a service-maximum organization (`testing::logs`: a working company's
//! sign-ins, impersonated sessions, device checks and mail flow; 365 bytes an event on average), held in memory as
//! event lines, as S3 delivers them. `replay/event-lines` does what each of `wmpolicy replay`'s threads does: cut
//! the bytes into records ([`LogReader`], 1 MiB at a time), read and judge every event ([`Replayer`], with its
//! answer cache) and count it ([`Summary`]). `replay/reference` reads each event with serde_json alone and asks the
//! reference evaluator, with no cache: the yardstick, measured in the same run. Criterion reports the time per
//! event and events per second; the time to read the file (the kernel's copy) is not in either.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use workmail_policy::batch::Request;
use workmail_policy::replay::{Event, LogReader, LogShape, Records, Replayable, Replayer, RuleSet, Summary};
use workmail_policy::testing::{self, logs, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{reference, Organization, Policy};

const EVENTS: usize = 100_000;

fn log() -> (Organization, Policy, Vec<u8>) {
    let generated = testing::organization(7, &Shape::service_maximum());
    let org = validate(&generated.file, &Options { enforce_quotas: false }).organization.expect("valid");
    let policy = Policy::compile(&org).expect("compiles");
    let log = logs::log(&org, 7, &logs::LogOptions { events: EVENTS, ..logs::LogOptions::default() });
    let bytes = logs::write(&log.events, LogShape::EventLines, 7);
    (org, policy, bytes)
}

fn replay(rules: RuleSet<'_>, bytes: &[u8]) -> Summary {
    let mut replayer = Replayer::new(rules);
    let (mut reader, mut records, mut summary) = (LogReader::new(), Records::new(), Summary::new(false));
    let mut chunks = bytes.chunks(1 << 20).peekable();
    while let Some(chunk) = chunks.next() {
        records.clear();
        reader.push(chunk, &mut records);
        if chunks.peek().is_none() {
            reader.finish(&mut records);
        }
        for replayed in replayer.replay(0, &records) {
            summary.add(&replayed);
        }
    }
    summary
}

/// The reference's verdict on every event, read in full: the count of agreeing events.
fn replay_by_reference(org: &Organization, bytes: &[u8]) -> usize {
    let mut agreed = 0;
    for line in bytes.split(|&byte| byte == b'\n').filter(|line| !line.is_empty()) {
        let Ok(event) = Event::read_line_in_full(line) else { continue };
        let Replayable::Judge { request, granted, .. } = event.replayable() else { continue };
        let allowed = match request {
            Request::Access(request) => reference::access(org, &request).map(|a| a.effect),
            Request::Impersonation(request) => reference::impersonation(org, &request).map(|a| a.effect),
            Request::Mobile(request) => reference::mobile(org, &request).map(|a| a.effect),
        };
        agreed += usize::from(allowed.is_ok_and(|effect| (effect == workmail_policy::Effect::Allow) == granted));
    }
    agreed
}

fn throughput(c: &mut Criterion) {
    let (org, policy, bytes) = log();
    let rules = RuleSet { organization: &org, policy: &policy };
    let summary = replay(rules, &bytes);
    assert_eq!((summary.events, summary.disagreed), (EVENTS as u64, 0), "a generated log agrees");
    eprintln!("replay bench: {EVENTS} events, {} bytes, {} replayed", bytes.len(), summary.replayed_total());
    let mut group = c.benchmark_group("replay");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(20);
    group.bench_function("event-lines", |b| b.iter(|| black_box(replay(rules, black_box(&bytes)))));
    group.sample_size(10);
    group.bench_function("reference", |b| b.iter(|| black_box(replay_by_reference(&org, black_box(&bytes)))));
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
