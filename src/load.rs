//! Reading input files: organization files and the aws CLI's own output, detected by shape.
//!
//! One input may hold one or several JSON documents (pages of `aws workmail list-…` output concatenated). Each
//! document is recognised by its top-level members:
//!
//! | document | produced by |
//! |---|---|
//! | `{"AccessControlRules": …, "MobileDeviceAccessRules": …, …}` | an organization file |
//! | `{"Rules": [access-control rules]}` | `aws workmail list-access-control-rules` |
//! | `{"Rules": [mobile-device rules]}` | `aws workmail list-mobile-device-access-rules` |
//! | `{"Overrides": […], "NextToken": …}` | `aws workmail list-mobile-device-access-overrides` |
//! | `{"ImpersonationRoleId": …, "Rules": […], …}` | `aws workmail get-impersonation-role` |
//! | `{"Users": […], "NextToken": …}` | `aws workmail list-users` |
//!
//! Before any value is converted, the whole document is checked against a table of the shapes' members, so that
//! every unknown member (with the nearest known one suggested) and every value of the wrong JSON type is reported
//! with its path, all at once. A typo such as `NotIpRange` must never silently widen a rule.

use serde_json::{Map, Value};

use crate::diagnostic::{nearest, ErrorCode, Finding};
use crate::model::*;

/// What a member holds.
enum Kind {
    Text,
    TextList,
    Timestamp,
    RecordList(&'static Schema),
}

/// The members of one shape.
struct Schema {
    members: &'static [(&'static str, Kind)],
}

use Kind::*;

static ACCESS_CONTROL_RULE: Schema = Schema {
    members: &[
        ("Name", Text),
        ("Effect", Text),
        ("Description", Text),
        ("IpRanges", TextList),
        ("NotIpRanges", TextList),
        ("Actions", TextList),
        ("NotActions", TextList),
        ("UserIds", TextList),
        ("NotUserIds", TextList),
        ("DateCreated", Timestamp),
        ("DateModified", Timestamp),
        ("ImpersonationRoleIds", TextList),
        ("NotImpersonationRoleIds", TextList),
    ],
};

static MOBILE_DEVICE_ACCESS_RULE: Schema = Schema {
    members: &[
        ("MobileDeviceAccessRuleId", Text),
        ("Name", Text),
        ("Description", Text),
        ("Effect", Text),
        ("DeviceTypes", TextList),
        ("NotDeviceTypes", TextList),
        ("DeviceModels", TextList),
        ("NotDeviceModels", TextList),
        ("DeviceOperatingSystems", TextList),
        ("NotDeviceOperatingSystems", TextList),
        ("DeviceUserAgents", TextList),
        ("NotDeviceUserAgents", TextList),
        ("DateCreated", Timestamp),
        ("DateModified", Timestamp),
    ],
};

static MOBILE_DEVICE_ACCESS_OVERRIDE: Schema = Schema {
    members: &[
        ("UserId", Text),
        ("DeviceId", Text),
        ("Effect", Text),
        ("Description", Text),
        ("DateCreated", Timestamp),
        ("DateModified", Timestamp),
    ],
};

static IMPERSONATION_RULE: Schema = Schema {
    members: &[
        ("ImpersonationRuleId", Text),
        ("Name", Text),
        ("Description", Text),
        ("Effect", Text),
        ("TargetUsers", TextList),
        ("NotTargetUsers", TextList),
    ],
};

static IMPERSONATION_ROLE: Schema = Schema {
    members: &[
        ("ImpersonationRoleId", Text),
        ("Name", Text),
        ("Type", Text),
        ("Description", Text),
        ("Rules", RecordList(&IMPERSONATION_RULE)),
        ("DateCreated", Timestamp),
        ("DateModified", Timestamp),
    ],
};

static USER: Schema = Schema {
    members: &[
        ("Id", Text),
        ("Email", Text),
        ("Name", Text),
        ("DisplayName", Text),
        ("State", Text),
        ("UserRole", Text),
        ("EnabledDate", Timestamp),
        ("DisabledDate", Timestamp),
        ("IdentityProviderUserId", Text),
        ("IdentityProviderIdentityStoreId", Text),
    ],
};

static ORGANIZATION_FILE: Schema = Schema {
    members: &[
        ("AccessControlRules", RecordList(&ACCESS_CONTROL_RULE)),
        ("MobileDeviceAccessRules", RecordList(&MOBILE_DEVICE_ACCESS_RULE)),
        ("MobileDeviceAccessOverrides", RecordList(&MOBILE_DEVICE_ACCESS_OVERRIDE)),
        ("ImpersonationRoles", RecordList(&IMPERSONATION_ROLE)),
        ("Users", RecordList(&USER)),
    ],
};

