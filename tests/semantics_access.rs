//! SEMANTICS.md section 1: access-control rules and `GetAccessControlEffect`, one test per statement.
//!
//! Every organization is written as the JSON a user would put in an organization file and goes through the
//! public path (`load::parse`, then `validate::validate`, which must report no errors). Every request is asked of
//! both evaluators, the compiled [`Policy`] and [`reference::access`]; [`Org::access`] asserts that they give the
//! same answer (or the same error) before the test looks at it.

use workmail_policy::validate::{self, Options};
use workmail_policy::{load, AccessRequest, Effect, ErrorCode, RequestError};

const USER_A: &str = "S-1-1-11-1111111111-2222222222-3333333333-3333";
const USER_B: &str = "S-1-1-11-1111111111-2222222222-3333333333-4444";
const ROLE_A: &str = "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a";
const ROLE_B: &str = "b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
const ACTIONS: [&str; 7] = ["ActiveSync", "AutoDiscover", "EWS", "IMAP", "SMTP", "WindowsOutlook", "WebMail"];

mod common;

use common::{org, Org};

impl Org {
    /// The answer's `Effect` and `MatchedRules`; the request must be answered.
    fn verdict(&self, request: AccessRequest) -> (Effect, Vec<&str>) {
        match self.access(request) {
            Ok(answer) => (answer.effect, answer.matched_rules),
            Err(e) => panic!("{request:?} was refused: {e}"),
        }
    }

    /// The service error the request is refused with; the request must be refused.
    fn error(&self, request: AccessRequest) -> ErrorCode {
        match self.access(request) {
            Ok(answer) => panic!("{request:?} was answered {answer:?}, expected an error"),
            Err(e) => e.code(),
        }
    }

    /// The answer as the service's JSON.
    fn json(&self, request: AccessRequest) -> String {
        let answer = self.access(request).unwrap_or_else(|e| panic!("{request:?} was refused: {e}"));
        serde_json::to_string(&answer).unwrap()
    }
}

/// A request by `user`.
fn by_user<'a>(ip_address: &'a str, action: &'a str, user: &'a str) -> AccessRequest<'a> {
    AccessRequest { ip_address, action, user_id: Some(user), impersonation_role_id: None }
}

/// A request through impersonation role `role` (always over EWS, SEMANTICS 1.6).
fn by_role<'a>(ip_address: &'a str, role: &'a str) -> AccessRequest<'a> {
    AccessRequest { ip_address, action: "EWS", user_id: None, impersonation_role_id: Some(role) }
}

const NO_MATCH: (Effect, Vec<&str>) = (Effect::Deny, vec![]);

