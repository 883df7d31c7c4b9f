//! Adversarial inputs: each is refused with the specific finding or error it deserves, or handled correctly, and
//! quickly, with bounded memory, and never by a panic or a stack overflow.
//!
//! The limits under test are documented on `load::Limits`, `policy::MAX_*`, `batch::MAX_LINE_BYTES` and
//! `MAX_FINDINGS`, and in the README.

use std::time::{Duration, Instant};

use workmail_policy::load::{self, Limits};
use workmail_policy::organization::{AccessRule, Organization};
use workmail_policy::testing::Rng;
use workmail_policy::validate::{validate, Options};
use workmail_policy::{batch, reference, AccessRequest, CompileError, ErrorCode, Finding, Policy};

/// Reading's findings, which must be there.
fn refused(bytes: &[u8]) -> Vec<Finding> {
    load::parse(bytes).expect_err("the input is refused")
}

/// Runs `f` on a thread with a small stack: work that recursed once per nesting level would overflow it.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let thread = std::thread::Builder::new().stack_size(256 << 10).spawn(f).expect("a thread starts");
    thread.join().expect("no panic and no stack overflow")
}

/// Fails when `f` takes longer than `limit`, a bound far above its expected time that only a hang would pass.
fn within<T>(limit: Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    assert!(start.elapsed() < limit, "took {:?}, more than {limit:?}", start.elapsed());
    value
}

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn a_100_mb_input_is_refused_by_its_size_before_parsing() {
    let bytes = vec![b'['; 100 << 20];
    let findings = within(Duration::from_millis(500), || refused(&bytes));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].code, ErrorCode::LimitExceededException);
    assert!(findings[0].message.contains("max_input_bytes"), "{}", findings[0].message);
    // The limit is the documented 16 MiB, and a caller may lower it.
    assert_eq!(Limits::default().max_input_bytes, 16 << 20);
    let small = Limits { max_input_bytes: 10, ..Limits::default() };
    assert_eq!(load::parse_with(b"{         }", &small).unwrap_err()[0].code, ErrorCode::LimitExceededException);
    assert!(load::parse_with(b"{        }", &small).is_ok());
}

