//! Audit-log replay: WorkMail's logged access verdicts asked again of the engine (SEMANTICS 6).
//!
//! An organization with audit logging on holds real verdicts: every sign-in and protocol connection, with its
//! address, protocol, user and whether access was granted. A replay answers two questions with them: does the
//! engine agree with what the service did (against a snapshot of the rules), and whose logins would a change
//! break (against the snapshot and the proposed rules together).
//!
//! The data flows in four steps, each its own type, none doing I/O:
//!
//! ```text
//! bytes ─LogReader→ Records ─Event::read→ Event ─Replayer::judge→ Outcome ─Summary::add→ Summary ─report→ Report
//! (3 shapes,         (one event's    (SEMANTICS     (6.3: the call;      (counts, groups,     (JSON, text)
//!  told by content)   text each)      6.2 fields)     6.4: agreement)      problems by line)
//! ```
//!
//! - [`LogReader`] takes a log in chunks, as a file, a pipe or a browser stream gives them, and tells its shape
//!   ([`LogShape`]) from its content. It keeps one event at a time, so a log of any size is read in bounded memory.
//! - [`Event::read`] reads one record; [`Event::replayable`] maps it to its simulate call (SEMANTICS 6.3).
//! - [`Replayer::judge`] asks the engine, caching answers by request: logs repeat the same users from the same
//!   addresses. With [`Replayer::against`] it asks a second rule set too.
//! - [`Summary`] counts and groups, and [`Summary::merge`] joins the summaries of consecutive blocks, so blocks may
//!   be replayed on several threads and give exactly what one thread gives.
//! - [`Replayer::replay`] is steps 2 to 3 over a block of records, as an iterator: a data-lake job that has its own
//!   way of reading files uses it and [`Summary`] without the command line.
//!
//! Everything SEMANTICS 6 marks as inferred (the `rule_id` comparison, the action an impersonated access event is
//! asked with, the mail-flow protocols) is in [`uncertain`](crate::uncertain).
//!
//! ```
//! use workmail_policy::replay::{LogReader, Position, Records, Replayer, RuleSet, Summary};
//! use workmail_policy::{Organization, Policy};
//!
//! let org = Organization::default();
//! let policy = Policy::compile(&org).unwrap();
//! let log = concat!(
//!     r#"{"event_timestamp": 1764547200000, "scope": "AccessControl", "protocol": "IMAP", "#,
//!     r#""source_ip": "192.0.2.1", "user_id": "S-1-5-18-0001", "access_granted": true, "rule_id": "default"}"#, "\n",
//!     r#"{"scope": "AccessControl", "protocol": "IncomingEmail", "user_id": "S-1-5-18-0001", "access_granted": true}"#, "\n",
//!     "not json\n",
//! );
//! let (mut reader, mut records) = (LogReader::new(), Records::new());
//! reader.push(log.as_bytes(), &mut records);
//! reader.finish(&mut records);
//!
//! let mut replayer = Replayer::new(RuleSet { organization: &org, policy: &policy });
//! let mut summary = Summary::new(false);
//! for replayed in replayer.replay(0, &records) {
//!     summary.add(&replayed);
//! }
//! assert_eq!((summary.events, summary.agreed, summary.skipped_mail_flow, summary.unreadable), (3, 1, 1, 1));
//! assert_eq!(summary.problems()[0].at, Position { file: 0, line: 3 });
//! ```

mod event;
mod judge;
mod plain;
mod reader;
mod report;
mod summary;

pub use event::{Class, Event, Replayable, Skip, Unreadable};
pub use judge::{Judged, Outcome, Refusal, Replayer, RuleSet, Verdict};
pub use reader::{Broken, LogReader, RecordKind, Records};
pub use report::{report, Report};
pub use summary::{Change, Disagreement, Problem, Seen, Summary, MAX_GROUPS, MAX_PROBLEMS};

/// The longest event read: 64 KiB. A real event is a few hundred bytes; a longer record is unreadable, and a
/// reader keeps no more than this of it.
pub const MAX_EVENT_BYTES: usize = 64 << 10;

/// The shape a log file is in (SEMANTICS 6.1), told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogShape {
    /// One event per line, as CloudWatch Logs delivers them to S3 or Firehose.
    EventLines,
    /// `aws logs filter-log-events` output: pages of `{"events": [{"message": "<event JSON>", …}], "nextToken"?}`.
    FilterLogEvents,
    /// `aws logs get-query-results` output: `{"results": [[{"field", "value"}, …], …]}`, every value a string.
    QueryResults,
}

/// Where a record starts: the input (its index among the logs replayed) and the line (from 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The log's index, in the order the logs are given.
    pub file: u32,
    /// The line the record starts on.
    pub line: u64,
}

/// One record of a log, replayed: where it is, the event read from it, and what became of it.
#[derive(Debug, Clone)]
pub struct Replayed<'r, 'p> {
    /// Where the record starts.
    pub at: Position,
    /// The event (empty when the record could not be read).
    pub event: Event<'r>,
    /// What became of it.
    pub outcome: Outcome<'p>,
    /// For input skipped as broken, the last line skipped.
    pub to_line: Option<u64>,
}

impl<'p> Replayer<'p> {
    /// Replays a block of records of the log numbered `file`, one [`Replayed`] per record, in order.
    ///
    /// An event a page holds as a JSON string (`filter-log-events`' `message`, Logs Insights' `@message`) is read
    /// into strings of its own, since the iterator's items outlive each other; event lines borrow from `records`.
    pub fn replay<'r>(&'r mut self, file: u32, records: &'r Records) -> impl Iterator<Item = Replayed<'r, 'p>> + 'r {
        records.iter().map(move |(text, line, kind)| {
            let at = Position { file, line };
            let unreadable = |message: String, to_line| Replayed {
                at,
                event: Event::default(),
                outcome: Outcome::Unreadable(Unreadable(message)),
                to_line,
            };
            let shape = match kind {
                RecordKind::Event(shape) => shape,
                RecordKind::Broken { to_line, why } => {
                    let head = String::from_utf8_lossy(text);
                    return unreadable(broken_message(why, &head), Some(to_line));
                }
            };
            let read = match shape {
                LogShape::EventLines => Event::read_line(text),
                _ => Event::read(text, shape, &mut String::new()).map(Event::into_owned),
            };
            let event = match read {
                Ok(event) => event,
                Err(why) => return unreadable(why.0, None),
            };
            let outcome = self.judge(&event);
            Replayed { at, event, outcome, to_line: None }
        })
    }
}

fn broken_message(why: Broken, head: &str) -> String {
    let head = event::shorten(head.trim());
    if head.is_empty() {
        why.message().to_owned()
    } else {
        format!("{} (it starts `{head}`)", why.message())
    }
}

impl Event<'_> {
    /// The event with strings of its own.
    pub fn into_owned(self) -> Event<'static> {
        let own = |text: Option<std::borrow::Cow<'_, str>>| text.map(|text| std::borrow::Cow::Owned(text.into_owned()));
        Event {
            event_timestamp: self.event_timestamp,
            request_id: own(self.request_id),
            user_id: own(self.user_id),
            impersonator_id: own(self.impersonator_id),
            protocol: own(self.protocol),
            source_ip: own(self.source_ip),
            scope: own(self.scope),
            rule_id: own(self.rule_id),
            access_granted: self.access_granted,
        }
    }
}
