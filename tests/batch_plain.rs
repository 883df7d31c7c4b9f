//! `batch::answer_line` and `batch::answer_lines` (the plain-line shortcut and the direct answer writer) against
//! the way every line was answered before them: `batch::read`, then serde_json serializing the response structure
//! (`to_response`) or the `ErrorResponse`.
//!
//! Each case generates an organization from a seed and a few dozen request lines of all three calls, written the
//! way tools write them and then some: members shuffled, JSON whitespace anywhere between tokens, `null` members,
//! and, for a third of the lines, one hostile change (an escape, a control character, a member twice, an unknown
//! or misspelt member, a member of another operation, a missing one, a value of another JSON type, bytes that are
//! not UTF-8, a cut, trailing text or commas, an `OrganizationId` of the wrong shape, a byte-order mark, a CRLF,
//! characters that an error message quotes as they are or escapes).
//! Every answer must be byte for byte the one the full reader and serde give.

use proptest::prelude::*;
use serde::Serialize;
use workmail_policy::batch::{self, ErrorResponse, Request};
use workmail_policy::testing::{self, Generated, Rng, Shape};
use workmail_policy::validate::{validate, Options};
use workmail_policy::{ErrorCode, Policy};

/// Lines per organization.
const LINES: usize = 48;

/// The answer as it was written before the shortcut: `read`, then serde_json.
fn full_answer(policy: &Policy, line: &[u8]) -> Vec<u8> {
    fn json(value: &impl Serialize) -> Vec<u8> {
        serde_json::to_vec(value).unwrap()
    }
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.len() > batch::MAX_LINE_BYTES {
        let message =
            format!("the line is longer than {} bytes, the most a request line may be", batch::MAX_LINE_BYTES);
        return json(&ErrorResponse::new(ErrorCode::LimitExceededException, message));
    }
    let read = match batch::read(line) {
        Ok(read) => read,
        Err(error) => return json(&error),
    };
    let answered = match read.request() {
        Request::Access(request) => policy.access(&request).map(|answer| json(&answer.to_response())),
        Request::Mobile(request) => policy.mobile(&request).map(|answer| json(&answer.to_response())),
        Request::Impersonation(request) => policy.impersonation(&request).map(|answer| json(&answer.to_response())),
    };
    answered.unwrap_or_else(|error| json(&ErrorResponse::from(&error)))
}

fn fast_answer(policy: &Policy, line: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    batch::answer_line(policy, line, &mut out);
    out
}

const ORGANIZATION_ID: &str = "m-0123456789abcdef0123456789abcdef";

/// A request's members as a line would give them, `Operation` first.
fn members(generated: &Generated, rng: &mut Rng) -> Vec<(&'static str, Option<String>)> {
    let mut members = match rng.below(3) {
        0 => {
            let q = generated.access_request(rng);
            vec![
                ("Operation", Some("GetAccessControlEffect".to_string())),
                ("IpAddress", Some(q.ip_address)),
                ("Action", Some(q.action)),
                ("UserId", q.user_id),
                ("ImpersonationRoleId", q.impersonation_role_id),
            ]
        }
        1 => {
            let q = generated.mobile_request(rng);
            let [device_type, model, system, agent] = q.properties;
            vec![
                ("Operation", Some("GetMobileDeviceAccessEffect".to_string())),
                ("DeviceType", device_type),
                ("DeviceModel", model),
                ("DeviceOperatingSystem", system),
                ("DeviceUserAgent", agent),
                ("UserId", q.user_id),
                ("DeviceId", q.device_id),
            ]
        }
        _ => {
            let q = generated.impersonation_request(rng);
            vec![
                ("Operation", Some("GetImpersonationRoleEffect".to_string())),
                ("ImpersonationRoleId", Some(q.impersonation_role_id)),
                ("TargetUser", Some(q.target_user)),
            ]
        }
    };
    if rng.one_in(3) {
        members.push(("OrganizationId", Some(ORGANIZATION_ID.to_string())));
    }
    // Absent members are mostly left out, as the aws CLI does, and sometimes written `null`, as SDKs do.
    members.retain(|(_, value)| value.is_some() || rng.one_in(4));
    members
}

/// JSON whitespace, usually none.
fn space(rng: &mut Rng) -> &'static str {
    rng.pick::<&str>(&["", "", "", "", " ", "  ", "\t", "\r\n", " \n "])
}

fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

/// A line of `members` in some order, with whitespace; values as JSON strings (or `null`, or raw JSON text).
fn write_line(members: &[(String, String)], rng: &mut Rng) -> Vec<u8> {
    let mut line = String::new();
    line.push_str(space(rng));
    line.push('{');
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            line.push_str(space(rng));
            line.push(',');
        }
        line.push_str(space(rng));
        line.push_str(&serde_json::to_string(name).unwrap());
        line.push_str(space(rng));
        line.push(':');
        line.push_str(space(rng));
        line.push_str(value);
    }
    line.push_str(space(rng));
    line.push('}');
    line.push_str(space(rng));
    line.into_bytes()
}

