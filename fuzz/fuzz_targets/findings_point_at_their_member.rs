//! Arbitrary bytes as an input: every reading finding with a position points into the text, at the member it
//! names (its quoted name) or at the entry (a value's first character, never whitespace). Looking up arbitrary
//! paths (taken from the bytes themselves) never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::{load, Position};

/// The byte offset of `position` in `text`, if it is in the text.
fn offset(text: &[u8], position: Position) -> Option<usize> {
    let mut line_start = 0;
    for _ in 1..position.line {
        line_start += text.get(line_start..)?.iter().position(|&b| b == b'\n')? + 1;
    }
    let line = std::str::from_utf8(text.get(line_start..)?).ok()?;
    let column = position.column as usize - 1;
    Some(line_start + line.char_indices().nth(column).map_or(line.len(), |(at, _)| at))
}

fuzz_target!(|data: &[u8]| {
    // A path from the bytes: whatever the loader would never write, looked up anyway.
    let cut = data.len() / 2;
    let path = String::from_utf8_lossy(&data[..cut]);
    let _ = load::positions(data, &[(0, &path), (1, ""), (0, "Rules[0].Name")]);

    let Err(findings) = load::parse(data) else { return };
    let text = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if std::str::from_utf8(text).is_err() {
        return;
    }
    for finding in &findings {
        let Some(position) = finding.position else { continue };
        assert!(position.line >= 1 && position.column >= 1, "{finding}");
        let at = offset(text, position).unwrap_or_else(|| panic!("{finding} points past the text"));
        if finding.problem == workmail_policy::Problem::NotJson {
            continue;
        }
        let local = match finding.path.strip_prefix("(document ") {
            Some(rest) => rest.split_once(')').map_or("", |(_, after)| after.strip_prefix(' ').unwrap_or(after)),
            None => &finding.path,
        };
        if !local.is_empty() && !local.ends_with(']') {
            assert_eq!(text.get(at), Some(&b'"'), "{finding}: a member's position is its quoted name");
        } else {
            assert!(!matches!(text.get(at), None | Some(b' ' | b'\n' | b'\t' | b'\r')), "{finding}");
        }
    }
});
