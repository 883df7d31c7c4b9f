//! The answers' JSON, written byte by byte as serde_json would write the response structures.
//!
//! [`answer`](super::answer) used to convert an answer `to_response` (a `Vec` of rule names) and serialize it with
//! serde_json; at a few hundred nanoseconds a line, that was half of a plain line's cost. These functions write
//! the same bytes from the compiled answer's iterators, without the `Vec`: the member names and their order are
//! those of the structures in `answer.rs` (`skip_serializing_if` members left out when absent), and strings are
//! escaped as serde_json escapes them. `tests/batch_plain.rs` holds every answer, response or error, to the bytes
//! serde_json writes for the response structure.
//!
//! A request error's message is written from its parts (`src/message.rs`) straight into the output, escaped as it
//! comes: the static text copied, a quoted value that is plain printable ASCII written between escaped quotes, a
//! number by hand. Only a value that `{:?}` must escape goes through `core::fmt` (into the output, through an
//! escaping [`fmt::Write`]). Formatting the message was most of an error answer's cost, and about a third of the
//! bench's lines are errors; this way an error answer costs about what a response does and allocates nothing
//! beyond the output.

use std::convert::Infallible;
use std::fmt::{self, Write as _};

use super::plain::{first_special, printable_ascii_without_escapes};
use crate::diagnostic::ErrorCode;
use crate::message::Part;
use crate::policy::{AccessAnswer, ImpersonationAnswer, MobileAnswer};
use crate::request::RequestError;

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

/// `{"Error":{"Code":…,"Message":…}}`, as [`ErrorResponse`](super::ErrorResponse) serializes.
pub(super) fn error(out: &mut Vec<u8>, code: ErrorCode, message: &str) {
    error_with(out, code, |out| escape(out, message));
}

/// The error response to a request the engine refuses, its message written from the error's parts, JSON-escaped
/// as they come: the same bytes as serializing an `ErrorResponse` of the error's `to_string()`, without
/// `core::fmt` for the usual values and without allocating.
pub(super) fn request_error(out: &mut Vec<u8>, error: &RequestError<'_>) {
    error_with(out, error.code(), |out| {
        let _ = error.parts(&mut |part| {
            message_part(out, part);
            Ok::<(), Infallible>(())
        });
    });
}

