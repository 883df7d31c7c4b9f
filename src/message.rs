//! Error messages as parts, so that one wording serves both the `Display` of an error and the batch answer writer.
//!
//! A request error's message is static text, the values the request gave (quoted as Rust's `{:?}` quotes a `str`)
//! and numbers. An error type lists its message's parts once ([`RequestError::parts`](crate::request::RequestError)
//! and `StringViolation`'s); its `Display` writes them to a formatter with [`write_part`], and `batch::answer` (through
//! `batch/write.rs`) writes them JSON-escaped straight into its output, skipping `core::fmt` for the usual plain values. So the
//! wording cannot differ between the two, and writing an error answer allocates nothing.

use std::fmt;

/// One piece of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    /// Text as it is.
    Text(&'a str),
    /// Text as it is that holds nothing a JSON string escapes (no quote, backslash or control character): the
    /// fixed words of a message, which a JSON writer copies without looking at them.
    Plain(&'static str),
    /// A value as given, written as `{:?}` writes a `str`: in quotes, with escapes.
    Quoted(&'a str),
    /// A number in decimal.
    Number(usize),
}

/// Writes a part to a formatter: what a `Display` built on parts does with each.
pub(crate) fn write_part(f: &mut fmt::Formatter<'_>, part: Part<'_>) -> fmt::Result {
    match part {
        Part::Text(text) => f.write_str(text),
        Part::Plain(text) => f.write_str(text),
        Part::Quoted(value) => write!(f, "{value:?}"),
        Part::Number(number) => write!(f, "{number}"),
    }
}
