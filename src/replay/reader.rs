//! Log bytes to records: one event's text each, with the line it starts on, in bounded memory.
//!
//! See [`LogReader`], the module's one type, and [`Records`], what it fills.

use super::{LogShape, MAX_EVENT_BYTES};
use crate::batch::plain::first_newline;
use crate::batch::LineBlocks;

/// How many bytes the reader looks at, at most, to tell a log's shape; a file whose first member is not found in
/// them is read as event lines.
const DETECT_BYTES: usize = 4096;

/// The longest top-level member name the document reader keeps to recognise `events` and `results`.
const KEY_BYTES: usize = 16;

/// A block of records read from a log: each record is one event's text, on one line of its own, with the line of
/// the input it starts on.
///
/// A record's text never holds a raw line end: an event of a pretty-printed page, spread over lines, has them
/// turned into spaces, which JSON allows between tokens and never inside a string. So a block is also a run of
/// event lines, and record `i` is [`Records::get`]`(i)`.
#[derive(Debug, Clone, Default)]
pub struct Records {
    /// The records' text, each followed by `\n` (and, between event lines, the blank lines of the input).
    text: Vec<u8>,
    /// Each record: where its text is in `text`, the input line it starts on, and what it is.
    entries: Vec<Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    start: usize,
    end: usize,
    line: u64,
    kind: RecordKind,
}

/// What a record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// The text of one event, in the shape it came in: a line, an element of `events`, a row of `results`.
    Event(LogShape),
    /// Input that could not be read as a document of the log's shape, from the record's line to `to_line`. The
    /// reader skipped it to the start of the next page; the text holds its first bytes.
    Broken {
        /// The last line skipped.
        to_line: u64,
        /// What broke.
        why: Broken,
    },
}

/// How a page of `filter-log-events` or `get-query-results` output broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// Something other than a page where a page should start.
    NotAPage,
    /// A line end inside a string, which JSON does not allow.
    LineEndInString,
    /// A closing bracket that closes nothing.
    ClosesNothing,
    /// The log ends inside a page.
    EndsInsidePage,
}

impl Broken {
    /// What broke, for a person.
    pub fn message(self) -> &'static str {
        match self {
            Broken::NotAPage => "not a page of the log's shape; skipped to the next page",
            Broken::LineEndInString => "a line end inside a string breaks the page; skipped to the next page",
            Broken::ClosesNothing => "a closing bracket closes nothing; skipped to the next page",
            Broken::EndsInsidePage => "the log ends inside a page",
        }
    }
}

impl Records {
    /// No records.
    pub fn new() -> Records {
        Records::default()
    }

    /// How many records the block holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the block holds no record.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Empties the block, keeping its memory for the next.
    pub fn clear(&mut self) {
        self.text.clear();
        self.entries.clear();
    }

    /// Record `i`: its text (without its `\n`), the line it starts on, and what it is.
    ///
    /// # Panics
    /// When `i` is not below [`Records::len`].
    pub fn get(&self, i: usize) -> (&[u8], u64, RecordKind) {
        let entry = self.entries[i];
        (&self.text[entry.start..entry.end], entry.line, entry.kind)
    }

    /// The records in order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64, RecordKind)> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The bytes the block holds, for a reader that bounds the blocks it keeps.
    pub fn byte_len(&self) -> usize {
        self.text.len()
    }

    fn push(&mut self, line: u64, kind: RecordKind, text: &[u8]) {
        let start = self.text.len();
        self.text.extend_from_slice(text);
        self.entries.push(Entry { start, end: self.text.len(), line, kind });
        self.text.push(b'\n');
    }
}