fn allow(rules: &[&'static str]) -> (Effect, Vec<&'static str>) {
    (Effect::Allow, rules.to_vec())
}

fn deny(rules: &[&'static str]) -> (Effect, Vec<&'static str>) {
    (Effect::Deny, rules.to_vec())
}

// 1.1 ---------------------------------------------------------------------------------------------------------

/// 1.1: a file that does not list access-control rules is a new organization, whose one rule `default` allows
/// every request.
#[test]
fn s1_1_file_without_access_control_rules_allows_with_default() {
    let new = org("{}");
    let expected = r#"{"Effect":"ALLOW","MatchedRules":["default"]}"#;
    for action in ACTIONS {
        assert_eq!(new.json(by_user("192.0.2.1", action, USER_A)), expected, "{action}");
    }
    assert_eq!(new.json(by_user("0.0.0.0", "SomeOtherAction", USER_B)), expected);
    assert_eq!(new.json(by_role("255.255.255.255", ROLE_A)), expected);

    // Other sections present do not change it: only the access-control list itself replaces the default.
    let with_mobile = org(r#"{"MobileDeviceAccessRules": [
        {"MobileDeviceAccessRuleId": "deny-all", "Name": "deny-all", "Effect": "DENY"}
    ]}"#);
    assert_eq!(with_mobile.json(by_user("203.0.113.7", "IMAP", USER_A)), expected);

    // The default rule is exactly the one aws-cli lists for a new organization.
    let rule = &new.org.access_control_rules;
    assert_eq!(rule.len(), 1);
    assert_eq!(rule[0], workmail_policy::organization::AccessRule::default_rule());
    assert_eq!(rule[0].name, "default");
    assert_eq!(rule[0].effect, Effect::Allow);
}

// 1.2 ---------------------------------------------------------------------------------------------------------

/// 1.2: an organization with zero rules denies every request, naming no rule.
#[test]
fn s1_2_zero_rules_deny_every_request_with_no_matched_rules() {
    let none = org(r#"{"AccessControlRules": []}"#);
    let expected = r#"{"Effect":"DENY","MatchedRules":[]}"#;
    for action in ACTIONS {
        assert_eq!(none.json(by_user("192.0.2.1", action, USER_A)), expected, "{action}");
    }
    assert_eq!(none.json(by_user("10.0.0.1", "WebMail", USER_B)), expected);
    assert_eq!(none.json(by_role("192.0.2.1", ROLE_A)), expected);
}

// 1.3 ---------------------------------------------------------------------------------------------------------

/// 1.3 (terms): a rule matches when every present condition holds; one failing condition is enough to miss.
#[test]
fn s1_3_rule_matches_only_when_every_present_condition_holds() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "office-imap-alice", "Effect": "ALLOW", "Description": "",
         "Actions": ["IMAP"], "IpRanges": ["192.0.2.0/24"], "UserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.10", "IMAP", USER_A)), allow(&["office-imap-alice"]));
    assert_eq!(o.verdict(by_user("192.0.2.10", "EWS", USER_A)), NO_MATCH, "action fails");
    assert_eq!(o.verdict(by_user("198.51.100.1", "IMAP", USER_A)), NO_MATCH, "address fails");
    assert_eq!(o.verdict(by_user("192.0.2.10", "IMAP", USER_B)), NO_MATCH, "user fails");
}

/// 1.3: `Actions` holds when the request's action is listed.
#[test]
fn s1_3_actions_holds_when_the_action_is_listed() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "mail-clients", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP", "SMTP"]}
    ]}"#);
    for action in ACTIONS {
        let expected = if action == "IMAP" || action == "SMTP" { allow(&["mail-clients"]) } else { NO_MATCH };
        assert_eq!(o.verdict(by_user("192.0.2.1", action, USER_A)), expected, "{action}");
    }
}

/// 1.3: `NotActions` holds when the request's action is not listed.
#[test]
fn s1_3_not_actions_holds_when_the_action_is_not_listed() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "no-legacy", "Effect": "ALLOW", "Description": "", "NotActions": ["IMAP", "SMTP"]}
    ]}"#);
    for action in ACTIONS {
        let expected = if action == "IMAP" || action == "SMTP" { NO_MATCH } else { allow(&["no-legacy"]) };
        assert_eq!(o.verdict(by_user("192.0.2.1", action, USER_A)), expected, "{action}");
    }
}

