//! One test per validation check, each asserting the path and the error code (SEMANTICS 4).

use super::*;
use crate::diagnostic::{ErrorCode, Severity};
use crate::load;

/// Validates `json` with `options`; the file must load.
fn validate_with(json: &str, options: Options) -> Validation {
    let file = load::parse(json.as_bytes()).unwrap_or_else(|findings| panic!("{json} does not load: {findings:?}"));
    validate(&file, &options)
}

/// The findings of `json` validated with the default options, as (path, code, severity).
fn found(json: &str) -> Vec<(String, ErrorCode, Severity)> {
    validate_with(json, Options::default()).findings.into_iter().map(|f| (f.path, f.code, f.severity)).collect()
}

fn error(path: &str, code: ErrorCode) -> (String, ErrorCode, Severity) {
    (path.to_string(), code, Severity::Error)
}

fn warning(path: &str, code: ErrorCode) -> (String, ErrorCode, Severity) {
    (path.to_string(), code, Severity::Warning)
}

use ErrorCode::{
    EntityNotFoundException as NotFound, InvalidParameterException as Invalid, LimitExceededException as Limit,
    ResourceNotFoundException as NoResource,
};

/// A directory of two users, for the checks that resolve identifiers.
const USERS: &str = r#""Users": [
    {"Id": "S-1-5-18-0001", "Email": "alice@example.com", "Name": "alice"},
    {"Id": "S-1-5-18-0002", "Email": "bob@example.com", "Name": "bob"}]"#;

/// `n` access rules named `r0`, `r1`, …
fn access_rules(n: usize) -> String {
    let rules: Vec<String> =
        (0..n).map(|i| format!(r#"{{"Name": "r{i}", "Effect": "ALLOW", "Description": ""}}"#)).collect();
    format!(r#"{{"AccessControlRules": [{}]}}"#, rules.join(","))
}

/// `n` mobile rules with ids `m0`, `m1`, …
fn mobile_rules(n: usize) -> String {
    let rules: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"MobileDeviceAccessRuleId": "m{i}", "Name": "m{i}", "Effect": "ALLOW"}}"#))
        .collect();
    format!(r#"{{"MobileDeviceAccessRules": [{}]}}"#, rules.join(","))
}

/// One role with `n` rules with ids `i0`, `i1`, …
fn role_rules(n: usize) -> String {
    let rules: Vec<String> =
        (0..n).map(|i| format!(r#"{{"ImpersonationRuleId": "i{i}", "Effect": "ALLOW"}}"#)).collect();
    format!(
        r#"{{"ImpersonationRoles": [{{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [{}]}}]}}"#,
        rules.join(",")
    )
}

#[test]
fn s4_required_members_are_named_with_the_operation_that_requires_them() {
    let cases = [
        (
            r#"{"AccessControlRules": [{"Effect": "ALLOW", "Description": ""}]}"#,
            "AccessControlRules[0].Name",
            "PutAccessControlRule",
        ),
        (
            r#"{"AccessControlRules": [{"Name": "a", "Description": ""}]}"#,
            "AccessControlRules[0].Effect",
            "PutAccessControlRule",
        ),
        (
            r#"{"AccessControlRules": [{"Name": "a", "Effect": "DENY"}]}"#,
            "AccessControlRules[0].Description",
            "PutAccessControlRule",
        ),
        (
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m", "Effect": "DENY"}]}"#,
            "MobileDeviceAccessRules[0].Name",
            "CreateMobileDeviceAccessRule",
        ),
        (
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m", "Name": "m"}]}"#,
            "MobileDeviceAccessRules[0].Effect",
            "CreateMobileDeviceAccessRule",
        ),
        (
            r#"{"MobileDeviceAccessOverrides": [{"DeviceId": "d1", "Effect": "DENY"}]}"#,
            "MobileDeviceAccessOverrides[0].UserId",
            "PutMobileDeviceAccessOverride",
        ),
        (
            r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "Effect": "DENY"}]}"#,
            "MobileDeviceAccessOverrides[0].DeviceId",
            "PutMobileDeviceAccessOverride",
        ),
        (
            r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "d1"}]}"#,
            "MobileDeviceAccessOverrides[0].Effect",
            "PutMobileDeviceAccessOverride",
        ),
        (
            r#"{"ImpersonationRoles": [{"Name": "n", "Type": "READ_ONLY", "Rules": []}]}"#,
            "ImpersonationRoles[0].ImpersonationRoleId",
            "GetImpersonationRole",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Type": "READ_ONLY", "Rules": []}]}"#,
            "ImpersonationRoles[0].Name",
            "CreateImpersonationRole",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Rules": []}]}"#,
            "ImpersonationRoles[0].Type",
            "CreateImpersonationRole",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY"}]}"#,
            "ImpersonationRoles[0].Rules",
            "CreateImpersonationRole",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [{"Effect": "DENY"}]}]}"#,
            "ImpersonationRoles[0].Rules[0].ImpersonationRuleId",
            "CreateImpersonationRole",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [{"ImpersonationRuleId": "i"}]}]}"#,
            "ImpersonationRoles[0].Rules[0].Effect",
            "CreateImpersonationRole",
        ),
        (r#"{"Users": [{"Email": "alice@example.com"}]}"#, "Users[0].Id", "ListUsers"),
    ];
    for (json, path, operation) in cases {
        let validation = validate_with(json, Options::default());
        let found: Vec<_> = validation.findings.iter().map(|f| (f.path.clone(), f.code, f.severity)).collect();
        assert_eq!(found, [error(path, Invalid)], "{json}");
        assert!(validation.findings[0].message.contains(&format!("is required by {operation}")), "{json}");
        assert!(validation.organization.is_none());
    }
}

