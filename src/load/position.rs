//! Where a member path is in an input's text, as a line and a column: what lets a finding print as
//! `acme.json:14:9: error: …` and an editor jump to it.
//!
//! serde_json, which reads the inputs, does not say where a value it hands over began, so positions are found
//! here, by one more streaming pass over the input, only for the paths some finding names: a clean input pays
//! nothing, and the model types carry no positions. The pass follows the paths being looked for and skips
//! everything else (a skipped value is jumped over with a depth count, without recursion), so one pass answers
//! every path of an input, in time linear in its size.
//!
//! A member's position is that of its name's opening quote; a list entry's, or a whole document's, that of its
//! first character. A member written twice is found at its last occurrence: the one the duplicate finding is
//! about. A path that is not all there is placed at the deepest part of it that is: a missing member at the
//! object that lacks it, as compilers point at the item that lacks a field. A document that is not there (or
//! bytes that are not JSON before the path) gives no position; nothing here can fail otherwise.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::diagnostic::Position;

/// The deepest path followed. The shapes are at most six levels deep; a finding's path is at most one more.
const MAX_DEPTH: usize = 32;

/// For each `(document, path)` of `targets`, where in `bytes` it is: `document` counts the input's JSON documents
/// from 0, and `path` is a member path inside that document as the loader writes it (`Rules[0].IpRanges[7]`; the
/// empty path is the document itself). A path not all there is placed at its deepest part that is. A leading
/// byte-order mark is not counted as a column.
///
/// ```
/// use workmail_policy::Position;
/// use workmail_policy::load::positions;
///
/// let text = b"{\"Rules\": [\n  {\"Name\": \"a\",\n   \"IpRanges\": [\"10.0.0.0/33\"]}]}";
/// let found = positions(text, &[(0, "Rules[0].IpRanges[0]"), (0, "Rules[0].Name"), (1, "")]);
/// assert_eq!(found, [Some(Position { line: 3, column: 17 }), Some(Position { line: 2, column: 4 }), None]);
/// ```
pub fn positions(bytes: &[u8], targets: &[(usize, &str)]) -> Vec<Option<Position>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut found = vec![None; targets.len()];
    let mut nearest = vec![None; targets.len()];
    let mut scan = Scan { bytes, at: 0, found: &mut found, nearest: &mut nearest };
    let mut document = 0;
    loop {
        scan.skip_whitespace();
        if scan.at >= bytes.len() || !targets.iter().any(|&(d, _)| d >= document) {
            break;
        }
        let active: Vec<(usize, &str)> =
            targets.iter().enumerate().filter(|(_, &(d, _))| d == document).map(|(i, &(_, path))| (i, path)).collect();
        if scan.value(&active, 0).is_none() {
            break;
        }
        document += 1;
    }
    let offsets: Vec<Option<usize>> = found.iter().zip(&nearest).map(|(found, nearest)| found.or(*nearest)).collect();
    lines_and_columns(bytes, &offsets)
}

/// The position of byte `column` (as serde_json counts, from 1, in bytes) of `line`, counted in characters.
pub(super) fn character_column(bytes: &[u8], line: usize, column: usize) -> Option<Position> {
    let start = if line <= 1 {
        0
    } else {
        bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(line - 2).map(|(at, _)| at + 1)?
    };
    let text = bytes.get(start..)?;
    let within = &text[..column.saturating_sub(1).min(text.len())];
    let characters = within.iter().filter(|&&b| b & 0xC0 != 0x80).count();
    Some(Position { line: u32::try_from(line).ok()?, column: u32::try_from(characters + 1).ok()? })
}

/// Turns byte offsets into lines and columns, in one pass over the bytes up to the last offset.
fn lines_and_columns(bytes: &[u8], offsets: &[Option<usize>]) -> Vec<Option<Position>> {
    let mut order: Vec<(usize, usize)> =
        offsets.iter().enumerate().filter_map(|(i, offset)| offset.map(|offset| (offset, i))).collect();
    order.sort_unstable();
    let mut out = vec![None; offsets.len()];
    let (mut line, mut column, mut at) = (1u32, 1u32, 0usize);
    for (offset, i) in order {
        for &byte in bytes.get(at..offset).unwrap_or_default() {
            if byte == b'\n' {
                line = line.saturating_add(1);
                column = 1;
            } else if byte & 0xC0 != 0x80 {
                column = column.saturating_add(1);
            }
        }
        at = at.max(offset);
        out[i] = Some(Position { line, column });
    }
    out
}

/// The rest of a path at an object `depth` deep, without the `.` that separates it from its parent's part: a
/// document's own members follow nothing, so at depth 0 a leading `.` is the member name's own (`".ules"`).
fn member_path(rest: &str, depth: usize) -> &str {
    if depth == 0 {
        rest
    } else {
        rest.strip_prefix('.').unwrap_or(rest)
    }
}

/// The pass: a cursor over the input, the offset found for each target, and for each the start of the deepest
/// value on its path so far.
struct Scan<'b, 'f> {
    bytes: &'b [u8],
    at: usize,
    found: &'f mut [Option<usize>],
    nearest: &'f mut [Option<usize>],
}

