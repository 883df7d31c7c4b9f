//! One request, rule by rule: whether each rule matched, the first condition that failed when it did not (with
//! the values involved), and how the verdict followed.
//!
//! The conditions are tested with the reference evaluator's own helpers (`reference`), in the order it
//! tests them, and the verdict follows from the rules that matched by the same decision (SEMANTICS 1.4, 2.6,
//! 3.2); `tests/analysis.rs` checks on random organizations and requests that every verdict equals the
//! reference's. Cost: one pass over the rules, like the reference evaluator, plus the words.

use std::fmt;
use std::net::Ipv4Addr;

use serde::Serialize;

use super::Summary;
use crate::answer::*;
use crate::conditions::{list_holds, not_list_holds, value_matches};
use crate::diagnostic::ErrorCode;
use crate::organization::*;
use crate::request::*;
use crate::uncertain;

/// The simulate call's answer, or the error the service would refuse the request with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<R> {
    /// The simulate call's response.
    Answer(R),
    /// The request is refused, as the service would refuse it.
    Rejected {
        /// The service's error name.
        code: ErrorCode,
        /// Why.
        message: String,
    },
}

impl<R> Verdict<R> {
    fn of(result: Result<R, RequestError<'_>>) -> Self {
        match result {
            Ok(answer) => Verdict::Answer(answer),
            Err(error) => Verdict::Rejected { code: error.code(), message: error.to_string() },
        }
    }

    /// The answer, when the request is answered.
    pub fn answer(&self) -> Option<&R> {
        match self {
            Verdict::Answer(answer) => Some(answer),
            Verdict::Rejected { .. } => None,
        }
    }
}

/// An answer serializes as the service's response; a refusal as `wmpolicy` prints one:
/// `{"Error": {"Code": …, "Message": …}}`.
impl<R: Serialize> Serialize for Verdict<R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Verdict::Answer(answer) => answer.serialize(serializer),
            Verdict::Rejected { code, message } => {
                crate::batch::ErrorResponse::new(*code, message.as_str()).serialize(serializer)
            }
        }
    }
}

/// How the verdict followed from the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DecisionKind {
    /// At least one DENY rule matched: DENY, listing the matching DENY rules.
    DenyRuleMatched,
    /// No DENY rule matched and at least one ALLOW rule did: ALLOW, listing them.
    AllowRuleMatched,
    /// No rule matched: DENY by default, listing none.
    NoRuleMatched,
    /// A mobile-device access override for the user and device decided, whatever the rules say.
    OverrideDecided,
    /// The service would refuse the request; no rule was consulted.
    RequestRejected,
}

/// How the verdict followed from the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Decision {
    /// Which of the evaluation's outcomes decided.
    pub kind: DecisionKind,
    /// The same, in a sentence.
    pub text: String,
}

/// The first condition of a rule that did not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FailedCondition {
    /// The rule member, for example `IpRanges` or `NotDeviceModels`.
    pub condition: &'static str,
    /// Why, with the values involved: `203.0.113.9 is in none of 3 ranges`.
    pub reason: String,
}

/// One rule and whether it matched the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RuleExplanation<'o> {
    /// Where the rule is in the organization: `AccessControlRules[2]`.
    pub path: String,
    /// The rule's id, for mobile-device and impersonation rules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'o str>,
    /// The rule's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'o str>,
    /// What the rule decides when it matches.
    pub effect: Effect,
    /// Whether every condition of the rule held.
    pub matched: bool,
    /// When it did not match, the first condition that failed, in the order the reference evaluator tests them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<FailedCondition>,
}

/// A request explained: the verdict, every rule, and how the one followed from the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Explanation<'o, R> {
    /// The answer, exactly as the engine and the reference give it.
    pub verdict: Verdict<R>,
    /// Every rule consulted, in order; empty when the request is refused.
    pub rules: Vec<RuleExplanation<'o>>,
    /// How the verdict followed from the rules.
    pub decision: Decision,
}

/// One condition's outcome: `Err` with the reason when it fails.
type Check = Result<(), FailedCondition>;

fn fail(condition: &'static str, reason: String) -> Check {
    Err(FailedCondition { condition, reason })
}

