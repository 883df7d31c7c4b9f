//! Reading input files: organization files and the aws CLI's own output, detected by shape.
//!
//! One input may hold one or several JSON documents (pages of `aws workmail list-…` output concatenated). Each
//! document is recognised by its top-level members and kept as a [`Document`] of that kind, so that `wmpolicy fmt`
//! can write it back in its own shape:
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
//! Inputs come from scripts, editors and strangers, so reading never trusts them. The bytes are read three times,
//! each pass streaming, none building a JSON tree:
//!
//! 1. **shape**: JSON syntax, and each document's top-level member names (which decide its kind);
//! 2. **check**: every member against the table of the shapes' members, reporting all at once, with paths: an
//!    unknown member (with the nearest known one suggested; a typo such as `NotIpRange` must never silently widen a
//!    rule), a value of the wrong JSON type, a member written twice in one object (a JSON reader would keep one and
//!    silently drop the other), and counts over [`Limits`];
//! 3. **convert**: only when the check found nothing, into the [`crate::model`] types, which then cannot fail.
//!
//! Memory is bounded by the limits, not by what the input holds: the input's size is checked before parsing,
//! values the shapes do not allow are skipped without being stored (serde_json skips them with a loop, not
//! recursion, so no nesting depth can overflow the stack), and the records and list entries converted are capped.
//! A shape is at most six levels deep, so the typed pass stays far below serde_json's recursion limit of 128.

use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::de::SliceRead;

use crate::diagnostic::{nearest, quote, ErrorCode, Finding, Findings};
use crate::model::*;

/// What a member holds.
#[derive(Clone, Copy)]
enum Kind {
    Record(&'static Schema),
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

/// The visitor methods for JSON's scalars and `null`, each binding `$value` to a [`Value`] that describes what
/// was found and returning `$on`.
macro_rules! forward_scalars {
    (|$value:ident| $on:expr) => {
        fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
            let $value = Value::Bool(b);
            $on
        }
        fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
            let $value = Value::Number(&n);
            $on
        }
        fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
            let $value = Value::Number(&n);
            $on
        }
        fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
            let $value = Value::Number(&n);
            $on
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
            let $value = Value::Str(s);
            $on
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            let $value = Value::Null;
            $on
        }
    };
}

/// How much one input may hold. Beyond any of these, reading stops with a `LimitExceededException` finding that
/// names the limit. The defaults are far above anything the service holds (10 rules per organization, 1,024
/// ranges per rule) and far below what would strain a laptop or a browser tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes per input, checked before parsing starts. Default 16 MiB.
    pub max_input_bytes: usize,
    /// Records per input: rules, overrides, roles, a role's rules and users, all lists together. Default 100,000.
    pub max_records: usize,
    /// Strings in the lists of one input (`IpRanges`, `UserIds`, `DeviceTypes`, …), all together. Default
    /// 1,000,000.
    pub max_list_items: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits { max_input_bytes: 16 << 20, max_records: 100_000, max_list_items: 1_000_000 };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// Which shape a document came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// `{"AccessControlRules": …, "MobileDeviceAccessRules": …, …}`
    OrganizationFile,
    /// `aws workmail list-access-control-rules`
    AccessControlRules,
    /// `aws workmail list-mobile-device-access-rules`
    MobileDeviceAccessRules,
    /// `aws workmail list-mobile-device-access-overrides`
    MobileDeviceAccessOverrides,
    /// `aws workmail get-impersonation-role`
    ImpersonationRole,
    /// `aws workmail list-users`
    Users,
}

impl DocumentKind {
    fn schema(self) -> &'static Schema {
        match self {
            DocumentKind::OrganizationFile => &ORGANIZATION_FILE,
            DocumentKind::AccessControlRules => &LIST_ACCESS_CONTROL_RULES,
            DocumentKind::MobileDeviceAccessRules => &LIST_MOBILE_DEVICE_ACCESS_RULES,
            DocumentKind::MobileDeviceAccessOverrides => &LIST_MOBILE_DEVICE_ACCESS_OVERRIDES,
            DocumentKind::ImpersonationRole => &IMPERSONATION_ROLE,
            DocumentKind::Users => &LIST_USERS,
        }
    }
}