/// 1.3 [inf]: action names compare exactly, so `imap` does not match a rule's `IMAP` and a rule's `imap` matches
/// only `imap`. Pins `uncertain::action_matches`. Validation warns about the undocumented spelling.
#[test]
fn s1_3_action_names_compare_exactly() {
    let documented = org(r#"{"AccessControlRules": [
        {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#);
    assert_eq!(documented.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["no-imap"]));
    for spelling in ["imap", "Imap", "IMAPS"] {
        assert_eq!(documented.verdict(by_user("192.0.2.1", spelling, USER_A)), allow(&["default"]), "{spelling}");
    }

    let json = r#"{"AccessControlRules": [
        {"Name": "no-lowercase-imap", "Effect": "DENY", "Description": "", "Actions": ["imap"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#;
    let lowercase = org(json);
    assert_eq!(lowercase.verdict(by_user("192.0.2.1", "imap", USER_A)), deny(&["no-lowercase-imap"]));
    assert_eq!(lowercase.verdict(by_user("192.0.2.1", "IMAP", USER_A)), allow(&["default"]));
    let validation = validate::validate(&load::parse(json.as_bytes()).unwrap(), &Options::default());
    assert!(
        validation.findings.iter().any(|f| !f.is_error() && f.path == "AccessControlRules[0].Actions[0]"),
        "an undocumented spelling is warned about: {:#?}",
        validation.findings
    );
}

/// 1.3: `IpRanges` holds when the address lies in at least one range, first and last address included.
#[test]
fn s1_3_ip_ranges_holds_inside_any_range_including_its_boundaries() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "offices", "Effect": "ALLOW", "Description": "", "IpRanges": ["192.0.2.0/24", "203.0.113.128/25"]}
    ]}"#);
    let matched = allow(&["offices"]);
    for inside in ["192.0.2.0", "192.0.2.1", "192.0.2.255", "203.0.113.128", "203.0.113.255"] {
        assert_eq!(o.verdict(by_user(inside, "WebMail", USER_A)), matched, "{inside}");
    }
    for outside in ["192.0.1.255", "192.0.3.0", "203.0.113.127", "203.0.114.0", "0.0.0.0", "255.255.255.255"] {
        assert_eq!(o.verdict(by_user(outside, "WebMail", USER_A)), NO_MATCH, "{outside}");
    }

    // A /32 holds exactly one address, a /0 every address.
    let edges = org(r#"{"AccessControlRules": [
        {"Name": "one-host", "Effect": "ALLOW", "Description": "", "IpRanges": ["198.51.100.7/32"]},
        {"Name": "anywhere", "Effect": "ALLOW", "Description": "", "IpRanges": ["0.0.0.0/0"]}
    ]}"#);
    assert_eq!(edges.verdict(by_user("198.51.100.7", "EWS", USER_A)), allow(&["one-host", "anywhere"]));
    assert_eq!(edges.verdict(by_user("198.51.100.6", "EWS", USER_A)), allow(&["anywhere"]));
    assert_eq!(edges.verdict(by_user("198.51.100.8", "EWS", USER_A)), allow(&["anywhere"]));
    assert_eq!(edges.verdict(by_user("255.255.255.255", "EWS", USER_A)), allow(&["anywhere"]));
}

/// 1.3: `NotIpRanges` holds when the address lies in none of the ranges; the boundaries belong to the range.
#[test]
fn s1_3_not_ip_ranges_holds_outside_every_range_including_its_boundaries() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "outside-offices", "Effect": "DENY", "Description": "",
         "NotIpRanges": ["192.0.2.0/24", "203.0.113.128/25"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#);
    for inside in ["192.0.2.0", "192.0.2.255", "203.0.113.128", "203.0.113.255"] {
        assert_eq!(o.verdict(by_user(inside, "ActiveSync", USER_A)), allow(&["default"]), "{inside}");
    }
    for outside in ["192.0.1.255", "192.0.3.0", "203.0.113.127", "203.0.114.0"] {
        assert_eq!(o.verdict(by_user(outside, "ActiveSync", USER_A)), deny(&["outside-offices"]), "{outside}");
    }
}

/// 1.3: `UserIds` holds for a request by a listed user.
#[test]
fn s1_3_user_ids_holds_for_a_listed_user() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "alice", "Effect": "ALLOW", "Description": "",
         "UserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_A)), allow(&["alice"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_B)), NO_MATCH);
}

/// 1.3: `NotUserIds` holds for a request by a user who is not listed.
#[test]
fn s1_3_not_user_ids_holds_for_an_unlisted_user() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "all-but-alice", "Effect": "ALLOW", "Description": "",
         "NotUserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_A)), NO_MATCH);
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_B)), allow(&["all-but-alice"]));
}

/// 1.3 [inf]: a request made through an impersonation role has no user, so it fails `UserIds`, even a rule that
/// would allow everyone else. Pins `uncertain::ABSENT_PRINCIPAL_SATISFIES.positive`.
#[test]
fn s1_3_role_request_fails_user_ids() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "users-ab", "Effect": "ALLOW", "Description": "",
         "UserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333", "S-1-1-11-1111111111-2222222222-3333333333-4444"]}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "EWS", USER_A)), allow(&["users-ab"]));
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), NO_MATCH);
}

/// 1.3 [inf]: a request made through an impersonation role has no user, so it satisfies `NotUserIds`. Pins
/// `uncertain::ABSENT_PRINCIPAL_SATISFIES.negative`.
#[test]
fn s1_3_role_request_satisfies_not_user_ids() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "not-alice", "Effect": "DENY", "Description": "",
         "NotUserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "EWS", USER_A)), allow(&["default"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "EWS", USER_B)), deny(&["not-alice"]));
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), deny(&["not-alice"]));
}

