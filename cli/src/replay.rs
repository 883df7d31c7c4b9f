//! `wmpolicy replay`: audit logs read from files (ungzipped when they are gzip), cut into blocks of records,
//! replayed on every core, and the summaries joined in input order. The library does the rest
//! (`workmail_policy::replay`).

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::sync::mpsc;

use flate2::read::MultiGzDecoder;
use indicatif::{ProgressBar, ProgressStyle};
use workmail_policy::replay::{LogReader, Records, Replayer, RuleSet, Summary};

/// The most of a log read at once, and about the most a block of records holds: some thousands of events, a
/// few milliseconds of replaying.
const CHUNK_BYTES: usize = 1 << 20;

/// Blocks waiting for a thread, and summaries waiting to be joined, per replaying thread.
const BLOCKS_QUEUED: usize = 2;

/// A log failed to open or read: its name and the error.
pub struct LogError {
    pub path: String,
    pub error: io::Error,
}

/// Replays `logs` (paths; `-` is stdin) against `rules`, and against `against` when given, on `threads` threads.
pub fn run(
    rules: RuleSet<'_>,
    against: Option<RuleSet<'_>>,
    logs: &[String],
    threads: usize,
) -> Result<Summary, LogError> {
    let progress = progress_bar(logs);
    let replayer = || {
        let replayer = Replayer::new(rules);
        match against {
            Some(against) => replayer.against(against),
            None => replayer,
        }
    };
    let result = if threads <= 1 {
        let mut replayer = replayer();
        let mut summary = Summary::new(against.is_some());
        read_blocks(logs, &progress, |file, records| {
            summary.merge(replay_block(&mut replayer, file, &records, against.is_some()));
            true
        })
        .map(|()| summary)
    } else {
        in_parallel(logs, threads, &progress, replayer, against.is_some())
    };
    progress.finish_and_clear();
    result
}

fn replay_block(replayer: &mut Replayer<'_>, file: u32, records: &Records, has_against: bool) -> Summary {
    let mut summary = Summary::new(has_against);
    for replayed in replayer.replay(file, records) {
        summary.add(&replayed);
    }
    summary
}

/// As `wmpolicy batch --threads`: one thread reads blocks and deals them round-robin to the replaying threads, and
/// this one takes their summaries back in the same round, so they are joined in input order. Queues are bounded,
/// so memory is a few blocks per thread.
fn in_parallel<'p>(
    logs: &[String],
    threads: usize,
    progress: &ProgressBar,
    replayer: impl Fn() -> Replayer<'p> + Sync,
    has_against: bool,
) -> Result<Summary, LogError> {
    std::thread::scope(|scope| {
        let mut to_replay = Vec::with_capacity(threads);
        let mut replayed = Vec::with_capacity(threads);
        for _ in 0..threads {
            let (send_block, blocks) = mpsc::sync_channel::<(u32, Records)>(BLOCKS_QUEUED);
            let (send_summary, summaries) = mpsc::sync_channel::<Summary>(BLOCKS_QUEUED);
            let replayer = &replayer;
            scope.spawn(move || {
                let mut replayer = replayer();
                for (file, records) in blocks {
                    if send_summary.send(replay_block(&mut replayer, file, &records, has_against)).is_err() {
                        return;
                    }
                }
            });
            to_replay.push(send_block);
            replayed.push(summaries);
        }
        let reader = scope.spawn(move || {
            let mut sent = 0usize;
            read_blocks(logs, progress, |file, records| {
                let queued = to_replay.get(sent % threads).is_some_and(|worker| worker.send((file, records)).is_ok());
                sent += 1;
                queued
            })
        });
        let mut summary = Summary::new(has_against);
        for block in 0.. {
            match replayed.get(block % threads).map(|worker| worker.recv()) {
                Some(Ok(block)) => summary.merge(block),
                _ => break,
            }
        }
        let read = reader.join().unwrap_or_else(|_| {
            Err(LogError { path: String::new(), error: io::Error::other("the reading thread panicked") })
        });
        read.map(|()| summary)
    })
}

/// Reads each log in turn into blocks of records, handing each to `block` with the log's index; stops early when
/// `block` returns false.
fn read_blocks(
    logs: &[String],
    progress: &ProgressBar,
    mut block: impl FnMut(u32, Records) -> bool,
) -> Result<(), LogError> {
    let mut chunk = vec![0; CHUNK_BYTES];
    for (file, path) in logs.iter().enumerate() {
        let fail = |error: io::Error| LogError { path: path.clone(), error };
        let mut input = open(path, progress).map_err(fail)?;
        let mut reader = LogReader::new();
        let mut records = Records::new();
        loop {
            let read = read_some(&mut input, &mut chunk).map_err(fail)?;
            if read == 0 {
                reader.finish(&mut records);
            } else {
                reader.push(&chunk[..read], &mut records);
            }
            let full = (read == 0 && !records.is_empty()) || records.byte_len() >= CHUNK_BYTES;
            if full && !block(file as u32, std::mem::take(&mut records)) {
                return Ok(());
            }
            if read == 0 {
                break;
            }
        }
    }
    Ok(())
}

/// Counts the bytes read from a file on the progress bar: the file's own bytes, before any ungzipping, so that
/// the bar's total is the files' sizes.
struct Counted<R> {
    inner: R,
    progress: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buffer)?;
        self.progress.inc(read as u64);
        Ok(read)
    }
}

/// A log's bytes, ungzipped when they start with gzip's magic number (as S3 delivery writes them), whatever the
/// file is called.
fn open(path: &str, progress: &ProgressBar) -> io::Result<Box<dyn Read>> {
    let mut source: Box<dyn Read> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(Counted { inner: File::open(path)?, progress: progress.clone() })
    };
    // Peek at two bytes without losing them.
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match source.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    let whole = io::Cursor::new(magic[..got].to_vec()).chain(source);
    Ok(if magic[..got] == [0x1f, 0x8b] { Box::new(MultiGzDecoder::new(whole)) } else { Box::new(whole) })
}

fn read_some(input: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buffer) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// A bar over the logs' total size on a terminal; hidden in pipes and files, where progress would be noise.
fn progress_bar(logs: &[String]) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 =
        logs.iter().filter(|path| *path != "-").filter_map(|path| std::fs::metadata(path).ok()).map(|m| m.len()).sum();
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("replaying {bytes}/{total_bytes} {wide_bar} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}