/// Reads a log, in any of the three shapes of SEMANTICS 6.1, from chunks of bytes that may end anywhere, into
/// [`Records`].
///
/// The shape is told from the content, not the file name: a log whose first member name is `events` (or another of
/// `filter-log-events`' members) is [`LogShape::FilterLogEvents`] output, one whose first member is `results` (or
/// another of `get-query-results`' members) is [`LogShape::QueryResults`] output, and anything else is read as
/// [`LogShape::EventLines`]. It does no I/O and no decompression: the caller reads, and ungzips a `.gz` file first.
///
/// # Bounded memory
///
/// Event lines are cut as [`LineBlocks`] cuts request lines, and an event of a page is kept only up to
/// [`MAX_EVENT_BYTES`] (one byte more, so that the record reads as too long). Pages themselves are never kept
/// whole: the reader keeps only the event it is in, a few bytes of state, and the member name it last read. A
/// log of any size, with pages of any size, is read in the memory of a chunk and one event.
///
/// # Damaged documents
///
/// A page is machine-written, so the reader follows its structure without checking all of JSON's grammar; each
/// event's text is then read in full by [`Event::read`](super::Event::read), which reports what is wrong with
/// it. Where the structure itself breaks (a line end inside a string, a closing bracket that closes nothing,
/// something other than a page between pages), the reader gives one [`RecordKind::Broken`] record for the lines it
/// skips, up to the next line that starts a page (`{` in the first column, as the aws CLI prints pages), and reads
/// on from there. Nothing is dropped without a record.
///
/// ```
/// use workmail_policy::replay::{LogReader, LogShape, Records, RecordKind};
///
/// let page = br#"{
///     "events": [
///         {"timestamp": 1, "message": "{\"scope\": \"AccessControl\"}"}
///     ],
///     "nextToken": "abc"
/// }
/// "#;
/// let mut reader = LogReader::new();
/// let mut records = Records::new();
/// for chunk in page.chunks(7) {
///     reader.push(chunk, &mut records);
/// }
/// assert_eq!(reader.shape(), Some(LogShape::FilterLogEvents));
/// assert_eq!(reader.finish(&mut records), LogShape::FilterLogEvents);
/// assert_eq!(records.len(), 1);
/// let (text, line, kind) = records.get(0);
/// assert_eq!((line, kind), (3, RecordKind::Event(LogShape::FilterLogEvents)));
/// assert!(text.starts_with(br#"{"timestamp": 1"#));
/// ```
#[derive(Debug, Clone)]
pub struct LogReader {
    /// The shape, once told.
    shape: Option<LogShape>,
    /// The first bytes, kept until the shape is told.
    head: Vec<u8>,
    /// Event lines: the line cutter and the next line's number.
    lines: LineBlocks,
    next_line: u64,
    /// Pages: where the reader is in the document.
    page: PageState,
}

#[derive(Debug, Clone)]
struct PageState {
    /// The line the reader is on.
    line: u64,
    /// Nesting depth: 0 between pages, 1 in a page, 2 in its `events` or `results` list, 3 and more in an event.
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1, the next string is a member name.
    expect_key: bool,
    /// At depth 1, a member name is being read into `key`.
    reading_key: bool,
    key: Vec<u8>,
    /// At depth 2, the list is the page's `events` or `results`.
    in_list: bool,
    /// The event being kept (depth 3 and more) and the line it started on.
    event: Vec<u8>,
    event_line: u64,
    /// Skipping broken input to the next line that starts a page: the line skipping started on, its first bytes,
    /// and what broke.
    broken: Option<(u64, Vec<u8>, Broken)>,
    /// At the start of a line (for telling where a page starts when skipping).
    line_start: bool,
}

impl PageState {
    fn new() -> PageState {
        PageState {
            line: 1,
            depth: 0,
            in_string: false,
            escaped: false,
            expect_key: false,
            reading_key: false,
            key: Vec::new(),
            in_list: false,
            event: Vec::new(),
            event_line: 0,
            broken: None,
            line_start: true,
        }
    }
}

impl Default for LogReader {
    fn default() -> Self {
        LogReader::new()
    }
}

impl LogReader {
    /// A reader at the start of a log.
    pub fn new() -> LogReader {
        LogReader {
            shape: None,
            head: Vec::new(),
            lines: LineBlocks::new(MAX_EVENT_BYTES),
            next_line: 1,
            page: PageState::new(),
        }
    }

    /// The log's shape, once the reader has seen enough to tell it (at most 4 KiB, or the whole of a shorter log
    /// after [`LogReader::finish`]).
    pub fn shape(&self) -> Option<LogShape> {
        self.shape
    }

    /// Takes the log's next bytes, and appends to `records` every record they finish.
    pub fn push(&mut self, bytes: &[u8], records: &mut Records) {
        match self.shape {
            Some(shape) => self.read(shape, bytes, records),
            None => {
                self.head.extend_from_slice(bytes);
                if let Some(shape) = detect(&self.head, false) {
                    self.start(shape, records);
                }
            }
        }
    }

