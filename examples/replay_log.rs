//! Replays an audit log against an organization with the library alone, as a data-lake job would: the file read
//! in chunks, blocks of records replayed and counted, the report printed. `TIMES` replays it that many times,
//! each with a fresh replayer, for a profiler to take the difference of two counts.
//!
//! ```sh
//! cargo run --release --example replay_log -- examples/acme.json examples/logs/acme-events.jsonl
//! valgrind --tool=callgrind target/release/examples/replay_log ORG LOG 3   # and 1: per event = difference / 2 / events
//! ```

use std::io::Read;

use workmail_policy::replay::{report, LogReader, Records, Replayer, RuleSet, Summary};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{load, Policy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, org, log, rest @ ..] = args.as_slice() else {
        return Err("usage: replay_log ORG LOG [TIMES]".into());
    };
    let times: usize = rest.first().map_or(Ok(1), |n| n.parse())?;
    let file = load::parse(&std::fs::read(org)?).map_err(|findings| format!("{findings:?}"))?;
    let organization =
        validate(&file, &Options { enforce_quotas: false }).organization.ok_or("invalid organization")?;
    let policy = Policy::compile(&organization)?;
    let rules = RuleSet { organization: &organization, policy: &policy };
    let mut summary = Summary::new(false);
    for _ in 0..times {
        let mut replayer = Replayer::new(rules);
        let (mut reader, mut records, mut chunk) = (LogReader::new(), Records::new(), vec![0; 1 << 20]);
        let mut input = std::fs::File::open(log)?;
        summary = Summary::new(false);
        loop {
            let read = input.read(&mut chunk)?;
            records.clear();
            if read == 0 {
                reader.finish(&mut records);
            } else {
                reader.push(&chunk[..read], &mut records);
            }
            for replayed in replayer.replay(0, &records) {
                summary.add(&replayed);
            }
            if read == 0 {
                break;
            }
        }
    }
    print!("{}", report(&summary, std::slice::from_ref(log), Some(&organization)).explain(&organization));
    Ok(())
}
