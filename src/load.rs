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
//! Inputs come from scripts, editors and strangers, so reading never trusts them. The bytes are read twice, each
//! pass streaming, neither building a JSON tree:
//!
//! 1. **shape**: JSON syntax, and each document's top-level member names (which decide its kind);
//! 2. **check**: every member against the table of the shapes' members, reporting all at once, with paths: an
//!    unknown member (with the nearest known one suggested; a typo such as `NotIpRange` must never silently widen a
//!    rule), a value of the wrong JSON type, a member written twice in one object (a JSON reader would keep one and
//!    silently drop the other), and counts over [`Limits`]. What the shapes allow is kept as it is checked, as
//!    strings, string lists and records keyed by the table's members; only when the check found nothing is that
//!    converted into the [`crate::model`] types, by the table, which then cannot fail.
//!
//! The conversion is written against the same table rather than derived by serde: one walk serves both purposes,
//! and the WebAssembly build (whose size is budgeted) carries one small visitor instead of a serde deserializer
//! per shape.
//!
//! Memory is bounded by the limits, not by what the input holds: the input's size is checked before parsing,
//! values the shapes do not allow are skipped without being stored (serde_json skips them with a loop, not
//! recursion, so no nesting depth can overflow the stack), and the records and list entries kept are capped.
//! A shape is at most six levels deep, so the check pass, which follows the
//! shapes and skips anything else, stays far below serde_json's recursion limit of 128.

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

    /// Converts one document of `kind` that the check pass kept.
    fn convert(kind: DocumentKind, top: Object) -> Document {
        top.convert(|top| match kind {
            DocumentKind::OrganizationFile => Document::OrganizationFile(OrganizationFile {
                access_control_rules: top.records("AccessControlRules", access_control_rule),
                mobile_device_access_rules: top.records("MobileDeviceAccessRules", mobile_device_access_rule),
                mobile_device_access_overrides: top
                    .records("MobileDeviceAccessOverrides", mobile_device_access_override),
                impersonation_roles: top.records("ImpersonationRoles", impersonation_role),
                users: top.records("Users", user),
            }),
            DocumentKind::AccessControlRules => Document::AccessControlRules(AccessControlRulesPage {
                rules: top.records("Rules", access_control_rule).unwrap_or_default(),
                next_token: top.text("NextToken"),
            }),
            DocumentKind::MobileDeviceAccessRules => Document::MobileDeviceAccessRules(MobileDeviceAccessRulesPage {
                rules: top.records("Rules", mobile_device_access_rule).unwrap_or_default(),
                next_token: top.text("NextToken"),
            }),
            DocumentKind::MobileDeviceAccessOverrides => {
                Document::MobileDeviceAccessOverrides(MobileDeviceAccessOverridesPage {
                    overrides: top.records("Overrides", mobile_device_access_override).unwrap_or_default(),
                    next_token: top.text("NextToken"),
                })
            }
            DocumentKind::Users => Document::Users(UsersPage {
                users: top.records("Users", user).unwrap_or_default(),
                next_token: top.text("NextToken"),
            }),
            DocumentKind::ImpersonationRole => Document::ImpersonationRole(impersonation_role(top)),
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

    // Pass 2: every member against its shape, and the limits, keeping what the shapes allow.
    let mut context = Context { path: String::new(), findings, limits: *limits, records: 0, list_items: 0 };
    let mut kept = Vec::with_capacity(kinds.len());
    each_document(bytes, |n, de| {
        context.path = prefix(n);
        let Some(kind) = kinds[n] else { return IgnoredAny::deserialize(de).map(drop) };
        let node = Check { context: &mut context, kind: Kind::Record(kind.schema()) }.deserialize(de)?;
        if let Some(Node::Record(top)) = node {
            kept.push((kind, top));
        }
        Ok(())
    })
    .map_err(not_json)?;
    if !context.findings.is_empty() {
        return Err(context.findings.into_vec());
    }
    // Every document has a kind and was kept whole here: `detect` reported the others, and the check anything
    // it could not keep.
    Ok(kept.into_iter().map(|(kind, top)| Document::convert(kind, top)).collect())
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

/// The second pass over one value: checks it against `kind`, reporting into the context, and keeps it when it is
/// what `kind` allows (`None` when it is not; the context then holds a finding about it).
struct Check<'c> {
    context: &'c mut Context,
    kind: Kind,
}

/// A value the check pass kept: JSON reduced to what the shapes hold.
enum Node {
    /// A string, or a timestamp written as ISO-8601 text.
    Text(String),
    /// A timestamp written as epoch seconds.
    Epoch(serde_json::Number),
    TextList(Vec<String>),
    Record(Object),
    RecordList(Vec<Object>),
}

/// An object of one shape: the members it wrote, by their index in the shape's table.
struct Object {
    schema: &'static Schema,
    members: Vec<(usize, Node)>,
}

impl Object {
    /// Takes the member `name` of the shape, when written.
    fn take(&mut self, name: &str) -> Option<Node> {
        let index = self.schema.members.iter().position(|(member, _)| *member == name);
        debug_assert!(index.is_some(), "`{name}` is not a member of this shape");
        let at = self.members.iter().position(|(i, _)| Some(*i) == index)?;
        Some(self.members.swap_remove(at).1)
    }

    fn text(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Node::Text(text) => Some(text),
            _ => None,
        }
    }

    fn list(&mut self, name: &str) -> Option<Vec<String>> {
        match self.take(name)? {
            Node::TextList(list) => Some(list),
            _ => None,
        }
    }

    fn timestamp(&mut self, name: &str) -> Option<crate::model::Timestamp> {
        match self.take(name)? {
            Node::Text(text) => Some(crate::model::Timestamp::Text(text)),
            Node::Epoch(seconds) => Some(crate::model::Timestamp::Epoch(seconds)),
            _ => None,
        }
    }

    fn records<T>(&mut self, name: &str, convert: fn(&mut Object) -> T) -> Option<Vec<T>> {
        match self.take(name)? {
            Node::RecordList(records) => Some(records.into_iter().map(|record| record.convert(convert)).collect()),
            _ => None,
        }
    }

    /// Converts this object with `build`, checking (in tests) that it took every member the object wrote: one it
    /// forgot would be dropped.
    fn convert<T>(mut self, build: impl FnOnce(&mut Object) -> T) -> T {
        let converted = build(&mut self);
        debug_assert!(
            self.members.is_empty(),
            "members not converted: {:?}",
            self.members.iter().map(|&(i, _)| self.schema.members[i].0).collect::<Vec<_>>()
        );
        converted
    }
}

// The conversions, one per shape, member for member in the order of the shape's table.

fn access_control_rule(r: &mut Object) -> AccessControlRule {
    AccessControlRule {
        name: r.text("Name"),
        effect: r.text("Effect"),
        description: r.text("Description"),
        ip_ranges: r.list("IpRanges"),
        not_ip_ranges: r.list("NotIpRanges"),
        actions: r.list("Actions"),
        not_actions: r.list("NotActions"),
        user_ids: r.list("UserIds"),
        not_user_ids: r.list("NotUserIds"),
        date_created: r.timestamp("DateCreated"),
        date_modified: r.timestamp("DateModified"),
        impersonation_role_ids: r.list("ImpersonationRoleIds"),
        not_impersonation_role_ids: r.list("NotImpersonationRoleIds"),
    }
}

fn mobile_device_access_rule(r: &mut Object) -> MobileDeviceAccessRule {
    MobileDeviceAccessRule {
        mobile_device_access_rule_id: r.text("MobileDeviceAccessRuleId"),
        name: r.text("Name"),
        description: r.text("Description"),
        effect: r.text("Effect"),
        device_types: r.list("DeviceTypes"),
        not_device_types: r.list("NotDeviceTypes"),
        device_models: r.list("DeviceModels"),
        not_device_models: r.list("NotDeviceModels"),
        device_operating_systems: r.list("DeviceOperatingSystems"),
        not_device_operating_systems: r.list("NotDeviceOperatingSystems"),
        device_user_agents: r.list("DeviceUserAgents"),
        not_device_user_agents: r.list("NotDeviceUserAgents"),
        date_created: r.timestamp("DateCreated"),
        date_modified: r.timestamp("DateModified"),
    }
}

fn mobile_device_access_override(r: &mut Object) -> MobileDeviceAccessOverride {
    MobileDeviceAccessOverride {
        user_id: r.text("UserId"),
        device_id: r.text("DeviceId"),
        effect: r.text("Effect"),
        description: r.text("Description"),
        date_created: r.timestamp("DateCreated"),
        date_modified: r.timestamp("DateModified"),
    }
}

fn impersonation_rule(r: &mut Object) -> ImpersonationRule {
    ImpersonationRule {
        impersonation_rule_id: r.text("ImpersonationRuleId"),
        name: r.text("Name"),
        description: r.text("Description"),
        effect: r.text("Effect"),
        target_users: r.list("TargetUsers"),
        not_target_users: r.list("NotTargetUsers"),
    }
}

fn impersonation_role(r: &mut Object) -> ImpersonationRole {
    ImpersonationRole {
        impersonation_role_id: r.text("ImpersonationRoleId"),
        name: r.text("Name"),
        role_type: r.text("Type"),
        description: r.text("Description"),
        rules: r.records("Rules", impersonation_rule),
        date_created: r.timestamp("DateCreated"),
        date_modified: r.timestamp("DateModified"),
    }
}

fn user(r: &mut Object) -> User {
    User {
        id: r.text("Id"),
        email: r.text("Email"),
        name: r.text("Name"),
        display_name: r.text("DisplayName"),
        state: r.text("State"),
        user_role: r.text("UserRole"),
        enabled_date: r.timestamp("EnabledDate"),
        disabled_date: r.timestamp("DisabledDate"),
        identity_provider_user_id: r.text("IdentityProviderUserId"),
        identity_provider_identity_store_id: r.text("IdentityProviderIdentityStoreId"),
    }
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = Option<Node>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Option<Node>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = Option<Node>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member of the service's shapes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Node>, A::Error> {
        let Record(schema) = self.kind else {
            self.context.type_error(Value::Object, self.kind);
            return drain_map(map).map(|()| None);
        };
        let mut members = Vec::new();
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
                    let twice = seen & (1 << index) != 0;
                    if twice {
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
                    let kind = schema.members[index].1;
                    // The second of a member written twice is checked (and reported above), not kept.
                    match map.next_value_seed(Check { context: self.context, kind })? {
                        Some(node) if !twice => members.push((index, node)),
                        _ => {}
                    }
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
        Ok(Some(Node::Record(Object { schema, members })))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Node>, A::Error> {
        let (item, record) = match self.kind {
            TextList => (Text, false),
            RecordList(schema) => (Record(schema), true),
            _ => {
                self.context.type_error(Value::List, self.kind);
                return drain_seq(seq).map(|()| None);
            }
        };
        let (mut texts, mut records) = (Vec::new(), Vec::new());
        let mark = self.context.path.len();
        for i in 0.. {
            let _ = write!(self.context.path, "[{i}]");
            let element = seq.next_element_seed(Check { context: self.context, kind: item })?;
            let more = element.is_some();
            // Counted as soon as it is read, so that nothing past the limit is looked at.
            let within = !more || self.context.count(record);
            self.context.path.truncate(mark);
            match element.flatten() {
                Some(Node::Text(text)) if within => texts.push(text),
                Some(Node::Record(kept)) if within => records.push(kept),
                _ => {}
            }
            if !more {
                break;
            }
            if !within {
                return drain_seq(seq).map(|()| None);
            }
        }
        Ok(Some(if record { Node::RecordList(records) } else { Node::TextList(texts) }))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Option<Node>, E> {
        if !matches!(self.kind, Text | Timestamp) {
            self.context.type_error(Value::Str(value), self.kind);
            return Ok(None);
        }
        Ok(Some(Node::Text(value.to_owned())))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Option<Node>, E> {
        Ok(self.number(Value::Number(&value), Some(value.into())))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Option<Node>, E> {
        Ok(self.number(Value::Number(&value), Some(value.into())))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Option<Node>, E> {
        Ok(self.number(Value::Number(&value), serde_json::Number::from_f64(value)))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Option<Node>, E> {
        self.context.type_error(Value::Bool(value), self.kind);
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Node>, E> {
        self.context.type_error(Value::Null, self.kind);
        Ok(None)
    }
}

impl Check<'_> {
    /// A number is only ever a timestamp, in epoch seconds.
    fn number(self, value: Value, number: Option<serde_json::Number>) -> Option<Node> {
        if !matches!(self.kind, Timestamp) {
            self.context.type_error(value, self.kind);
            return None;
        }
        match number {
            Some(number) => Some(Node::Epoch(number)),
            // serde_json reads no number that is not finite; were it to, it is refused, not dropped.
            None => {
                self.context.type_error(value, self.kind);
                None
            }
        }
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

    /// A JSON object with every member of `schema`, nested shapes included.
    fn every_member(schema: &Schema, n: &mut u32) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        for &(name, kind) in schema.members {
            *n += 1;
            let value = match kind {
                Record(inner) => every_member(inner, n),
                Text => format!("text {n}").into(),
                TextList => serde_json::json!([format!("first {n}"), format!("second {n}")]),
                Timestamp if *n % 2 == 0 => serde_json::json!(1_614_704_932.125 + f64::from(*n)),
                Timestamp => format!("2021-03-02T17:08:{:02}Z", *n % 60).into(),
                RecordList(inner) => serde_json::json!([every_member(inner, n), every_member(inner, n)]),
            };
            object.insert(name.to_string(), value);
        }
        object.into()
    }

    #[test]
    fn every_member_of_every_shape_is_kept() {
        // Built from the table the check pass reads, so a member the conversion forgot cannot hide; compared with
        // what serde's derived readers of the model make of the same text.
        for kind in [
            DocumentKind::OrganizationFile,
            DocumentKind::AccessControlRules,
            DocumentKind::MobileDeviceAccessRules,
            DocumentKind::MobileDeviceAccessOverrides,
            DocumentKind::ImpersonationRole,
            DocumentKind::Users,
        ] {
            let json = every_member(kind.schema(), &mut 0);
            let text = serde_json::to_vec(&json).unwrap();
            let found = documents(&text, &Limits::default()).unwrap();
            assert_eq!(found.len(), 1);
            assert_eq!(found[0].kind(), kind, "{json}");
            assert_eq!(serde_json::to_value(&found[0]).unwrap(), json, "{kind:?}");
            let derived: OrganizationFile = match kind {
                DocumentKind::OrganizationFile => serde_json::from_slice(&text).unwrap(),
                DocumentKind::AccessControlRules => {
                    Document::AccessControlRules(serde_json::from_slice(&text).unwrap()).into_organization()
                }
                DocumentKind::MobileDeviceAccessRules => {
                    Document::MobileDeviceAccessRules(serde_json::from_slice(&text).unwrap()).into_organization()
                }
                DocumentKind::MobileDeviceAccessOverrides => {
                    Document::MobileDeviceAccessOverrides(serde_json::from_slice(&text).unwrap()).into_organization()
                }
                DocumentKind::ImpersonationRole => {
                    Document::ImpersonationRole(serde_json::from_slice(&text).unwrap()).into_organization()
                }
                DocumentKind::Users => Document::Users(serde_json::from_slice(&text).unwrap()).into_organization(),
            };
            assert_eq!(parse(&text).unwrap(), derived, "{kind:?}");
        }
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
