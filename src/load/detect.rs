//! Pass 1: JSON syntax, and which kind each document is, from its top-level members.
//!
//! An input may be an organization file or the output of one of five aws CLI commands, and may hold several
//! documents. This pass reads each document's top-level member names only (and, for a `Rules` list, whether its
//! rules have members only mobile-device rules have), so that pass 2 knows which table to check it against.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::{describe, drain_map, drain_seq, DocumentKind, RulesAs, Value};
use crate::diagnostic::{nearest, Finding, Findings, Problem};
use crate::model::OrganizationFile;

/// Every top-level member that decides a document's kind, for suggestions on an unrecognised document.
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

/// Whether some kind of document has `key` at its top level.
fn is_top_level_member(key: &str) -> bool {
    DocumentKind::ALL.iter().any(|kind| kind.shape().members.iter().any(|member| member.name == key))
}

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

/// A document's top level as the first pass sees it: its member names, or what it is instead of an object.
pub(super) struct TopLevel {
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
pub(super) fn detect(
    top: &TopLevel,
    prefix: &str,
    rules_as: Option<RulesAs>,
    findings: &mut Findings,
) -> Option<DocumentKind> {
    let keys = match &top.shape {
        Ok(keys) => keys,
        Err(what) => {
            let message = format!("is {what}; an input document must be a JSON object");
            findings.push(Finding::error(prefix.trim_end(), Problem::WrongType, message));
            return None;
        }
    };
    let has = |key: &str| keys.iter().any(|k| k == key);
    if keys.iter().all(|k| OrganizationFile::SHAPE.members.iter().any(|member| member.name == k)) {
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
        findings.push(Finding::error(format!("{prefix}Roles"), Problem::UnknownShape, message));
        return None;
    }
    if has("ImpersonationRoleId") || has("Type") {
        return Some(DocumentKind::ImpersonationRole);
    }
    if has("Rules") {
        // The reader's word beats the content's: what the list holds is then checked against that kind's shape.
        if let Some(rules_as) = rules_as {
            return Some(rules_as.kind());
        }
        return match top.rules {
            RulesKind::Access | RulesKind::Other => Some(DocumentKind::AccessControlRules),
            RulesKind::Mobile => Some(DocumentKind::MobileDeviceAccessRules),
            RulesKind::Empty => {
                let message = "an empty `Rules` list could be access-control or mobile-device rules (both aws \
                               workmail list-access-control-rules and list-mobile-device-access-rules print it for an \
                               organization with none): say which kind the input is, or write an organization file \
                               with `\"AccessControlRules\": []` or `\"MobileDeviceAccessRules\": []`";
                findings.push(Finding::error(format!("{prefix}Rules"), Problem::UnknownShape, message));
                None
            }
        };
    }
    // None of the aws CLI outputs: a document that has a member of the organization file is one, with mistakes
    // that pass 2 reports member by member (`Extra`, or `AccessControlRule` with its suggestion), while the members
    // it got right are not called unknown.
    if keys.iter().any(|k| OrganizationFile::SHAPE.members.iter().any(|member| member.name == *k)) {
        return Some(DocumentKind::OrganizationFile);
    }
    // Otherwise only the members no document has are wrong; when every member is some document's, none can be
    // singled out, and all are reported.
    let unknown: Vec<&String> = keys.iter().filter(|k| !is_top_level_member(k)).collect();
    let reported = if unknown.is_empty() { keys.iter().collect() } else { unknown };
    for key in reported {
        findings.push_error_with(|| {
            let mut message = format!(
                "unknown top-level member `{key}`: expected an organization file or the output of \
                 aws workmail list-access-control-rules, list-mobile-device-access-rules, \
                 list-mobile-device-access-overrides, get-impersonation-role or list-users"
            );
            if let Some(near) = nearest(key, TOP_LEVEL_MEMBERS.iter().copied()) {
                message.push_str(&format!("; did you mean `{near}`?"));
            }
            Finding::error(format!("{prefix}{key}"), Problem::UnknownMember, message)
        });
    }
    None
}