/// An error response whose message is these parts.
pub(super) fn error_of_parts(out: &mut Vec<u8>, code: ErrorCode, parts: &[Part<'_>]) {
    error_with(out, code, |out| parts.iter().for_each(|&part| message_part(out, part)));
}

/// An error response whose message `message` writes (escaped, between the quotes).
#[inline]
fn error_with(out: &mut Vec<u8>, code: ErrorCode, message: impl FnOnce(&mut Vec<u8>)) {
    out.extend_from_slice(b"{\"Error\":{\"Code\":\"");
    out.extend_from_slice(code.as_str().as_bytes());
    out.extend_from_slice(b"\",\"Message\":\"");
    message(out);
    out.extend_from_slice(b"\"}}");
}

/// One part of a message, escaped for the inside of a JSON string.
fn message_part(out: &mut Vec<u8>, part: Part<'_>) {
    match part {
        Part::Text(text) => escape(out, text),
        Part::Plain(text) => {
            debug_assert!(first_special(text.as_bytes()).is_none(), "{text:?} needs escaping");
            out.extend_from_slice(text.as_bytes());
        }
        // `{:?}` of a plain value is the value in quotes, and JSON escapes those quotes; anything else is left to
        // `Debug` itself, whose escapes of non-printable characters follow Unicode's tables.
        Part::Quoted(value) if printable_ascii_without_escapes(value.as_bytes()) => {
            out.extend_from_slice(b"\\\"");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\\\"");
        }
        // Writing into a Vec cannot fail.
        Part::Quoted(value) => {
            let _ = write!(Escaping(out), "{value:?}");
        }
        Part::Number(number) => {
            // Decimal digits, from the last: a usize has at most 20.
            let mut digits = [0u8; 20];
            let mut at = digits.len();
            let mut rest = number;
            loop {
                at -= 1;
                digits[at] = b'0' + (rest % 10) as u8;
                rest /= 10;
                if rest == 0 {
                    break;
                }
            }
            out.extend_from_slice(&digits[at..]);
        }
    }
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
    use crate::constraints::StringViolation;

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
        error(&mut out, ErrorCode::EntityNotFoundException, "user \"a\\\"\\nb\" is unknown");
        let expected =
            super::super::ErrorResponse::new(ErrorCode::EntityNotFoundException, r#"user "a\"\nb" is unknown"#);
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&expected).unwrap());
    }

    /// Values a request may give: plain ones, and every kind `{:?}` escapes or leaves alone.
    fn values() -> Vec<String> {
        let mut values: Vec<String> = [
            "",
            "alice@example.com",
            "S-1-5-18-0001",
            "it's",
            "a\"b",
            "back\\slash",
            "tab\there",
            "\r\n",
            "\u{0}\u{1F}\u{7F}",
            "é",
            "Téléphone 😀",
            "\u{301}a\u{301}",
            "\u{200B}\u{FEFF}\u{2028}\u{A0}\u{AD}",
            "\u{10FFFF}\u{E000}",
        ]
        .map(String::from)
        .into();
        values.extend((0..=0x7Fu8).map(|byte| format!("a{}b", char::from(byte))));
        values.push("x".repeat(300));
        values.push(format!("{}\"{}", "y".repeat(100), "é".repeat(100)));
        values
    }

    fn violations() -> Vec<StringViolation> {
        use crate::constraints::Pattern as P;
        let patterns = [
            P::Identifier,
            P::Letters,
            P::Latin1,
            P::Anything,
            P::Ipv4Cidr,
            P::Ipv4Address,
            P::EntityIdentifier,
            P::DeviceId,
            P::ImpersonationName,
            P::ImpersonationDescription,
            P::EmailAddress,
            P::UserName,
            P::OrganizationId,
        ];
        let mut violations = vec![
            StringViolation::TooShort { len: 0, min: 1 },
            StringViolation::TooShort { len: 5, min: 12 },
            StringViolation::TooLong { len: 257, max: 256 },
            StringViolation::TooLong { len: usize::MAX, max: 10 },
        ];
        violations.extend(patterns.map(|pattern| StringViolation::Pattern { pattern }));
        violations
    }

    fn every_error<'a>(value: &'a str, violations: &[StringViolation]) -> Vec<RequestError<'a>> {
        let mut errors: Vec<RequestError<'a>> = violations
            .iter()
            .map(|violation| RequestError::InvalidMember { member: "UserId", value, violation: violation.clone() })
            .collect();
        errors.extend([
            RequestError::ExactlyOnePrincipal,
            RequestError::RoleRequiresEws { action: value },
            RequestError::OverrideNeedsUserAndDevice,
            RequestError::UnknownUser { member: "TargetUser", value },
            RequestError::UnknownRole { value },
            RequestError::UserNotEnabled { value },
        ]);
        errors
    }

    #[test]
    fn request_errors_are_written_as_their_message_serializes() {
        let violations = violations();
        let mut plain = 0;
        for value in values() {
            plain += usize::from(printable_ascii_without_escapes(value.as_bytes()));
            for error in every_error(&value, &violations) {
                // The fixed words need no escaping, as `Part::Plain` promises.
                let _ = error.parts(&mut |part| match part {
                    Part::Plain(text) => {
                        assert_eq!(first_special(text.as_bytes()), None, "{text:?}");
                        Ok(())
                    }
                    _ => Ok::<(), ()>(()),
                });
                let mut out = b"before".to_vec();
                request_error(&mut out, &error);
                let expected = serde_json::to_string(&super::super::ErrorResponse::from(&error)).unwrap();
                assert_eq!(String::from_utf8_lossy(&out[6..]), expected, "{error:?}");
            }
        }
        assert!(plain > 90, "both paths are taken: {plain} plain values");
    }

    #[test]
    fn request_error_messages_keep_their_wording() {
        // The wording as the format strings wrote it before the messages became parts.
        let violations = violations();
        for value in values() {
            let value = value.as_str();
            for violation in &violations {
                let expected = match violation {
                    StringViolation::TooShort { len, min } => {
                        format!("is {len} characters long; the service requires at least {min}")
                    }
                    StringViolation::TooLong { len, max } => {
                        format!("is {len} characters long; the service allows at most {max}")
                    }
                    StringViolation::Pattern { pattern } => format!("is not {}", pattern.describe()),
                };
                assert_eq!(violation.to_string(), expected);
                let error = RequestError::InvalidMember { member: "UserId", value, violation: violation.clone() };
                assert_eq!(error.to_string(), format!("UserId {value:?} {violation}"));
            }
            let expected = [
                "You must provide either the user ID or impersonation role ID, not both and not neither".to_string(),
                format!("Impersonation role ID can only be used with Action EWS, not {value:?}"),
                "UserId and DeviceId select a mobile device access override together; give both or neither".to_string(),
                format!("TargetUser {value:?} names no user of the directory"),
                format!("ImpersonationRoleId {value:?} names no impersonation role"),
                format!("TargetUser {value:?} is not enabled"),
            ];
            let errors = every_error(value, &[]);
            assert_eq!(errors.iter().map(ToString::to_string).collect::<Vec<_>>(), expected);
        }
    }

    #[test]
    fn plain_values_are_exactly_those_debug_leaves_alone() {
        for byte in 0..=0x7Fu8 {
            let value = format!("a{}b", char::from(byte));
            let plain = printable_ascii_without_escapes(value.as_bytes());
            assert_eq!(plain, format!("{value:?}") == format!("\"{value}\""), "{byte:#x}");
        }
        assert!(!printable_ascii_without_escapes("é".as_bytes()), "non-ASCII takes Debug's own path");
    }

    #[test]
    fn numbers_are_written_in_decimal() {
        for number in [0, 1, 9, 10, 34, 99, 100, 256, 65_536, usize::MAX] {
            let mut out = Vec::new();
            message_part(&mut out, Part::Number(number));
            assert_eq!(String::from_utf8(out).unwrap(), number.to_string());
        }
    }
}