#[test]
fn s4_strings_are_held_to_their_length_and_pattern() {
    let cases = [
        (
            r#"{"AccessControlRules": [{"Name": "has space", "Effect": "ALLOW", "Description": ""}]}"#,
            "AccessControlRules[0].Name",
            "AccessControlRuleName",
        ),
        (
            r#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Description": "€"}]}"#,
            "AccessControlRules[0].Description",
            "AccessControlRuleDescription",
        ),
        (
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m!", "Name": "m", "Effect": "ALLOW"}]}"#,
            "MobileDeviceAccessRules[0].MobileDeviceAccessRuleId",
            "MobileDeviceAccessRuleId",
        ),
        (
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m", "Name": "", "Effect": "ALLOW"}]}"#,
            "MobileDeviceAccessRules[0].Name",
            "MobileDeviceAccessRuleName",
        ),
        (
            r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "d-1", "Effect": "DENY"}]}"#,
            "MobileDeviceAccessOverrides[0].DeviceId",
            "DeviceId",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "a<b", "Type": "READ_ONLY", "Rules": []}]}"#,
            "ImpersonationRoles[0].Name",
            "ImpersonationRoleName",
        ),
        (r#"{"Users": [{"Id": "short"}]}"#, "Users[0].Id", "WorkMailIdentifier"),
        (r#"{"Users": [{"Id": "S-1-5-18-0001", "Email": "alice@example"}]}"#, "Users[0].Email", "EmailAddress"),
    ];
    for (json, path, shape) in cases {
        let validation = validate_with(json, Options::default());
        let found: Vec<_> = validation.findings.iter().map(|f| (f.path.clone(), f.code, f.severity)).collect();
        assert_eq!(found, [error(path, Invalid)], "{json}");
        assert!(validation.findings[0].message.contains(shape), "{json}: {}", validation.findings[0].message);
    }
}

#[test]
fn s4_lists_are_held_to_their_size_and_each_entry_to_its_shape() {
    let actions: Vec<String> = (0..11).map(|i| format!("\"A{}\"", "x".repeat(i))).collect();
    let too_many = format!(
        r#"{{"AccessControlRules": [{{"Name": "a", "Effect": "ALLOW", "Description": "", "Actions": [{}]}}]}}"#,
        actions.join(",")
    );
    let found_too_many = validate_with(&too_many, Options::default());
    assert_eq!(
        found_too_many.errors().map(|f| (f.path.as_str(), f.code)).collect::<Vec<_>>(),
        [("AccessControlRules[0].Actions", Invalid)]
    );
    assert!(found_too_many.findings[0].message.contains("at most 10 (ActionsList)"));

    let empty = r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m", "Name": "m", "Effect": "ALLOW", "DeviceTypes": []}]}"#;
    assert_eq!(found(empty), [error("MobileDeviceAccessRules[0].DeviceTypes", Invalid)]);
    let no_targets = r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY",
        "Rules": [{"ImpersonationRuleId": "i", "Effect": "DENY", "NotTargetUsers": []}]}]}"#;
    assert_eq!(found(no_targets), [error("ImpersonationRoles[0].Rules[0].NotTargetUsers", Invalid)]);

    let entry = r#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Description": "",
        "NotIpRanges": ["10.0.0.0/8", "10.0.0.0"], "UserIds": ["short"]}]}"#;
    assert_eq!(
        found(entry),
        [error("AccessControlRules[0].NotIpRanges[1]", Invalid), error("AccessControlRules[0].UserIds[0]", Invalid)]
    );
}

