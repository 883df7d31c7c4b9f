//! SEMANTICS.md section 3: impersonation roles and `GetImpersonationRoleEffect`, one test per statement.
//!
//! Every organization is written as the JSON a user would put in an organization file and goes through the
//! public path (`load::parse`, then `validate::validate`, which must report no errors). Every request is asked of
//! both evaluators, the compiled [`Policy`] and [`reference::impersonation`] (or [`reference::access`] for 3.5);
//! the helpers assert that they give the same answer (or the same error) before the test looks at it.

use workmail_policy::{AccessRequest, Effect, ErrorCode, ImpersonationRequest, RequestError};

const ALICE_ID: &str = "S-1-1-11-1111111111-2222222222-3333333333-1001";
const BOB_ID: &str = "S-1-1-11-1111111111-2222222222-3333333333-1002";
const CAROL_ID: &str = "S-1-1-11-1111111111-2222222222-3333333333-1003";
const ROLE: &str = "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a";

mod common;

use common::{org, Org};

/// An organization with the one role `ROLE` (`FULL_ACCESS`) holding `rules` (JSON list text), no directory.
fn role_with(rules: &str) -> Org {
    org(&format!(
        r#"{{"ImpersonationRoles": [
            {{"ImpersonationRoleId": "{ROLE}", "Name": "helpdesk", "Type": "FULL_ACCESS", "Rules": {rules}}}
        ]}}"#
    ))
}

impl Org {
    /// Whether role `ROLE` may impersonate `target`, and the ids of the matched rules; the request must be answered.
    fn verdict(&self, target: &str) -> (Effect, Vec<&str>) {
        self.verdict_for(ROLE, target)
    }

    fn verdict_for(&self, role: &str, target: &str) -> (Effect, Vec<&str>) {
        let request = ImpersonationRequest { impersonation_role_id: role, target_user: target };
        match self.impersonation(request) {
            Ok(answer) => (answer.effect, answer.matched_rules.iter().map(|r| r.impersonation_rule_id).collect()),
            Err(e) => panic!("{request:?} was refused: {e}"),
        }
    }

    /// The answer as the service's JSON.
    fn json(&self, role: &str, target: &str) -> String {
        let request = ImpersonationRequest { impersonation_role_id: role, target_user: target };
        let answer = self.impersonation(request).unwrap_or_else(|e| panic!("{request:?} was refused: {e}"));
        serde_json::to_string(&answer).unwrap()
    }

    /// The service error the request is refused with; the request must be refused.
    fn error(&self, role: &str, target: &str) -> ErrorCode {
        let request = ImpersonationRequest { impersonation_role_id: role, target_user: target };
        match self.impersonation(request) {
            Ok(answer) => panic!("{request:?} was answered {answer:?}, expected an error"),
            Err(e) => e.code(),
        }
    }
}