/// One JSON document of an input, in the shape it came in, with every member as written.
///
/// Serializing a document gives its canonical form (see [`crate::format`]): the same kind of document, the
/// service's member names in the service's order, timestamps in the form they came.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Document {
    OrganizationFile(OrganizationFile),
    AccessControlRules(AccessControlRulesPage),
    MobileDeviceAccessRules(MobileDeviceAccessRulesPage),
    MobileDeviceAccessOverrides(MobileDeviceAccessOverridesPage),
    ImpersonationRole(ImpersonationRole),
    Users(UsersPage),
}

impl Document {
    pub fn kind(&self) -> DocumentKind {
        match self {
            Document::OrganizationFile(_) => DocumentKind::OrganizationFile,
            Document::AccessControlRules(_) => DocumentKind::AccessControlRules,
            Document::MobileDeviceAccessRules(_) => DocumentKind::MobileDeviceAccessRules,
            Document::MobileDeviceAccessOverrides(_) => DocumentKind::MobileDeviceAccessOverrides,
            Document::ImpersonationRole(_) => DocumentKind::ImpersonationRole,
            Document::Users(_) => DocumentKind::Users,
        }
    }

    /// The organization fragment this document contributes (a page's `NextToken` contributes nothing).
    pub fn into_organization(self) -> OrganizationFile {
        match self {
            Document::OrganizationFile(file) => file,
            Document::AccessControlRules(page) => {
                OrganizationFile { access_control_rules: Some(page.rules), ..Default::default() }
            }
            Document::MobileDeviceAccessRules(page) => {
                OrganizationFile { mobile_device_access_rules: Some(page.rules), ..Default::default() }
            }
            Document::MobileDeviceAccessOverrides(page) => {
                OrganizationFile { mobile_device_access_overrides: Some(page.overrides), ..Default::default() }
            }
            Document::ImpersonationRole(role) => {
                OrganizationFile { impersonation_roles: Some(vec![role]), ..Default::default() }
            }
            Document::Users(page) => OrganizationFile { users: Some(page.users), ..Default::default() },
        }
    }

    /// The third pass: reads one document of `kind` that the check pass found well-formed.
    fn read(kind: DocumentKind, de: &mut JsonDeserializer) -> serde_json::Result<Document> {
        Ok(match kind {
            DocumentKind::OrganizationFile => Document::OrganizationFile(Deserialize::deserialize(de)?),
            DocumentKind::AccessControlRules => Document::AccessControlRules(Deserialize::deserialize(de)?),
            DocumentKind::MobileDeviceAccessRules => Document::MobileDeviceAccessRules(Deserialize::deserialize(de)?),
            DocumentKind::MobileDeviceAccessOverrides => {
                Document::MobileDeviceAccessOverrides(Deserialize::deserialize(de)?)
            }
            DocumentKind::ImpersonationRole => Document::ImpersonationRole(Deserialize::deserialize(de)?),
            DocumentKind::Users => Document::Users(Deserialize::deserialize(de)?),
        })
    }
}

/// Reads several inputs, each named for messages, into one organization, in order, with the default
/// [`Limits`]. Every finding's path starts with the name of the input it is about (`acme.json: AccessControlRules[3].Name`).
pub fn parse_all<'a>(inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Result<OrganizationFile, Vec<Finding>> {
    parse_all_with(inputs, &Limits::default())
}

