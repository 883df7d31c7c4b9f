//! The plain request line, recognised without a JSON parser: the shortcut of [`answer_line`](super::answer_line).
//!
//! Nearly every line a tool writes has one shape: an object whose members are known request members, each written
//! once, each a string without escapes or `null`, with any JSON whitespace between the tokens:
//!
//! ```text
//! {"Operation": "GetAccessControlEffect", "IpAddress": "192.0.2.1", "Action": "EWS", "UserId": "u-1"}
//! ```
//!
//! [`scan`] recognises exactly that shape in one forward pass over the bytes and fills the same twelve slots
//! [`read`](super::read) fills; the caller hands them to the same [`check`](super::read::check), so the answer to a
//! plain line, response or error, is the one `read` gives, and what a request means is still decided in one place.
//!
//! # What falls back
//!
//! Anything else gives `None`, and the caller reads the line with `read`: a string with an escape or a control
//! character, bytes that are not UTF-8, a number, a boolean, a list or an object as a value, an unknown member
//! (its message names the nearest member), a member written twice, a trailing comma, anything after the object,
//! a line that is not an object. Each of those is either rare or an error whose message `read` words, and in each
//! case `read`'s answer is the right one by definition. The scanner accepts only lines on which serde_json and
//! `read`'s visitor certainly agree with it: every byte it accepts outside a string is JSON whitespace or one of
//! `{ } : ,`, a value is `"…"` or `null`, and a string's bytes are those JSON leaves as they are.
//!
//! # Costs
//!
//! No allocation: the values borrow the line. The line is checked to be UTF-8 once, as a whole ([`simdutf8`], with
//! SIMD where the processor has it), then read in one pass. A value is searched for its closing quote
//! eight bytes at a time, the same search finding a backslash or a control character; a member name is not
//! searched at all: its first bytes tell which member it can only be, and one comparison with that name and its
//! closing quote decides (likewise an `Operation`'s value, which then borrows the static name). Together these are
//! a small part of a line's answer; the JSON parser they replace was more than half of it.

use std::borrow::Cow;

use super::read::{Member, Operation, Read};
use crate::policy::same_bytes;