fn allow(rules: &[&'static str]) -> (Effect, Vec<&'static str>) {
    (Effect::Allow, rules.to_vec())
}

fn deny(rules: &[&'static str]) -> (Effect, Vec<&'static str>) {
    (Effect::Deny, rules.to_vec())
}

/// A directory of four users: alice (enabled), bob (disabled), carol (no state listed), dave (deleted); and the
/// role `ROLE` (`READ_ONLY`) whose rules name users in each of the three forms.
const DIRECTORY: &str = r#"{
    "Users": [
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-1001", "Email": "alice@example.com", "Name": "alice", "State": "ENABLED"},
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-1002", "Email": "bob@example.com", "Name": "bob", "State": "DISABLED"},
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-1003", "Email": "carol@example.com", "Name": "carol"},
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-1004", "Email": "dave@example.com", "Name": "dave", "State": "DELETED"}
    ],
    "ImpersonationRoles": [
        {"ImpersonationRoleId": "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a", "Name": "helpdesk", "Type": "READ_ONLY",
         "Rules": [
            {"ImpersonationRuleId": "alice-by-email", "Name": "alice", "Effect": "ALLOW", "TargetUsers": ["alice@example.com"]},
            {"ImpersonationRuleId": "carol-by-name", "Effect": "ALLOW", "TargetUsers": ["carol"]},
            {"ImpersonationRuleId": "not-bob-by-id", "Effect": "DENY",
             "NotTargetUsers": ["S-1-1-11-1111111111-2222222222-3333333333-1002", "alice", "carol@example.com"]}
         ]}
    ]
}"#;

// 3.1 ---------------------------------------------------------------------------------------------------------

/// 3.1: `TargetUsers` holds for a target it lists, and for no other.
#[test]
fn s3_1_target_users_holds_for_a_listed_user() {
    let o = role_with(
        r#"[{"ImpersonationRuleId": "team", "Effect": "ALLOW", "TargetUsers": ["alice@example.com", "bob@example.com"]}]"#,
    );
    assert_eq!(o.verdict("alice@example.com"), allow(&["team"]));
    assert_eq!(o.verdict("bob@example.com"), allow(&["team"]));
    assert_eq!(o.verdict("carol@example.com"), deny(&[]));
}

/// 3.1: `NotTargetUsers` holds for a target it does not list.
#[test]
fn s3_1_not_target_users_holds_for_an_unlisted_user() {
    let o = role_with(
        r#"[{"ImpersonationRuleId": "all-but-ceo", "Effect": "ALLOW", "NotTargetUsers": ["ceo@example.com"]}]"#,
    );
    assert_eq!(o.verdict("alice@example.com"), allow(&["all-but-ceo"]));
    assert_eq!(o.verdict(ALICE_ID), allow(&["all-but-ceo"]));
    assert_eq!(o.verdict("ceo@example.com"), deny(&[]));

    // Both lists: listed in one and not in the other.
    let both = role_with(
        r#"[{"ImpersonationRuleId": "r", "Effect": "ALLOW",
             "TargetUsers": ["alice@example.com", "ceo@example.com"], "NotTargetUsers": ["ceo@example.com"]}]"#,
    );
    assert_eq!(both.verdict("alice@example.com"), allow(&["r"]));
    assert_eq!(both.verdict("ceo@example.com"), deny(&[]));
    assert_eq!(both.verdict("bob@example.com"), deny(&[]));
}

/// 3.1: an ALLOW rule with no conditions allows every target user.
#[test]
fn s3_1_rule_without_conditions_allows_everyone() {
    let o = role_with(r#"[{"ImpersonationRuleId": "everyone", "Name": "Everyone", "Effect": "ALLOW"}]"#);
    for target in ["alice@example.com", ALICE_ID, "bob", "x"] {
        assert_eq!(o.verdict(target), allow(&["everyone"]), "{target}");
    }
    // In a role with a narrower DENY rule, the unconditional ALLOW rule still covers everyone else.
    let with_deny = role_with(
        r#"[{"ImpersonationRuleId": "everyone", "Effect": "ALLOW"},
            {"ImpersonationRuleId": "no-ceo", "Effect": "DENY", "TargetUsers": ["ceo@example.com"]}]"#,
    );
    assert_eq!(with_deny.verdict("anyone@example.com"), allow(&["everyone"]));
    assert_eq!(with_deny.verdict("ceo@example.com"), deny(&["no-ceo"]));
}

// 3.2 ---------------------------------------------------------------------------------------------------------

/// 3.2: a matching DENY rule decides, and `MatchedRules` lists the matching DENY rules only, each as
/// `{ImpersonationRuleId, Name}` (no `Name` when the rule has none), in rule order.
#[test]
fn s3_2_deny_lists_only_the_matching_deny_rules() {
    let o = role_with(
        r#"[
        {"ImpersonationRuleId": "everyone", "Name": "Everyone", "Effect": "ALLOW"},
        {"ImpersonationRuleId": "z-no-ceo", "Name": "Not the CEO", "Effect": "DENY", "TargetUsers": ["ceo@example.com"]},
        {"ImpersonationRuleId": "no-bob", "Effect": "DENY", "TargetUsers": ["bob@example.com"]},
        {"ImpersonationRuleId": "a-no-execs", "Name": "Not executives", "Effect": "DENY",
         "TargetUsers": ["ceo@example.com", "cfo@example.com"]}
    ]"#,
    );
    assert_eq!(
        o.json(ROLE, "ceo@example.com"),
        r#"{"Type":"FULL_ACCESS","Effect":"DENY","MatchedRules":[{"ImpersonationRuleId":"z-no-ceo","Name":"Not the CEO"},{"ImpersonationRuleId":"a-no-execs","Name":"Not executives"}]}"#
    );
    assert_eq!(
        o.json(ROLE, "bob@example.com"),
        r#"{"Type":"FULL_ACCESS","Effect":"DENY","MatchedRules":[{"ImpersonationRuleId":"no-bob"}]}"#
    );
}