/// 1.3: `ImpersonationRoleIds` holds for a request through a listed role.
#[test]
fn s1_3_impersonation_role_ids_holds_for_a_listed_role() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "archiver", "Effect": "ALLOW", "Description": "",
         "ImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]}
    ]}"#);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), allow(&["archiver"]));
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_B)), NO_MATCH);
}

/// 1.3: `NotImpersonationRoleIds` holds for a request through a role that is not listed.
#[test]
fn s1_3_not_impersonation_role_ids_holds_for_an_unlisted_role() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "other-roles", "Effect": "ALLOW", "Description": "",
         "NotImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]}
    ]}"#);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), NO_MATCH);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_B)), allow(&["other-roles"]));
}

/// 1.3 [inf]: a request by a user has no role, so it fails `ImpersonationRoleIds`. Pins
/// `uncertain::ABSENT_PRINCIPAL_SATISFIES.positive`.
#[test]
fn s1_3_user_request_fails_impersonation_role_ids() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "archiver", "Effect": "ALLOW", "Description": "",
         "ImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a", "b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e"]}
    ]}"#);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_B)), allow(&["archiver"]));
    for action in ACTIONS {
        assert_eq!(o.verdict(by_user("192.0.2.1", action, USER_A)), NO_MATCH, "{action}");
    }
}

/// 1.3 [inf]: a request by a user has no role, so it satisfies `NotImpersonationRoleIds`. Pins
/// `uncertain::ABSENT_PRINCIPAL_SATISFIES.negative`.
#[test]
fn s1_3_user_request_satisfies_not_impersonation_role_ids() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "not-archiver", "Effect": "DENY", "Description": "",
         "NotImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), allow(&["default"]));
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_B)), deny(&["not-archiver"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "WebMail", USER_A)), deny(&["not-archiver"]));
}

// 1.4 ---------------------------------------------------------------------------------------------------------

/// 1.4: when a DENY rule matches, the answer is DENY and `MatchedRules` lists the matching DENY rules only, not
/// the ALLOW rules that also match nor the DENY rules that do not.
#[test]
fn s1_4_deny_lists_only_deny_rules() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "allow-imap", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"]},
        {"Name": "deny-alice", "Effect": "DENY", "Description": "",
         "UserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]},
        {"Name": "deny-smtp", "Effect": "DENY", "Description": "", "Actions": ["SMTP"]},
        {"Name": "deny-outside", "Effect": "DENY", "Description": "", "NotIpRanges": ["192.0.2.0/24"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["deny-alice"]));
    assert_eq!(o.verdict(by_user("198.51.100.1", "IMAP", USER_A)), deny(&["deny-alice", "deny-outside"]));
    assert_eq!(o.verdict(by_user("198.51.100.1", "SMTP", USER_B)), deny(&["deny-smtp", "deny-outside"]));
    assert_eq!(
        o.json(by_user("198.51.100.1", "SMTP", USER_A)),
        r#"{"Effect":"DENY","MatchedRules":["deny-alice","deny-smtp","deny-outside"]}"#
    );
}

/// 1.4: with no matching DENY rule, the answer is ALLOW and lists every matching ALLOW rule, and only those.
#[test]
fn s1_4_allow_lists_the_matching_allow_rules() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["192.0.2.0/24"]},
        {"Name": "deny-smtp", "Effect": "DENY", "Description": "", "Actions": ["SMTP"]},
        {"Name": "webmail", "Effect": "ALLOW", "Description": "", "Actions": ["WebMail"]}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "WebMail", USER_A)), allow(&["office", "webmail"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_A)), allow(&["office"]));
    assert_eq!(o.verdict(by_user("198.51.100.1", "WebMail", USER_A)), allow(&["webmail"]));
    assert_eq!(
        o.json(by_user("192.0.2.1", "WebMail", USER_A)),
        r#"{"Effect":"ALLOW","MatchedRules":["office","webmail"]}"#
    );
}

/// 1.4: when no rule matches, the answer is DENY with an empty `MatchedRules`, whatever rules exist.
#[test]
fn s1_4_no_matching_rule_denies_with_no_matched_rules() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["192.0.2.0/24"]},
        {"Name": "deny-smtp", "Effect": "DENY", "Description": "", "Actions": ["SMTP"]}
    ]}"#);
    assert_eq!(o.json(by_user("198.51.100.1", "IMAP", USER_A)), r#"{"Effect":"DENY","MatchedRules":[]}"#);
}