#[test]
fn deep_nesting_under_the_size_limit_is_a_clean_finding_without_recursion() {
    // 2 MB, a million levels: far past serde_json's recursion limit of 128 and any stack.
    let cases: [(String, &str, &str); 5] = [
        (nested(1_000_000, "[", "]", ""), "", "is a list; an input document must be a JSON object"),
        (
            format!(r#"{{"AccessControlRules": {}}}"#, nested(1_000_000, "[", "]", "")),
            "AccessControlRules[0]",
            "is a list; expected an object",
        ),
        (
            format!(r#"{{"AccessControlRules": [{{"Name": {}}}]}}"#, nested(1_000_000, r#"{"a":"#, "}", "1")),
            "AccessControlRules[0].Name",
            "is an object; expected a string",
        ),
        (
            format!(r#"{{"AccessControlRules": [{{"Nmae": {}}}]}}"#, nested(1_000_000, "[", "]", "")),
            "AccessControlRules[0].Nmae",
            "unknown member `Nmae`; did you mean `Name`?",
        ),
        (nested(1_000_000, r#"{"a":"#, "}", "1"), "a", "unknown top-level member `a`"),
    ];
    for (input, path, message) in cases {
        let findings = on_small_stack(move || within(Duration::from_secs(5), || refused(input.as_bytes())));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].path, path);
        assert!(findings[0].message.starts_with(message), "{}", findings[0].message);
    }
    // Around serde_json's limit of 128 the answer is the same shape finding, at every depth.
    for depth in [127, 128, 129] {
        let input = format!(r#"{{"Users": [{{"Id": {}}}]}}"#, nested(depth, "[", "]", ""));
        let findings = on_small_stack(move || refused(input.as_bytes()));
        assert_eq!((findings[0].path.as_str(), findings[0].code), ("Users[0].Id", ErrorCode::SerializationException));
    }
}

#[test]
fn a_million_tiny_rules_are_refused_at_the_record_limit() {
    let rules = vec!["{}"; 1_000_000].join(",");
    let input = format!(r#"{{"AccessControlRules": [{rules}]}}"#);
    let findings = within(Duration::from_secs(5), || refused(input.as_bytes()));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].path, "AccessControlRules[100000]");
    assert_eq!(findings[0].code, ErrorCode::LimitExceededException);
    assert!(findings[0].message.contains("max_records"), "{}", findings[0].message);
}

#[test]
fn a_hundred_thousand_rules_are_handled_within_the_caps() {
    let rules: Vec<String> = (0..100_000)
        .map(|i| {
            format!(r#"{{"Name":"r{i}","Effect":"{}","Description":"","Actions":["IMAP"]}}"#, ["ALLOW", "DENY"][i % 2])
        })
        .collect();
    let input = format!(r#"{{"AccessControlRules": [{}]}}"#, rules.join(","));
    let org = within(Duration::from_secs(60), || {
        let file = load::parse(input.as_bytes()).expect("within the limits");
        let validation = validate(&file, &Options { enforce_quotas: false });
        assert!(!validation.has_errors(), "{:?}", validation.errors().next());
        validation.organization.expect("no errors")
    });
    let policy = within(Duration::from_secs(30), || Policy::compile(&org).expect("within the engine's caps"));
    let request =
        AccessRequest { ip_address: "192.0.2.1", action: "IMAP", user_id: Some("S-1-5-18-0001"), ..Default::default() };
    let answer = policy.access(&request).unwrap();
    assert_eq!(answer.to_response(), reference::access(&org, &request).unwrap());
    assert_eq!(answer.matched_rules().count(), 50_000);
    // One more access rule than the engine takes is refused, by validation even with quotas relaxed, and by
    // the engine for an organization built in code.
    let mut over = org.clone();
    over.access_control_rules.push(AccessRule::default_rule());
    assert_eq!(Policy::compile(&over).unwrap_err(), CompileError::TooManyAccessRules { count: 100_001 });
}

/// Ten thousand CIDRs around a few anchors, at every prefix length: overlapping, nested, duplicated.
fn overlapping_cidrs(rng: &mut Rng, n: usize) -> Vec<String> {
    let anchors = [0x0A00_0000u32, 0xC000_0200, 0xC633_6400, 0xFFFF_FF00];
    (0..n)
        .map(|_| {
            let len = rng.below(33) as u32;
            let base = rng.pick(&anchors).wrapping_add(rng.below(1 << 10) as u32);
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            format!("{}/{len}", std::net::Ipv4Addr::from(base & mask))
        })
        .collect()
}

#[test]
fn ten_thousand_overlapping_cidrs_in_one_rule() {
    let mut rng = Rng::new(7);
    let cidrs = overlapping_cidrs(&mut rng, 10_000);
    // Validation: over the service's 1,024 entries per list, with the path.
    let file = serde_json::json!({"AccessControlRules": [
        {"Name": "many", "Effect": "DENY", "Description": "", "IpRanges": cidrs},
        {"Name": "default", "Effect": "ALLOW", "Description": ""}
    ]});
    let file = load::parse(file.to_string().as_bytes()).expect("well-formed");
    let validation = validate(&file, &Options { enforce_quotas: false });
    let errors: Vec<&Finding> = validation.errors().collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "AccessControlRules[0].IpRanges");
    assert_eq!(errors[0].code, ErrorCode::InvalidParameterException);
    assert!(errors[0].message.contains("at most 1024"), "{}", errors[0].message);

    // The engine, given them directly (no list limit), compiles them and agrees with the reference.
    let nets = |texts: &[String]| -> Vec<ipnet::Ipv4Net> { texts.iter().map(|t| t.parse().unwrap()).collect() };
    let mut org = Organization::default();
    let rule = |name: &str, allow: bool, ranges: Vec<ipnet::Ipv4Net>, not_ranges: Vec<ipnet::Ipv4Net>| AccessRule {
        name: name.into(),
        effect: if allow { workmail_policy::Effect::Allow } else { workmail_policy::Effect::Deny },
        ip_ranges: ranges,
        not_ip_ranges: not_ranges,
        ..AccessRule::default_rule()
    };
    org.access_control_rules = vec![
        rule("many", false, nets(&cidrs), vec![]),
        rule("not-many", true, vec![], nets(&overlapping_cidrs(&mut rng, 10_000))),
        rule("default", true, vec![], vec![]),
    ];
    let policy = within(Duration::from_secs(10), || Policy::compile(&org).expect("compiles"));
    for i in 0..4_000 {
        // Addresses at and beside the CIDRs' edges, and anywhere.
        let address = match i % 4 {
            0 => rng.next_u64() as u32,
            _ => {
                let net: ipnet::Ipv4Net = rng.pick(&cidrs).parse().unwrap();
                let edge = [u32::from(net.network()), u32::from(net.broadcast())][rng.below(2)];
                edge.wrapping_add(rng.below(3) as u32).wrapping_sub(1)
            }
        };
        let address = std::net::Ipv4Addr::from(address).to_string();
        let request = AccessRequest {
            ip_address: &address,
            action: "IMAP",
            user_id: Some("S-1-5-18-0001"),
            ..Default::default()
        };
        assert_eq!(
            policy.access(&request).unwrap().to_response(),
            reference::access(&org, &request).unwrap(),
            "{address}"
        );
    }
}

#[test]
fn the_engine_refuses_more_address_ranges_or_mask_memory_than_it_takes() {
    let net: ipnet::Ipv4Net = "10.0.0.0/8".parse().unwrap();
    let over = workmail_policy::MAX_ADDRESS_RANGES + 1;
    let access_control_rules = vec![AccessRule { ip_ranges: vec![net; over], ..AccessRule::default_rule() }];
    let mut org = Organization { access_control_rules, ..Organization::default() };
    assert_eq!(Policy::compile(&org).unwrap_err(), CompileError::TooManyAddressRanges { count: over });

    // 100,000 rules of one distinct /32 each: every address interval needs its own 12.5 KB mask, 2.5 GB in all.
    org.access_control_rules = (0..100_000u32)
        .map(|i| AccessRule {
            name: format!("r{i}"),
            ip_ranges: vec![ipnet::Ipv4Net::new((i * 2).into(), 32).unwrap()],
            ..AccessRule::default_rule()
        })
        .collect();
    let refused = within(Duration::from_secs(30), || Policy::compile(&org));
    assert_eq!(refused.unwrap_err(), CompileError::TooLarge);
}

#[test]
fn list_entries_beyond_the_limit_are_refused_with_a_path() {
    let ranges = vec![r#""10.0.0.0/8""#; 1_000_001].join(",");
    let input = format!(r#"{{"AccessControlRules": [{{"Name": "a", "IpRanges": [{ranges}]}}]}}"#);
    let findings = within(Duration::from_secs(10), || refused(input.as_bytes()));
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0].path, "AccessControlRules[0].IpRanges[1000000]");
    assert_eq!(findings[0].code, ErrorCode::LimitExceededException);
    assert!(findings[0].message.contains("max_list_items"), "{}", findings[0].message);
}

#[test]
fn invalid_utf8_is_a_syntax_finding() {
    for input in [&b"{\"AccessControlRules\": [{\"Name\": \"caf\xE9\"}]}"[..], b"{\xFF}", b"\xC0\x80{}"] {
        let findings = refused(input);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].code, ErrorCode::SerializationException);
        assert!(findings[0].message.starts_with("not valid JSON"), "{}", findings[0].message);
    }
    // A lone surrogate escape is not a Unicode string either.
    assert_eq!(refused(br#"{"Users": [{"Id": "\ud800"}]}"#)[0].code, ErrorCode::SerializationException);
}

#[test]
fn nul_bytes_are_refused_raw_and_kept_escaped() {
    assert!(refused(b"{\"Users\": [{\"Id\": \"a\0b\"}]}")[0].message.contains("control character"));
    assert!(refused(b"{\"Users\": []}\0")[0].message.starts_with("not valid JSON"));
    // Escaped, a NUL is a character like any other: read, kept by `fmt`, and refused by the service's pattern.
    let escaped = br#"{"AccessControlRules": [{"Name": "a\u0000b", "Effect": "ALLOW", "Description": ""}]}"#;
    let file = load::parse(escaped).expect("valid JSON");
    assert_eq!(file.access_control_rules.as_ref().unwrap()[0].name.as_deref(), Some("a\0b"));
    assert!(workmail_policy::format::canonical(escaped).unwrap().contains(r#""a\u0000b""#));
    let validation = validate(&file, &Options::default());
    assert_eq!(validation.errors().next().unwrap().path, "AccessControlRules[0].Name");
}

#[test]
fn numbers_where_strings_belong_are_type_findings_with_paths() {
    let findings =
        refused(br#"{"AccessControlRules": [{"Name": 5, "IpRanges": ["10.0.0.0/8", 7], "Description": 1e400}]}"#);
    // 1e400 is out of range for any number type: a syntax finding, which stops reading there.
    assert!(findings[0].message.contains("number out of range"), "{findings:?}");
    let findings = refused(
        br#"{"AccessControlRules": [{"Name": 5, "IpRanges": ["10.0.0.0/8", 7], "Effect": true, "Description": null}]}"#,
    );
    let found: Vec<(&str, &str)> = findings.iter().map(|f| (f.path.as_str(), f.message.as_str())).collect();
    assert_eq!(
        found,
        [
            ("AccessControlRules[0].Name", "is the number 5; expected a string"),
            ("AccessControlRules[0].IpRanges[1]", "is the number 7; expected a string"),
            ("AccessControlRules[0].Effect", "is the boolean true; expected a string"),
            ("AccessControlRules[0].Description", "is null; expected a string"),
        ]
    );
    assert!(findings.iter().all(|f| f.code == ErrorCode::SerializationException));
    // And a string where a number or string belongs is fine: timestamps take both.
    assert!(load::parse(br#"{"Users": [{"Id": "S-1-5-18-0001", "EnabledDate": "2024-01-01T00:00:00Z"}]}"#).is_ok());
}

#[test]
fn duplicate_members_are_errors_wherever_they_are() {
    let cases: [(&str, &str); 4] = [
        (
            r#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Effect": "DENY"}]}"#,
            "AccessControlRules[0].Effect",
        ),
        (r#"{"Users": [], "AccessControlRules": [], "AccessControlRules": [{"Name": "a"}]}"#, "AccessControlRules"),
        (
            r#"{"ImpersonationRoleId": "r", "Type": "READ_ONLY", "Rules": [{"ImpersonationRuleId": "x", "TargetUsers": ["a"], "TargetUsers": []}]}"#,
            "Rules[0].TargetUsers",
        ),
        (r#"{"Overrides": [], "NextToken": "a", "NextToken": "b"}"#, "NextToken"),
    ];
    for (input, path) in cases {
        let findings = refused(input.as_bytes());
        assert_eq!(findings.len(), 1, "{input}: {findings:?}");
        assert_eq!((findings[0].path.as_str(), findings[0].code), (path, ErrorCode::SerializationException), "{input}");
        assert!(findings[0].message.contains("written twice"), "{}", findings[0].message);
    }
    // In the second of several documents, the path says which.
    let findings = refused(br#"{"Users": []} {"Users": [{"Id": "a", "Id": "b"}]}"#);
    assert_eq!(findings[0].path, "(document 2) Users[0].Id");
    // A batch line with a member twice is refused too, not answered for one of them.
    let policy = Policy::compile(&Organization::default()).unwrap();
    let mut out = Vec::new();
    let line = br#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","IpAddress":"10.0.0.1","Action":"IMAP","UserId":"S-1-5-18-0001"}"#;
    batch::answer_line(&policy, line, &mut out);
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.starts_with(r#"{"Error":{"Code":"InvalidParameterException""#)
            && out.contains("`IpAddress` is written twice"),
        "{out}"
    );
}

#[test]
fn byte_order_marks_are_skipped_at_the_start_and_refused_elsewhere() {
    assert!(load::parse(b"\xEF\xBB\xBF{\"Users\": []}").is_ok());
    assert!(refused(b"{\"Users\": []}\xEF\xBB\xBF{}")[0].message.starts_with("not valid JSON"));
    assert!(refused(b"\xEF\xBB\xBF\xEF\xBB\xBF{}")[0].message.starts_with("not valid JSON"));
    let policy = Policy::compile(&Organization::default()).unwrap();
    let mut out = Vec::new();
    let line = b"\xEF\xBB\xBF{\"Operation\":\"GetAccessControlEffect\",\"IpAddress\":\"192.0.2.1\",\"Action\":\"IMAP\",\"UserId\":\"S-1-5-18-0001\"}\r\n";
    batch::answer_line(&policy, line, &mut out);
    assert_eq!(out, br#"{"Effect":"ALLOW","MatchedRules":["default"]}"#);
}

#[test]
fn batch_lines_end_in_crlf_or_lf_and_are_capped_in_length() {
    let policy = Policy::compile(&Organization::default()).unwrap();
    let request =
        r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","Action":"IMAP","UserId":"S-1-5-18-0001"}"#;
    for end in ["", "\n", "\r\n", "\r"] {
        let mut out = Vec::new();
        batch::answer_line(&policy, format!("{request}{end}").as_bytes(), &mut out);
        assert_eq!(out, br#"{"Effect":"ALLOW","MatchedRules":["default"]}"#, "{end:?}");
    }
    // Exactly the limit is answered (a request padded with spaces); one byte more is refused.
    let padded = format!("{request}{}", " ".repeat(batch::MAX_LINE_BYTES - request.len()));
    let mut out = Vec::new();
    batch::answer_line(&policy, padded.as_bytes(), &mut out);
    assert!(out.starts_with(br#"{"Effect""#));
    out.clear();
    batch::answer_line(&policy, format!("{padded} ").as_bytes(), &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"Error":{"Code":"LimitExceededException","Message":"the line is longer than 65536 bytes, the most a request line may be"}}"#
    );
}

#[test]
fn a_huge_string_is_quoted_short_in_messages() {
    let name = "x".repeat(10 << 20);
    let input = format!(
        r#"{{"AccessControlRules": [{{"Name": "{name}", "Effect": "ALLOW", "Description": ""}}], "Users": 5}}"#
    );
    let findings = refused(input.as_bytes());
    assert_eq!(findings[0].path, "Users");
    let file = load::parse(
        format!(r#"{{"AccessControlRules": [{{"Name": "{name}", "Effect": "ALLOW", "Description": ""}}]}}"#).as_bytes(),
    )
    .unwrap();
    let validation = validate(&file, &Options::default());
    let error = validation.errors().next().unwrap();
    assert_eq!(error.path, "AccessControlRules[0].Name");
    assert!(
        error.message.len() < 400 && error.message.contains("10485760 characters"),
        "{}",
        &error.message[..400.min(error.message.len())]
    );
}

#[test]
fn a_million_mistakes_make_a_bounded_report() {
    let members: Vec<String> = (0..200_000).map(|i| format!(r#""Member{i}": 1"#)).collect();
    let input = format!(r#"{{"AccessControlRules": [{{{}}}]}}"#, members.join(","));
    let findings = within(Duration::from_secs(20), || refused(input.as_bytes()));
    assert_eq!(findings.len(), workmail_policy::MAX_FINDINGS + 1);
    let last = findings.last().unwrap();
    assert!(last.is_error() && last.message.starts_with("199000 more finding(s) not listed"), "{last}");
}