/// 3.2: with no matching DENY rule, the matching ALLOW rules decide and are listed in rule order.
#[test]
fn s3_2_allow_lists_the_matching_allow_rules_in_rule_order() {
    let o = role_with(
        r#"[
        {"ImpersonationRuleId": "z-team", "Effect": "ALLOW", "TargetUsers": ["alice@example.com", "bob@example.com"]},
        {"ImpersonationRuleId": "m-no-ceo", "Effect": "DENY", "TargetUsers": ["ceo@example.com"]},
        {"ImpersonationRuleId": "a-not-bob", "Effect": "ALLOW", "NotTargetUsers": ["bob@example.com"]}
    ]"#,
    );
    assert_eq!(o.verdict("alice@example.com"), allow(&["z-team", "a-not-bob"]));
    assert_eq!(o.verdict("bob@example.com"), allow(&["z-team"]));
    assert_eq!(o.verdict("carol@example.com"), allow(&["a-not-bob"]));
    assert_eq!(o.verdict("ceo@example.com"), deny(&["m-no-ceo"]));
}

/// 3.2: when no rule matches, the answer is DENY with an empty `MatchedRules`.
#[test]
fn s3_2_no_matching_rule_denies_with_no_matched_rules() {
    let o = role_with(r#"[{"ImpersonationRuleId": "team", "Effect": "ALLOW", "TargetUsers": ["alice@example.com"]}]"#);
    assert_eq!(o.json(ROLE, "bob@example.com"), r#"{"Type":"FULL_ACCESS","Effect":"DENY","MatchedRules":[]}"#);
}

/// 3.2: a role with no rules denies every target user.
#[test]
fn s3_2_role_without_rules_denies_everyone() {
    let o = role_with("[]");
    for target in ["alice@example.com", ALICE_ID, "bob"] {
        assert_eq!(o.json(ROLE, target), r#"{"Type":"FULL_ACCESS","Effect":"DENY","MatchedRules":[]}"#, "{target}");
    }
}

/// 3.2: `Type` echoes the role's type, whatever the verdict.
#[test]
fn s3_2_type_echoes_the_role_type() {
    let o = org(r#"{"ImpersonationRoles": [
        {"ImpersonationRoleId": "full", "Name": "full", "Type": "FULL_ACCESS",
         "Rules": [{"ImpersonationRuleId": "all", "Effect": "ALLOW"}]},
        {"ImpersonationRoleId": "read-only", "Name": "read only", "Type": "READ_ONLY",
         "Rules": [{"ImpersonationRuleId": "all", "Effect": "ALLOW"}]},
        {"ImpersonationRoleId": "read-only-empty", "Name": "nothing", "Type": "READ_ONLY", "Rules": []}
    ]}"#);
    assert_eq!(
        o.json("full", "alice"),
        r#"{"Type":"FULL_ACCESS","Effect":"ALLOW","MatchedRules":[{"ImpersonationRuleId":"all"}]}"#
    );
    assert_eq!(
        o.json("read-only", "alice"),
        r#"{"Type":"READ_ONLY","Effect":"ALLOW","MatchedRules":[{"ImpersonationRuleId":"all"}]}"#
    );
    assert_eq!(o.json("read-only-empty", "alice"), r#"{"Type":"READ_ONLY","Effect":"DENY","MatchedRules":[]}"#);
}

// 3.3 ---------------------------------------------------------------------------------------------------------

/// 3.3: with a user directory, `TargetUser` may be the user's ID, email address or user name, and all three get
/// the same answer; [inf] the rules' `TargetUsers`/`NotTargetUsers` entries resolve too (alice is listed by
/// email, carol by name, bob by ID): pins `uncertain::USER_NAMED_BY`.
#[test]
fn s3_3_target_user_resolves_by_id_email_or_user_name() {
    let o = org(DIRECTORY);
    for alice in [ALICE_ID, "alice@example.com", "alice"] {
        assert_eq!(o.verdict(alice), allow(&["alice-by-email"]), "{alice}");
    }
    for carol in [CAROL_ID, "carol@example.com", "carol"] {
        assert_eq!(o.verdict(carol), allow(&["carol-by-name"]), "{carol}");
    }
    // An enabled user no rule lists (erin) matches `not-bob-by-id` alone, in each of the three forms.
    let json = DIRECTORY.replace(
        r#"{"Id": "S-1-1-11-1111111111-2222222222-3333333333-1004""#,
        r#"{"Id": "S-1-1-11-1111111111-2222222222-3333333333-1005", "Email": "erin@example.com", "Name": "erin"},
        {"Id": "S-1-1-11-1111111111-2222222222-3333333333-1004""#,
    );
    let with_erin = org(&json);
    for erin in ["S-1-1-11-1111111111-2222222222-3333333333-1005", "erin@example.com", "erin"] {
        assert_eq!(with_erin.verdict(erin), deny(&["not-bob-by-id"]), "{erin}");
    }
    assert_eq!(with_erin.verdict("alice"), allow(&["alice-by-email"]));
}

/// 3.3: with a user directory, a `TargetUser` it does not hold is refused with `EntityNotFoundException`; [inf]
/// identifiers compare exactly, so an email in another case is unknown too (`uncertain::USER_NAMED_BY`).
#[test]
fn s3_3_unknown_target_user_with_a_directory_is_entity_not_found() {
    let o = org(DIRECTORY);
    for unknown in ["zoe@example.com", "zoe", "S-1-1-11-1111111111-2222222222-3333333333-9999", "ALICE@example.com"] {
        assert_eq!(o.error(ROLE, unknown), ErrorCode::EntityNotFoundException, "{unknown}");
        let request = ImpersonationRequest { impersonation_role_id: ROLE, target_user: unknown };
        assert_eq!(o.impersonation(request), Err(RequestError::UnknownUser { member: "TargetUser", value: unknown }));
    }
}

/// 3.3: without a directory, `TargetUser` and the rules' entries compare as strings, exactly: another form of
/// the same user, or another case, does not match, and an unknown target is not an error.
#[test]
fn s3_3_without_a_directory_strings_compare_exactly() {
    let o = role_with(
        r#"[{"ImpersonationRuleId": "alice", "Effect": "ALLOW", "TargetUsers": ["alice@example.com"]},
            {"ImpersonationRuleId": "not-bob", "Effect": "DENY", "NotTargetUsers": ["S-1-1-11-1111111111-2222222222-3333333333-1002"]}]"#,
    );
    assert_eq!(o.verdict("alice@example.com"), deny(&["not-bob"]));
    assert_eq!(o.verdict(BOB_ID), deny(&[]));
    let only_alice =
        role_with(r#"[{"ImpersonationRuleId": "alice", "Effect": "ALLOW", "TargetUsers": ["alice@example.com"]}]"#);
    assert_eq!(only_alice.verdict("alice@example.com"), allow(&["alice"]));
    for other in ["alice", ALICE_ID, "Alice@example.com", "ALICE@EXAMPLE.COM", "alice@example.co", "nobody"] {
        assert_eq!(only_alice.verdict(other), deny(&[]), "{other}");
    }
}

// 3.4 ---------------------------------------------------------------------------------------------------------

/// 3.4: an `ImpersonationRoleId` that names no role is refused with `ResourceNotFoundException`, whether other
/// roles are loaded or none are.
#[test]
fn s3_4_unknown_role_is_resource_not_found() {
    let o = org(DIRECTORY);
    let unknown = "00000000-0000-0000-0000-000000000000";
    assert_eq!(o.error(unknown, "alice"), ErrorCode::ResourceNotFoundException);
    let request = ImpersonationRequest { impersonation_role_id: unknown, target_user: "alice" };
    assert_eq!(o.impersonation(request), Err(RequestError::UnknownRole { value: unknown }));
    assert_eq!(org("{}").error(ROLE, "alice@example.com"), ErrorCode::ResourceNotFoundException);
    // [inf] The role is checked before the target: unknown role and unknown user gives the role's error. Pins
    // `uncertain::IMPERSONATION_CHECKS_ROLE_FIRST`.
    assert_eq!(o.error(unknown, "zoe@example.com"), ErrorCode::ResourceNotFoundException);
    assert_eq!(o.error(unknown, "bob"), ErrorCode::ResourceNotFoundException);
}

/// 3.4: a target user who is not enabled cannot be impersonated: `EntityStateException`, in whichever form the
/// user is named, even where a rule would allow it. [inf] `DISABLED` and `DELETED` are not enabled; a user listed
/// without a `State` counts as enabled: pins `uncertain::can_be_impersonated`.
#[test]
fn s3_4_target_user_not_enabled_is_entity_state() {
    let o = org(DIRECTORY);
    for bob in [BOB_ID, "bob@example.com", "bob"] {
        assert_eq!(o.error(ROLE, bob), ErrorCode::EntityStateException, "{bob}");
        let request = ImpersonationRequest { impersonation_role_id: ROLE, target_user: bob };
        assert_eq!(o.impersonation(request), Err(RequestError::UserNotEnabled { value: bob }));
    }
    for dave in ["S-1-1-11-1111111111-2222222222-3333333333-1004", "dave@example.com", "dave"] {
        assert_eq!(o.error(ROLE, dave), ErrorCode::EntityStateException, "{dave}");
    }
    assert_eq!(o.verdict("carol"), allow(&["carol-by-name"]), "no State: enabled");

    let allow_all = org(r#"{
        "Users": [{"Id": "S-1-1-11-1111111111-2222222222-3333333333-1002", "Email": "bob@example.com", "State": "DISABLED"}],
        "ImpersonationRoles": [{"ImpersonationRoleId": "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a", "Name": "all",
            "Type": "FULL_ACCESS", "Rules": [{"ImpersonationRuleId": "everyone", "Effect": "ALLOW"}]}]
    }"#);
    assert_eq!(allow_all.error(ROLE, "bob@example.com"), ErrorCode::EntityStateException);
}

// 3.5 ---------------------------------------------------------------------------------------------------------

/// 3.5: impersonation works only over EWS: an access request through an impersonation role with any other action
/// is refused with `InvalidParameterException`. Over EWS the access-control rules apply to the role (1.3).
#[test]
fn s3_5_impersonation_is_ews_only_and_access_rules_apply() {
    let o = org(r#"{
        "AccessControlRules": [
            {"Name": "helpdesk-from-office", "Effect": "ALLOW", "Description": "",
             "IpRanges": ["192.0.2.0/24"], "ImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]},
            {"Name": "helpdesk-elsewhere", "Effect": "DENY", "Description": "",
             "NotIpRanges": ["192.0.2.0/24"], "ImpersonationRoleIds": ["6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a"]}
        ],
        "ImpersonationRoles": [
            {"ImpersonationRoleId": "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a", "Name": "helpdesk", "Type": "FULL_ACCESS",
             "Rules": [{"ImpersonationRuleId": "everyone", "Effect": "ALLOW"}]}
        ]
    }"#);
    let through_role =
        |ip_address, action| AccessRequest { ip_address, action, user_id: None, impersonation_role_id: Some(ROLE) };
    for action in ["ActiveSync", "AutoDiscover", "IMAP", "SMTP", "WindowsOutlook", "WebMail"] {
        let request = through_role("192.0.2.1", action);
        assert_eq!(o.access(request), Err(RequestError::RoleRequiresEws { action }), "{action}");
        assert_eq!(o.access(request).unwrap_err().code(), ErrorCode::InvalidParameterException);
    }
    let office = o.access(through_role("192.0.2.1", "EWS")).unwrap();
    assert_eq!((office.effect, office.matched_rules), (Effect::Allow, vec!["helpdesk-from-office"]));
    let elsewhere = o.access(through_role("198.51.100.1", "EWS")).unwrap();
    assert_eq!((elsewhere.effect, elsewhere.matched_rules), (Effect::Deny, vec!["helpdesk-elsewhere"]));
    // The role's own rules still allow the target: the two answers are separate questions.
    assert_eq!(o.verdict("anyone@example.com"), allow(&["everyone"]));
}
