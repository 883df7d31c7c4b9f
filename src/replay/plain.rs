//! The plain event line, recognised without a JSON parser: the shortcut of [`Event::read_line`].
//!
//! The service writes every event the same way: an object of strings, one integer and one boolean, no escapes in
//! practice. [`scan`] recognises that shape in one forward pass, with the request-line shortcut's helpers
//! (`batch/plain.rs`). Anything else gives `None` and the caller reads the line with serde_json: bytes that are not
//! UTF-8, a string with an escape or a control character, a number that is not an integer of at most 18 digits, a
//! list or an object as a value, a known member written twice, a known member of the wrong type, anything after
//! the object. The scanner accepts only lines on which serde_json and the event reader certainly agree with it, so
//! the event is the one the full reader gives; the tests below, the property test in `tests/replay.rs` and the
//! `plain_event_equals_full_reader` fuzz target check that.
//!
//! # Costs
//!
//! No allocation: the values borrow the line. The line is checked to be UTF-8 once, as a whole ([`simdutf8`], with
//! SIMD where the processor has it). A member's name is not searched for its end: its first byte tells
//! which of the service's ten members it can only be, and one comparison of fixed length with that name, its
//! closing quote and the colon decides; only a name spelled otherwise (another member's, or with whitespace before
//! the colon) is searched for and looked up. A string value is searched for its closing quote eight bytes at a
//! time, the same search finding a backslash or a control character. The values are kept by field as they come and
//! the event is made of them once, at the end.

use std::borrow::Cow;

use super::event::{Event, Field};
use crate::batch::plain::{plain_string_end, skip_whitespace};