impl<'b> Scan<'b, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Reads the value at the cursor, looking for the targets `active` (each with the rest of its path), and
    /// leaves the cursor after it. `None` when the bytes are not JSON.
    fn value(&mut self, active: &[(usize, &str)], depth: usize) -> Option<()> {
        self.skip_whitespace();
        let start = self.at;
        let mut deeper = Vec::new();
        for &(target, rest) in active {
            if rest.is_empty() {
                self.found[target] = Some(start);
            } else {
                self.nearest[target] = Some(start);
                deeper.push((target, rest));
            }
        }
        if deeper.is_empty() || depth >= MAX_DEPTH {
            return self.skip_value();
        }
        match self.peek()? {
            b'{' => self.object(&deeper, depth),
            b'[' => self.list(&deeper, depth),
            _ => self.skip_value(),
        }
    }

    fn object(&mut self, active: &[(usize, &str)], depth: usize) -> Option<()> {
        self.at += 1;
        // The targets by the member name they go through next (up to a `.` or `[`): an object may hold a
        // hundred thousand members, and a report a thousand findings about it. A name that holds `.` or `[` is
        // matched against every target instead.
        let mut by_name: HashMap<&str, Vec<(usize, &str)>> = HashMap::new();
        for &(target, rest) in active {
            let rest = member_path(rest, depth);
            let name = rest.split(['.', '[']).next().unwrap_or(rest);
            by_name.entry(name).or_default().push((target, rest));
        }
        loop {
            self.skip_whitespace();
            match self.peek()? {
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => self.at += 1,
                b'"' => {
                    let key_at = self.at;
                    let key = self.string()?;
                    self.skip_whitespace();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.at += 1;
                    let mut inner = Vec::new();
                    let candidates: Vec<(usize, &str)> = if key.contains(['.', '[']) {
                        active.iter().map(|&(target, rest)| (target, member_path(rest, depth))).collect()
                    } else {
                        by_name.get(&*key).cloned().unwrap_or_default()
                    };
                    for (target, rest) in candidates {
                        let Some(after) = rest.strip_prefix(&*key) else { continue };
                        match after.as_bytes().first() {
                            None => self.found[target] = Some(key_at),
                            Some(b'.' | b'[') => inner.push((target, after)),
                            Some(_) => {}
                        }
                    }
                    if inner.is_empty() {
                        self.skip_value()?;
                    } else {
                        self.value(&inner, depth + 1)?;
                    }
                }
                _ => return None,
            }
        }
    }

    fn list(&mut self, active: &[(usize, &str)], depth: usize) -> Option<()> {
        self.at += 1;
        // The targets by the entry they go through next, as for an object's members.
        let mut by_index: HashMap<usize, Vec<(usize, &str)>> = HashMap::new();
        for &(target, rest) in active {
            let Some((number, after)) = rest.strip_prefix('[').and_then(|rest| rest.split_once(']')) else { continue };
            if let Ok(index) = number.parse() {
                by_index.entry(index).or_default().push((target, after));
            }
        }
        let mut index = 0usize;
        loop {
            self.skip_whitespace();
            match self.peek()? {
                b']' => {
                    self.at += 1;
                    return Some(());
                }
                b',' => {
                    self.at += 1;
                    index += 1;
                }
                _ => match by_index.get(&index) {
                    Some(inner) => self.value(inner, depth + 1)?,
                    None => self.skip_value()?,
                },
            }
        }
    }

    /// Reads the string at the cursor, decoded (by serde_json, when it holds escapes).
    fn string(&mut self) -> Option<Cow<'b, str>> {
        let start = self.at;
        self.skip_string()?;
        let bytes: &'b [u8] = self.bytes;
        let raw = bytes.get(start..self.at)?;
        let inner = raw.get(1..raw.len() - 1)?;
        if inner.contains(&b'\\') {
            serde_json::from_slice::<String>(raw).ok().map(Cow::Owned)
        } else {
            std::str::from_utf8(inner).ok().map(Cow::Borrowed)
        }
    }

    /// Moves past the string at the cursor.
    fn skip_string(&mut self) -> Option<()> {
        self.at += 1;
        loop {
            match self.peek()? {
                b'"' => {
                    self.at += 1;
                    return Some(());
                }
                b'\\' => self.at += 2,
                _ => self.at += 1,
            }
        }
    }

    /// Moves past the value at the cursor, counting brackets rather than recursing. `None` when there is no value
    /// there.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_whitespace();
        match self.peek()? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => self.skip_string()?,
                        b'{' | b'[' => {
                            depth += 1;
                            self.at += 1;
                        }
                        b'}' | b']' => {
                            depth -= 1;
                            self.at += 1;
                            if depth == 0 {
                                return Some(());
                            }
                        }
                        _ => self.at += 1,
                    }
                }
            }
            b'}' | b']' | b',' | b':' => None,
            // `true`, `false`, `null`, or a number, read as serde_json reads them (the bytes are JSON it read), so
            // that where one document ends and the next begins agrees with it: `1 2`, `7-7` and `truefalse` are
            // two documents each.
            b't' | b'n' => {
                let start = self.at;
                self.at = (start + 4).min(self.bytes.len());
                (self.at > start).then_some(())
            }
            b'f' => {
                let start = self.at;
                self.at = (start + 5).min(self.bytes.len());
                (self.at > start).then_some(())
            }
            _ => {
                let start = self.at;
                let digits = |scan: &mut Self| {
                    while scan.peek().is_some_and(|b| b.is_ascii_digit()) {
                        scan.at += 1;
                    }
                };
                if self.peek() == Some(b'-') {
                    self.at += 1;
                }
                digits(self);
                if self.peek() == Some(b'.') {
                    self.at += 1;
                    digits(self);
                }
                if matches!(self.peek(), Some(b'e' | b'E')) {
                    self.at += 1;
                    if matches!(self.peek(), Some(b'+' | b'-')) {
                        self.at += 1;
                    }
                    digits(self);
                }
                (self.at > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn members_entries_and_documents_are_found() {
        let text = "{\"AccessControlRules\": [\n  {\"Name\": \"a\"},\n  {\"Name\": \"é\", \"IpRanges\": [\"1\", \"2\"]}\n]}\n{\"Users\": []}";
        let found = positions(
            text.as_bytes(),
            &[
                (0, "AccessControlRules[1].IpRanges[1]"),
                (0, "AccessControlRules[1]"),
                (0, "AccessControlRules"),
                (0, ""),
                (1, "Users"),
                (0, "AccessControlRules[2]"),
                (0, "Nothing"),
            ],
        );
        // `é` is one character, two bytes. What is not there is placed at what lacks it: the list, the document.
        assert_eq!(found, [at(3, 35), at(3, 3), at(1, 2), at(1, 1), at(5, 2), at(1, 24), at(1, 1)]);
    }

    #[test]
    fn a_member_written_twice_is_found_at_its_second_occurrence() {
        let found = positions(br#"{"Rules": [{"Name": "a", "Name": "b"}]}"#, &[(0, "Rules[0].Name")]);
        assert_eq!(found, [at(1, 26)]);
    }

    #[test]
    fn odd_keys_escapes_and_scalars_are_followed() {
        let text = br#"{"a.b": {"c[1]": 1}, "x": [true, null, -1.5e3, {"y": "\"]}", "z\u0041": 2}], "q": 3}"#;
        let found = positions(text, &[(0, "a.b.c[1]"), (0, "x[3].y"), (0, "x[3].zA"), (0, "q")]);
        assert_eq!(found, [at(1, 10), at(1, 49), at(1, 62), at(1, 78)]);
    }

    #[test]
    fn a_top_level_member_may_start_with_a_dot() {
        // Found by fuzzing: `.ules` is the member's name, not a separator and `ules`.
        let found =
            positions(br#"{".ules": [{"..x": 1}], "a": {".b": 2}}"#, &[(0, ".ules"), (0, ".ules[0]...x"), (0, "a..b")]);
        assert_eq!(found, [at(1, 2), at(1, 13), at(1, 31)]);
    }

    #[test]
    fn scalar_documents_end_where_their_token_ends() {
        // Found by fuzzing: a number document followed by whitespace and the next document.
        let found = positions(b"1E1 \"x\"\n{\"a\": 1} true{\"b\": [null]}", &[(2, "a"), (4, "b[0]"), (1, "")]);
        assert_eq!(found, [at(2, 2), at(2, 21), at(1, 5)]);
        // As serde_json reads them: `7-7` is two numbers, `truefalse` two literals.
        let found =
            positions(b"7-7 truefalse-1.5e+3{\"a\": 1}", &[(0, ""), (1, ""), (2, ""), (3, ""), (4, ""), (5, "a")]);
        assert_eq!(found, [at(1, 1), at(1, 2), at(1, 5), at(1, 9), at(1, 14), at(1, 22)]);
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        assert_eq!(positions(b"\xEF\xBB\xBF{\"a\": 1}", &[(0, "a")]), [at(1, 2)]);
    }

    #[test]
    fn anything_that_is_not_json_has_no_position_and_no_panic() {
        for text in ["", "{", "{\"a\"", "{\"a\": [1, ", "]]]", "\"\\", "{\"a\" 1}", "[{\"a\":1}"] {
            let found = positions(text.as_bytes(), &[(0, "a"), (0, "[0].a"), (3, "")]);
            assert_eq!(found.len(), 3, "{text}");
        }
        let deep = "[".repeat(100_000);
        // Followed no deeper than `MAX_DEPTH`, and placed no further than that.
        let found = positions(deep.as_bytes(), &[(0, &"[0]".repeat(1000))]);
        assert!(found[0].is_some_and(|p| p.line == 1 && p.column as usize <= MAX_DEPTH + 1), "{found:?}");
    }

    #[test]
    fn serde_json_columns_become_character_columns() {
        assert_eq!(character_column("{\n  \"é\": x".as_bytes(), 2, 9), at(2, 8));
        assert_eq!(character_column(b"abc", 1, 2), at(1, 2));
        assert_eq!(character_column(b"abc", 3, 1), None);
    }
}