/// [`parse_all`] with other limits; each input is held to them on its own.
pub fn parse_all_with<'a>(
    inputs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    limits: &Limits,
) -> Result<OrganizationFile, Vec<Finding>> {
    let mut organization = OrganizationFile::default();
    let mut findings = Vec::new();
    for (name, bytes) in inputs {
        match parse_with(bytes, limits) {
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

/// Reads one input (a file's bytes) into an organization fragment, with the default [`Limits`]. The core reads
/// no files: the caller passes the bytes.
///
/// ```
/// let file = workmail_policy::load::parse(br#"{"Rules": [{"Name": "default", "Effect": "ALLOW"}]}"#).unwrap();
/// assert_eq!(file.access_control_rules.unwrap()[0].name.as_deref(), Some("default"));
/// ```
pub fn parse(bytes: &[u8]) -> Result<OrganizationFile, Vec<Finding>> {
    parse_with(bytes, &Limits::default())
}

/// [`parse`] with other limits.
pub fn parse_with(bytes: &[u8], limits: &Limits) -> Result<OrganizationFile, Vec<Finding>> {
    let mut organization = OrganizationFile::default();
    for document in documents(bytes, limits)? {
        organization.merge(document.into_organization());
    }
    Ok(organization)
}

/// Reads one input into its documents, each in the shape it came in.
///
/// ```
/// use workmail_policy::load::{documents, DocumentKind, Limits};
///
/// let pages = br#"{"Users": [{"Id": "S-1-5-18-0001"}], "NextToken": "abc"} {"Users": []}"#;
/// let found = documents(pages, &Limits::default()).unwrap();
/// assert_eq!(found[0].kind(), DocumentKind::Users);
/// assert_eq!(found[1].kind(), DocumentKind::OrganizationFile); // `{"Users": […]}` alone is an organization file too
///
/// let twice = documents(br#"{"AccessControlRules": [{"Name": "a", "Name": "b"}]}"#, &Limits::default());
/// assert_eq!(twice.unwrap_err()[0].path, "AccessControlRules[0].Name");
/// ```
pub fn documents(bytes: &[u8], limits: &Limits) -> Result<Vec<Document>, Vec<Finding>> {
    if bytes.len() > limits.max_input_bytes {
        // Worded so that a caller may pass only the first `max_input_bytes + 1` bytes of a larger input.
        let message = format!(
            "is larger than {} bytes, the most one input may hold (load::Limits::max_input_bytes)",
            limits.max_input_bytes
        );
        return Err(vec![Finding::error("", ErrorCode::LimitExceededException, message)]);
    }
    // A byte-order mark is an editor's artefact, not content.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);

    // Pass 1: syntax, and what each document's top level holds.
    let mut tops = Vec::new();
    each_document(bytes, |_, de| TopLevel::deserialize(de).map(|top| tops.push(top))).map_err(not_json)?;
    if tops.is_empty() {
        let message = "holds no JSON document; an organization file is one JSON object (`{}` for a new organization)";
        return Err(vec![Finding::error("", ErrorCode::SerializationException, message)]);
    }
    let several = tops.len() > 1;
    let prefix = |n: usize| if several { format!("(document {}) ", n + 1) } else { String::new() };
    let mut findings = Findings::default();
    let kinds: Vec<Option<DocumentKind>> =
        tops.iter().enumerate().map(|(n, top)| detect(top, &prefix(n), &mut findings)).collect();
    drop(tops);
    if !findings.is_empty() {
        return Err(findings.into_vec());
    }

    // Pass 2: every member against its shape, and the limits.
    let mut context = Context { path: String::new(), findings, limits: *limits, records: 0, list_items: 0 };
    each_document(bytes, |n, de| {
        context.path = prefix(n);
        let Some(kind) = kinds[n] else { return IgnoredAny::deserialize(de).map(drop) };
        Check { context: &mut context, kind: Kind::Record(kind.schema()) }.deserialize(de)
    })
    .map_err(not_json)?;
    if !context.findings.is_empty() {
        return Err(context.findings.into_vec());
    }

    // Pass 3: conversion, which the check has made safe and bounded.
    let mut documents = Vec::with_capacity(kinds.len());
    each_document(bytes, |n, de| {
        // Every document has a kind here: `detect` reported the others, and reading stopped.
        let kind = kinds[n].unwrap_or(DocumentKind::OrganizationFile);
        Document::read(kind, de).map(|document| documents.push(document))
    })
    .map_err(|e| vec![Finding::error("", ErrorCode::SerializationException, format!("cannot be read: {e}"))])?;
    Ok(documents)
}

type JsonDeserializer<'de> = serde_json::Deserializer<SliceRead<'de>>;

/// Runs `each` on every JSON document of `bytes` in turn, with its index.
fn each_document<'de>(
    bytes: &'de [u8],
    mut each: impl FnMut(usize, &mut JsonDeserializer<'de>) -> serde_json::Result<()>,
) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let mut n = 0;
    // `end` succeeds when only whitespace is left, and consumes nothing else.
    while de.end().is_err() {
        each(n, &mut de)?;
        n += 1;
    }
    Ok(())
}

fn not_json(e: serde_json::Error) -> Vec<Finding> {
    vec![Finding::error("", ErrorCode::SerializationException, format!("not valid JSON: {e}"))]
}

/// A document's top level as the first pass sees it: its member names, or what it is instead of an object.
struct TopLevel {
    shape: Result<Vec<String>, String>,
    /// What a `Rules` member holds, which tells the two `list-…-rules` outputs apart.
    rules: RulesKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RulesKind {
    /// Not a list, or a list of no objects; the check pass reports what is wrong with it against the access-rule
    /// shape.
    Other,
    Empty,
    Access,
    Mobile,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TopLevelVisitor)
    }
}

struct TopLevelVisitor;

impl<'de> Visitor<'de> for TopLevelVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let (mut keys, mut rules) = (Vec::new(), RulesKind::Other);
        while let Some(key) = map.next_key::<String>()? {
            if key == "Rules" {
                rules = map.next_value::<RulesScan>()?.0;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
            keys.push(key);
        }
        Ok(TopLevel { shape: Ok(keys), rules })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<TopLevel, A::Error> {
        drain_seq(seq)?;
        Ok(TopLevel { shape: Err(describe(Value::List)), rules: RulesKind::Other })
    }

    forward_scalars!(|value| Ok(TopLevel { shape: Err(describe(value)), rules: RulesKind::Other }));
}

/// `list-access-control-rules` and `list-mobile-device-access-rules` both print `{"Rules": [...]}`; the rules'
/// own members tell them apart. Mobile rules always carry an id; access rules never have `Device…` members.
struct RulesScan(RulesKind);

impl<'de> Deserialize<'de> for RulesScan {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RulesScanVisitor)
    }
}

