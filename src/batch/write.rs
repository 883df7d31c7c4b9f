//! The answers' JSON, written byte by byte as serde_json would write the response structures.
//!
//! [`answer`](super::answer) used to convert an answer `to_response` (a `Vec` of rule names) and serialize it with
//! serde_json; at a few hundred nanoseconds a line, that was half of a plain line's cost. These functions write
//! the same bytes from the compiled answer's iterators, without the `Vec`: the member names and their order are
//! those of the structures in `answer.rs` (`skip_serializing_if` members left out when absent), and strings are
//! escaped as serde_json escapes them. `tests/batch_plain.rs` holds every answer, response or error, to the bytes
//! serde_json writes for the response structure.
//!
//! An error's message is written through [`fmt::Write`] straight into the output, escaped as it comes, so even
//! an error answer allocates nothing beyond the output.

use std::fmt::{self, Write as _};

use super::plain::first_special;
use crate::diagnostic::ErrorCode;
use crate::policy::{AccessAnswer, ImpersonationAnswer, MobileAnswer};

/// `{"Effect":…,"MatchedRules":[…]}`, as `AccessControlEffect` serializes.
pub(super) fn access(out: &mut Vec<u8>, answer: &AccessAnswer<'_>) {
    out.extend_from_slice(b"{\"Effect\":\"");
    out.extend_from_slice(answer.effect().as_str().as_bytes());
    out.extend_from_slice(b"\",\"MatchedRules\":[");
    for (i, name) in answer.matched_rules().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, name);
    }
    out.extend_from_slice(b"]}");
}

/// `{"Effect":…,"MatchedRules":[{"MobileDeviceAccessRuleId":…,"Name":…}, …],"MatchedOverride":{…}}`, as
/// `MobileDeviceAccessEffect` serializes (a rule's id and the override only when there is one).
pub(super) fn mobile(out: &mut Vec<u8>, answer: &MobileAnswer<'_>) {
    out.extend_from_slice(b"{\"Effect\":\"");
    out.extend_from_slice(answer.effect().as_str().as_bytes());
    out.extend_from_slice(b"\",\"MatchedRules\":[");
    for (i, (id, name)) in answer.matched_rules().enumerate() {
        out.extend_from_slice(if i > 0 { b",{" } else { b"{" });
        if let Some(id) = id {
            out.extend_from_slice(b"\"MobileDeviceAccessRuleId\":");
            string(out, id);
            out.push(b',');
        }
        out.extend_from_slice(b"\"Name\":");
        string(out, name);
        out.push(b'}');
    }
    out.push(b']');
    if let Some((user_id, device_id)) = answer.matched_override() {
        out.extend_from_slice(b",\"MatchedOverride\":{\"UserId\":");
        string(out, user_id);
        out.extend_from_slice(b",\"DeviceId\":");
        string(out, device_id);
        out.push(b'}');
    }
    out.push(b'}');
}

/// `{"Type":…,"Effect":…,"MatchedRules":[{"ImpersonationRuleId":…,"Name":…}, …]}`, as `ImpersonationRoleEffect`
/// serializes (a rule's name only when it has one).
pub(super) fn impersonation(out: &mut Vec<u8>, answer: &ImpersonationAnswer<'_>) {
    out.extend_from_slice(b"{\"Type\":\"");
    out.extend_from_slice(answer.role_type().as_str().as_bytes());
    out.extend_from_slice(b"\",\"Effect\":\"");
    out.extend_from_slice(answer.effect().as_str().as_bytes());
    out.extend_from_slice(b"\",\"MatchedRules\":[");
    for (i, (id, name)) in answer.matched_rules().enumerate() {
        out.extend_from_slice(if i > 0 { b",{\"ImpersonationRuleId\":" } else { b"{\"ImpersonationRuleId\":" });
        string(out, id);
        if let Some(name) = name {
            out.extend_from_slice(b",\"Name\":");
            string(out, name);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
}

/// `{"Error":{"Code":…,"Message":…}}`, as [`ErrorResponse`](super::ErrorResponse) serializes, the message written
/// from its `Display`.
pub(super) fn error(out: &mut Vec<u8>, code: ErrorCode, message: impl fmt::Display) {
    out.extend_from_slice(b"{\"Error\":{\"Code\":\"");
    out.extend_from_slice(code.as_str().as_bytes());
    out.extend_from_slice(b"\",\"Message\":\"");
    // Writing into a Vec cannot fail; a `Display` that fails would leave its message cut short, never a panic.
    let _ = write!(Escaping(out), "{message}");
    out.extend_from_slice(b"\"}}");
}

/// A JSON string: `text` in quotes, escaped as serde_json escapes it.
fn string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escape(out, text);
    out.push(b'"');
}

/// Appends `text` as the inside of a JSON string, exactly as serde_json writes it: `"` and `\` and the control
/// characters escaped (the short forms `\b \t \n \f \r` where JSON has them, `\u00xx` in lowercase hex for the
/// rest), every other character as it is, non-ASCII included.
fn escape(out: &mut Vec<u8>, text: &str) {
    let mut rest = text.as_bytes();
    // Names are almost never escaped: one search, one copy.
    while let Some(special) = first_special(rest) {
        let (plain, from_special) = rest.split_at(special);
        out.extend_from_slice(plain);
        let Some((&byte, after)) = from_special.split_first() else { return };
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let (high, low) = (HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]);
                out.extend_from_slice(&[b'\\', b'u', b'0', b'0', high, low]);
            }
        }
        rest = after;
    }
    out.extend_from_slice(rest);
}

/// A [`fmt::Write`] that escapes what it is given into a JSON string's inside.
struct Escaping<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaping<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        escape(self.0, text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_are_escaped_exactly_as_serde_json_escapes_them() {
        // Every ASCII character, alone and between others; then non-ASCII, which is left as it is.
        for c in (0..=0x7Fu8).map(char::from) {
            for text in [c.to_string(), format!("a{c}b{c}{c}")] {
                assert_eq!(escaped(&text), serde_json::to_string(&text).unwrap(), "{text:?}");
            }
        }
        for text in ["", "plain", "é 😀 \u{2028} \u{7F} \u{FEFF}", "\"quoted\" \\ and\r\n\u{1}"] {
            assert_eq!(escaped(text), serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn an_error_is_the_service_shape_with_its_message_escaped() {
        let mut out = Vec::new();
        error(&mut out, ErrorCode::EntityNotFoundException, format_args!("user {:?} is unknown", "a\"\nb"));
        let expected =
            super::super::ErrorResponse::new(ErrorCode::EntityNotFoundException, r#"user "a\"\nb" is unknown"#);
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&expected).unwrap());
    }
}
