//! The constraint table of `src/constraints.rs` against the service model itself.
//!
//! The model file (`workmail-2017-10-01.service-2.json`) sits beside the repository, in CI too. Every entry of
//! `STRING_SHAPES`, `LIST_SHAPES` and `ENUM_SHAPES` must equal the model's shape of the same name: bounds, pattern
//! text, enum values. Then every hand-written [`Pattern`] matcher is checked against the model's own regular
//! expression, compiled with the `regex` crate, on random strings drawn toward each pattern's alphabet.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use regex::Regex;
use serde_json::{Map, Value};
use workmail_policy::constraints::{Pattern, ENUM_SHAPES, LIST_SHAPES, STRING_SHAPES};

const MODEL_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/workmail-2017-10-01.service-2.json");

/// Random strings per distinct pattern; 13 patterns make 32,500 cases, each checked against every pattern.
const CASES_PER_PATTERN: u32 = 2_500;

static MODEL: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(MODEL_PATH).unwrap_or_else(|e| panic!("cannot read {MODEL_PATH}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{MODEL_PATH} is not JSON: {e}"))
});

/// The model's shape `name`.
fn shape(name: &str) -> &'static Map<String, Value> {
    MODEL["shapes"][name].as_object().unwrap_or_else(|| panic!("the service model has no shape {name:?}"))
}

/// A numeric bound of a shape: `Some(n)`, `None` when absent. A bound that is not an integer fails the test.
fn bound(shape: &Map<String, Value>, key: &str) -> Option<usize> {
    shape.get(key).map(|v| v.as_u64().and_then(|n| usize::try_from(n).ok()).expect("bounds are integers"))
}

fn assert_no_mismatches(what: &str, mismatches: Vec<String>) {
    assert!(mismatches.is_empty(), "{what} differ from {MODEL_PATH}:\n{}", mismatches.join("\n"));
}

#[test]
fn string_shapes_equal_the_model() {
    let mut mismatches = Vec::new();
    for entry in STRING_SHAPES {
        let model = shape(entry.name);
        let mut differ = |what: &str, table: String, model: String| {
            if table != model {
                mismatches.push(format!("{}: {what} is {table} in the table, {model} in the model", entry.name));
            }
        };
        differ("type", "\"string\"".into(), format!("{}", model.get("type").unwrap_or(&Value::Null)));
        differ("enum", "None".into(), format!("{:?}", model.get("enum")));
        differ("min", format!("{}", entry.min), format!("{}", bound(model, "min").unwrap_or(0)));
        differ("max", format!("{:?}", Some(entry.max)), format!("{:?}", bound(model, "max")));
        differ(
            "pattern",
            format!("{:?}", entry.pattern.map(Pattern::source)),
            format!("{:?}", model.get("pattern").map(|p| p.as_str().expect("patterns are strings"))),
        );
    }
    assert_no_mismatches("string shapes", mismatches);
}

#[test]
fn list_shapes_equal_the_model() {
    let mut mismatches = Vec::new();
    for entry in LIST_SHAPES {
        let model = shape(entry.name);
        if model.get("type") != Some(&Value::from("list")) {
            mismatches.push(format!("{}: not a list shape in the model: {model:?}", entry.name));
        }
        let min = bound(model, "min").unwrap_or(0);
        if entry.min != min {
            mismatches.push(format!("{}: min is {} in the table, {min} in the model", entry.name, entry.min));
        }
        let max = bound(model, "max");
        if Some(entry.max) != max {
            mismatches.push(format!("{}: max is {} in the table, {max:?} in the model", entry.name, entry.max));
        }
    }
    assert_no_mismatches("list shapes", mismatches);
}