/// Reads an event line of the plain shape; `None` for any other line.
pub(super) fn scan(line: &[u8]) -> Option<Event<'_>> {
    // One check of the whole line: every string then is UTF-8, as its quotes are ASCII and end no character.
    let text = simdutf8::basic::from_utf8(line).ok()?;
    // The same bytes, known to the compiler to be the text's (one pointer and length to keep, not two).
    let line = text.as_bytes();
    // The members' values as they are found, text by field; the event is made of them at the end.
    let mut texts: [Option<&str>; Field::COUNT] = [None; Field::COUNT];
    let (mut millis, mut granted) = (None, None);
    // Known members seen, `null` ones too: a member written twice is the full reader's to refuse.
    let mut seen = 0u16;
    let mut at = skip_whitespace(line, 0);
    if *line.get(at)? != b'{' {
        return None;
    }
    at = skip_whitespace(line, at + 1);
    if line.get(at) == Some(&b'}') {
        at += 1;
    } else {
        loop {
            if *line.get(at)? != b'"' {
                return None;
            }
            let (field, after_colon) = match known_name_at(line, at + 1) {
                Some(known) => known,
                None => other_name_at(line, text, at + 1)?,
            };
            at = skip_whitespace(line, after_colon);
            if let Some(field) = field {
                let bit = 1u16 << field as u16;
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
            }
            // The value, kept as the full reader would; a known member's value of another type is the full reader's
            // error to word.
            at = match *line.get(at)? {
                b'"' => {
                    let end = plain_string_end(line, at + 1)?;
                    match field {
                        Some(Field::Timestamp | Field::AccessGranted) => return None,
                        Some(field) => texts[field as usize] = Some(text.get(at + 1..end)?),
                        None => {}
                    }
                    end + 1
                }
                // `null` is the member left out.
                b'n' if line.get(at..at + 4) == Some(b"null") => at + 4,
                b't' | b'f' if matches!(field, None | Some(Field::AccessGranted)) => {
                    let (value, end) = match line.get(at..at + 4) {
                        Some(b"true") => (true, at + 4),
                        _ if line.get(at..at + 5) == Some(b"false") => (false, at + 5),
                        _ => return None,
                    };
                    if field.is_some() {
                        granted = Some(value);
                    }
                    end
                }
                b'-' | b'0'..=b'9' if matches!(field, None | Some(Field::Timestamp)) => {
                    let (value, end) = integer_at(line, at)?;
                    if field.is_some() {
                        millis = Some(value);
                    }
                    end
                }
                _ => return None,
            };
            at = skip_whitespace(line, at);
            match *line.get(at)? {
                b',' => at = skip_whitespace(line, at + 1),
                b'}' => {
                    at += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    // Only whitespace may follow the object.
    if skip_whitespace(line, at) != line.len() {
        return None;
    }
    let borrowed = |field: Field| texts[field as usize].map(Cow::Borrowed);
    Some(Event {
        event_timestamp: millis,
        request_id: borrowed(Field::RequestId),
        user_id: borrowed(Field::UserId),
        impersonator_id: borrowed(Field::ImpersonatorId),
        protocol: borrowed(Field::Protocol),
        source_ip: borrowed(Field::SourceIp),
        scope: borrowed(Field::Scope),
        rule_id: borrowed(Field::RuleId),
        access_granted: granted,
    })
}

/// The member of the service's events whose name, its closing quote and a colon start at `start` (as the service
/// writes them), with its field (`None` for `organization_arn`, which is not read), and the index after the colon;
/// `None` when the bytes there are not exactly that (another member's name, or whitespace before the colon: see
/// [`other_name_at`]).
///
/// The first byte tells which member it can only be (two for `r` and `s`), and one comparison of fixed length (a
/// word or two, no `memcmp` call) decides: no search for the string's end, no comparison with the other names.
fn known_name_at(line: &[u8], start: usize) -> Option<(Option<Field>, usize)> {
    /// The length of `name` when `rest` starts with it.
    fn starts<const N: usize>(rest: &[u8], name: &[u8; N]) -> Option<usize> {
        let found = rest.get(..N).and_then(|rest| <&[u8; N]>::try_from(rest).ok())?;
        (found == name).then_some(N)
    }
    let rest = line.get(start..)?;
    let (field, length) = match *rest.first()? {
        b'e' => (Field::Timestamp, starts(rest, b"event_timestamp\":")?),
        b'r' if rest.get(1) == Some(&b'e') => (Field::RequestId, starts(rest, b"request_id\":")?),
        b'r' => (Field::RuleId, starts(rest, b"rule_id\":")?),
        b'u' => (Field::UserId, starts(rest, b"user_id\":")?),
        b'i' => (Field::ImpersonatorId, starts(rest, b"impersonator_id\":")?),
        b'p' => (Field::Protocol, starts(rest, b"protocol\":")?),
        b's' if rest.get(1) == Some(&b'o') => (Field::SourceIp, starts(rest, b"source_ip\":")?),
        b's' => (Field::Scope, starts(rest, b"scope\":")?),
        b'a' => (Field::AccessGranted, starts(rest, b"access_granted\":")?),
        // The one member of the service's events that a replay does not read.
        b'o' => return Some((None, start + starts(rest, b"organization_arn\":")?)),
        _ => return None,
    };
    Some((Some(field), start + length))
}

/// The member whose name starts at `start` (`None` for a member the event is not read from) and the index after the
/// colon that follows the name; `None` when the name has an escape or a control character or is never closed, or
/// what follows is not a colon.
fn other_name_at(line: &[u8], text: &str, start: usize) -> Option<(Option<Field>, usize)> {
    let end = plain_string_end(line, start)?;
    let field = Field::named(text.get(start..end)?);
    let colon = skip_whitespace(line, end + 1);
    (*line.get(colon)? == b':').then_some((field, colon + 1))
}

/// The integer at `at` and the index just after it, when it is a plain one of at most 18 digits.
fn integer_at(line: &[u8], at: usize) -> Option<(i64, usize)> {
    /// Digits enough for any timestamp (10^18 milliseconds are 31 million years) but not for an overflow: a number
    /// of up to 18 digits is accumulated in an `i64` as it is, with no check at each digit; a longer one goes to
    /// serde_json.
    const MOST_DIGITS: usize = 18;
    let negative = line.get(at) == Some(&b'-');
    let digits_from = at + usize::from(negative);
    let (mut end, mut magnitude) = (digits_from, 0i64);
    while let Some(&digit @ b'0'..=b'9') = line.get(end) {
        magnitude = magnitude.wrapping_mul(10).wrapping_add(i64::from(digit - b'0'));
        end += 1;
    }
    let digits = end - digits_from;
    // JSON's integers: at least one digit, no leading zero. (A fraction or an exponent is left for the caller, which
    // takes its `.` or `e` for what follows the value, and so falls back.)
    let leading_zero = digits > 1 && line[digits_from] == b'0';
    if digits == 0 || digits > MOST_DIGITS || leading_zero {
        return None;
    }
    Some((if negative { -magnitude } else { magnitude }, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::Rng;

    /// Events as the service writes them: a judged one, mail flow (no `rule_id`), an impersonation, a device check.
    const LINES: [&str; 4] = [
        r#"{"event_timestamp":1793577835093,"request_id":"48a3e4b2-cd76-4d71-bccd-c004203b6f1c","organization_arn":"arn:aws:workmail:us-east-1:111122223333:organization/m-63cbe1e459320dd7044c3cd7f43c661c","user_id":"S-1-1-11-0002005713-0127","protocol":"ActiveSync","source_ip":"244.72.64.74","scope":"AccessControl","rule_id":"rule-3","access_granted":true}"#,
        r#"{"event_timestamp":1793578259403,"request_id":"6b8231c5-9152-4c41-994c-90de4d097c3b","organization_arn":"arn:aws:workmail:us-east-1:111122223333:organization/m-63cbe1e459320dd7044c3cd7f43c661c","user_id":"S-1-1-11-0001578087-0073","protocol":"IncomingEmail","source_ip":"160.60.75.88","scope":"AccessControl","access_granted":true}"#,
        r#"{"event_timestamp":1793586529154,"request_id":"8d9f498a-59b8-4d17-bc41-37bd9c288e1d","organization_arn":"arn:aws:workmail:us-east-1:111122223333:organization/m-63cbe1e459320dd7044c3cd7f43c661c","user_id":"S-1-1-11-0007097630-0770","impersonator_id":"role-07","protocol":"EWS","source_ip":"244.72.67.253","scope":"ImpersonationAccessControl","access_granted":false}"#,
        r#"{"event_timestamp":1793597092216,"request_id":"7b1c4f37-0aaf-42dc-85f6-c2c86f740bfc","organization_arn":"arn:aws:workmail:us-east-1:111122223333:organization/m-63cbe1e459320dd7044c3cd7f43c661c","user_id":"S-1-1-11-0004096329-0391","protocol":"ActiveSync","source_ip":"221.127.208.95","scope":"DeviceAccessControl","access_granted":true}"#,
    ];

    /// The scanner's event, after checking that the full reader reads the line to the same one.
    fn scanned(line: &[u8]) -> Option<Event<'_>> {
        let event = scan(line)?;
        assert_eq!(Event::read_line_in_full(line), Ok(event.clone()), "{}", String::from_utf8_lossy(line));
        Some(event)
    }

    fn accepted(line: &str) -> bool {
        scanned(line.as_bytes()).is_some()
    }

    #[test]
    fn the_usual_lines_are_read_as_the_full_reader_reads_them() {
        for line in LINES {
            let event = scanned(line.as_bytes()).unwrap_or_else(|| panic!("not recognised: {line}"));
            // The values borrow the line.
            let user = event.user_id.as_ref().unwrap();
            assert!(matches!(user, Cow::Borrowed(_)));
            assert!(line.as_bytes().as_ptr_range().contains(&user.as_ptr()));
        }
        let event = scanned(LINES[0].as_bytes()).unwrap();
        assert_eq!(event.event_timestamp, Some(1_793_577_835_093));
        assert_eq!(event.rule_id.as_deref(), Some("rule-3"));
        assert_eq!(event.access_granted, Some(true));
        assert_eq!(scanned(LINES[2].as_bytes()).unwrap().impersonator_id.as_deref(), Some("role-07"));
    }

    #[test]
    fn other_spellings_of_the_plain_shape_are_read_too() {
        let lines = [
            "{}",
            " { } ",
            r#"{"scope":"AccessControl"}"#,
            // Whitespace wherever JSON allows it.
            r#" { "event_timestamp" : 1 , "user_id" : "u" , "access_granted" : false } "#,
            "\t{\r\n\"scope\"\t:\t\"s\"\r\n,\n\"x\":\n\"\"\n}\r\n",
            // Members in any order, `null` for a member left out, members not read of every plain type.
            r#"{"access_granted":false,"user_id":null,"rule_id":null,"event_timestamp":null,"access_granted_":1}"#,
            r#"{"x":"y","n":-12,"t":true,"f":false,"z":null,"":"","scope":"S","organization_arn":7}"#,
            // A name that starts as a read member's does but is another.
            r#"{"scope_":"a","scopes":"b","rule":"c","user_idx":"d","event_timestamps":1,"o":"","organization":""}"#,
            // Non-ASCII text, and the integer's limits.
            r#"{"user_id":"Zoë 😀","protocol":"ÉWS","event_timestamp":-999999999999999999}"#,
            r#"{"event_timestamp":999999999999999999,"other":-0}"#,
            r#"{"event_timestamp":0}"#,
            r#"{"event_timestamp":-0}"#,
        ];
        for line in lines {
            assert!(accepted(line), "not recognised: {line}");
        }
    }

    #[test]
    fn anything_but_the_plain_shape_falls_back() {
        let lines: &[&[u8]] = &[
            b"",
            b" ",
            b"{",
            b"}",
            b"[]",
            b"null",
            b"\"{}\"",
            b"\x0C{}",
            b"{}\x0C",
            b"{} {}",
            b"{},",
            br#"{"scope":"AccessControl""#,
            br#"{"scope":"AccessControl",}"#,
            br#"{,"scope":"AccessControl"}"#,
            br#"{"scope" "AccessControl"}"#,
            br#"{"scope":"AccessControl" "user_id":"u"}"#,
            br#"{"scope"::"AccessControl"}"#,
            br#"{"scope":}"#,
            // Escapes, control characters (a tab too, inside a string), bytes that are not UTF-8.
            br#"{"scope":"Access\u0043ontrol"}"#,
            br#"{"scope":"a\"b"}"#,
            br#"{"sc\u006fpe":"AccessControl"}"#,
            br#"{"x\\":"y"}"#,
            b"{\"scope\":\"a\tb\"}",
            b"{\"scope\":\"a\x00b\"}",
            b"{\"scope\":\"a\x1Fb\"}",
            b"{\"scope\":\"\xFF\"}",
            b"{\"scope\":\"\xC3\"}",
            b"{\"x\":\"\xC3\"}",
            // Values of another type than a read member's, lists and objects, numbers that are not plain integers.
            br#"{"scope":1}"#,
            br#"{"scope":true}"#,
            br#"{"event_timestamp":"1"}"#,
            br#"{"event_timestamp":true}"#,
            br#"{"access_granted":1}"#,
            br#"{"access_granted":"true"}"#,
            br#"{"x":["y"]}"#,
            br#"{"x":{}}"#,
            br#"{"event_timestamp":1.0}"#,
            br#"{"event_timestamp":1e3}"#,
            br#"{"event_timestamp":1E3}"#,
            br#"{"event_timestamp":01}"#,
            br#"{"event_timestamp":-01}"#,
            br#"{"event_timestamp":-}"#,
            br#"{"event_timestamp":--1}"#,
            br#"{"event_timestamp":+1}"#,
            br#"{"event_timestamp":1234567890123456789}"#,
            br#"{"event_timestamp":-9223372036854775808}"#,
            br#"{"x":99999999999999999999999}"#,
            br#"{"x":nul}"#,
            br#"{"x":nulls}"#,
            br#"{"x":tru}"#,
            br#"{"x":falsey}"#,
            // A read member twice, `null` or not.
            br#"{"user_id":"a","user_id":"a"}"#,
            br#"{"user_id":null,"user_id":null}"#,
            br#"{"user_id" :"a","user_id":"b"}"#,
        ];
        for &line in lines {
            assert!(scan(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
        // A byte-order mark is the caller's to strip; the scanner takes it for text that is not JSON.
        assert!(!accepted(&format!("\u{FEFF}{}", LINES[0])));
        // A line cut anywhere is not an object.
        for end in 0..LINES[0].len() {
            assert!(scan(&LINES[0].as_bytes()[..end]).is_none(), "{}", &LINES[0][..end]);
        }
    }

    #[test]
    fn a_name_is_known_at_once_only_when_it_is_exactly_one_of_the_services() {
        let names = [
            "event_timestamp",
            "request_id",
            "organization_arn",
            "user_id",
            "impersonator_id",
            "protocol",
            "source_ip",
            "scope",
            "rule_id",
            "access_granted",
        ];
        for name in names {
            let known = known_name_at(format!("\"{name}\":").as_bytes(), 1);
            let field = Field::named(name);
            assert_eq!(known.map(|(field, _)| field), Some(field), "{name}");
            assert_eq!(known.map(|(_, after)| after), Some(name.len() + 3), "{name}");
            // Each byte changed, the name cut short or made longer, the colon not right after it: left to the search.
            let mut other = name.as_bytes().to_vec();
            for i in 0..other.len() {
                for byte in [other[i] ^ 0x20, b'"', b'\\', b':', b' ', 0, 0xC3] {
                    let original = std::mem::replace(&mut other[i], byte);
                    let line = [b"\"", other.as_slice(), b"\":"].concat();
                    assert_eq!(known_name_at(&line, 1), None, "{}", String::from_utf8_lossy(&line));
                    other[i] = original;
                }
            }
            for end in 0..name.len() {
                assert_eq!(known_name_at(format!("\"{}\":", &name[..end]).as_bytes(), 1), None);
            }
            assert_eq!(known_name_at(format!("\"{name}x\":").as_bytes(), 1), None);
            assert_eq!(known_name_at(format!("\"{name}\" :").as_bytes(), 1), None);
            assert_eq!(known_name_at(format!("\"{name}\"").as_bytes(), 1), None);
        }
    }

    #[test]
    fn integers_are_read_as_serde_json_reads_them() {
        let mut numbers: Vec<String> =
            ["0", "-0", "7", "-7", "10", "100000000", "12345678", "123456789"].into_iter().map(String::from).collect();
        for digits in 1..=20 {
            numbers.push("9".repeat(digits));
            numbers.push(format!("-{}", "9".repeat(digits)));
            numbers.push(format!("1{}", "0".repeat(digits - 1)));
        }
        numbers.extend([i64::MAX, i64::MIN, i64::MAX - 1, i64::MIN + 1].map(|n| n.to_string()));
        for number in numbers {
            for line in [format!("{{\"event_timestamp\":{number}}}"), format!("{{\"x\":{number},\"scope\":\"s\"}}")] {
                let read = scanned(line.as_bytes());
                let digits = number.trim_start_matches('-').len();
                assert_eq!(read.is_some(), digits <= 18, "{line}");
            }
        }
    }

    /// Bytes that mean something to JSON or to the scanner.
    const BYTES: &[u8] = b"\"\\{}[],:0123456789eE.-+tfnrul \t\n\r\x0C\x00\x01\x1F\x7F\xC3\xA9\xFF\x80";

    /// Values of every type, plain or not, to put in a member's place.
    const VALUES: &[&str] = &[
        "null",
        "true",
        "false",
        "0",
        "-0",
        "12",
        "-12",
        "012",
        "1.5",
        "1e3",
        "999999999999999999",
        "1000000000000000000",
        "-9223372036854775808",
        r#""""#,
        r#""x""#,
        r#""1""#,
        r#""true""#,
        r#""é""#,
        r#""\u0041""#,
        r#""a\"b""#,
        "[]",
        "{}",
        r#"["x"]"#,
        r#"{"scope":"x"}"#,
    ];

    /// Names, read or not, plain or not.
    const NAMES: &[&str] = &[
        r#""scope""#,
        r#""user_id""#,
        r#""event_timestamp""#,
        r#""access_granted""#,
        r#""organization_arn""#,
        r#""rule_id""#,
        r#""scope_""#,
        r#""sc\u006fpe""#,
        r#""""#,
        r#""é""#,
    ];

    /// The places of the line's member names' opening quotes, told by a quote after `{` or `,`.
    fn name_starts(line: &[u8]) -> Vec<usize> {
        (1..line.len()).filter(|&i| line[i] == b'"' && matches!(line[i - 1], b'{' | b',')).collect()
    }

    /// Where the value of the member whose name starts at `name` starts and ends (a guess: the line may be broken).
    fn value_span(line: &[u8], name: usize) -> Option<(usize, usize)> {
        let colon = name + 1 + line[name + 1..].iter().position(|&b| b == b'"')? + 1;
        if line.get(colon) != Some(&b':') {
            return None;
        }
        let start = colon + 1;
        let end = if line.get(start) == Some(&b'"') {
            start + 1 + line[start + 1..].iter().position(|&b| b == b'"')? + 1
        } else {
            start + line[start..].iter().position(|&b| b == b',' || b == b'}')?
        };
        Some((start, end))
    }

    fn mutate(rng: &mut Rng, line: &mut Vec<u8>) {
        let at = rng.below(line.len() + 1);
        match rng.below(8) {
            0 => line.insert(at, *rng.pick(BYTES)),
            1 if at < line.len() => {
                line.remove(at);
            }
            2 if at < line.len() => line[at] = *rng.pick(BYTES),
            // A member written again (before another): a read member twice, or one not read.
            3 => {
                let starts = name_starts(line);
                let Some(&name) = starts.get(rng.below(starts.len().max(1))) else { return };
                let Some((_, end)) = value_span(line, name) else { return };
                let member = line[name..end].to_vec();
                let Some(&other) = starts.get(rng.below(starts.len())) else { return };
                line.splice(other..other, member.into_iter().chain([b',']));
            }
            // A value of another type.
            4 => {
                let starts = name_starts(line);
                let Some(&name) = starts.get(rng.below(starts.len().max(1))) else { return };
                let Some((start, end)) = value_span(line, name) else { return };
                line.splice(start..end, rng.pick(VALUES).bytes());
            }
            // Another name.
            5 => {
                let starts = name_starts(line);
                let Some(&name) = starts.get(rng.below(starts.len().max(1))) else { return };
                let Some(close) = line[name + 1..].iter().position(|&b| b == b'"') else { return };
                line.splice(name..name + close + 2, rng.pick(NAMES).bytes());
            }
            // Whitespace between two tokens.
            6 => {
                let places: Vec<usize> =
                    (0..=line.len()).filter(|&i| i == 0 || matches!(line[i - 1], b'{' | b',' | b':' | b'}')).collect();
                let place = *rng.pick(&places);
                line.insert(place, *rng.pick(b" \t\n\r"));
            }
            // A byte put inside a string.
            _ => {
                let quotes: Vec<usize> = (0..line.len()).filter(|&i| line[i] == b'"').collect();
                if let Some(&quote) = quotes.get(rng.below(quotes.len().max(1))) {
                    line.insert(quote + 1, *rng.pick(BYTES));
                }
            }
        }
    }

    #[test]
    fn a_line_the_scanner_reads_is_read_the_same_by_the_full_reader() {
        let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
        let (mut tried, mut read) = (0, 0);
        for _ in 0..60_000 {
            let mut line = rng.pick(&LINES).as_bytes().to_vec();
            for _ in 0..1 + rng.below(3) {
                mutate(&mut rng, &mut line);
            }
            tried += 1;
            // `scanned` holds the scanner's event to the full reader's.
            read += usize::from(scanned(&line).is_some());
        }
        // Both ways are taken often: the mutations neither always break the plain shape nor never do.
        assert!(read > tried / 5 && read < tried * 4 / 5, "{read} of {tried} lines read by the scanner");
    }
}