    /// The log has ended: appends its last records, and a [`RecordKind::Broken`] one when it ends inside a page,
    /// and gives the log's shape. The reader can then read another log.
    pub fn finish(&mut self, records: &mut Records) -> LogShape {
        if self.shape.is_none() {
            let shape = detect(&self.head, true).unwrap_or(LogShape::EventLines);
            self.start(shape, records);
        }
        match self.shape {
            Some(LogShape::EventLines) => {
                let from = records.text.len();
                self.lines.finish(&mut records.text);
                self.take_lines(records, from);
            }
            Some(_) => {
                let page = &mut self.page;
                if let Some((from, head, why)) = page.broken.take() {
                    records.push(from, RecordKind::Broken { to_line: page.line, why }, &head);
                } else if page.depth > 0 {
                    // The page was cut short (a download stopped, a file truncated): its unfinished event, if any,
                    // is where the report points.
                    let from = if page.depth >= 3 { page.event_line } else { page.line };
                    let mut head = std::mem::take(&mut page.event);
                    head.truncate(64);
                    records.push(from, RecordKind::Broken { to_line: page.line, why: Broken::EndsInsidePage }, &head);
                }
            }
            None => {}
        }
        let shape = self.shape.unwrap_or(LogShape::EventLines);
        *self = LogReader::new();
        shape
    }

    fn start(&mut self, shape: LogShape, records: &mut Records) {
        self.shape = Some(shape);
        let head = std::mem::take(&mut self.head);
        // An editor's byte-order mark is not part of the log (the line reader drops it from the first line).
        let bytes = match shape {
            LogShape::EventLines => &head[..],
            _ => head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head),
        };
        self.read(shape, bytes, records);
    }

    fn read(&mut self, shape: LogShape, bytes: &[u8], records: &mut Records) {
        match shape {
            LogShape::EventLines => {
                let from = records.text.len();
                self.lines.push(bytes, &mut records.text);
                self.take_lines(records, from);
            }
            LogShape::FilterLogEvents | LogShape::QueryResults => read_pages(&mut self.page, shape, bytes, records),
        }
    }

    /// Makes records of the whole lines just appended to `records`' text, from `from` on: one record a line, its
    /// `\r` and (on the log's first line) a byte-order mark left out; blank lines are counted, not kept. The text
    /// stays where it is: only the places are noted.
    fn take_lines(&mut self, records: &mut Records, from: usize) {
        let mut start = from;
        let text_end = records.text.len();
        while start < text_end {
            let rest = &records.text[start..text_end];
            let line_end = first_newline(rest).map_or(text_end, |at| start + at);
            let number = self.next_line;
            self.next_line += 1;
            let (mut first, mut last) = (start, line_end);
            if records.text[first..last].ends_with(b"\r") {
                last -= 1;
            }
            if number == 1 && records.text[first..last].starts_with(b"\xEF\xBB\xBF") {
                first += 3;
            }
            if !records.text[first..last].iter().all(u8::is_ascii_whitespace) {
                records.entries.push(Entry {
                    start: first,
                    end: last,
                    line: number,
                    kind: RecordKind::Event(LogShape::EventLines),
                });
            }
            start = line_end + 1;
        }
        // The last line of a log without a final newline: keep the text's one-`\n`-per-record shape.
        if text_end > from && records.text.last() != Some(&b'\n') {
            records.text.push(b'\n');
        }
    }
}

/// The log's shape from its first bytes, or `None` when more are needed (and `end` is false).
fn detect(head: &[u8], end: bool) -> Option<LogShape> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut rest = text.iter().skip_while(|byte| byte.is_ascii_whitespace()).peekable();
    let undecided = if end || head.len() >= DETECT_BYTES { Some(LogShape::EventLines) } else { None };
    match rest.next() {
        None => return undecided,
        Some(b'{') => {}
        Some(_) => return Some(LogShape::EventLines),
    }
    let mut rest = rest.skip_while(|byte| byte.is_ascii_whitespace());
    match rest.next() {
        None => return undecided,
        Some(b'"') => {}
        Some(_) => return Some(LogShape::EventLines),
    }
    let mut key = Vec::new();
    for &byte in rest {
        if byte == b'"' {
            return Some(shape_of_first_member(&key));
        }
        if key.len() >= KEY_BYTES {
            return Some(LogShape::EventLines);
        }
        key.push(byte);
    }
    undecided
}