#[test]
fn enum_shapes_equal_the_model() {
    let mut mismatches = Vec::new();
    for entry in ENUM_SHAPES {
        let model = shape(entry.name);
        if model.get("type") != Some(&Value::from("string")) {
            mismatches.push(format!("{}: not a string shape in the model: {model:?}", entry.name));
        }
        let values: Option<Vec<&str>> =
            model.get("enum").and_then(Value::as_array).map(|v| v.iter().filter_map(Value::as_str).collect());
        if values.as_deref() != Some(entry.values) {
            mismatches
                .push(format!("{}: values are {:?} in the table, {values:?} in the model", entry.name, entry.values));
        }
    }
    assert_no_mismatches("enum shapes", mismatches);
}

/// Each shape is written once, so the table cannot hold two different answers for one name.
#[test]
fn every_shape_name_appears_once() {
    let names: Vec<&str> = STRING_SHAPES
        .iter()
        .map(|s| s.name)
        .chain(LIST_SHAPES.iter().map(|s| s.name))
        .chain(ENUM_SHAPES.iter().map(|s| s.name))
        .collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "duplicate shape names in {names:?}");
}

/// A hand-written matcher paired with the model's regular expression for a shape that uses it.
struct Oracle {
    pattern: Pattern,
    /// The model's pattern, as written.
    source: &'static str,
    /// The shapes that use this pattern.
    shapes: Vec<&'static str>,
    regex: Regex,
}

impl Oracle {
    fn agrees(&self, s: &str) -> Result<(), String> {
        let (matcher, model) = (self.pattern.matches(s), self.regex.is_match(s));
        if matcher == model {
            Ok(())
        } else {
            Err(format!(
                "Pattern::{:?}.matches({s:?}) is {matcher}, the model's regex {:?} (shapes {}) says {model}",
                self.pattern,
                self.source,
                self.shapes.join(", ")
            ))
        }
    }
}

/// The model's regex as Rust's `regex` reads it, matching the whole string as the service applies it. Java's `\w`
/// is ASCII; the rest of the model's syntax means the same in both engines.
fn translate(model: &str) -> String {
    format!("^(?:{})$", model.replace(r"\w", "[0-9A-Za-z_]"))
}

/// One oracle per distinct (matcher, model regex) pair in the table.
static ORACLES: LazyLock<Vec<Oracle>> = LazyLock::new(|| {
    let mut oracles: Vec<Oracle> = Vec::new();
    for entry in STRING_SHAPES {
        let Some(pattern) = entry.pattern else { continue };
        let source = shape(entry.name)["pattern"].as_str().unwrap_or_else(|| panic!("{}: no pattern", entry.name));
        match oracles.iter_mut().find(|o| o.pattern == pattern && o.source == source) {
            Some(oracle) => oracle.shapes.push(entry.name),
            None => {
                let regex = Regex::new(&translate(source))
                    .unwrap_or_else(|e| panic!("{}: the model's pattern {source:?} does not compile: {e}", entry.name));
                oracles.push(Oracle { pattern, source, shapes: vec![entry.name], regex });
            }
        }
    }
    oracles
});

/// Characters that sit on the edges of the patterns' classes: controls, the line breaks some classes allow, the
/// characters the impersonation patterns forbid, the ends of Latin-1, non-ASCII letters and digits, astral
/// characters.
const NOISE: &[char] = &[
    '\0', '\t', '\n', '\u{0B}', '\u{0C}', '\r', '\u{1B}', '\u{1F}', ' ', '!', '"', '#', '$', '%', '&', '\'', '(', '*',
    '+', ',', '-', '.', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '^', '_', '`', '{', '|', '}', '~',
    '\u{7F}', '\u{80}', '\u{9F}', '\u{A0}', 'ß', 'é', 'É', '×', 'ÿ', '\u{100}', 'ſ', 'K', '٣', '０', 'ａ', '\u{2028}',
    '\u{FEFF}', '😀',
];

fn noise() -> BoxedStrategy<String> {
    prop::sample::select(NOISE).prop_map(String::from).boxed()
}