static LIST_ACCESS_CONTROL_RULES: Schema =
    Schema { members: &[("Rules", RecordList(&ACCESS_CONTROL_RULE)), ("NextToken", Text)] };
static LIST_MOBILE_DEVICE_ACCESS_RULES: Schema =
    Schema { members: &[("Rules", RecordList(&MOBILE_DEVICE_ACCESS_RULE)), ("NextToken", Text)] };
static LIST_MOBILE_DEVICE_ACCESS_OVERRIDES: Schema =
    Schema { members: &[("Overrides", RecordList(&MOBILE_DEVICE_ACCESS_OVERRIDE)), ("NextToken", Text)] };
static LIST_USERS: Schema = Schema { members: &[("Users", RecordList(&USER)), ("NextToken", Text)] };

/// Every top-level member some accepted document has, for suggestions on an unrecognised document.
const TOP_LEVEL_MEMBERS: &[&str] = &[
    "AccessControlRules",
    "MobileDeviceAccessRules",
    "MobileDeviceAccessOverrides",
    "ImpersonationRoles",
    "Users",
    "Rules",
    "Overrides",
    "ImpersonationRoleId",
];

/// Reads several inputs, each named for messages, into one organization, in order. Every finding's path starts
/// with the name of the input it is about (`acme.json: AccessControlRules[3].Name`).
pub fn parse_all<'a>(inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<OrganizationFile, Vec<Finding>> {
    let mut organization = OrganizationFile::default();
    let mut findings = Vec::new();
    for (name, bytes) in inputs {
        match parse(bytes) {
            Ok(fragment) => organization.merge(fragment),
            Err(problems) => findings.extend(problems.into_iter().map(|f| Finding {
                path: if f.path.is_empty() { name.to_string() } else { format!("{name}: {}", f.path) },
                ..f
            })),
        }
    }
    if findings.is_empty() {
        Ok(organization)
    } else {
        Err(findings)
    }
}

/// Reads one input (a file's bytes) into an organization fragment. The core reads no files: the caller passes
/// the bytes.
///
/// ```
/// let file = workmail_policy::load::parse(br#"{"Rules": [{"Name": "default", "Effect": "ALLOW"}]}"#).unwrap();
/// assert_eq!(file.access_control_rules.unwrap()[0].name.as_deref(), Some("default"));
/// ```
pub fn parse(bytes: &[u8]) -> Result<OrganizationFile, Vec<Finding>> {
    // A byte-order mark is an editor's artefact, not content.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut documents = Vec::new();
    for document in serde_json::Deserializer::from_slice(bytes).into_iter::<Value>() {
        match document {
            Ok(value) => documents.push(value),
            Err(e) => {
                let message = format!("not valid JSON: {e}");
                return Err(vec![Finding::error("", ErrorCode::SerializationException, message)]);
            }
        }
    }
    if documents.is_empty() {
        let message = "holds no JSON document; an organization file is one JSON object (`{}` for a new organization)";
        return Err(vec![Finding::error("", ErrorCode::SerializationException, message)]);
    }
    let several = documents.len() > 1;
    let mut organization = OrganizationFile::default();
    let mut findings = Vec::new();
    for (n, document) in documents.into_iter().enumerate() {
        let prefix = if several { format!("(document {}) ", n + 1) } else { String::new() };
        match read_document(document, &prefix) {
            Ok(fragment) => organization.merge(fragment),
            Err(mut problems) => findings.append(&mut problems),
        }
    }
    if findings.is_empty() {
        Ok(organization)
    } else {
        Err(findings)
    }
}