#[test]
fn s4_enums_take_only_the_service_values() {
    let cases = [
        (
            r#"{"AccessControlRules": [{"Name": "a", "Effect": "allow", "Description": ""}]}"#,
            "AccessControlRules[0].Effect",
        ),
        (
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m", "Name": "m", "Effect": "MAYBE"}]}"#,
            "MobileDeviceAccessRules[0].Effect",
        ),
        (
            r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "d1", "Effect": ""}]}"#,
            "MobileDeviceAccessOverrides[0].Effect",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "ADMIN", "Rules": []}]}"#,
            "ImpersonationRoles[0].Type",
        ),
        (
            r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [{"ImpersonationRuleId": "i", "Effect": "NO"}]}]}"#,
            "ImpersonationRoles[0].Rules[0].Effect",
        ),
        (r#"{"Users": [{"Id": "S-1-5-18-0001", "State": "ACTIVE"}]}"#, "Users[0].State"),
        (r#"{"Users": [{"Id": "S-1-5-18-0001", "UserRole": "ADMIN"}]}"#, "Users[0].UserRole"),
    ];
    for (json, path) in cases {
        let validation = validate_with(json, Options::default());
        let found: Vec<_> = validation.findings.iter().map(|f| (f.path.clone(), f.code, f.severity)).collect();
        assert_eq!(found, [error(path, Invalid)], "{json}");
        assert!(validation.findings[0].message.contains("is not one of"), "{json}");
    }
}

#[test]
fn s4_two_access_rules_cannot_share_a_name() {
    let json = r#"{"AccessControlRules": [{"Name": "a", "Effect": "ALLOW", "Description": ""},
                                          {"Name": "a", "Effect": "DENY", "Description": ""}]}"#;
    assert_eq!(found(json), [error("AccessControlRules[1].Name", Invalid)]);
}

#[test]
fn s4_two_mobile_rules_cannot_share_an_id() {
    let json = r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m", "Name": "a", "Effect": "ALLOW"},
                                               {"MobileDeviceAccessRuleId": "m", "Name": "b", "Effect": "DENY"}]}"#;
    assert_eq!(found(json), [error("MobileDeviceAccessRules[1].MobileDeviceAccessRuleId", Invalid)]);
}

#[test]
fn s4_two_roles_cannot_share_an_id() {
    let json = r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "a", "Type": "READ_ONLY", "Rules": []},
                                          {"ImpersonationRoleId": "r", "Name": "b", "Type": "FULL_ACCESS", "Rules": []}]}"#;
    assert_eq!(found(json), [error("ImpersonationRoles[1].ImpersonationRoleId", Invalid)]);
}

#[test]
fn s4_two_rules_of_one_role_cannot_share_an_id() {
    let json = r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "a", "Type": "READ_ONLY", "Rules": [
        {"ImpersonationRuleId": "i", "Effect": "ALLOW"}, {"ImpersonationRuleId": "i", "Effect": "DENY"}]},
        {"ImpersonationRoleId": "s", "Name": "b", "Type": "READ_ONLY", "Rules": [{"ImpersonationRuleId": "i", "Effect": "ALLOW"}]}]}"#;
    // The same rule id in another role is fine.
    assert_eq!(found(json), [error("ImpersonationRoles[0].Rules[1].ImpersonationRuleId", Invalid)]);
}

#[test]
fn s4_an_override_is_given_once_per_user_and_device() {
    let same = r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "d1", "Effect": "DENY"},
                                                   {"UserId": "alice", "DeviceId": "d1", "Effect": "ALLOW"}]}"#;
    assert_eq!(found(same), [error("MobileDeviceAccessOverrides[1]", Invalid)]);
    // Device ids compare without case.
    let case = r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "ABC1", "Effect": "DENY"},
                                                   {"UserId": "alice", "DeviceId": "abc1", "Effect": "ALLOW"}]}"#;
    assert_eq!(found(case), [error("MobileDeviceAccessOverrides[1]", Invalid)]);
    // The same user by ID and by email, as the directory resolves them.
    let resolved = format!(
        r#"{{{USERS}, "MobileDeviceAccessOverrides": [{{"UserId": "S-1-5-18-0001", "DeviceId": "d1", "Effect": "DENY"}},
                                                     {{"UserId": "alice@example.com", "DeviceId": "d1", "Effect": "ALLOW"}},
                                                     {{"UserId": "bob", "DeviceId": "d1", "Effect": "ALLOW"}}]}}"#
    );
    assert_eq!(found(&resolved), [error("MobileDeviceAccessOverrides[1]", Invalid)]);
}