fn chars(alphabet: &'static str) -> BoxedStrategy<String> {
    let alphabet: Vec<char> = alphabet.chars().collect();
    prop::sample::select(alphabet).prop_map(String::from).boxed()
}

fn pick(options: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(options).prop_map(String::from).boxed()
}

/// A string of 0 to `max` pieces, each drawn from `piece`.
fn joined(piece: BoxedStrategy<String>, max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(piece, 0..=max).prop_map(|pieces| pieces.concat()).boxed()
}

const ALNUM: &str = "abcxyzABCXYZ0123456789";
const LETTERS: &str = "abcdefxyzABCDEFXYZ";

const OCTETS: &[&str] = &["0", "1", "9", "10", "25", "99", "100", "199", "200", "249", "250", "255"];
const BAD_OCTETS: &[&str] =
    &["256", "260", "300", "999", "00", "01", "000", "010", "1000", "", "-1", "+1", "1a", "٣", " 1"];
const PREFIXES: &[&str] = &["0", "1", "8", "9", "10", "19", "20", "24", "29", "30", "32"];
const BAD_PREFIXES: &[&str] = &["33", "40", "99", "00", "08", "032", "", "-0", "3 ", "٣"];

/// Mostly one of `good`, sometimes one of `bad`.
fn mostly_good(good: &'static [&'static str], bad: &'static [&'static str]) -> BoxedStrategy<String> {
    prop_oneof![12 => pick(good), 1 => pick(bad)].boxed()
}

/// Dotted quads, often valid, with the octets and separators at the pattern's edges.
fn dotted_quad() -> BoxedStrategy<String> {
    let octet = || mostly_good(OCTETS, BAD_OCTETS);
    let dot = || mostly_good(&["."], &["..", ",", "", "/", "\n"]);
    (octet(), dot(), octet(), dot(), octet(), dot(), octet(), prop::option::weighted(0.05, (dot(), octet())))
        .prop_map(|(a, d1, b, d2, c, d3, d, fifth)| {
            let mut s = format!("{a}{d1}{b}{d2}{c}{d3}{d}");
            if let Some((d4, e)) = fifth {
                s.push_str(&d4);
                s.push_str(&e);
            }
            s
        })
        .boxed()
}

fn cidr() -> BoxedStrategy<String> {
    let slash = mostly_good(&["/"], &["//", "\\", "", "."]);
    (dotted_quad(), slash, mostly_good(PREFIXES, BAD_PREFIXES))
        .prop_map(|(quad, slash, len)| format!("{quad}{slash}{len}"))
        .boxed()
}

const LOCAL_PARTS: &[&str] = &["a", "alice", "john.doe", "x+tag", "50%", "a-b", "a_b", "-", "."];
const BAD_LOCAL_PARTS: &[&str] = &["ab@c", "é", "a b", ""];
const HOSTS: &[&str] = &["example", "ex-ample", "mail.example", "a", "1", "-", ".", "x..y"];
const BAD_HOSTS: &[&str] = &["ex_ample", "é", "", "a@b"];
const TLDS: &[&str] = &["com", "co", "museum", "c-m", "--", "c1", "12"];
const BAD_TLDS: &[&str] = &["c", "", "é", "c_m", "co.uk."];

/// `local@host.tld` addresses, with each part drawn from valid and broken spellings and a local part around the
/// 64-character bound.
fn address(local: BoxedStrategy<String>) -> BoxedStrategy<String> {
    let at = mostly_good(&["@"], &["", "@@"]);
    let dot = mostly_good(&["."], &["", ".."]);
    let domain = prop::option::weighted(0.9, (at, mostly_good(HOSTS, BAD_HOSTS), dot, mostly_good(TLDS, BAD_TLDS)));
    (local, domain)
        .prop_map(|(local, domain)| match domain {
            Some((at, host, dot, tld)) => format!("{local}{at}{host}{dot}{tld}"),
            None => local,
        })
        .boxed()
}