struct RulesScanVisitor;

impl<'de> Visitor<'de> for RulesScanVisitor {
    type Value = RulesScan;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of rules")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RulesScan, A::Error> {
        let (mut any, mut mobile) = (false, false);
        while let Some(rule) = seq.next_element::<RuleScan>()? {
            any = true;
            mobile |= rule.0;
        }
        Ok(RulesScan(match (any, mobile) {
            (false, _) => RulesKind::Empty,
            (true, false) => RulesKind::Access,
            (true, true) => RulesKind::Mobile,
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RulesScan, A::Error> {
        drain_map(map)?;
        Ok(RulesScan(RulesKind::Other))
    }

    forward_scalars!(|_value| Ok(RulesScan(RulesKind::Other)));
}

/// Whether one element of a `Rules` list has a member only mobile-device rules have.
struct RuleScan(bool);

impl<'de> Deserialize<'de> for RuleScan {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RuleScanVisitor)
    }
}

struct RuleScanVisitor;

impl<'de> Visitor<'de> for RuleScanVisitor {
    type Value = RuleScan;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a rule")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RuleScan, A::Error> {
        let mut mobile = false;
        while let Some(key) = map.next_key::<String>()? {
            mobile |= key == "MobileDeviceAccessRuleId" || key.starts_with("Device") || key.starts_with("NotDevice");
            map.next_value::<IgnoredAny>()?;
        }
        Ok(RuleScan(mobile))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RuleScan, A::Error> {
        drain_seq(seq)?;
        Ok(RuleScan(false))
    }