/// Values in quotes, joined, the first few of a long list.
fn quoted(values: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut parts: Vec<String> = values.iter().take(SHOWN).map(|v| format!("{v:?}")).collect();
    if values.len() > SHOWN {
        parts.push(format!("{} more", values.len() - SHOWN));
    }
    parts.join(", ")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// SEMANTICS 1.4, 2.6, 3.2 on the matching rules' effects: the kind of decision and the rules it lists.
fn decide(matched: &[(usize, Effect)]) -> (Effect, DecisionKind, Vec<usize>) {
    let with = |effect| matched.iter().filter(|(_, e)| *e == effect).map(|(i, _)| *i).collect::<Vec<_>>();
    let (deny, allow) = (with(Effect::Deny), with(Effect::Allow));
    let deciding = DecidingRules::of(!deny.is_empty(), !allow.is_empty());
    let (kind, decided) = match deciding {
        DecidingRules::Deny => (DecisionKind::DenyRuleMatched, deny),
        DecidingRules::Allow => (DecisionKind::AllowRuleMatched, allow),
        DecidingRules::NoRule => (DecisionKind::NoRuleMatched, vec![]),
    };
    (deciding.effect(), kind, decided)
}

fn decision_text(kind: DecisionKind, names: &[String]) -> String {
    let names = names.join(", ");
    match kind {
        DecisionKind::DenyRuleMatched => {
            format!("a DENY rule matched ({names}); DENY wins over any matching ALLOW rule")
        }
        DecisionKind::AllowRuleMatched => format!("no DENY rule matched; the matching ALLOW rules decide ({names})"),
        DecisionKind::NoRuleMatched => "no rule matched: denied by default".into(),
        DecisionKind::OverrideDecided | DecisionKind::RequestRejected => names,
    }
}

fn rejected<'o, R>(error: RequestError) -> Explanation<'o, R> {
    let text = format!("the service would refuse the request: {error}");
    Explanation {
        verdict: Verdict::of(Err(error)),
        rules: vec![],
        decision: Decision { kind: DecisionKind::RequestRejected, text },
    }
}

fn rule_explanation<'o>(
    path: String,
    id: Option<&'o str>,
    name: Option<&'o str>,
    effect: Effect,
    check: Check,
) -> RuleExplanation<'o> {
    let failed = check.err();
    RuleExplanation { path, id, name, effect, matched: failed.is_none(), failed }
}