fn local_part(word: &'static str) -> BoxedStrategy<String> {
    prop_oneof![
        4 => mostly_good(LOCAL_PARTS, BAD_LOCAL_PARTS),
        4 => joined(chars(word), 6),
        1 => (62usize..=66, chars(word)).prop_map(|(n, c)| c.repeat(n)),
    ]
    .boxed()
}

/// Strings drawn toward `pattern`'s alphabet, with edge characters mixed in.
fn strings_for(pattern: Pattern) -> BoxedStrategy<String> {
    let mostly =
        |alphabet: BoxedStrategy<String>, max: usize| joined(prop_oneof![12 => alphabet, 1 => noise()].boxed(), max);
    let base = match pattern {
        Pattern::Identifier => mostly(chars("abcXYZ0189_-"), 8),
        Pattern::Letters => mostly(chars(LETTERS), 8),
        Pattern::Latin1 => {
            let near = (0x18u32..=0x108).prop_map(|c| char::from_u32(c).map(String::from).unwrap_or_default());
            prop_oneof![4 => mostly(near.boxed(), 8), 1 => mostly(any::<char>().prop_map(String::from).boxed(), 2)]
                .boxed()
        }
        Pattern::Anything => joined(prop_oneof![3 => noise(), 1 => any::<char>().prop_map(String::from)].boxed(), 3),
        Pattern::Ipv4Cidr => prop_oneof![6 => cidr(), 1 => mostly(chars("0123456789./"), 14)].boxed(),
        Pattern::Ipv4Address => prop_oneof![6 => dotted_quad(), 1 => mostly(chars("0123456789./"), 12)].boxed(),
        Pattern::EntityIdentifier => prop_oneof![
            2 => mostly(chars("abXY09._%+@-"), 10),
            1 => address(local_part("abXY09._%+-")),
        ]
        .boxed(),
        Pattern::DeviceId => mostly(chars(ALNUM), 8),
        Pattern::ImpersonationName | Pattern::ImpersonationDescription => mostly(
            prop_oneof![
                3 => chars("Archiver help-desk 01é"),
                2 => chars("\0\t\n\u{0B}\u{0C}\r\u{0E}\u{1F}\u{20}\u{7E}\u{7F}<>\\/"),
                1 => any::<char>().prop_map(String::from),
            ]
            .boxed(),
            6,
        ),
        Pattern::EmailAddress => address(local_part("abXY09._%+-")),
        Pattern::UserName => prop_oneof![
            1 => mostly(chars("abXY09_-."), 8),
            2 => address(local_part("abXY09_-.")),
        ]
        .boxed(),
        Pattern::OrganizationId => {
            // Around the one length the pattern allows, in and just outside its lowercase-hex alphabet.
            let hex = |alphabet, len: std::ops::RangeInclusive<usize>| {
                prop::collection::vec(chars(alphabet), len).prop_map(|c| c.concat()).boxed()
            };
            let digits = prop_oneof![
                3 => hex("0123456789abcdef", 32..=32),
                1 => hex("0123456789abcdef", 30..=34),
                1 => hex("09afAFgx-", 32..=32),
            ];
            (mostly_good(&["m-"], &["M-", "m", "m_", "", "-m"]), digits)
                .prop_map(|(prefix, digits)| format!("{prefix}{digits}"))
                .boxed()
        }
    };
    // Now and then, one more edit anywhere: insert or replace with an edge character, or delete a character.
    let edit = prop::option::weighted(0.25, (any::<prop::sample::Index>(), prop::sample::select(NOISE), 0u8..3));
    (base, edit)
        .prop_map(|(mut s, edit)| {
            if let Some((at, c, kind)) = edit {
                let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
                let i = boundaries[at.index(boundaries.len())];
                let next = s[i..].chars().next();
                match (kind, next) {
                    (0, _) | (_, None) => s.insert(i, c),
                    (1, Some(old)) => s.replace_range(i..i + old.len_utf8(), c.encode_utf8(&mut [0; 4])),
                    (_, Some(old)) => s.replace_range(i..i + old.len_utf8(), ""),
                }
            }
            s
        })
        .boxed()
}