/// 1.4 [ex]: the aws-cli conformance case. `list-access-control-rules` output (the `default` ALLOW-all rule and
/// `myRule`, which denies one user) answers `get-access-control-effect` for that user exactly as the aws-cli
/// example shows.
#[test]
fn s1_4_aws_cli_get_access_control_effect_conformance() {
    let o = org(include_str!("../examples/aws-cli/list-access-control-rules.json"));
    let request = by_user("192.0.2.0", "WindowsOutlook", "S-1-1-11-1111111111-2222222222-3333333333-3333");
    assert_eq!(o.json(request), r#"{"Effect":"DENY","MatchedRules":["myRule"]}"#);
    // Everyone else is allowed by `default` alone.
    assert_eq!(
        o.json(by_user("192.0.2.0", "WindowsOutlook", USER_B)),
        r#"{"Effect":"ALLOW","MatchedRules":["default"]}"#
    );
}

// 1.5 ---------------------------------------------------------------------------------------------------------

/// 1.5 [inf]: `MatchedRules` lists rules in input order (not by name), for DENY and ALLOW alike, and reordering
/// the file reorders the answer. Pins the order documented on `Organization::access_control_rules`.
#[test]
fn s1_5_matched_rules_follow_input_order() {
    let forward = org(r#"{"AccessControlRules": [
        {"Name": "zulu", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
        {"Name": "mike", "Effect": "ALLOW", "Description": ""},
        {"Name": "alpha", "Effect": "DENY", "Description": "", "IpRanges": ["192.0.2.0/24"]},
        {"Name": "kilo", "Effect": "ALLOW", "Description": "", "Actions": ["EWS"]},
        {"Name": "bravo", "Effect": "ALLOW", "Description": ""}
    ]}"#);
    assert_eq!(forward.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["zulu", "alpha"]));
    assert_eq!(forward.verdict(by_user("198.51.100.1", "EWS", USER_A)), allow(&["mike", "kilo", "bravo"]));

    let backward = org(r#"{"AccessControlRules": [
        {"Name": "bravo", "Effect": "ALLOW", "Description": ""},
        {"Name": "kilo", "Effect": "ALLOW", "Description": "", "Actions": ["EWS"]},
        {"Name": "alpha", "Effect": "DENY", "Description": "", "IpRanges": ["192.0.2.0/24"]},
        {"Name": "mike", "Effect": "ALLOW", "Description": ""},
        {"Name": "zulu", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]}
    ]}"#);
    assert_eq!(backward.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["alpha", "zulu"]));
    assert_eq!(backward.verdict(by_user("198.51.100.1", "EWS", USER_A)), allow(&["bravo", "kilo", "mike"]));
}

// 1.6 ---------------------------------------------------------------------------------------------------------

/// 1.6: `IpAddress` must be a strict dotted quad (the model's pattern), else `InvalidParameterException`.
#[test]
fn s1_6_ip_address_must_be_a_strict_dotted_quad() {
    let o = org("{}");
    for bad in [
        "",
        "192.0.2",
        "192.0.2.1.5",
        "192.0.2.256",
        "192.0.02.1",
        "192.0.2.01",
        " 192.0.2.1",
        "192.0.2.1 ",
        "+192.0.2.1",
        "192.0.2.1/32",
        "192..2.1",
        "::1",
        "::ffff:192.0.2.1",
        "localhost",
    ] {
        assert_eq!(o.error(by_user(bad, "IMAP", USER_A)), ErrorCode::InvalidParameterException, "{bad:?}");
        assert_eq!(o.error(by_role(bad, ROLE_A)), ErrorCode::InvalidParameterException, "{bad:?}");
    }
    for good in ["0.0.0.0", "192.0.2.1", "10.0.0.10", "255.255.255.255"] {
        assert_eq!(o.verdict(by_user(good, "IMAP", USER_A)), allow(&["default"]), "{good}");
    }
}