fn read_document(document: Value, prefix: &str) -> Result<OrganizationFile, Vec<Finding>> {
    let Value::Object(map) = &document else {
        let message = format!("is {}; an input document must be a JSON object", describe(&document));
        return Err(vec![Finding::error(prefix.trim_end(), ErrorCode::SerializationException, message)]);
    };
    let has = |key: &str| map.contains_key(key);
    let organization_keys = ORGANIZATION_FILE.members.iter().map(|(name, _)| *name).collect::<Vec<_>>();
    if map.keys().all(|k| organization_keys.contains(&k.as_str())) {
        return convert(document, &ORGANIZATION_FILE, prefix, |file| file);
    }
    if has("Overrides") {
        return convert(document, &LIST_MOBILE_DEVICE_ACCESS_OVERRIDES, prefix, |page: ListOverrides| {
            OrganizationFile { mobile_device_access_overrides: Some(page.overrides), ..Default::default() }
        });
    }
    if has("Users") {
        return convert(document, &LIST_USERS, prefix, |page: ListUsers| OrganizationFile {
            users: Some(page.users),
            ..Default::default()
        });
    }
    if has("Roles") {
        let message = "looks like `list-impersonation-roles` output, which lacks each role's rules; \
                       use `aws workmail get-impersonation-role` for each role instead";
        return Err(vec![Finding::error(format!("{prefix}Roles"), ErrorCode::InvalidParameterException, message)]);
    }
    if has("ImpersonationRoleId") || has("Type") {
        return convert(document, &IMPERSONATION_ROLE, prefix, |role| OrganizationFile {
            impersonation_roles: Some(vec![role]),
            ..Default::default()
        });
    }
    if let Some(rules) = map.get("Rules") {
        return match rules_kind(rules) {
            Some(RulesKind::Access) => convert(document, &LIST_ACCESS_CONTROL_RULES, prefix, |page: ListAccess| {
                OrganizationFile { access_control_rules: Some(page.rules), ..Default::default() }
            }),
            Some(RulesKind::Mobile) => {
                convert(document, &LIST_MOBILE_DEVICE_ACCESS_RULES, prefix, |page: ListMobile| OrganizationFile {
                    mobile_device_access_rules: Some(page.rules),
                    ..Default::default()
                })
            }
            None => {
                let message = "an empty `Rules` list could be access-control or mobile-device rules; write an \
                               organization file with `\"AccessControlRules\": []` or `\"MobileDeviceAccessRules\": []`";
                Err(vec![Finding::error(format!("{prefix}Rules"), ErrorCode::InvalidParameterException, message)])
            }
        };
    }
    let mut findings = Vec::new();
    for key in map.keys() {
        let mut message = format!(
            "unknown top-level member `{key}`: expected an organization file or the output of \
             aws workmail list-access-control-rules, list-mobile-device-access-rules, \
             list-mobile-device-access-overrides, get-impersonation-role or list-users"
        );
        if let Some(near) = nearest(key, TOP_LEVEL_MEMBERS.iter().copied()) {
            message.push_str(&format!("; did you mean `{near}`?"));
        }
        findings.push(Finding::error(format!("{prefix}{key}"), ErrorCode::InvalidParameterException, message));
    }
    Err(findings)
}

enum RulesKind {
    Access,
    Mobile,
}

