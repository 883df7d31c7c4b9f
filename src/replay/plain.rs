//! The plain event line, recognised without a JSON parser: the shortcut of [`Event::read_line`].
//!
//! The service writes every event the same way: an object of strings, one integer and one boolean, no escapes in
//! practice. [`scan`] recognises that shape in one forward pass, with the request-line shortcut's helpers
//! (`batch/plain.rs`): the line is checked to be UTF-8 once, a string's end is searched eight bytes at a time.
//! Anything else gives `None` and the caller reads the line with serde_json: a string with an escape or a control
//! character, a number that is not a plain integer, a list or an object as a value, a known member written twice,
//! a known member of the wrong type, anything after the object. The scanner accepts only lines on which serde_json
//! and the event reader certainly agree with it, so the event is the one the full reader gives; the property test
//! in `tests/replay.rs` and the `plain_event_equals_full_reader` fuzz target check that.

use std::borrow::Cow;

use super::event::{Event, Field};
use crate::batch::plain::{plain_string_end, skip_whitespace};

/// A JSON value of the plain shape.
enum Value<'a> {
    Text(&'a str),
    Integer(i64),
    Bool(bool),
    Null,
}

/// Reads an event line of the plain shape; `None` for any other line.
pub(super) fn scan(line: &[u8]) -> Option<Event<'_>> {
    let text = std::str::from_utf8(line).ok()?;
    let mut event = Event::default();
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
            let end = plain_string_end(line, at + 1)?;
            let name = text.get(at + 1..end)?;
            at = skip_whitespace(line, end + 1);
            if *line.get(at)? != b':' {
                return None;
            }
            at = skip_whitespace(line, at + 1);
            let (value, next) = value_at(line, text, at)?;
            at = next;
            if let Some(field) = Field::named(name) {
                let bit = 1u16 << field as u16;
                if seen & bit != 0 {
                    return None;
                }
                seen |= bit;
                set(&mut event, field, value)?;
            }
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
    (skip_whitespace(line, at) == line.len()).then_some(event)
}

/// The value at `at` and the index just after it, when it is of the plain shape.
fn value_at<'a>(line: &[u8], text: &'a str, at: usize) -> Option<(Value<'a>, usize)> {
    match *line.get(at)? {
        b'"' => {
            let end = plain_string_end(line, at + 1)?;
            Some((Value::Text(text.get(at + 1..end)?), end + 1))
        }
        b't' if line.get(at..at + 4) == Some(b"true") => Some((Value::Bool(true), at + 4)),
        b'f' if line.get(at..at + 5) == Some(b"false") => Some((Value::Bool(false), at + 5)),
        b'n' if line.get(at..at + 4) == Some(b"null") => Some((Value::Null, at + 4)),
        b'-' | b'0'..=b'9' => {
            let negative = line[at] == b'-';
            let digits_from = at + usize::from(negative);
            let (mut end, mut magnitude) = (digits_from, 0i64);
            while let Some(&digit @ b'0'..=b'9') = line.get(end) {
                magnitude = magnitude.checked_mul(10)?.checked_add(i64::from(digit - b'0'))?;
                end += 1;
            }
            let digits = end - digits_from;
            // JSON's integers: no leading zero, at least one digit; a fraction, an exponent or a magnitude past
            // `i64` goes to serde_json.
            let leading_zero = digits > 1 && line[digits_from] == b'0';
            if digits == 0 || leading_zero || matches!(line.get(end), Some(b'.' | b'e' | b'E')) {
                return None;
            }
            Some((Value::Integer(if negative { -magnitude } else { magnitude }), end))
        }
        _ => None,
    }
}

/// Sets a known member as the full reader would, or `None` where the full reader should have its say (a value of
/// another type is its error to word).
fn set<'a>(event: &mut Event<'a>, field: Field, value: Value<'a>) -> Option<()> {
    match (field, value) {
        (_, Value::Null) => {}
        (Field::Timestamp, Value::Integer(millis)) => event.event_timestamp = Some(millis),
        (Field::AccessGranted, Value::Bool(granted)) => event.access_granted = Some(granted),
        (Field::Timestamp | Field::AccessGranted, _) => return None,
        (field, Value::Text(text)) => *field.text(event)? = Some(Cow::Borrowed(text)),
        _ => return None,
    }
    Some(())
}