/// Reads a line of the plain shape (without its line end) into the reader's slots; `None` for any other line.
pub(super) fn scan(line: &[u8]) -> Option<Read<'_>> {
    // One check of the whole line: every string then is UTF-8, as its quotes are ASCII and end no character.
    let text = simdutf8::basic::from_utf8(line).ok()?;
    let mut values: [Option<Cow<'_, str>>; 12] = Default::default();
    // Members seen, `null` ones too: a member written twice is `read`'s to refuse.
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
            let (member, end) = member_at(line, at + 1)?;
            at = skip_whitespace(line, end + 1);
            if *line.get(at)? != b':' {
                return None;
            }
            at = skip_whitespace(line, at + 1);
            let bit = 1u16 << member as u16;
            if seen & bit != 0 {
                return None;
            }
            seen |= bit;
            match *line.get(at)? {
                // The operation's name is one of three, and the static name serves as well as the line's copy.
                b'"' if member == Member::Operation && operation_at(line, at + 1).is_some() => {
                    let (operation, end) = operation_at(line, at + 1)?;
                    let slot = values.get_mut(member as usize)?;
                    *slot = Some(Cow::Borrowed(operation.name()));
                    at = end + 1;
                }
                b'"' => {
                    let end = plain_string_end(line, at + 1)?;
                    let slot = values.get_mut(member as usize)?;
                    *slot = Some(Cow::Borrowed(text.get(at + 1..end)?));
                    at = end + 1;
                }
                // `null` is an absent member, as `read` takes it.
                b'n' if line.get(at..at + 4) == Some(b"null") => at += 4,
                _ => return None,
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
    // Only whitespace may follow the object.
    if skip_whitespace(line, at) != line.len() {
        return None;
    }
    Some(Read::without_problems(values))
}

/// The member whose name starts at `start` and the index of the name's closing quote; `None` when the string there
/// is not exactly a member's name. The first bytes tell which member it can only be, and one comparison of that
/// name and its quote decides: no search for the string's end, no comparison with the other names.
fn member_at(line: &[u8], start: usize) -> Option<(Member, usize)> {
    let rest = line.get(start..)?;
    let second = rest.get(1).copied();
    let member = match *rest.first()? {
        b'O' if second == Some(b'p') => Member::Operation,
        b'O' => Member::OrganizationId,
        b'I' if second == Some(b'p') => Member::IpAddress,
        b'I' => Member::ImpersonationRoleId,
        b'A' => Member::Action,
        b'U' => Member::UserId,
        b'T' => Member::TargetUser,
        // `Device` and then the word that tells them apart.
        b'D' => match *rest.get(6)? {
            b'T' => Member::DeviceType,
            b'M' => Member::DeviceModel,
            b'O' => Member::DeviceOperatingSystem,
            b'U' => Member::DeviceUserAgent,
            b'I' => Member::DeviceId,
            _ => return None,
        },
        _ => return None,
    };
    let name = member.name().as_bytes();
    quoted_name_at(rest, name).then_some((member, start + name.len()))
}

/// The operation whose name starts at `start`, closed by a quote, and the index of that quote; `None` for any
/// other string (which the general path reads, and `check` refuses).
fn operation_at(line: &[u8], start: usize) -> Option<(Operation, usize)> {
    let rest = line.get(start..)?;
    let operation = match *rest.get(3)? {
        b'A' => Operation::Access,
        b'M' => Operation::Mobile,
        b'I' => Operation::Impersonation,
        _ => return None,
    };
    let name = operation.name().as_bytes();
    quoted_name_at(rest, name).then_some((operation, start + name.len()))
}

/// Whether `rest` starts with `name` and then a quote. A slice comparison of a length known only at run time is a
/// call to `memcmp`, which cost more than the rest of recognising the name; the string tables' word-at-a-time
/// comparison serves here too.
#[inline(always)]
fn quoted_name_at(rest: &[u8], name: &[u8]) -> bool {
    rest.get(name.len()) == Some(&b'"') && rest.get(..name.len()).is_some_and(|head| same_bytes(head, name))
}

/// The index of the first byte at or after `at` that is not JSON whitespace (`line.len()` if none is).
pub(crate) fn skip_whitespace(line: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = line.get(at) {
        at += 1;
    }
    at
}

/// The index of the closing quote of a string whose opening quote is just before `start`; `None` when the string
/// holds a backslash or a control character before it (JSON's escapes, and bytes JSON refuses unescaped), or is
/// never closed.
pub(crate) fn plain_string_end(line: &[u8], start: usize) -> Option<usize> {
    let rest = line.get(start..)?;
    let end = first_special(rest)?;
    (rest.get(end) == Some(&b'"')).then_some(start + end)
}

/// The index of the first byte of `bytes` that a JSON string cannot hold as it is: a quote, a backslash or a
/// control character. Eight bytes at a time: most strings are ids and addresses of 5 to 40 bytes.
pub(super) fn first_special(bytes: &[u8]) -> Option<usize> {
    first_matching(bytes, special_bytes, |byte| byte == b'"' || byte == b'\\' || byte < 0x20)
}

/// Whether every byte of `bytes` is printable ASCII (`0x20..=0x7E`) other than a quote or a backslash: a value
/// that both `{:?}` and JSON leave as it is. Eight bytes at a time, as [`first_special`].
pub(super) fn printable_ascii_without_escapes(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let Ok(word) = word.try_into().map(u64::from_le_bytes) else { return false };
        // A byte's low seven bits plus one reach its high bit exactly when they are all ones (0x7F, or 0xFF); the
        // sum never carries into the next byte. With the byte's own high bit, that is every byte from 0x7F up.
        let from_delete = (((word & !HIGHS) + ONES) | word) & HIGHS;
        // Any bit set means some byte is special (later bytes may be flagged wrongly, which an "any" test ignores).
        if special_bytes(word) | from_delete != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&byte| matches!(byte, 0x20..=0x7E) && byte != b'"' && byte != b'\\')
}