/// The shape whose output starts with this member. The aws CLI prints a response's members in the order the
/// service sends them, `events` and `results` first; the others are there for a page that lacks them.
fn shape_of_first_member(name: &[u8]) -> LogShape {
    match name {
        b"events" | b"searchedLogStreams" | b"nextToken" => LogShape::FilterLogEvents,
        b"results" | b"statistics" | b"status" | b"encryptionKey" => LogShape::QueryResults,
        _ => LogShape::EventLines,
    }
}

/// The list of a page that holds the events.
fn list_name(shape: LogShape) -> &'static [u8] {
    match shape {
        LogShape::QueryResults => b"results",
        _ => b"events",
    }
}

/// Follows pages' structure byte by byte, keeping the text of each element of their `events` or `results` list.
fn read_pages(page: &mut PageState, shape: LogShape, bytes: &[u8], records: &mut Records) {
    for &byte in bytes {
        let line_start = page.line_start;
        page.line_start = byte == b'\n';
        if let Some((_, head, _)) = &mut page.broken {
            // Skipping to a line that starts a page.
            if !(line_start && byte == b'{') {
                if head.len() < 64 && byte != b'\n' && byte != b'\r' {
                    head.push(byte);
                }
                if byte == b'\n' {
                    page.line += 1;
                }
                continue;
            }
            if let Some((from, head, why)) = page.broken.take() {
                records.push(from, RecordKind::Broken { to_line: page.line - 1, why }, &head);
            }
        }
        if page.depth >= 3 {
            // An event longer than kept is cut one byte past the limit, so that its record reads as too long.
            if page.event.len() <= MAX_EVENT_BYTES {
                page.event.push(if byte == b'\n' || byte == b'\r' { b' ' } else { byte });
            }
        }
        if page.in_string {
            if page.escaped {
                page.escaped = false;
            } else if byte == b'\\' {
                page.escaped = true;
            } else if byte == b'"' {
                page.in_string = false;
                if page.reading_key {
                    page.reading_key = false;
                }
            } else if byte == b'\n' {
                break_page(page, Broken::LineEndInString);
                page.line += 1;
                continue;
            } else if page.reading_key && page.key.len() <= KEY_BYTES {
                page.key.push(byte);
            }
            continue;
        }
        match byte {
            b'"' => {
                page.in_string = true;
                if page.depth == 1 && page.expect_key {
                    page.expect_key = false;
                    page.reading_key = true;
                    page.key.clear();
                }
            }
            b'{' | b'[' => {
                match page.depth {
                    0 if byte == b'{' => {
                        page.expect_key = true;
                        page.in_list = false;
                    }
                    0 => {
                        start_broken(page, byte, Broken::NotAPage);
                        continue;
                    }
                    1 => page.in_list = byte == b'[' && page.key == list_name(shape),
                    2 if page.in_list => {
                        page.event.clear();
                        page.event.push(byte);
                        page.event_line = page.line;
                    }
                    _ => {}
                }
                page.depth += 1;
            }
            b'}' | b']' => {
                if page.depth == 0 {
                    start_broken(page, byte, Broken::ClosesNothing);
                    continue;
                }
                page.depth -= 1;
                if page.depth == 2 && page.in_list {
                    let event = std::mem::take(&mut page.event);
                    records.push(page.event_line, RecordKind::Event(shape), &event);
                    page.event = event;
                    page.event.clear();
                }
            }
            b',' if page.depth == 1 => page.expect_key = true,
            b'\n' => page.line += 1,
            _ if byte.is_ascii_whitespace() => {}
            _ if page.depth == 0 => {
                start_broken(page, byte, Broken::NotAPage);
                continue;
            }
            _ => {}
        }
    }
}

/// The document broke here: what was being read becomes part of a [`RecordKind::Broken`] record, which runs to the
/// next line that starts a page.
fn break_page(page: &mut PageState, why: Broken) {
    let (from, head) =
        if page.depth >= 3 { (page.event_line, std::mem::take(&mut page.event)) } else { (page.line, Vec::new()) };
    let mut head = head;
    head.truncate(64);
    reset(page);
    page.broken = Some((from, head, why));
}

fn start_broken(page: &mut PageState, byte: u8, why: Broken) {
    let from = page.line;
    reset(page);
    page.broken = Some((from, vec![byte], why));
}

fn reset(page: &mut PageState) {
    page.depth = 0;
    page.in_string = false;
    page.escaped = false;
    page.expect_key = false;
    page.reading_key = false;
    page.in_list = false;
    page.event.clear();
}