/// 1.6: a request with both `UserId` and `ImpersonationRoleId` is refused with `InvalidParameterException`.
#[test]
fn s1_6_both_user_and_role_is_invalid() {
    let o = org("{}");
    let both = AccessRequest {
        ip_address: "192.0.2.1",
        action: "EWS",
        user_id: Some(USER_A),
        impersonation_role_id: Some(ROLE_A),
    };
    assert_eq!(o.access(both), Err(RequestError::ExactlyOnePrincipal));
    assert_eq!(o.error(both), ErrorCode::InvalidParameterException);
}

/// 1.6: a request with neither `UserId` nor `ImpersonationRoleId` is refused with `InvalidParameterException`.
#[test]
fn s1_6_neither_user_nor_role_is_invalid() {
    let o = org("{}");
    for action in ACTIONS {
        let neither = AccessRequest { ip_address: "192.0.2.1", action, user_id: None, impersonation_role_id: None };
        assert_eq!(o.access(neither), Err(RequestError::ExactlyOnePrincipal), "{action}");
        assert_eq!(o.error(neither), ErrorCode::InvalidParameterException);
    }
}

/// 1.6: `ImpersonationRoleId` with any action but `EWS` is refused with `InvalidParameterException`; with `EWS`
/// it is answered.
#[test]
fn s1_6_role_request_with_an_action_other_than_ews_is_invalid() {
    let o = org("{}");
    for action in ACTIONS.into_iter().filter(|a| *a != "EWS").chain(["ews", "Ews", "OtherAction"]) {
        let request =
            AccessRequest { ip_address: "192.0.2.1", action, user_id: None, impersonation_role_id: Some(ROLE_A) };
        assert_eq!(o.access(request), Err(RequestError::RoleRequiresEws { action }), "{action}");
        assert_eq!(o.error(request), ErrorCode::InvalidParameterException);
    }
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), allow(&["default"]));
}

/// 1.6: with a user directory loaded, a `UserId` the directory does not hold is refused with
/// `EntityNotFoundException`; a user it holds is answered, named by ID or (per `uncertain::USER_NAMED_BY`
/// [inf]) by email, and rules naming the user by ID match either form.
#[test]
fn s1_6_unknown_user_with_a_directory_is_entity_not_found() {
    let o = org(r#"{
        "AccessControlRules": [
            {"Name": "deny-alice", "Effect": "DENY", "Description": "",
             "UserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]},
            {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
        ],
        "Users": [
            {"Id": "S-1-1-11-1111111111-2222222222-3333333333-3333", "Email": "alice@example.com", "Name": "alice", "State": "ENABLED"}
        ]
    }"#);
    assert_eq!(o.error(by_user("192.0.2.1", "IMAP", USER_B)), ErrorCode::EntityNotFoundException);
    assert_eq!(
        o.access(by_user("192.0.2.1", "IMAP", USER_B)),
        Err(RequestError::UnknownUser { member: "UserId", value: USER_B })
    );
    assert_eq!(o.error(by_user("192.0.2.1", "IMAP", "nobody@example.com")), ErrorCode::EntityNotFoundException);
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["deny-alice"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", "alice@example.com")), deny(&["deny-alice"]));
}

/// 1.6: without a user directory, any well-formed `UserId` is answered: an unknown user is not an error.
#[test]
fn s1_6_unknown_user_without_a_directory_is_not_an_error() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "deny-alice", "Effect": "DENY", "Description": "",
         "UserIds": ["S-1-1-11-1111111111-2222222222-3333333333-3333"]},
        {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
    ]}"#);
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_B)), allow(&["default"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", "S-1-1-11-9999999999-9999999999")), allow(&["default"]));
    assert_eq!(o.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["deny-alice"]));
}

/// 1.6: with impersonation roles loaded, an `ImpersonationRoleId` that names none of them is refused with
/// `ResourceNotFoundException`; a loaded role is answered.
#[test]
fn s1_6_unknown_role_with_roles_loaded_is_resource_not_found() {
    let o = org(r#"{
        "AccessControlRules": [
            {"Name": "archiver", "Effect": "ALLOW", "Description": "",
             "ImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]}
        ],
        "ImpersonationRoles": [
            {"ImpersonationRoleId": "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a", "Name": "archiver", "Type": "READ_ONLY",
             "Rules": [{"ImpersonationRuleId": "everyone", "Effect": "ALLOW"}]}
        ]
    }"#);
    assert_eq!(o.error(by_role("192.0.2.1", ROLE_B)), ErrorCode::ResourceNotFoundException);
    assert_eq!(o.access(by_role("192.0.2.1", ROLE_B)), Err(RequestError::UnknownRole { value: ROLE_B }));
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), allow(&["archiver"]));
}