/// `GetAccessControlEffect` (SEMANTICS 1), explained.
///
/// ```
/// use workmail_policy::{analyse::explain, AccessRequest, Organization};
///
/// let org = Organization::default();
/// let request = AccessRequest { ip_address: "192.0.2.1", action: "IMAP", user_id: Some("S-1-5-18-0001"), ..Default::default() };
/// let explanation = explain::access(&org, &request);
/// assert_eq!(explanation.decision.kind, explain::DecisionKind::AllowRuleMatched);
/// assert!(explanation.rules[0].matched);
/// ```
pub fn access<'o>(org: &'o Organization, request: &AccessRequest) -> Explanation<'o, AccessControlEffect<'o>> {
    // 1.6, exactly as the reference evaluator checks.
    let checked = crate::conditions::access_checks(org, request);
    let (address, principal) = match checked {
        Ok(checked) => checked,
        Err(error) => return rejected(error),
    };
    let address = Ipv4Addr::from(address);
    let action = request.action;
    let absent = uncertain::ABSENT_PRINCIPAL_SATISFIES;
    let check = |rule: &AccessRule| -> Check {
        if !list_holds(&rule.actions, |a| uncertain::action_matches(a, action)) {
            fail("Actions", format!("{action} is not one of {}", quoted(&rule.actions)))?;
        }
        if !not_list_holds(&rule.not_actions, |a| uncertain::action_matches(a, action)) {
            fail("NotActions", format!("{action} is listed"))?;
        }
        if !list_holds(&rule.ip_ranges, |net| net.contains(&address)) {
            let n = rule.ip_ranges.len();
            let mut reason = format!("{address} is in none of {}", plural(n, "range", "ranges"));
            if n <= 3 {
                let ranges: Vec<String> = rule.ip_ranges.iter().map(ToString::to_string).collect();
                reason.push_str(&format!(" ({})", ranges.join(", ")));
            }
            fail("IpRanges", reason)?;
        }
        if let Some(net) = rule.not_ip_ranges.iter().find(|net| net.contains(&address)) {
            fail("NotIpRanges", format!("{address} is in {net}"))?;
        }
        match principal {
            Principal::User(user) => {
                let listed = |list: &[String]| list.iter().find(|l| org.same_user(l, user)).cloned();
                if !rule.user_ids.is_empty() && listed(&rule.user_ids).is_none() {
                    let n = plural(rule.user_ids.len(), "user", "users");
                    fail("UserIds", format!("user {user} is not one of the {n} listed"))?;
                }
                if let Some(entry) = listed(&rule.not_user_ids) {
                    fail("NotUserIds", format!("user {user} is listed (as {entry:?})"))?;
                }
                if !rule.impersonation_role_ids.is_empty() && !absent.positive {
                    let reason = format!("the request is made by user {user}, not through an impersonation role");
                    fail("ImpersonationRoleIds", reason)?;
                }
                if !rule.not_impersonation_role_ids.is_empty() && !absent.negative {
                    let reason = format!("the request is made by user {user}, not through an impersonation role");
                    fail("NotImpersonationRoleIds", reason)?;
                }
            }
            Principal::Role(role) => {
                let no_user = || format!("the request is made through impersonation role {role} and has no user");
                if !rule.user_ids.is_empty() && !absent.positive {
                    fail("UserIds", no_user())?;
                }
                if !rule.not_user_ids.is_empty() && !absent.negative {
                    fail("NotUserIds", no_user())?;
                }
                if !list_holds(&rule.impersonation_role_ids, |r| r == role) {
                    let n = plural(rule.impersonation_role_ids.len(), "role", "roles");
                    fail("ImpersonationRoleIds", format!("role {role} is not one of the {n} listed"))?;
                }
                if rule.not_impersonation_role_ids.iter().any(|r| r == role) {
                    fail("NotImpersonationRoleIds", format!("role {role} is listed"))?;
                }
            }
        }
        Ok(())
    };
    let rules: Vec<RuleExplanation> = org
        .access_control_rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let path = format!("AccessControlRules[{i}]");
            rule_explanation(path, None, Some(&rule.name), rule.effect, check(rule))
        })
        .collect();
    let matched: Vec<(usize, Effect)> =
        rules.iter().enumerate().filter(|(_, r)| r.matched).map(|(i, r)| (i, r.effect)).collect();
    let (effect, kind, decided) = decide(&matched);
    let names: Vec<&str> = decided.iter().map(|&i| org.access_control_rules[i].name.as_str()).collect();
    let text = decision_text(kind, &names.iter().map(|n| n.to_string()).collect::<Vec<_>>());
    Explanation {
        verdict: Verdict::Answer(AccessControlEffect { effect, matched_rules: names }),
        rules,
        decision: Decision { kind, text },
    }
}

