//! Compiles an organization file `TIMES` times, as a profiler needs: the difference of two counts (say, `TIMES` 5
//! and 1) divided by the difference of the times is what one compile costs, without reading and checking the file.
//!
//! ```sh
//! cargo run --release -- generate > max.json       # a service-maximum organization
//! cargo build --release --example compile_times
//! valgrind --tool=callgrind target/release/examples/compile_times max.json 5   # and 1: per compile = difference / 4
//! ```

use std::hint::black_box;
use std::time::Instant;

use workmail_policy::validate::{validate, Options};
use workmail_policy::{load, Policy};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, org, rest @ ..] = args.as_slice() else {
        return Err("usage: compile_times ORG [TIMES]".into());
    };
    let times: u32 = rest.first().map_or(Ok(1), |n| n.parse())?;
    let file = load::parse(&std::fs::read(org)?).map_err(|findings| format!("{findings:?}"))?;
    let organization =
        validate(&file, &Options { enforce_quotas: false }).organization.ok_or("invalid organization")?;
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..times {
        bytes = Policy::compile(black_box(&organization))?.heap_bytes();
    }
    let elapsed = start.elapsed();
    println!("{times} compiles, {:?} each, compiled policy {bytes} bytes", elapsed / times.max(1));
    Ok(())
}
