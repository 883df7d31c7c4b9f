//! The reference evaluator: SEMANTICS.md in code, line by line, with no indexes.
//!
//! Every function here is a direct reading of a SEMANTICS section: plain loops over the rules, string
//! comparisons, one pass per request. It is slow on purpose: it is the yardstick the compiled [`crate::Policy`] is
//! tested against (proptest, on every `cargo test`) and timed against (`benches/`, `wmpolicy bench`).
//!
//! What a condition list means and the order the service checks a request in are in the crate's `conditions`
//! module, which `explain` quotes too; this module is the evaluation around them, built only with the `testing`
//! feature.

use std::net::Ipv4Addr;

use crate::answer::*;
use crate::conditions::*;
use crate::organization::*;
use crate::request::*;
use crate::uncertain;

/// `GetAccessControlEffect` (SEMANTICS 1).
pub fn access<'o, 'r>(
    org: &'o Organization,
    request: &AccessRequest<'r>,
) -> Result<AccessControlEffect<'o>, RequestError<'r>> {
    // 1.6: request checks, the directory and the roles consulted only when loaded.
    let (address, principal) = access_checks(org, request)?;
    let address = Ipv4Addr::from(address);
    let (user, role) = match principal {
        Principal::User(user) => (Some(user), None),
        Principal::Role(role) => (None, Some(role)),
    };
    let matching: Vec<&AccessRule> = org
        .access_control_rules
        .iter()
        .filter(|rule| {
            // 1.3: every present condition holds.
            list_holds(&rule.actions, |a| uncertain::action_matches(a, request.action))
                && not_list_holds(&rule.not_actions, |a| uncertain::action_matches(a, request.action))
                && list_holds(&rule.ip_ranges, |net| net.contains(&address))
                && not_list_holds(&rule.not_ip_ranges, |net| net.contains(&address))
                && principal_holds(&rule.user_ids, &rule.not_user_ids, user, |listed, user| org.same_user(listed, user))
                && principal_holds(
                    &rule.impersonation_role_ids,
                    &rule.not_impersonation_role_ids,
                    role,
                    |listed, role| listed == role,
                )
        })
        .collect();
    // 1.4 and 1.5.
    let (effect, rules) = decide(&matching, |rule| rule.effect);
    Ok(AccessControlEffect { effect, matched_rules: rules.iter().map(|rule| rule.name.as_str()).collect() })
}

/// `GetMobileDeviceAccessEffect` (SEMANTICS 2), with the override extension of 2.7.
pub fn mobile<'o, 'r>(
    org: &'o Organization,
    request: &MobileRequest<'r>,
) -> Result<MobileDeviceAccessEffect<'o>, RequestError<'r>> {
    check_mobile(request)?;
    if let (Some(user), Some(device)) = (request.user_id, request.device_id) {
        if org.resolve_user(user).is_err() {
            return Err(RequestError::UnknownUser { member: "UserId", value: user });
        }
        // 2.7: an override for this user and device decides; device ids compare without case.
        let found = org
            .mobile_device_access_overrides
            .iter()
            .find(|o| org.same_user(&o.user_id, user) && o.device_id.eq_ignore_ascii_case(device));
        if let Some(o) = found {
            return Ok(MobileDeviceAccessEffect {
                effect: o.effect,
                matched_rules: vec![],
                matched_override: Some(MatchedOverride { user_id: &o.user_id, device_id: &o.device_id }),
            });
        }
    }
    let matching: Vec<&MobileRule> = org
        .mobile_device_access_rules
        .iter()
        .filter(|rule| {
            DeviceProperty::ALL.into_iter().all(|property| {
                let reported = request.property(property);
                let condition = rule.condition(property);
                // 2.5: a positive list needs one matching value; a Not list needs none, and a present property.
                list_holds(&condition.values, |value| value_matches(value, reported))
                    && (condition.not_values.is_empty()
                        || (reported.is_some()
                            && !condition.not_values.iter().any(|value| value_matches(value, reported))))
            })
        })
        .collect();
    // 2.6.
    let (effect, rules) = decide(&matching, |rule| rule.effect);
    let matched_rules = rules
        .iter()
        .map(|rule| MobileDeviceAccessMatchedRule {
            mobile_device_access_rule_id: rule.id.as_deref(),
            name: &rule.name,
        })
        .collect();
    Ok(MobileDeviceAccessEffect { effect, matched_rules, matched_override: None })
}

/// `GetImpersonationRoleEffect` (SEMANTICS 3).
pub fn impersonation<'o, 'r>(
    org: &'o Organization,
    request: &ImpersonationRequest<'r>,
) -> Result<ImpersonationRoleEffect<'o>, RequestError<'r>> {
    let role = impersonation_checks(org, request)?;
    // 3.1: TargetUsers must name the target, NotTargetUsers must not.
    let names_target = |listed: &String| org.same_user(listed, request.target_user);
    let matching: Vec<&ImpersonationRule> = role
        .rules
        .iter()
        .filter(|rule| {
            list_holds(&rule.target_users, names_target) && not_list_holds(&rule.not_target_users, names_target)
        })
        .collect();
    // 3.2.
    let (effect, rules) = decide(&matching, |rule| rule.effect);
    let matched_rules = rules
        .iter()
        .map(|rule| ImpersonationMatchedRule { impersonation_rule_id: &rule.id, name: rule.name.as_deref() })
        .collect();
    Ok(ImpersonationRoleEffect { role_type: role.role_type, effect, matched_rules })
}

/// 1.3: a principal list pair (`UserIds`/`NotUserIds`, or the role lists) for a request that may lack that kind of
/// principal; [`uncertain::ABSENT_PRINCIPAL_SATISFIES`] says what a request without one gets.
fn principal_holds(
    listed: &[String],
    not_listed: &[String],
    principal: Option<&str>,
    same: impl Fn(&str, &str) -> bool,
) -> bool {
    let absent = uncertain::ABSENT_PRINCIPAL_SATISFIES;
    let positive = match principal {
        _ if listed.is_empty() => true,
        None => absent.positive,
        Some(p) => listed.iter().any(|l| same(l, p)),
    };
    let negative = match principal {
        _ if not_listed.is_empty() => true,
        None => absent.negative,
        Some(p) => !not_listed.iter().any(|l| same(l, p)),
    };
    positive && negative
}

/// 1.4, 2.6, 3.2: any matching DENY rule denies, listing the DENY rules; else any matching ALLOW rule allows,
/// listing the ALLOW rules; else DENY with none.
pub(crate) fn decide<'a, T>(matching: &[&'a T], effect: impl Fn(&T) -> Effect) -> (Effect, Vec<&'a T>) {
    let with = |e: Effect| matching.iter().copied().filter(|rule| effect(rule) == e).collect::<Vec<_>>();
    let deny = with(Effect::Deny);
    if !deny.is_empty() {
        return (Effect::Deny, deny);
    }
    let allow = with(Effect::Allow);
    if !allow.is_empty() {
        return (Effect::Allow, allow);
    }
    (Effect::Deny, vec![])
}