/// 1.6: without impersonation roles loaded, any well-formed `ImpersonationRoleId` is answered.
#[test]
fn s1_6_unknown_role_without_roles_loaded_is_not_an_error() {
    let o = org(r#"{"AccessControlRules": [
        {"Name": "archiver", "Effect": "ALLOW", "Description": "",
         "ImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]}
    ]}"#);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_B)), NO_MATCH);
    assert_eq!(o.verdict(by_role("192.0.2.1", "any-role-id")), NO_MATCH);
    assert_eq!(o.verdict(by_role("192.0.2.1", ROLE_A)), allow(&["archiver"]));
}

/// 1.6 [inf]: which check comes first. The request's shape, then exactly one principal, then role-only-with-EWS,
/// then whether the user or role exists. Pins `uncertain::ACCESS_CHECK_ORDER`.
#[test]
fn s1_6_request_checks_apply_in_order() {
    let o = org(r#"{
        "Users": [{"Id": "S-1-1-11-1111111111-2222222222-3333333333-3333", "Email": "alice@example.com"}],
        "ImpersonationRoles": [
            {"ImpersonationRoleId": "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a", "Name": "archiver", "Type": "FULL_ACCESS", "Rules": []}
        ]
    }"#);
    // A malformed address beats an unknown user and an unknown role.
    assert_eq!(o.error(by_user("192.0.2.999", "IMAP", USER_B)), ErrorCode::InvalidParameterException);
    assert_eq!(o.error(by_role("192.0.2.999", ROLE_B)), ErrorCode::InvalidParameterException);
    // A role with a non-EWS action is refused before the role is looked up.
    let imap_by_unknown_role =
        AccessRequest { ip_address: "192.0.2.1", action: "IMAP", user_id: None, impersonation_role_id: Some(ROLE_B) };
    assert_eq!(o.access(imap_by_unknown_role), Err(RequestError::RoleRequiresEws { action: "IMAP" }));
    // Both principals, both unknown: the principal count decides.
    let both = AccessRequest {
        ip_address: "192.0.2.1",
        action: "EWS",
        user_id: Some(USER_B),
        impersonation_role_id: Some(ROLE_B),
    };
    assert_eq!(o.access(both), Err(RequestError::ExactlyOnePrincipal));
    // Well-formed, one principal, EWS: only then does existence decide.
    assert_eq!(o.error(by_role("192.0.2.1", ROLE_B)), ErrorCode::ResourceNotFoundException);
    assert_eq!(o.error(by_user("192.0.2.1", "EWS", USER_B)), ErrorCode::EntityNotFoundException);
}

// 1.7 ---------------------------------------------------------------------------------------------------------

/// 1.7: `PutAccessControlRule` with an existing `Name` replaces that rule, so an organization never holds two rules
/// of one name: a file that does is refused (`InvalidParameterException` at the second name), and the
/// organization after the replacement answers with the new rule alone.
#[test]
fn s1_7_a_rule_name_names_one_rule() {
    let twice = r#"{"AccessControlRules": [
        {"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["192.0.2.0/24"]},
        {"Name": "office", "Effect": "DENY", "Description": "replacement", "Actions": ["IMAP"]}
    ]}"#;
    let validation = validate::validate(&load::parse(twice.as_bytes()).unwrap(), &Options::default());
    let errors: Vec<_> = validation.errors().map(|f| (f.path.as_str(), f.code)).collect();
    assert_eq!(errors, [("AccessControlRules[1].Name", ErrorCode::InvalidParameterException)]);
    assert!(validation.organization.is_none());

    let replaced = org(r#"{"AccessControlRules": [
        {"Name": "office", "Effect": "DENY", "Description": "replacement", "Actions": ["IMAP"]}
    ]}"#);
    assert_eq!(replaced.verdict(by_user("192.0.2.1", "IMAP", USER_A)), deny(&["office"]));
    assert_eq!(replaced.verdict(by_user("192.0.2.1", "EWS", USER_A)), NO_MATCH);
}