/// One hostile change to a member: its name or its value.
fn change_member(change: usize, name: &mut String, value: &mut String, rng: &mut Rng) {
    match change {
        // A value spelt with an escape: the same text, which the full reader decodes.
        0 => match value.chars().nth(1) {
            Some(first) if first.is_ascii_alphanumeric() => {
                *value = format!("\"\\u{:04x}{}", u32::from(first), &value[2..])
            }
            _ => *value = "\"\\/\"".to_string(),
        },
        1 => *value = rng.pick(&["\"a\\\"b\"", "\"tab\\there\"", "\"\\\\\"", "\"\\ud83d\\ude00\""]).to_string(),
        2 => *value = rng.pick(&["\"a\tb\"", "\"\u{1}\"", "\"a\nb\"", "\"\u{7F}\"", "\"\u{1F}x\""]).to_string(),
        4 => *name = rng.pick(&["Zebra", "userId", "IpAdress", "Opération", "", "OPERATION"]).to_string(),
        7 => {
            let other = ["1", "-2.5e3", "true", "false", "[]", "[\"x\"]", "{}", "{\"a\":\"b\"}", "nul", "1e400"];
            *value = rng.pick(&other).to_string();
        }
        8 if name == "Operation" => {
            *value = rng.pick(&["\"GetAccessEffect\"", "\"\"", "\"getaccesscontroleffect\"", "null"]).to_string()
        }
        10 => value.insert_str(1, rng.pick::<&str>(&["é", "😀", "\u{FEFF}", "\u{2028}", "Ÿ"])),
        // Characters a plain line may hold that an error message's `{:?}` quotes as they are, or escapes.
        19 => value.insert_str(1, rng.pick::<&str>(&["'", " ", "~", "\u{7F}", "\u{301}", "\u{200B}", "\\\\"])),
        _ => {}
    }
}

/// One line: a plain request of some call, perhaps with one hostile change.
fn line(generated: &Generated, rng: &mut Rng) -> Vec<u8> {
    let mut members: Vec<(String, String)> = members(generated, rng)
        .into_iter()
        .map(|(name, value)| {
            let value = value.map_or("null".to_string(), |value| serde_json::to_string(&value).unwrap());
            (name.to_string(), value)
        })
        .collect();
    let change = if rng.one_in(3) { rng.below(20) } else { usize::MAX };
    let at = rng.below(members.len().max(1));
    match change {
        3 => {
            if let Some(member) = members.get(at).cloned() {
                members.push(member);
            }
        }
        5 => members.push((rng.pick(&["TargetUser", "IpAddress", "DeviceId", "Action"]).to_string(), "\"x\"".into())),
        6 if at < members.len() => {
            members.remove(at);
        }
        9 => {
            let id = rng.pick(&["\"m-1\"", "\"\"", "\"M-0123456789ABCDEF0123456789ABCDEF\"", "null"]);
            members.push(("OrganizationId".into(), id.to_string()));
        }
        _ => {
            if let Some((name, value)) = members.get_mut(at) {
                change_member(change, name, value, rng);
            }
        }
    }
    shuffle(&mut members, rng);
    let mut line = write_line(&members, rng);
    match change {
        11 => line.truncate(rng.below(line.len() + 1)),
        12 => {
            let at = rng.below(line.len() + 1);
            line.insert(at, *rng.pick(&[0xFF, 0xC3, 0x80, 0xE2, 0x00, b'\\', b'"', b',', b'{', b'}', b':']));
        }
        13 => {
            let trailing: &[u8] = rng.pick::<&[u8]>(&[&b" x"[..], b"}", b",", b"{}", b"\x0C", b"\x0B", b"\xC2\xA0"]);
            line.extend_from_slice(trailing);
        }
        14 => {
            if let Some(end) = line.iter().rposition(|&b| b == b'}') {
                line.insert(end, b',');
            }
        }
        15 => {
            line.splice(0..0, b"\xEF\xBB\xBF".iter().copied());
        }
        16 => line.extend_from_slice(b"\r"),
        17 => {
            let other: &[u8] = rng.pick::<&[u8]>(&[
                &b"[]"[..],
                b"null",
                b"\"GetAccessControlEffect\"",
                b"",
                b"  ",
                b"{}",
                b"7",
                b"{\"a\"}",
            ]);
            line = other.to_vec();
        }
        18 => {
            let before: &[u8] = rng.pick::<&[u8]>(&[&b"\x0C"[..], b"\xC2\xA0", b"\xEF\xBB\xBF\xEF\xBB\xBF"]);
            line.splice(0..0, before.iter().copied());
        }
        _ => {}
    }
    line
}

fn policy_for(seed: u64) -> (Generated, Policy) {
    let generated = testing::organization(seed, &Shape::varied());
    let org = validate(&generated.file, &Options { enforce_quotas: false }).organization.expect("valid");
    let policy = Policy::compile(&org).expect("compiles");
    (generated, policy)
}