/// The index of the first `\n` in `bytes`, eight bytes at a time.
pub(crate) fn first_newline(bytes: &[u8]) -> Option<usize> {
    first_matching(bytes, |word| zero_bytes(word ^ (ONES * u64::from(b'\n'))), |byte| byte == b'\n')
}

/// The first byte that `in_word` flags (as its high bit, exactly for the first such byte of a word) or, in the
/// last few bytes, that `is` holds.
#[inline(always)]
fn first_matching(bytes: &[u8], in_word: impl Fn(u64) -> u64, is: impl Fn(u8) -> bool) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in &mut words {
        let found = in_word(u64::from_le_bytes(word.try_into().ok()?));
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    words.remainder().iter().position(|&byte| is(byte)).map(|found| offset + found)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of the first zero byte of `word` (in memory order), and perhaps of later bytes; zero when there is
/// none. The usual trick: a byte's subtraction borrows only into the bytes after the first zero, so the lowest bit
/// set is exact.
fn zero_bytes(word: u64) -> u64 {
    word.wrapping_sub(ONES) & !word & HIGHS
}

/// The high bit of the first byte of `word` that is a quote, a backslash or a control character, and perhaps of
/// later bytes; zero when there is none. Each of the three borrows only past its own first match, so again the
/// lowest bit set is exact.
fn special_bytes(word: u64) -> u64 {
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    zero_bytes(word ^ (ONES * u64::from(b'"'))) | zero_bytes(word ^ (ONES * u64::from(b'\\'))) | below_space
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::read::check;
    use crate::batch::{read, Request};

    /// The word-at-a-time name comparison agrees with a plain one: every member and operation name is found,
    /// followed by its quote, and no name with one byte changed, cut short or without its quote is.
    #[test]
    fn names_are_recognised_exactly_a_word_at_a_time() {
        let names = read::MEMBERS.iter().map(|m| m.name()).chain(Operation::ALL.iter().map(|o| o.name()));
        for name in names {
            let quoted = format!("{name}\", \"x\"");
            assert!(quoted_name_at(quoted.as_bytes(), name.as_bytes()), "{name}");
            for at in 0..=name.len() {
                let mut changed = quoted.clone().into_bytes();
                changed[at] ^= 0x20;
                assert!(!quoted_name_at(&changed, name.as_bytes()), "{name} with byte {at} changed");
            }
            assert!(!quoted_name_at(&quoted.as_bytes()[..name.len()], name.as_bytes()), "{name} cut short");
            assert!(!quoted_name_at(&name.as_bytes()[1..], name.as_bytes()), "{name} without its first byte");
        }
    }

    const ACCESS: &str =
        r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","Action":"EWS","UserId":"u-1"}"#;

    fn recognised(line: &str) -> bool {
        scan(line.as_bytes()).is_some()
    }

    #[test]
    fn the_usual_lines_are_recognised_and_read_as_read_reads_them() {
        let lines = [
            ACCESS,
            r#" { "UserId" : "u-1" ,	"Action":"EWS", "Operation" :"GetAccessControlEffect","IpAddress":"192.0.2.1" } "#,
            r#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"Téléphone 😀","DeviceModel":null}"#,
            r#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r-1","TargetUser":"bob"}"#,
            "{\r\n\"Operation\"\t:\t\"GetImpersonationRoleEffect\"}",
        ];
        for line in lines {
            let read_plain = scan(line.as_bytes()).map(check);
            assert_eq!(read_plain, Some(read(line.as_bytes())), "{line}");
        }
        // The values borrow the line.
        let line = check(scan(ACCESS.as_bytes()).unwrap()).unwrap();
        let Request::Access(request) = line.request() else { panic!("{line:?}") };
        assert!(ACCESS.as_bytes().as_ptr_range().contains(&request.action.as_ptr()));
    }

    #[test]
    fn plain_lines_that_read_refuses_are_refused_the_same_way() {
        let lines = [
            "{}",
            r#"{"Operation":"GetAccessControlEffect"}"#,
            r#"{"Operation":"Nope","UserId":"u"}"#,
            r#"{"Operation":"GetImpersonationRoleEffect","IpAddress":"x","TargetUser":"u"}"#,
            r#"{"Operation":"GetImpersonationRoleEffect","OrganizationId":"m-1","ImpersonationRoleId":"r","TargetUser":"u"}"#,
            r#"{"Operation":null}"#,
        ];
        for line in lines {
            let read_plain = scan(line.as_bytes()).map(check);
            assert!(read_plain.as_ref().is_some_and(Result::is_err), "{line}: {read_plain:?}");
            assert_eq!(read_plain, Some(read(line.as_bytes())), "{line}");
        }
    }

    #[test]
    fn anything_but_the_plain_shape_falls_back() {
        let lines: [&[u8]; 28] = [
            b"",
            b" ",
            b"{",
            b"}",
            b"[]",
            b"null",
            br#""{}""#,
            br#"{"Operation":"GetAccessControlEffect""#,
            br#"{"Operation":"GetAccessControlEffect",}"#,
            br#"{"Operation":"GetAccessControlEffect"} x"#,
            br#"{"Operation":"GetAccessControlEffect"}}"#,
            br#"{,"Operation":"GetAccessControlEffect"}"#,
            br#"{"Operation" "GetAccessControlEffect"}"#,
            br#"{"Operation":"GetAccessControlEffect" "UserId":"u"}"#,
            br#"{"Operation":"Get\u0041ccessControlEffect"}"#,
            br#"{"Operation":"a\"b"}"#,
            br#"{"Opera\u0074ion":"GetAccessControlEffect"}"#,
            b"{\"Operation\":\"a\tb\"}",
            b"{\"Operation\":\"a\x00b\"}",
            b"{\"Operation\":\"Get\xFF\"}",
            b"{\"Operation\":\"\xC3\"}",
            br#"{"Operation":1}"#,
            br#"{"Operation":nul}"#,
            br#"{"Operation":nullx}"#,
            br#"{"Operation":["x"]}"#,
            br#"{"Zebra":"x"}"#,
            br#"{"UserId":"a","UserId":"a"}"#,
            br#"{"UserId":null,"UserId":null}"#,
        ];
        for line in lines {
            assert!(scan(line).is_none(), "{}", String::from_utf8_lossy(line));
        }
        // A byte-order mark is the caller's to strip; the scanner takes it for text that is not JSON.
        assert!(!recognised(&format!("\u{FEFF}{ACCESS}")));
        // A line cut anywhere is not an object.
        for end in 0..ACCESS.len() {
            assert!(!recognised(&ACCESS[..end]), "{}", &ACCESS[..end]);
        }
    }

    #[test]
    fn a_string_ends_at_its_first_quote_unless_an_escape_or_control_character_comes_first() {
        // Every byte at every place of strings of 0 to 20 bytes, against a byte-by-byte search.
        for length in 0..20 {
            for place in 0..length {
                for byte in 0..=255u8 {
                    let mut line = vec![b'"'];
                    line.extend((0..length).map(|i| if i == place { byte } else { b'a' + (i % 26) as u8 }));
                    line.extend_from_slice(b"\"\\");
                    let naive = line[1..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap() + 1;
                    let expected = (line[naive] == b'"').then_some(naive);
                    assert_eq!(plain_string_end(&line, 1), expected, "{line:?}");
                }
            }
        }
        assert_eq!(plain_string_end(b"\"abcdefghijklmnop", 1), None, "never closed");
        assert_eq!(plain_string_end(b"\"", 1), None);
        assert_eq!(plain_string_end(b"\"\"", 1), Some(1));
        assert_eq!(plain_string_end(b"x", 5), None);
    }

    #[test]
    fn printable_ascii_is_told_from_every_other_byte_wherever_it_is() {
        for length in 1..20 {
            for place in 0..length {
                for byte in 0..=255u8 {
                    let mut bytes: Vec<u8> = (0..length).map(|i| b' ' + (i * 7 % 95) as u8).collect();
                    bytes.retain(|&b| b != b'"' && b != b'\\');
                    let place = place.min(bytes.len());
                    assert!(printable_ascii_without_escapes(&bytes), "{bytes:?}");
                    bytes.insert(place, byte);
                    let expected = (0x20..=0x7E).contains(&byte) && byte != b'"' && byte != b'\\';
                    assert_eq!(printable_ascii_without_escapes(&bytes), expected, "{bytes:?}");
                }
            }
        }
        assert!(printable_ascii_without_escapes(b""));
    }

    #[test]
    fn a_newline_is_found_wherever_it_is() {
        for length in 0..20 {
            for place in 0..=length {
                let mut bytes: Vec<u8> = (0..length).map(|i| [b'a', 0x0B, 0x8A, 0x0A ^ 0x80, 0x09][i % 5]).collect();
                assert_eq!(first_newline(&bytes), None, "{bytes:?}");
                bytes.insert(place, b'\n');
                bytes.push(b'\n');
                assert_eq!(first_newline(&bytes), Some(place), "{bytes:?}");
            }
        }
    }

    #[test]
    fn member_names_are_exactly_the_readers() {
        let member_named = |name: &[u8]| {
            let string = [b"\"", name, b"\""].concat();
            member_at(&string, 1).map(|(member, end)| {
                assert_eq!(end, string.len() - 1, "{}", String::from_utf8_lossy(name));
                member
            })
        };
        for member in crate::batch::read::MEMBERS {
            assert_eq!(member_named(member.name().as_bytes()), Some(member));
            let mut other = member.name().as_bytes().to_vec();
            for i in 0..other.len() {
                for byte in [other[i] ^ 0x20, b'"', b'\\', 0, 0xC3] {
                    let original = std::mem::replace(&mut other[i], byte);
                    assert_eq!(member_named(&other), None, "{}", String::from_utf8_lossy(&other));
                    other[i] = original;
                }
            }
            // A name cut short, or going on past a member's name, is not that member.
            let name = member.name().as_bytes();
            for end in 0..name.len() {
                assert_eq!(member_at(&[b"\"", &name[..end]].concat(), 1), None);
            }
            assert_eq!(member_at(&[b"\"", name].concat(), 1), None, "never closed");
        }
        for name in ["", "Operatio", "Operations", "Device", "UserID", "userId", "DeviceUserAgent ", "Organization"] {
            assert_eq!(member_named(name.as_bytes()), None, "{name}");
        }
    }

    #[test]
    fn operation_names_are_exactly_the_readers() {
        for operation in Operation::ALL {
            let string = format!("\"{}\"", operation.name());
            assert_eq!(operation_at(string.as_bytes(), 1), Some((operation, string.len() - 1)));
            for end in 0..string.len() - 1 {
                assert_eq!(operation_at(&string.as_bytes()[..end], 1), None);
            }
            let longer = format!("\"{}x\"", operation.name());
            assert_eq!(operation_at(longer.as_bytes(), 1), None);
            let line = format!("{{\"Operation\":{string}}}");
            assert_eq!(scan(line.as_bytes()).map(check), Some(read(line.as_bytes())));
        }
        for other in ["\"GetAccessEffect\"", "\"GetMobile\"", "\"Get\"", "\"GetImpersonationRoleEffecT\""] {
            assert_eq!(operation_at(other.as_bytes(), 1), None, "{other}");
        }
    }

    #[test]
    fn a_form_feed_or_vertical_tab_is_not_json_whitespace() {
        assert!(recognised(&format!(" \t\r\n{ACCESS} \t\r\n")));
        for space in ["\x0C", "\x0B", "\u{A0}"] {
            assert!(!recognised(&format!("{space}{ACCESS}")));
            assert!(!recognised(&format!("{ACCESS}{space}")));
            assert!(!recognised(&ACCESS.replacen(':', &format!("{space}:"), 1)));
        }
    }
}
