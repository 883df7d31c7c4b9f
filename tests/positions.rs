//! Findings point at the line and column of the member they name (`acme.json:14:9`), whatever the spelling.
//!
//! On random organizations, written compact, pretty, or messy (members in any order, any whitespace, escapes), every
//! member path of the document is looked up with `load::positions`, and the text there must be the member's
//! name (for a member) or the entry's JSON (for a list entry). Then a broken value is planted at a random member
//! and the finding about it must carry that position. Each case is one seed.

use proptest::prelude::*;
use serde_json::Value;
use workmail_policy::load::{self, positions};
use workmail_policy::testing::{self, Rng, Shape};
use workmail_policy::{validate, Position};

/// Every path in `value`, each with what sits there: a member's name, or an entry's value.
fn paths(value: &Value, path: &str, out: &mut Vec<(String, Option<String>, Value)>) {
    match value {
        Value::Object(members) => {
            for (name, inner) in members {
                let at = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                out.push((at.clone(), Some(name.clone()), inner.clone()));
                paths(inner, &at, out);
            }
        }
        Value::Array(entries) => {
            for (i, inner) in entries.iter().enumerate() {
                let at = format!("{path}[{i}]");
                out.push((at.clone(), None, inner.clone()));
                paths(inner, &at, out);
            }
        }
        _ => {}
    }
}

/// The byte offset of `position` in `text`.
fn offset(text: &str, position: Position) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(position.line as usize - 1).map(str::len).sum();
    let line = &text[line_start..];
    line_start + line.char_indices().nth(position.column as usize - 1).map_or(line.len(), |(at, _)| at)
}

fn check(seed: u64) {
    let generated = testing::organization(seed, &Shape::varied());
    let value = serde_json::to_value(&generated.file).unwrap();
    let mut rng = Rng::new(seed ^ 0x5eed);
    let mut texts = vec![serde_json::to_string(&value).unwrap(), serde_json::to_string_pretty(&value).unwrap()];
    let mut messy = String::new();
    testing::write_messy_json(&value, &mut rng, &mut messy);
    texts.push(messy);
    let mut all = Vec::new();
    paths(&value, "", &mut all);
    for text in &texts {
        let targets: Vec<(usize, &str)> = all.iter().map(|(path, _, _)| (0, path.as_str())).collect();
        let found = positions(text.as_bytes(), &targets);
        for ((path, name, inner), position) in all.iter().zip(found) {
            let position = position.unwrap_or_else(|| panic!("seed {seed}: no position for {path} in {text}"));
            let there = &text[offset(text, position)..];
            match name {
                // A member: its name, as written (perhaps escaped), in quotes.
                Some(name) => {
                    let written: String = serde_json::Deserializer::from_str(there)
                        .into_iter::<String>()
                        .next()
                        .and_then(Result::ok)
                        .unwrap_or_else(|| panic!("seed {seed}: {path} at {position} is not a name: {there:.40}"));
                    assert_eq!(&written, name, "seed {seed}: {path} at {position}");
                }
                // An entry: its value.
                None => {
                    let read: Value = serde_json::Deserializer::from_str(there)
                        .into_iter::<Value>()
                        .next()
                        .and_then(Result::ok)
                        .unwrap_or_else(|| panic!("seed {seed}: {path} at {position} is not a value: {there:.40}"));
                    assert_eq!(&read, inner, "seed {seed}: {path} at {position}");
                }
            }
        }
    }

    // A finding carries the position of what it names: a CIDR broken at a random entry of some rule.
    let ranges: Vec<&String> = all
        .iter()
        .filter(|(path, name, _)| name.is_none() && path.contains(".IpRanges["))
        .map(|(path, _, _)| path)
        .collect();
    if ranges.is_empty() {
        return;
    }
    let target = *rng.pick(&ranges);
    let mut broken = value.clone();
    let pointer = format!("/{}", target.replace(['.', '['], "/").replace(']', ""));
    *broken.pointer_mut(&pointer).unwrap() = Value::from("10.0.0.0/33");
    let text = serde_json::to_string_pretty(&broken).unwrap();
    let file = load::parse(text.as_bytes()).unwrap();
    let validation = validate::validate(&file, &validate::Options { enforce_quotas: false });
    let (_, sources) = load::parse_all_with_sources([("org.json", text.as_bytes())], &load::Limits::default()).unwrap();
    let mut findings = validation.findings;
    sources.locate_all(&mut findings, &[text.as_bytes()]);
    let finding = findings.iter().find(|f| f.message.starts_with("\"10.0.0.0/33\"")).expect("the broken range");
    assert_eq!(&finding.path, target, "seed {seed}");
    let position = finding.position.expect("a position");
    assert!(text[offset(&text, position)..].starts_with("\"10.0.0.0/33\""), "seed {seed}: {finding}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_member_is_found_where_it_is_written(seed in any::<u64>()) {
        check(seed);
    }
}

/// Reading's own findings (an unknown member, a member twice, a wrong type, a syntax error) carry positions too,
/// in documents after the first as well.
#[test]
fn reading_findings_carry_positions() {
    let text =
        "{\"Users\": []}\n{\"AccessControlRules\": [\n  {\"Name\": \"a\",\n   \"NotIpRange\": [], \"Name\": 5}]}";
    let findings = load::parse(text.as_bytes()).unwrap_err();
    let places: Vec<(&str, Option<Position>)> = findings.iter().map(|f| (f.path.as_str(), f.position)).collect();
    let at = |line, column| Some(Position { line, column });
    assert_eq!(
        places,
        [
            ("(document 2) AccessControlRules[0].NotIpRange", at(4, 4)),
            ("(document 2) AccessControlRules[0].Name", at(4, 22)),
            ("(document 2) AccessControlRules[0].Name", at(4, 22)),
        ]
    );
    // A member whose name starts with spaces, in a second document: the name is not trimmed.
    let spaced = load::parse(b"{}\n{\"   Users\": 1}").unwrap_err();
    assert_eq!((spaced[0].path.as_str(), spaced[0].position), ("(document 2)    Users", at(2, 2)));
    let syntax = load::parse("{\n  \"Users\": [1,,]\n}".as_bytes()).unwrap_err();
    // The second comma, where a value was expected.
    assert_eq!(syntax[0].position, at(2, 15), "{}", syntax[0]);
    assert!(!syntax[0].message.contains("line"), "the place is the finding's, not the message's: {}", syntax[0]);
}
