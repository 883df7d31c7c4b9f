//! Arbitrary bytes as several inputs (split at each 0xFF byte, which no UTF-8 text holds), merged as
//! `wmpolicy validate a.json b.json` merges them. Reading and validating must never panic; a refused input must
//! say why. Once each finding is placed in its input ([`load::Sources::locate_all`]), every entry it names
//! by an input, in its path or quoted in its message outside a quoted value (`input-1.json: Rules[0]`), must exist
//! there: input K, read again on its own with `load::documents`, holds the document named (`(document D)` exactly
//! when it holds several), and that document is an impersonation role (its own entry) or its list of that name
//! is longer than the index. The list names and lengths come from the documents themselves, not from `Sources`'
//! bookkeeping, so a wrong run (an off-by-one start, the wrong input or document) fails here. A path `Sources`
//! left alone names no input, and a message that quotes no entry stays as it was.

#![no_main]

use libfuzzer_sys::fuzz_target;
use workmail_policy::load::{self, Document};
use workmail_policy::validate;

fuzz_target!(|data: &[u8]| {
    let slices: Vec<&[u8]> = data.split(|&b| b == 0xFF).collect();
    let names: Vec<String> = (0..slices.len()).map(|i| format!("input-{i}.json")).collect();
    let inputs = names.iter().map(String::as_str).zip(slices.iter().copied());
    let (file, sources) = match load::parse_all_with_sources(inputs, &load::Limits::default()) {
        Ok(read) => read,
        Err(findings) => {
            assert!(!findings.is_empty(), "a refused input says why");
            return;
        }
    };
    let validation = validate::validate(&file, &validate::Options::default());
    let mut located = validation.findings.clone();
    sources.locate_all(&mut located, &slices);
    // Each input read on its own, when a finding first names it.
    let mut read: Vec<Option<Vec<Document>>> = vec![None; slices.len()];
    for (before, after) in validation.findings.iter().zip(&located) {
        match &after.file {
            None => {
                assert_eq!(after.path, before.path, "a finding not placed keeps its path");
                assert!(after.position.is_none(), "a position without a file");
            }
            Some(file) => {
                let named = if after.path.is_empty() { file.clone() } else { format!("{file}: {}", after.path) };
                let input = entry_exists(&named, &slices, &mut read);
                // The position is inside that input's text.
                if let Some(position) = after.position {
                    let lines = slices[input].split(|&b| b == b'\n').count();
                    assert!(position.line as usize <= lines, "{after} is past the end of its input");
                }
            }
        }
        for at in unquoted(&after.message, "input-") {
            let _ = entry_exists(&after.message[at..], &slices, &mut read);
        }
        if !before.message.contains('[') {
            assert_eq!(after.message, before.message, "a message that quotes no entry changed");
        }
    }
});

/// Where `needle` (ASCII) starts in `message` outside the values it quotes as Rust string literals (`{:?}`): the
/// user's own text, which may spell anything.
fn unquoted(message: &str, needle: &str) -> Vec<usize> {
    let (mut quoted, mut escaped, mut found) = (false, false, Vec::new());
    for (at, byte) in message.bytes().enumerate() {
        if quoted {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => quoted = false,
                _ => {}
            }
        } else if byte == b'"' {
            quoted = true;
        } else if message.as_bytes()[at..].starts_with(needle.as_bytes()) {
            found.push(at);
        }
    }
    found
}

/// Checks that `text`, which starts `input-K.json`, names an entry input K holds: `input-K.json` alone (an
/// impersonation role), or `input-K.json: [(document D) ]LIST[N]…`, or a role's member `input-K.json: Type`.
/// Returns which input it names.
fn entry_exists(text: &str, slices: &[&[u8]], read: &mut [Option<Vec<Document>>]) -> usize {
    let rest = text.strip_prefix("input-").unwrap_or_else(|| panic!("{text:?} names no input"));
    let (k, rest) = number(rest).unwrap_or_else(|| panic!("{text:?}: no input number"));
    let rest = rest.strip_prefix(".json").unwrap_or_else(|| panic!("{text:?}: no .json"));
    assert!(k < slices.len(), "{text:?}: there are {} inputs", slices.len());
    let documents = read[k].get_or_insert_with(|| {
        load::documents(slices[k], &load::Limits::default()).expect("an input that merged reads on its own")
    });
    let local = rest.strip_prefix(": ").unwrap_or("");
    let (document, local) = match local.strip_prefix("(document ") {
        Some(numbered) => {
            let (d, after) = number(numbered).unwrap_or_else(|| panic!("{text:?}: no document number"));
            let after = after.strip_prefix(')').unwrap_or_else(|| panic!("{text:?}: unclosed document number"));
            assert!((1..=documents.len()).contains(&d), "{text:?}: input-{k}.json holds {} documents", documents.len());
            (&documents[d - 1], after.strip_prefix(' ').unwrap_or(after))
        }
        None => {
            assert_eq!(documents.len(), 1, "{text:?}: input-{k}.json holds several documents, and none is named");
            (&documents[0], local)
        }
    };
    // A role is its own entry: what follows is its member path, if anything.
    if matches!(document, Document::ImpersonationRole(_)) {
        return k;
    }
    // A whole list (a quota) that this document alone adds to.
    let Some((list, index)) = local.split_once('[') else {
        assert!(list_len(document, local).is_some(), "{text:?}: the document has no list {local}");
        return k;
    };
    let (index, _) = number(index).unwrap_or_else(|| panic!("{text:?}: no index"));
    let len = list_len(document, list).unwrap_or_else(|| panic!("{text:?}: the document has no list {list}"));
    assert!(index < len, "{text:?}: {list} holds {len} entries");
    k
}

/// The leading decimal number of `text`, and what follows it.
fn number(text: &str) -> Option<(usize, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    Some((text[..digits].parse().ok()?, &text[digits..]))
}

/// How many entries `document`'s list `list` holds, by the names the document itself uses.
fn list_len(document: &Document, list: &str) -> Option<usize> {
    fn len<T>(list: &Option<Vec<T>>) -> Option<usize> {
        list.as_ref().map(Vec::len)
    }
    match (document, list) {
        (Document::OrganizationFile(file), "AccessControlRules") => len(&file.access_control_rules),
        (Document::OrganizationFile(file), "MobileDeviceAccessRules") => len(&file.mobile_device_access_rules),
        (Document::OrganizationFile(file), "MobileDeviceAccessOverrides") => len(&file.mobile_device_access_overrides),
        (Document::OrganizationFile(file), "ImpersonationRoles") => len(&file.impersonation_roles),
        (Document::OrganizationFile(file), "Users") => len(&file.users),
        (Document::AccessControlRules(page), "Rules") => Some(page.items.len()),
        (Document::MobileDeviceAccessRules(page), "Rules") => Some(page.items.len()),
        (Document::MobileDeviceAccessOverrides(page), "Overrides") => Some(page.items.len()),
        (Document::Users(page), "Users") => Some(page.items.len()),
        _ => None,
    }
}