/// `list-access-control-rules` and `list-mobile-device-access-rules` both print `{"Rules": [...]}`; the rules'
/// own members tell them apart. Mobile rules always carry an id; access rules never have `Device…` members.
fn rules_kind(rules: &Value) -> Option<RulesKind> {
    let rules = match rules {
        Value::Array(rules) if !rules.is_empty() => rules,
        Value::Array(_) => return None,
        _ => return Some(RulesKind::Access), // The type error is reported against the access-rule shape.
    };
    let mobile = rules.iter().filter_map(Value::as_object).any(|rule| {
        rule.keys().any(|k| k == "MobileDeviceAccessRuleId" || k.starts_with("Device") || k.starts_with("NotDevice"))
    });
    Some(if mobile { RulesKind::Mobile } else { RulesKind::Access })
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListAccess {
    rules: Vec<AccessControlRule>,
    #[serde(rename = "NextToken")]
    _next_token: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListMobile {
    rules: Vec<MobileDeviceAccessRule>,
    #[serde(rename = "NextToken")]
    _next_token: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListOverrides {
    overrides: Vec<MobileDeviceAccessOverride>,
    #[serde(rename = "NextToken")]
    _next_token: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ListUsers {
    users: Vec<User>,
    #[serde(rename = "NextToken")]
    _next_token: Option<String>,
}

/// Checks `document` against `schema`, then converts it; the conversion cannot fail once the check passed.
fn convert<T: serde::de::DeserializeOwned>(
    document: Value,
    schema: &Schema,
    prefix: &str,
    into: impl FnOnce(T) -> OrganizationFile,
) -> Result<OrganizationFile, Vec<Finding>> {
    let mut findings = Vec::new();
    check_record(&document, schema, &mut prefix.to_string(), &mut findings);
    if !findings.is_empty() {
        return Err(findings);
    }
    serde_json::from_value(document).map(into).map_err(|e| {
        vec![Finding::error(prefix.trim_end(), ErrorCode::SerializationException, format!("cannot be read: {e}"))]
    })
}

fn check_record(value: &Value, schema: &Schema, path: &mut String, findings: &mut Vec<Finding>) {
    let Value::Object(map) = value else {
        type_error(value, "an object", path, findings);
        return;
    };
    check_members(map, schema, path, findings);
}

fn check_members(map: &Map<String, Value>, schema: &Schema, path: &mut String, findings: &mut Vec<Finding>) {
    for (key, value) in map {
        let mark = path.len();
        if !path.is_empty() && !path.ends_with(' ') {
            path.push('.');
        }
        path.push_str(key);
        match schema.members.iter().find(|(name, _)| name == key) {
            Some((_, kind)) => check_value(value, kind, path, findings),
            None => {
                let mut message = format!("unknown member `{key}`");
                match nearest(key, schema.members.iter().map(|(name, _)| *name)) {
                    Some(near) => message.push_str(&format!("; did you mean `{near}`?")),
                    None => {
                        let known: Vec<&str> = schema.members.iter().map(|(name, _)| *name).collect();
                        message.push_str(&format!("; the members here are {}", known.join(", ")));
                    }
                }
                findings.push(Finding::error(path.clone(), ErrorCode::InvalidParameterException, message));
            }
        }
        path.truncate(mark);
    }
}

fn check_value(value: &Value, kind: &Kind, path: &mut String, findings: &mut Vec<Finding>) {
    match (kind, value) {
        (Text, Value::String(_)) => {}
        (Text, _) => type_error(value, "a string", path, findings),
        (Timestamp, Value::String(_) | Value::Number(_)) => {}
        (Timestamp, _) => type_error(value, "a timestamp (epoch seconds or ISO-8601 text)", path, findings),
        (TextList | RecordList(_), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let mark = path.len();
                path.push_str(&format!("[{i}]"));
                match kind {
                    RecordList(schema) => check_record(item, schema, path, findings),
                    _ if item.is_string() => {}
                    _ => type_error(item, "a string", path, findings),
                }
                path.truncate(mark);
            }
        }
        (TextList | RecordList(_), _) => type_error(value, "a list", path, findings),
    }
}

fn type_error(value: &Value, expected: &str, path: &str, findings: &mut Vec<Finding>) {
    let message = format!("is {}; expected {expected}", describe(value));
    findings.push(Finding::error(path, ErrorCode::SerializationException, message));
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(json: &str) -> Vec<(String, String)> {
        parse(json.as_bytes()).unwrap_err().into_iter().map(|f| (f.path, f.message)).collect()
    }

    #[test]
    fn unknown_members_name_the_path_and_the_nearest_member() {
        let found = errors(r#"{"AccessControlRules": [{"Name": "a"}, {"Name": "b", "NotIpRange": ["10.0.0.0/8"]}]}"#);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "AccessControlRules[1].NotIpRange");
        assert!(found[0].1.contains("did you mean `NotIpRanges`"), "{}", found[0].1);
    }

    #[test]
    fn wrong_json_types_are_reported_with_paths() {
        let found = errors(r#"{"AccessControlRules": [{"Name": 5, "IpRanges": ["1.2.3.4/32", 7]}]}"#);
        let mut paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(paths, ["AccessControlRules[0].IpRanges[1]", "AccessControlRules[0].Name"]);
    }

    #[test]
    fn aws_cli_shapes_are_detected() {
        let access = parse(br#"{"Rules": [{"Name": "r", "Effect": "DENY", "Actions": ["IMAP"]}]}"#).unwrap();
        assert_eq!(access.access_control_rules.unwrap().len(), 1);
        let mobile = parse(br#"{"Rules": [{"MobileDeviceAccessRuleId": "x", "Name": "r", "Effect": "DENY"}]}"#);
        assert_eq!(mobile.unwrap().mobile_device_access_rules.unwrap().len(), 1);
        let pages = br#"{"Overrides": [{"UserId": "u", "DeviceId": "d", "Effect": "DENY"}], "NextToken": "t"}
                        {"Overrides": [{"UserId": "u", "DeviceId": "e", "Effect": "ALLOW"}]}"#;
        assert_eq!(parse(pages).unwrap().mobile_device_access_overrides.unwrap().len(), 2);
        let role = parse(br#"{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": []}"#);
        assert_eq!(role.unwrap().impersonation_roles.unwrap().len(), 1);
        assert!(errors(r#"{"Rules": []}"#)[0].1.contains("could be access-control or mobile-device"));
        assert!(errors(r#"{"Roles": []}"#)[0].1.contains("get-impersonation-role"));
    }

    #[test]
    fn timestamps_stay_as_written() {
        let file = parse(
            br#"{"Rules": [{"Name": "a", "DateCreated": 1614704932.123},
                                         {"Name": "b", "DateCreated": "2021-03-02T17:08:52+01:00"}]}"#,
        )
        .unwrap();
        let out = serde_json::to_string(&file).unwrap();
        assert!(out.contains("1614704932.123") && out.contains("2021-03-02T17:08:52+01:00"), "{out}");
    }
}