/// `GetMobileDeviceAccessEffect` (SEMANTICS 2) with the override extension, explained. When an override decides,
/// the rules are still shown, as they would have answered.
pub fn mobile<'o>(org: &'o Organization, request: &MobileRequest) -> Explanation<'o, MobileDeviceAccessEffect<'o>> {
    if let Err(error) = check_mobile(request) {
        return rejected(error);
    }
    let mut found = None;
    if let (Some(user), Some(device)) = (request.user_id, request.device_id) {
        if org.resolve_user(user).is_err() {
            return rejected(RequestError::UnknownUser { member: "UserId", value: user });
        }
        found = org
            .mobile_device_access_overrides
            .iter()
            .find(|o| org.same_user(&o.user_id, user) && o.device_id.eq_ignore_ascii_case(device));
    }
    let check = |rule: &MobileRule| -> Check {
        for property in DeviceProperty::ALL {
            let reported = request.property(property);
            let condition = rule.condition(property);
            let member = property.as_str();
            if !list_holds(&condition.values, |v| value_matches(v, reported)) {
                let reason = match reported {
                    Some(value) => format!("{member} {value:?} starts with none of {}", quoted(&condition.values)),
                    None => format!("the device reports no {member}, and the list has no {}", uncertain::NONE_VALUE),
                };
                fail(property.list_name(), reason)?;
            }
            if !condition.not_values.is_empty() {
                match reported {
                    None => fail(
                        property.not_list_name(),
                        format!("the device reports no {member}; a Not list holds only for a reported value"),
                    )?,
                    Some(value) => {
                        if let Some(listed) = condition.not_values.iter().find(|v| value_matches(v, reported)) {
                            fail(property.not_list_name(), format!("{member} {value:?} starts with {listed:?}"))?;
                        }
                    }
                }
            }
        }
        Ok(())
    };
    let rules: Vec<RuleExplanation> = org
        .mobile_device_access_rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let path = format!("MobileDeviceAccessRules[{i}]");
            rule_explanation(path, rule.id.as_deref(), Some(&rule.name), rule.effect, check(rule))
        })
        .collect();
    if let Some(o) = found {
        let text = format!(
            "the override for UserId {} and DeviceId {} decided ({}), whatever the rules say",
            o.user_id, o.device_id, o.effect
        );
        return Explanation {
            verdict: Verdict::Answer(MobileDeviceAccessEffect {
                effect: o.effect,
                matched_rules: vec![],
                matched_override: Some(MatchedOverride { user_id: &o.user_id, device_id: &o.device_id }),
            }),
            rules,
            decision: Decision { kind: DecisionKind::OverrideDecided, text },
        };
    }
    let matched: Vec<(usize, Effect)> =
        rules.iter().enumerate().filter(|(_, r)| r.matched).map(|(i, r)| (i, r.effect)).collect();
    let (effect, kind, decided) = decide(&matched);
    let all = &org.mobile_device_access_rules;
    let matched_rules = decided
        .iter()
        .map(|&i| MobileDeviceAccessMatchedRule {
            mobile_device_access_rule_id: all[i].id.as_deref(),
            name: &all[i].name,
        })
        .collect();
    let names: Vec<String> = decided.iter().map(|&i| all[i].name.clone()).collect();
    Explanation {
        verdict: Verdict::Answer(MobileDeviceAccessEffect { effect, matched_rules, matched_override: None }),
        rules,
        decision: Decision { kind, text: decision_text(kind, &names) },
    }
}

/// `GetImpersonationRoleEffect` (SEMANTICS 3), explained.
pub fn impersonation<'o>(
    org: &'o Organization,
    request: &ImpersonationRequest,
) -> Explanation<'o, ImpersonationRoleEffect<'o>> {
    let checked = crate::conditions::impersonation_checks(org, request);
    let role = match checked {
        Ok(role) => role,
        Err(error) => return rejected(error),
    };
    let target = request.target_user;
    let check = |rule: &ImpersonationRule| -> Check {
        let listed = |list: &[String]| list.iter().find(|l| org.same_user(l, target)).cloned();
        if !rule.target_users.is_empty() && listed(&rule.target_users).is_none() {
            let n = plural(rule.target_users.len(), "user", "users");
            fail("TargetUsers", format!("{target} is not one of the {n} listed"))?;
        }
        if let Some(entry) = listed(&rule.not_target_users) {
            fail("NotTargetUsers", format!("{target} is listed (as {entry:?})"))?;
        }
        Ok(())
    };
    let path = |i: usize| {
        let position = org.impersonation_roles.iter().flatten().position(|r| r.id == role.id).unwrap_or(0);
        format!("ImpersonationRoles[{position}].Rules[{i}]")
    };
    let rules: Vec<RuleExplanation> = role
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| rule_explanation(path(i), Some(&rule.id), rule.name.as_deref(), rule.effect, check(rule)))
        .collect();
    let matched: Vec<(usize, Effect)> =
        rules.iter().enumerate().filter(|(_, r)| r.matched).map(|(i, r)| (i, r.effect)).collect();
    let (effect, kind, decided) = decide(&matched);
    let matched_rules = decided
        .iter()
        .map(|&i| ImpersonationMatchedRule {
            impersonation_rule_id: &role.rules[i].id,
            name: role.rules[i].name.as_deref(),
        })
        .collect();
    let names: Vec<String> =
        decided.iter().map(|&i| role.rules[i].name.clone().unwrap_or_else(|| role.rules[i].id.clone())).collect();
    Explanation {
        verdict: Verdict::Answer(ImpersonationRoleEffect { role_type: role.role_type, effect, matched_rules }),
        rules,
        decision: Decision { kind, text: decision_text(kind, &names) },
    }
}