/// Every hand-written matcher answers as the model's regex does, on random strings drawn toward its alphabet;
/// each string is also checked against every other pattern.
#[test]
fn matchers_equal_the_model_regexes() {
    let mut failures = Vec::new();
    for oracle in ORACLES.iter() {
        let config = Config { cases: CASES_PER_PATTERN, failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new(config);
        let result = runner.run(&strings_for(oracle.pattern), |s| {
            for other in ORACLES.iter() {
                other.agrees(&s).map_err(TestCaseError::fail)?;
            }
            Ok(())
        });
        match result {
            Ok(()) => {}
            Err(TestError::Fail(reason, minimal)) => {
                failures.push(format!("strings for {:?}: {reason} (minimal input {minimal:?})", oracle.pattern))
            }
            Err(e) => failures.push(format!("strings for {:?}: {e}", oracle.pattern)),
        }
    }
    assert!(failures.is_empty(), "hand-written matchers disagree with the model:\n{}", failures.join("\n"));
}

/// The table uses every pattern variant, so the property above covers every matcher.
#[test]
fn every_pattern_is_checked() {
    let checked: BTreeSet<String> = ORACLES.iter().map(|o| format!("{:?}", o.pattern)).collect();
    assert_eq!(checked.len(), 13, "patterns checked: {checked:?}");
}

/// The generators are not vacuous: each pattern's strings include many that its model regex accepts and many
/// that it rejects.
#[test]
fn generated_strings_reach_both_verdicts() {
    let mut runner = TestRunner::deterministic();
    for oracle in ORACLES.iter() {
        let strategy = strings_for(oracle.pattern);
        let samples = 2_000;
        let matched = (0..samples)
            .filter(|_| oracle.regex.is_match(&strategy.new_tree(&mut runner).expect("strings generate").current()))
            .count();
        let (low, high) = if oracle.pattern == Pattern::Anything { (1, 99) } else { (15, 85) };
        let percent = matched * 100 / samples;
        assert!(
            (low..=high).contains(&percent),
            "{:?}: {percent}% of generated strings match; expected {low}% to {high}%",
            oracle.pattern
        );
    }
}

/// Hand-picked strings at the edges where a hand-written matcher and a regex engine most easily part ways.
#[test]
fn edge_strings_agree() {
    let edges = [
        "",
        " ",
        "a",
        "é",
        "\u{100}",
        "\n",
        "a\n",
        "\r\n",
        "\u{7F}",
        "<b>",
        "a\\b",
        "0.0.0.0",
        "255.255.255.255",
        "1.2.3.4\n",
        "\n1.2.3.4",
        "1.2.3.4/32\n",
        "01.2.3.4",
        "1.2.3.4/0",
        "1.2.3.4/00",
        "1.2.3.4/33",
        "1.2.3.٣",
        "a@b.co",
        "a@b.c",
        "a@b.c-",
        "a@.co",
        "a@b..co",
        "@b.co",
        "a@b@c.co",
        "alice.smith",
        "alice_smith@example.com",
        "alice@example.c0m",
        "alice@example.c_m",
        "alice@example",
        "-@-.--",
        "KELVIN",
        "ſ",
        "😀",
    ];
    let mut failures = Vec::new();
    let local_64 = format!("{}@example.com", "a".repeat(64));
    let local_65 = format!("{}@example.com", "a".repeat(65));
    for s in edges.iter().copied().chain([local_64.as_str(), local_65.as_str()]) {
        for oracle in ORACLES.iter() {
            if let Err(e) = oracle.agrees(s) {
                failures.push(e);
            }
        }
    }
    assert!(failures.is_empty(), "hand-written matchers disagree with the model:\n{}", failures.join("\n"));
}