    forward_scalars!(|_value| Ok(RuleScan(false)));
}

/// The kind of a document, from its top-level members; `None` (with findings) when it is none of them.
fn detect(top: &TopLevel, prefix: &str, findings: &mut Findings) -> Option<DocumentKind> {
    let keys = match &top.shape {
        Ok(keys) => keys,
        Err(what) => {
            let message = format!("is {what}; an input document must be a JSON object");
            findings.push(Finding::error(prefix.trim_end(), ErrorCode::SerializationException, message));
            return None;
        }
    };
    let has = |key: &str| keys.iter().any(|k| k == key);
    if keys.iter().all(|k| ORGANIZATION_FILE.members.iter().any(|(name, _)| name == k)) {
        return Some(DocumentKind::OrganizationFile);
    }
    if has("Overrides") {
        return Some(DocumentKind::MobileDeviceAccessOverrides);
    }
    if has("Users") {
        return Some(DocumentKind::Users);
    }
    if has("Roles") {
        let message = "looks like `list-impersonation-roles` output, which lacks each role's rules; \
                       use `aws workmail get-impersonation-role` for each role instead";
        findings.push(Finding::error(format!("{prefix}Roles"), ErrorCode::InvalidParameterException, message));
        return None;
    }
    if has("ImpersonationRoleId") || has("Type") {
        return Some(DocumentKind::ImpersonationRole);
    }
    if has("Rules") {
        return match top.rules {
            RulesKind::Access | RulesKind::Other => Some(DocumentKind::AccessControlRules),
            RulesKind::Mobile => Some(DocumentKind::MobileDeviceAccessRules),
            RulesKind::Empty => {
                let message = "an empty `Rules` list could be access-control or mobile-device rules; write an \
                               organization file with `\"AccessControlRules\": []` or `\"MobileDeviceAccessRules\": []`";
                findings.push(Finding::error(format!("{prefix}Rules"), ErrorCode::InvalidParameterException, message));
                None
            }
        };
    }
    for key in keys {
        findings.push_error_with(|| {
            let mut message = format!(
                "unknown top-level member `{key}`: expected an organization file or the output of \
                 aws workmail list-access-control-rules, list-mobile-device-access-rules, \
                 list-mobile-device-access-overrides, get-impersonation-role or list-users"
            );
            if let Some(near) = nearest(key, TOP_LEVEL_MEMBERS.iter().copied()) {
                message.push_str(&format!("; did you mean `{near}`?"));
            }
            Finding::error(format!("{prefix}{key}"), ErrorCode::InvalidParameterException, message)
        });
    }
    None
}

/// The check pass's state: where it is, what it found, and the counts held to the limits.
struct Context {
    path: String,
    findings: Findings,
    limits: Limits,
    records: usize,
    list_items: usize,
}

impl Context {
    fn type_error(&mut self, found: Value, kind: Kind) {
        let expected = match kind {
            Record(_) => "an object",
            Text => "a string",
            Timestamp => "a timestamp (epoch seconds or ISO-8601 text)",
            TextList | RecordList(_) => "a list",
        };
        self.findings.push_error_with(|| {
            let message = format!("is {}; expected {expected}", describe(found));
            Finding::error(self.path.clone(), ErrorCode::SerializationException, message)
        });
    }