impl<R: Summary> fmt::Display for Explanation<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Verdict::Answer(answer) => writeln!(f, "Verdict: {}", answer.summary())?,
            Verdict::Rejected { code, message } => writeln!(f, "Verdict: error {code}: {message}")?,
        }
        if !self.rules.is_empty() {
            writeln!(f, "Rules:")?;
        }
        for rule in &self.rules {
            let name = match (rule.name, rule.id) {
                (Some(name), Some(id)) => format!("{name:?} ({id})"),
                (Some(name), None) => format!("{name:?}"),
                (None, Some(id)) => id.to_string(),
                (None, None) => String::new(),
            };
            write!(f, "  {} {name} {}: ", rule.path, rule.effect)?;
            match &rule.failed {
                None => writeln!(f, "matched")?,
                Some(failed) => writeln!(f, "no match: {}: {}", failed.condition, failed.reason)?,
            }
        }
        writeln!(f, "Decision: {}", self.decision.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load, validate};

    fn org(json: &str) -> Organization {
        let file = load::parse(json.as_bytes()).unwrap();
        validate::validate(&file, &Default::default()).organization.unwrap()
    }

    #[test]
    fn a_failed_condition_names_its_values() {
        let org = org(r#"{"AccessControlRules": [
            {"Name": "offices", "Effect": "ALLOW", "Description": "", "IpRanges": ["192.0.2.0/24", "198.51.100.0/24", "10.0.0.0/8"]},
            {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP", "SMTP"]}]}"#);
        let request = AccessRequest {
            ip_address: "203.0.113.9",
            action: "EWS",
            user_id: Some("S-1-5-18-000001"),
            ..Default::default()
        };
        let explanation = access(&org, &request);
        let failed: Vec<_> = explanation.rules.iter().map(|r| r.failed.clone().unwrap()).collect();
        assert_eq!(failed[0].condition, "IpRanges");
        assert_eq!(failed[0].reason, "203.0.113.9 is in none of 3 ranges (192.0.2.0/24, 198.51.100.0/24, 10.0.0.0/8)");
        assert_eq!(failed[1].reason, r#"EWS is not one of "IMAP", "SMTP""#);
        assert_eq!(explanation.decision.kind, DecisionKind::NoRuleMatched);
        assert_eq!(explanation.decision.text, "no rule matched: denied by default");
        let text = explanation.to_string();
        assert!(text.starts_with("Verdict: DENY (no rule matched)\n"), "{text}");
    }

    #[test]
    fn an_override_decides_and_the_rules_are_still_shown() {
        let org = org(
            r#"{"MobileDeviceAccessOverrides": [{"UserId": "S-1-5-18-000001", "DeviceId": "ABC", "Effect": "DENY"}]}"#,
        );
        let request = MobileRequest { user_id: Some("S-1-5-18-000001"), device_id: Some("abc"), ..Default::default() };
        let explanation = mobile(&org, &request);
        assert_eq!(explanation.decision.kind, DecisionKind::OverrideDecided);
        assert!(explanation.rules[0].matched);
        let json = serde_json::to_value(&explanation).unwrap();
        assert_eq!(json["Verdict"]["MatchedOverride"]["DeviceId"], "ABC");
        assert_eq!(json["Rules"][0]["Matched"], true);
    }

    #[test]
    fn a_refused_request_is_explained_by_its_error() {
        let org = Organization::default();
        let request = AccessRequest {
            ip_address: "10.0.0",
            action: "IMAP",
            user_id: Some("S-1-5-18-000001"),
            ..Default::default()
        };
        let explanation = access(&org, &request);
        assert_eq!(explanation.decision.kind, DecisionKind::RequestRejected);
        assert!(explanation.rules.is_empty());
        let json = serde_json::to_value(&explanation).unwrap();
        assert_eq!(json["Verdict"]["Error"]["Code"], "InvalidParameterException");
    }
}