#[test]
fn s4_each_user_identifier_names_one_user() {
    let json = r#"{"Users": [{"Id": "S-1-5-18-0001", "Email": "alice@example.com", "Name": "alice"},
                             {"Id": "S-1-5-18-0002", "Email": "bob@example.com", "Name": "alice@example.com"},
                             {"Id": "S-1-5-18-0001"}]}"#;
    assert_eq!(found(json), [error("Users[1].Name", Invalid), error("Users[2].Id", Invalid)]);
}

#[test]
fn s4_rules_name_only_users_the_directory_holds() {
    let json = format!(
        r#"{{{USERS},
        "AccessControlRules": [{{"Name": "a", "Effect": "DENY", "Description": "",
            "UserIds": ["S-1-5-18-0001", "S-1-5-18-0404"], "NotUserIds": ["S-1-5-18-0405"]}}],
        "MobileDeviceAccessOverrides": [{{"UserId": "carol", "DeviceId": "d1", "Effect": "DENY"}}],
        "ImpersonationRoles": [{{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [
            {{"ImpersonationRuleId": "i", "Effect": "ALLOW", "TargetUsers": ["bob", "dave"], "NotTargetUsers": ["erin"]}}]}}]}}"#
    );
    assert_eq!(
        found(&json),
        [
            error("AccessControlRules[0].UserIds[1]", NotFound),
            error("AccessControlRules[0].NotUserIds[0]", NotFound),
            error("MobileDeviceAccessOverrides[0].UserId", NotFound),
            error("ImpersonationRoles[0].Rules[0].TargetUsers[1]", NotFound),
            error("ImpersonationRoles[0].Rules[0].NotTargetUsers[0]", NotFound),
        ]
    );
    // Without a directory, no identifier can be checked.
    let no_directory =
        r#"{"AccessControlRules": [{"Name": "a", "Effect": "DENY", "Description": "", "UserIds": ["S-1-5-18-0404"]}]}"#;
    assert_eq!(found(no_directory), []);
}

#[test]
fn s4_rules_name_only_roles_that_were_loaded() {
    let json = r#"{"ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": []}],
        "AccessControlRules": [{"Name": "a", "Effect": "DENY", "Description": "",
            "ImpersonationRoleIds": ["r", "gone"], "NotImpersonationRoleIds": ["lost"]}]}"#;
    assert_eq!(
        found(json),
        [
            error("AccessControlRules[0].ImpersonationRoleIds[1]", NoResource),
            error("AccessControlRules[0].NotImpersonationRoleIds[0]", NoResource),
        ]
    );
    // Without roles loaded, role ids cannot be checked.
    let no_roles = r#"{"AccessControlRules": [{"Name": "a", "Effect": "DENY", "Description": "", "ImpersonationRoleIds": ["gone"]}]}"#;
    assert_eq!(found(no_roles), []);
}

#[test]
fn s4_per_organization_quotas_are_errors_or_relaxed_to_warnings() {
    let relaxed = Options { enforce_quotas: false };
    for (json, path) in [
        (access_rules(11), "AccessControlRules"),
        (mobile_rules(11), "MobileDeviceAccessRules"),
        (role_rules(11), "ImpersonationRoles[0].Rules"),
    ] {
        assert_eq!(found(&json), [error(path, Limit)], "{path}");
        let warned = validate_with(&json, relaxed);
        let warned_found: Vec<_> = warned.findings.iter().map(|f| (f.path.clone(), f.code, f.severity)).collect();
        assert_eq!(warned_found, [warning(path, Limit)], "{path}");
        assert!(warned.organization.is_some());
    }
    for at_quota in [access_rules(10), mobile_rules(10), role_rules(10)] {
        assert_eq!(found(&at_quota), []);
    }
}