    /// Counts one more record or list item; false (with a finding, once) when that goes over its limit.
    fn count(&mut self, record: bool) -> bool {
        let (count, limit, what, field) = if record {
            (&mut self.records, self.limits.max_records, "records (rules, overrides, roles and users)", "max_records")
        } else {
            (&mut self.list_items, self.limits.max_list_items, "list entries", "max_list_items")
        };
        *count += 1;
        if *count == limit + 1 {
            let message = format!("the input holds more than {limit} {what}; this is as many as one input may hold (load::Limits::{field})");
            self.findings.push(Finding::error(self.path.clone(), ErrorCode::LimitExceededException, message));
        }
        *count <= limit
    }
}

/// The second pass over one value: checks it against `kind`, reporting into the context, storing nothing.
struct Check<'c> {
    context: &'c mut Context,
    kind: Kind,
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member of the service's shapes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Record(schema) = self.kind else {
            self.context.type_error(Value::Object, self.kind);
            return drain_map(map);
        };
        // Which known members this object has written; no shape has more than 64.
        let mut seen = 0u64;
        while let Some(key) = map.next_key::<String>()? {
            let mark = self.context.path.len();
            if !self.context.path.is_empty() && !self.context.path.ends_with(' ') {
                self.context.path.push('.');
            }
            self.context.path.push_str(&key);
            match schema.members.iter().position(|(name, _)| *name == key) {
                Some(index) => {
                    if seen & (1 << index) != 0 {
                        let path = &self.context.path;
                        self.context.findings.push_error_with(|| {
                            let message = format!(
                                "`{key}` is written twice in one object; a JSON reader keeps one and silently drops \
                                 the other, so remove the one you do not mean"
                            );
                            Finding::error(path.clone(), ErrorCode::SerializationException, message)
                        });
                    }
                    seen |= 1 << index;
                    map.next_value_seed(Check { context: self.context, kind: schema.members[index].1 })?;
                }
                None => {
                    let path = &self.context.path;
                    self.context.findings.push_error_with(|| {
                        Finding::error(path.clone(), ErrorCode::InvalidParameterException, unknown_member(&key, schema))
                    });
                    map.next_value::<IgnoredAny>()?;
                }
            }
            self.context.path.truncate(mark);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (item, record) = match self.kind {
            TextList => (Text, false),
            RecordList(schema) => (Record(schema), true),
            _ => {
                self.context.type_error(Value::List, self.kind);
                return drain_seq(seq);
            }
        };
        let mark = self.context.path.len();
        for i in 0.. {
            let _ = write!(self.context.path, "[{i}]");
            let more = seq.next_element_seed(Check { context: self.context, kind: item })?.is_some();
            // Counted as soon as it is read, so that nothing past the limit is looked at.
            let within = !more || self.context.count(record);
            self.context.path.truncate(mark);
            if !more {
                return Ok(());
            }
            if !within {
                return drain_seq(seq);
            }
        }
        Ok(())
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<(), E> {
        if !matches!(self.kind, Text | Timestamp) {
            self.context.type_error(Value::Str(value), self.kind);
        }
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<(), E> {
        self.number(Value::Number(&value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<(), E> {
        self.number(Value::Number(&value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<(), E> {
        self.number(Value::Number(&value))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<(), E> {
        self.context.type_error(Value::Bool(value), self.kind);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.context.type_error(Value::Null, self.kind);
        Ok(())
    }
}

impl Check<'_> {
    fn number<E>(self, value: Value) -> Result<(), E> {
        if !matches!(self.kind, Timestamp) {
            self.context.type_error(value, self.kind);
        }
        Ok(())
    }
}

fn unknown_member(key: &str, schema: &Schema) -> String {
    let mut message = format!("unknown member `{}`", key.chars().take(100).collect::<String>());
    match nearest(key, schema.members.iter().map(|(name, _)| *name)) {
        Some(near) => message.push_str(&format!("; did you mean `{near}`?")),
        None => {
            let known: Vec<&str> = schema.members.iter().map(|(name, _)| *name).collect();
            message.push_str(&format!("; the members here are {}", known.join(", ")));
        }
    }
    message
}

/// A JSON value as a message describes it, without holding it.
#[derive(Clone, Copy)]
enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a dyn fmt::Display),
    Str(&'a str),
    List,
    Object,
}

fn describe(value: Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Str(s) => format!("the string {}", quote(s)),
        Value::List => "a list".into(),
        Value::Object => "an object".into(),
    }
}

/// Skips the rest of a list; serde_json skips nested values with a loop, not recursion.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
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