fn check_seed(seed: u64) -> Result<(), TestCaseError> {
    let (generated, policy) = policy_for(seed);
    let mut rng = Rng::new(seed ^ 0xB47C);
    let (mut block, mut expected) = (Vec::new(), Vec::new());
    for _ in 0..LINES {
        let line = line(&generated, &mut rng);
        let full = full_answer(&policy, &line);
        let fast = fast_answer(&policy, &line);
        prop_assert_eq!(
            String::from_utf8_lossy(&fast),
            String::from_utf8_lossy(&full),
            "seed {}: line {}",
            seed,
            String::from_utf8_lossy(&line)
        );
        // A line with a newline inside is two lines of a stream; the block takes the others.
        if !line.contains(&b'\n') {
            block.extend_from_slice(&line);
            block.push(b'\n');
            expected.extend_from_slice(&full);
            expected.push(b'\n');
        }
    }
    let mut answers = Vec::new();
    batch::answer_lines(&policy, &block, &mut answers);
    prop_assert!(answers == expected, "seed {seed}: answer_lines differs from line-by-line answers");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Every line, plain or hostile, is answered byte for byte as `read` and serde_json answer it, one at a time
    /// and in a block.
    #[test]
    fn the_shortcut_answers_every_line_as_the_full_reader_does(seed in any::<u64>()) {
        check_seed(seed)?;
    }
}

/// The generator makes what the property needs: many lines answered with a response (the generated requests
/// include the engine's own errors, unknown users and roles, by design), every call's response, and errors of
/// both kinds; a generator that drifted into refusing every line would test only `read`.
#[test]
fn generated_lines_are_mostly_requests_with_every_kind_of_answer() {
    let (mut lines, mut responses, mut overrides, mut serialization, mut invalid) = (0, 0, 0, 0, 0);
    let mut calls = [0; 3];
    for seed in 0..100 {
        let (generated, policy) = policy_for(seed);
        let mut rng = Rng::new(seed);
        for _ in 0..LINES {
            let answer = String::from_utf8(fast_answer(&policy, &line(&generated, &mut rng))).unwrap();
            lines += 1;
            if !answer.starts_with(r#"{"Error""#) {
                responses += 1;
                overrides += usize::from(answer.contains("MatchedOverride"));
                let call = if answer.starts_with(r#"{"Type""#) {
                    2
                } else if answer.contains(r#""Name""#) || answer.contains("MatchedOverride") {
                    1
                } else {
                    usize::from(!answer.contains(r#""MatchedRules":[""#))
                };
                calls[call] += 1;
            }
            serialization += usize::from(answer.contains("SerializationException"));
            invalid += usize::from(answer.contains("InvalidParameterException"));
        }
    }
    assert!(responses * 4 > lines, "{responses} responses of {lines} lines");
    assert!(overrides > 0 && serialization > 0 && invalid > 0, "{overrides} {serialization} {invalid}");
    assert!(calls.iter().all(|&count| count > 0), "{calls:?}");
}

/// Names the JSON writer must escape (a mobile or impersonation rule's name may hold a quote) are escaped as serde_json escapes them.
#[test]
fn names_with_quotes_are_written_as_serde_json_writes_them() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/acme.json")).unwrap();
    let text = text
        .replace(r#""Name": "Allow phones and tablets""#, r#""Name": "phones \"and\" tablets""#)
        .replace(r#""Name": "Everyone""#, r#""Name": "every\"one\"""#);
    let file = workmail_policy::load::parse(text.as_bytes()).unwrap();
    let validation = validate(&file, &Options::default());
    let errors: Vec<_> = validation.errors().collect();
    let org = validation.organization.as_ref().unwrap_or_else(|| panic!("{errors:?}"));
    let policy = Policy::compile(org).unwrap();
    let lines: [&[u8]; 4] = [
        br#"{"Operation":"GetAccessControlEffect","IpAddress":"198.51.100.20","Action":"IMAP","UserId":"alice@acme.example.com"}"#,
        br#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"iPhone","DeviceModel":"iPhone 15"}"#,
        br#"{"Operation":"GetMobileDeviceAccessEffect","UserId":"alice@acme.example.com","DeviceId":"LOSTPHONE01"}"#,
        br#"{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a","TargetUser":"bob@acme.example.com"}"#,
    ];
    let mut quoted = 0;
    for line in lines {
        let fast = fast_answer(&policy, line);
        assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&full_answer(&policy, line)));
        quoted += usize::from(fast.windows(2).any(|pair| pair == b"\\\""));
    }
    assert!(quoted > 0, "some answer named a rule with a quote");
}

/// A line over the limit is answered as too long by both; a stream's block cuts at the same length.
#[test]
fn overlong_lines_are_answered_alike() {
    let (_, policy) = policy_for(1);
    for extra in [0, 1, 2, 3, 4] {
        for (prefix, suffix) in [("", ""), ("\u{FEFF}", ""), ("", "\r"), ("\u{FEFF}", "\r")] {
            let body = "x".repeat(batch::MAX_LINE_BYTES - 10 + extra);
            let line = format!("{prefix}{{\"Operation\":\"{body}\"}}{suffix}");
            assert_eq!(fast_answer(&policy, line.as_bytes()), full_answer(&policy, line.as_bytes()));
        }
    }
}