#[test]
fn engine_limits_stay_errors_with_quotas_relaxed() {
    let relaxed = Options { enforce_quotas: false };
    let errors = |json: &str| -> Vec<(String, ErrorCode)> {
        validate_with(json, relaxed).errors().map(|f| (f.path.clone(), f.code)).collect()
    };
    assert_eq!(errors(&mobile_rules(policy::MAX_MOBILE_RULES + 1)), [("MobileDeviceAccessRules".to_string(), Limit)]);
    assert_eq!(errors(&role_rules(policy::MAX_ROLE_RULES + 1)), [("ImpersonationRoles[0].Rules".to_string(), Limit)]);

    // Built in memory: a hundred thousand rules are quick to validate, slow to write as JSON in a test.
    let rule = model::AccessControlRule {
        name: Some("a".into()),
        effect: Some("ALLOW".into()),
        description: Some(String::new()),
        ..Default::default()
    };
    let file = OrganizationFile {
        access_control_rules: Some(vec![rule.clone(); policy::MAX_ACCESS_RULES + 1]),
        ..Default::default()
    };
    let validation = validate(&file, &relaxed);
    let first = validation.errors().next().unwrap();
    assert_eq!((first.path.as_str(), first.code), ("AccessControlRules", Limit));

    // The address ranges of all rules together, reported at the rule where the total crosses the limit.
    let half = policy::MAX_ADDRESS_RANGES / 2 + 1;
    let wide = model::AccessControlRule { ip_ranges: Some(vec!["10.0.0.0/8".into(); half]), ..rule };
    let file = OrganizationFile { access_control_rules: Some(vec![wide.clone(), wide]), ..Default::default() };
    let validation = validate(&file, &relaxed);
    let limits: Vec<_> = validation.errors().filter(|f| f.code == Limit).map(|f| f.path.as_str()).collect();
    assert_eq!(limits, ["AccessControlRules[1]"]);
}

#[test]
fn warnings_flag_what_the_service_accepts_but_is_likely_a_mistake() {
    let json = r#"{"AccessControlRules": [{"Name": "a", "Effect": "DENY", "Description": "",
            "IpRanges": ["10.1.2.3/8", "10.0.0.0/8"], "Actions": ["IMAP", "IMAPS"]}],
        "MobileDeviceAccessRules": [{"Name": "m", "Effect": "DENY", "DeviceModels": ["iPhone*", "$NONE"]}]}"#;
    let validation = validate_with(json, Options::default());
    let found: Vec<_> = validation.findings.iter().map(|f| (f.path.clone(), f.code, f.severity)).collect();
    assert_eq!(
        found,
        [
            warning("AccessControlRules[0].IpRanges[0]", Invalid),
            warning("AccessControlRules[0].Actions[1]", Invalid),
            warning("MobileDeviceAccessRules[0].MobileDeviceAccessRuleId", Invalid),
            warning("MobileDeviceAccessRules[0].DeviceModels[0]", Invalid),
        ]
    );
    let messages: Vec<&str> = validation.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(messages[0].contains("host bits"), "{}", messages[0]);
    assert!(messages[1].contains("not one of the documented actions"), "{}", messages[1]);
    assert!(messages[2].starts_with("no id"), "{}", messages[2]);
    assert!(messages[3].contains("not as globs"), "{}", messages[3]);
    assert!(validation.organization.is_some(), "warnings do not stop the organization");
}

#[test]
fn s4_timestamps_given_as_text_must_be_real_instants() {
    for bad in ["yesterday", "", "2021-02-30T00:00:00Z", "2021-13-01T00:00:00Z"] {
        let json = format!(
            r#"{{"AccessControlRules": [{{"Name": "a", "Effect": "ALLOW", "Description": "", "DateCreated": "{bad}"}}]}}"#
        );
        assert_eq!(found(&json), [error("AccessControlRules[0].DateCreated", Invalid)], "{bad:?}");
    }
    let users = r#"{"Users": [{"Id": "S-1-5-18-0001", "EnabledDate": "2021-02-29T00:00:00Z",
                               "DisabledDate": "2020-02-29T00:00:00.5+01:00"}]}"#;
    assert_eq!(found(users), [error("Users[0].EnabledDate", Invalid)]);
    let fine = r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "d1", "Effect": "DENY",
                    "DateCreated": 1614704932.5, "DateModified": "2021-03-02T17:08:52-05:00"}],
                   "ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [],
                    "DateModified": "2021-03-02t17:08:52z"}]}"#;
    assert_eq!(found(fine), []);
}
