//! Requests that cover an organization's rules: the set `wmpolicy-aws verify` asks both the engine and the
//! service, so that every boundary a rule draws is tested at least once.
//!
//! [`covering_set`] is deterministic and built from the organization alone:
//!
//! - **Access** (`GetAccessControlEffect`): every CIDR's first and last address and the addresses just outside
//!   it; every documented action, every action a rule names, and one undocumented spelling; every listed user
//!   (plus the first user by email and by user name, which settles whether `UserId` takes those forms) and every
//!   role, plus an unlisted user and an unlisted role; the malformed cases of SEMANTICS 1.6. Each value appears at
//!   least once with the others cycling, then every rule gets its CIDR edges asked with an action and principal
//!   that satisfy its other conditions, so that each edge can flip that rule's verdict.
//! - **Mobile** (`GetMobileDeviceAccessEffect`): for each device property, every value a rule lists, a strict
//!   prefix of it, a case-flipped copy, the literal `$NONE`, and the property absent; then each rule's own values
//!   on a device that satisfies its other conditions. The override extension is never asked: the service's call
//!   takes no user or device.
//! - **Impersonation** (`GetImpersonationRoleEffect`): for every role, each target its rules name (and that
//!   user's ID, when the rule names them by email or name), a listed user no rule names, a disabled user, and an
//!   unlisted user; and an unlisted role.
//!
//! The set grows with the largest dimension and the number of CIDRs, not with their product; the seeded random
//! tail of [`plan`] (feature `testing`) explores the combinations.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use crate::call::Call;
use crate::organization::{AccessRule, DeviceProperty, MobileRule, Organization, PropertyCondition};
use crate::reference;
use crate::request::{AccessRequest, MobileRequest};
use crate::uncertain;

/// A user identifier no organization lists: a valid `WorkMailIdentifier` and `EntityIdentifier`.
pub const UNLISTED_USER: &str = "S-1-1-11-0000000000-0000000000-0000000000-0000";
/// An impersonation role id no organization holds.
pub const UNLISTED_ROLE: &str = "00000000-0000-0000-0000-000000000000";
/// A reported device value that no rule is likely to name; it stands for "matches no value".
const UNLISTED_DEVICE_VALUE: &str = "Zz unlisted device 0";
/// An address for requests where the address does not matter (TEST-NET-1).
const ANY_ADDRESS: u32 = 0xC000_0201;

/// The covering set of requests for `org`, in a fixed order, without duplicates and without the override
/// extension.
///
/// ```
/// use workmail_policy::{call::Call, coverage, Organization};
///
/// let calls = coverage::covering_set(&Organization::default());
/// assert!(calls.iter().any(|c| matches!(c, Call::Access { action, .. } if action == "WindowsOutlook")));
/// assert!(calls.iter().all(|c| !c.uses_override_extension()));
/// ```
pub fn covering_set(org: &Organization) -> Vec<Call> {
    let mut calls = Calls::default();
    access(org, &mut calls);
    mobile(org, &mut calls);
    impersonation(org, &mut calls);
    calls.list
}

/// An ordered set of calls.
#[derive(Default)]
struct Calls {
    list: Vec<Call>,
    seen: HashSet<Call>,
}

impl Calls {
    fn push(&mut self, call: Call) {
        if self.seen.insert(call.clone()) {
            self.list.push(call);
        }
    }
}

/// The first candidate not among `taken`: an identifier surely unlisted (`candidates` is never empty).
fn first_unused(candidates: &[&str], taken: &[&str]) -> String {
    candidates.iter().find(|c| !taken.contains(c)).copied().unwrap_or(candidates[0]).to_string()
}

fn dedup(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    values.into_iter().filter(|v| seen.insert(v.clone())).collect()
}

/// Every user identifier requests should name: the directory's user IDs, else the identifiers rules name.
fn listed_users(org: &Organization) -> Vec<String> {
    match &org.users {
        Some(users) => users.iter().map(|u| u.id.clone()).collect(),
        None => dedup(
            org.access_control_rules
                .iter()
                .flat_map(|r| r.user_ids.iter().chain(&r.not_user_ids))
                .chain(org.mobile_device_access_overrides.iter().map(|o| &o.user_id))
                .chain(role_targets(org))
                .cloned(),
        ),
    }
}

fn role_targets(org: &Organization) -> impl Iterator<Item = &String> {
    org.impersonation_roles
        .iter()
        .flatten()
        .flat_map(|role| &role.rules)
        .flat_map(|r| r.target_users.iter().chain(&r.not_target_users))
}

/// Loaded role ids, then role ids rules name that are not loaded.
fn listed_roles(org: &Organization) -> Vec<String> {
    dedup(
        org.impersonation_roles.iter().flatten().map(|r| r.id.clone()).chain(
            org.access_control_rules
                .iter()
                .flat_map(|r| r.impersonation_role_ids.iter().chain(&r.not_impersonation_role_ids))
                .cloned(),
        ),
    )
}

/// A CIDR's first and last address and the two just outside it (where they exist).
fn edges(rule: &AccessRule) -> Vec<u32> {
    let mut addresses = Vec::new();
    for net in rule.ip_ranges.iter().chain(&rule.not_ip_ranges) {
        let (first, last) = (u32::from(net.network()), u32::from(net.broadcast()));
        addresses.push(first);
        addresses.push(last);
        addresses.extend(first.checked_sub(1));
        addresses.extend(last.checked_add(1));
    }
    addresses
}

fn access_call(address: u32, action: &str, user: Option<&str>, role: Option<&str>) -> Call {
    Call::Access {
        ip_address: Ipv4Addr::from(address).to_string(),
        action: action.to_string(),
        user_id: user.map(str::to_string),
        impersonation_role_id: role.map(str::to_string),
    }
}

fn access(org: &Organization, calls: &mut Calls) {
    let rules = &org.access_control_rules;
    let mut addresses: Vec<u32> = rules.iter().flat_map(edges).collect();
    addresses.sort_unstable();
    addresses.dedup();
    if addresses.is_empty() {
        addresses.push(ANY_ADDRESS);
    }
    let named_actions = rules.iter().flat_map(|r| r.actions.iter().chain(&r.not_actions));
    let mut actions = dedup(uncertain::DOCUMENTED_ACTIONS.iter().map(|a| a.to_string()).chain(named_actions.cloned()));
    let taken: Vec<&str> = actions.iter().map(String::as_str).collect();
    // A case-flipped documented action also shows whether the service compares actions without case (1.3).
    actions.push(first_unused(&["imap", "Imap", "UndocumentedAction"], &taken));

    // Users by ID, the first user also by email and by user name (1.6: which forms `UserId` takes), an unlisted one.
    let mut users = listed_users(org);
    if let Some(first) = org.users.iter().flatten().next() {
        users.extend(first.email.iter().chain(&first.name).cloned());
    }
    let taken: Vec<&str> = users.iter().map(String::as_str).collect();
    users.push(first_unused(&[UNLISTED_USER, "S-1-1-11-0000000000-unlisted-user"], &taken));
    let mut roles = listed_roles(org);
    let taken: Vec<&str> = roles.iter().map(String::as_str).collect();
    roles.push(first_unused(&[UNLISTED_ROLE, "unlisted-role"], &taken));

    // Every address, action and user at least once, the others cycling.
    let rounds = addresses.len().max(actions.len()).max(users.len());
    for i in 0..rounds {
        let user = &users[i % users.len()];
        calls.push(access_call(addresses[i % addresses.len()], &actions[i % actions.len()], Some(user), None));
    }
    // Roles act only over EWS (1.6); each role at each address in turn.
    for (i, role) in roles.iter().enumerate() {
        calls.push(access_call(addresses[(i * 7) % addresses.len()], "EWS", None, Some(role)));
    }
    // The request checks of 1.6: a role with another action, both principals, neither, a malformed address.
    let (user, role) = (users[0].as_str(), roles[0].as_str());
    calls.push(access_call(ANY_ADDRESS, "IMAP", None, Some(role)));
    calls.push(access_call(ANY_ADDRESS, "EWS", Some(user), Some(role)));
    calls.push(access_call(ANY_ADDRESS, "EWS", None, None));
    calls.push(Call::Access {
        ip_address: "192.0.2".into(),
        action: "EWS".into(),
        user_id: Some(user.to_string()),
        impersonation_role_id: None,
    });

    // Each rule's edges, asked with an action and principal its other conditions accept.
    for rule in rules {
        let (action, user, role) = satisfying_access(org, rule, &actions, &users, &roles)
            .unwrap_or_else(|| (actions[0].clone(), Some(users[0].clone()), None));
        let rule_edges = edges(rule);
        for address in if rule_edges.is_empty() { vec![ANY_ADDRESS] } else { rule_edges } {
            calls.push(access_call(address, &action, user.as_deref(), role.as_deref()));
        }
    }
}

/// An action with a user or a role.
type ActionAndPrincipal = (String, Option<String>, Option<String>);

/// An action and a principal that satisfy every condition of `rule` but its addresses, found by asking the
/// reference evaluator about the rule alone. Candidates the rule names come first.
fn satisfying_access(
    org: &Organization,
    rule: &AccessRule,
    actions: &[String],
    users: &[String],
    roles: &[String],
) -> Option<ActionAndPrincipal> {
    let probe = AccessRule { ip_ranges: vec![], not_ip_ranges: vec![], ..rule.clone() };
    let alone = Organization { access_control_rules: vec![probe], ..org.clone() };
    let actions = dedup(rule.actions.iter().chain(actions).cloned());
    // A directory of thousands needs no exhaustive search: the rule's own users, a few others, the unlisted one.
    let few_users = users.iter().take(8).chain(users.last());
    let user_candidates = dedup(rule.user_ids.iter().chain(few_users).cloned());
    let role_candidates = dedup(rule.impersonation_role_ids.iter().chain(roles).cloned());
    let principals = user_candidates
        .iter()
        .map(|u| (Some(u.as_str()), None))
        .chain(role_candidates.iter().map(|r| (None, Some(r.as_str()))));
    for (user, role) in principals {
        for action in &actions {
            let request = AccessRequest { ip_address: "192.0.2.1", action, user_id: user, impersonation_role_id: role };
            if reference::access(&alone, &request).is_ok_and(|answer| !answer.matched_rules.is_empty()) {
                return Some((action.clone(), user.map(str::to_string), role.map(str::to_string)));
            }
        }
    }
    None
}

/// `value` with the case of every Latin-1 letter flipped, where the flipped letter is still Latin-1.
fn flip_case(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            let flipped: Vec<char> =
                if c.is_lowercase() { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
            match flipped.as_slice() {
                [f] if (*f as u32) <= 0xFF => *f,
                _ => c,
            }
        })
        .collect()
}

/// A listed value, a strict prefix of it and a case-flipped copy; `$NONE` as the absent property and literally.
fn variants(value: &str) -> Vec<Option<String>> {
    if value == uncertain::NONE_VALUE {
        return vec![None, Some(value.to_string())];
    }
    let mut out = vec![Some(value.to_string())];
    let chars = value.chars().count();
    if chars > 1 {
        out.push(Some(value.chars().take(chars - 1).collect()));
    }
    out.push(Some(flip_case(value)));
    out
}

fn mobile_call(properties: &[Option<String>; 4]) -> Call {
    let [device_type, device_model, device_operating_system, device_user_agent] = properties.clone();
    Call::Mobile {
        device_type,
        device_model,
        device_operating_system,
        device_user_agent,
        user_id: None,
        device_id: None,
    }
}

fn mobile(org: &Organization, calls: &mut Calls) {
    let rules = &org.mobile_device_access_rules;
    // Per property: every listed value's variants, the literal `$NONE`, an unlisted value, and absent.
    let pools: [Vec<Option<String>>; 4] = DeviceProperty::ALL.map(|property| {
        let listed = rules.iter().map(|r| r.condition(property)).flat_map(|c| c.values.iter().chain(&c.not_values));
        let mut pool: Vec<Option<String>> = listed.flat_map(|v| variants(v)).collect();
        pool.extend([Some(uncertain::NONE_VALUE.to_string()), Some(UNLISTED_DEVICE_VALUE.to_string()), None]);
        let mut seen = HashSet::new();
        pool.retain(|v| seen.insert(v.clone()));
        pool
    });
    calls.push(mobile_call(&Default::default()));
    let rounds = pools.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..rounds {
        calls.push(mobile_call(&std::array::from_fn(|p| pools[p][i % pools[p].len()].clone())));
    }
    // Each rule's own values, on a device that satisfies the rule's other conditions.
    for rule in rules {
        let base: [Option<String>; 4] = std::array::from_fn(|p| satisfying_value(org, rule, p, &pools[p]));
        calls.push(mobile_call(&base));
        for property in DeviceProperty::ALL {
            let condition = rule.condition(property);
            for value in condition.values.iter().chain(&condition.not_values) {
                for variant in variants(value) {
                    let mut device = base.clone();
                    device[property.index()] = variant;
                    calls.push(mobile_call(&device));
                }
            }
        }
    }
}

/// A value of property `p` from `pool` that satisfies `rule`'s condition on that property alone (absent when
/// none does, or when the rule has no condition there).
fn satisfying_value(org: &Organization, rule: &MobileRule, p: usize, pool: &[Option<String>]) -> Option<String> {
    let condition = &rule.conditions[p];
    if condition.values.is_empty() && condition.not_values.is_empty() {
        return None;
    }
    let mut conditions: [PropertyCondition; 4] = Default::default();
    conditions[p] = condition.clone();
    let probe = MobileRule { conditions, ..rule.clone() };
    let alone = Organization { mobile_device_access_rules: vec![probe], ..org.clone() };
    pool.iter()
        .find(|value| {
            let mut request = MobileRequest::default();
            let value = value.as_deref();
            match DeviceProperty::ALL[p] {
                DeviceProperty::DeviceType => request.device_type = value,
                DeviceProperty::DeviceModel => request.device_model = value,
                DeviceProperty::DeviceOperatingSystem => request.device_operating_system = value,
                DeviceProperty::DeviceUserAgent => request.device_user_agent = value,
            }
            reference::mobile(&alone, &request).is_ok_and(|answer| !answer.matched_rules.is_empty())
        })
        .cloned()
        .flatten()
}

fn impersonation_call(role: &str, target: &str) -> Call {
    Call::Impersonation { impersonation_role_id: role.to_string(), target_user: target.to_string() }
}

fn impersonation(org: &Organization, calls: &mut Calls) {
    let users = org.users.as_deref().unwrap_or_default();
    let taken: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    let unlisted_user = first_unused(&[UNLISTED_USER, "S-1-1-11-0000000000-unlisted-user"], &taken);
    let disabled = users.iter().find(|u| !uncertain::can_be_impersonated(u.state.as_deref()));
    let roles = listed_roles(org);
    for role in &roles {
        let named: Vec<&String> = org
            .role(role)
            .into_iter()
            .flat_map(|r| &r.rules)
            .flat_map(|r| r.target_users.iter().chain(&r.not_target_users))
            .collect();
        for target in &named {
            calls.push(impersonation_call(role, target));
            // The same user by ID, when the rule names them otherwise (3.3: which forms resolve).
            if let Ok(Some(index)) = org.resolve_user(target) {
                calls.push(impersonation_call(role, &users[index].id));
            }
        }
        // Resolved once: comparing every user with every target through the directory is quadratic.
        let named_users: HashSet<usize> = named.iter().filter_map(|t| org.resolve_user(t).ok().flatten()).collect();
        let unnamed = users
            .iter()
            .enumerate()
            .find(|(i, u)| uncertain::can_be_impersonated(u.state.as_deref()) && !named_users.contains(i));
        if let Some((_, user)) = unnamed {
            calls.push(impersonation_call(role, &user.id));
        }
        if let Some(user) = disabled {
            calls.push(impersonation_call(role, &user.id));
        }
        calls.push(impersonation_call(role, &unlisted_user));
    }
    let taken: Vec<&str> = roles.iter().map(String::as_str).collect();
    let target = users.first().map_or(unlisted_user.as_str(), |u| u.id.as_str());
    calls.push(impersonation_call(&first_unused(&[UNLISTED_ROLE, "unlisted-role"], &taken), target));
}

/// How many requests [`plan`] makes and from what.
#[cfg(feature = "testing")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanOptions {
    /// At most this many calls in all; the covering set comes first.
    pub max_calls: usize,
    /// Seeded random requests after the covering set (within `max_calls`).
    pub random: usize,
    pub seed: u64,
}

/// The requests verify asks, and what was left out.
#[cfg(feature = "testing")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub calls: Vec<Call>,
    /// How many of `calls` come from the covering set (they come first).
    pub covering: usize,
    /// Covering requests left out by `max_calls`.
    pub covering_dropped: usize,
    /// Random mobile requests that named a user and device (the override extension); they were asked without
    /// `UserId` and `DeviceId`, which the service's call does not take.
    pub overrides_dropped: usize,
}

/// The covering set, then a seeded random tail drawn with [`crate::testing`], capped at `options.max_calls`.
#[cfg(feature = "testing")]
pub fn plan(org: &Organization, options: &PlanOptions) -> Plan {
    use crate::testing::{Generated, Rng};

    let covering = covering_set(org);
    let covering_dropped = covering.len().saturating_sub(options.max_calls);
    let mut calls = Calls::default();
    // Under the cap, each operation keeps a fair share, so that many mobile values cannot crowd out every
    // impersonation request; within an operation, covering order decides.
    let operation = |call: &Call| match call {
        Call::Access { .. } => 0,
        Call::Mobile { .. } => 1,
        Call::Impersonation { .. } => 2,
    };
    let mut sizes = [0; 3];
    covering.iter().for_each(|call| sizes[operation(call)] += 1);
    let mut quotas = fair_shares(sizes, options.max_calls);
    for call in covering {
        let quota = &mut quotas[operation(&call)];
        if *quota > 0 {
            *quota -= 1;
            calls.push(call);
        }
    }
    let covering = calls.list.len();
    let room = options.max_calls.saturating_sub(covering).min(options.random);
    let pools = Generated::from_organization(org);
    let mut rng = Rng::new(options.seed);
    let mut overrides_dropped = 0;
    // Duplicates of covering requests are skipped; the attempt bound keeps a tiny organization from looping.
    for attempt in 0..room.saturating_mul(20) {
        if calls.list.len() >= covering + room {
            break;
        }
        let call = match attempt % 3 {
            0 => {
                let r = pools.access_request(&mut rng);
                Call::Access {
                    ip_address: r.ip_address,
                    action: r.action,
                    user_id: r.user_id,
                    impersonation_role_id: r.impersonation_role_id,
                }
            }
            1 => {
                let r = pools.mobile_request(&mut rng);
                if r.user_id.is_some() || r.device_id.is_some() {
                    overrides_dropped += 1;
                }
                let [device_type, device_model, device_operating_system, device_user_agent] = r.properties;
                Call::Mobile {
                    device_type,
                    device_model,
                    device_operating_system,
                    device_user_agent,
                    user_id: None,
                    device_id: None,
                }
            }
            _ => {
                let r = pools.impersonation_request(&mut rng);
                Call::Impersonation { impersonation_role_id: r.impersonation_role_id, target_user: r.target_user }
            }
        };
        calls.push(call);
    }
    Plan { calls: calls.list, covering, covering_dropped, overrides_dropped }
}

/// Splits `cap` among groups of the given sizes: equal shares, a group's unused share passing to the others.
#[cfg(feature = "testing")]
fn fair_shares<const N: usize>(sizes: [usize; N], cap: usize) -> [usize; N] {
    let mut order: Vec<usize> = (0..N).collect();
    order.sort_by_key(|&g| sizes[g]);
    let (mut shares, mut left) = ([0; N], cap);
    for (k, &group) in order.iter().enumerate() {
        shares[group] = sizes[group].min(left / (N - k));
        left -= shares[group];
    }
    shares
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load, validate};

    fn acme() -> Organization {
        let file = load::parse(include_bytes!("../examples/acme.json")).unwrap();
        validate::validate(&file, &validate::Options::default()).organization.unwrap()
    }

    fn access_requests(calls: &[Call]) -> Vec<(&str, &str, Option<&str>, Option<&str>)> {
        calls
            .iter()
            .filter_map(|c| match c {
                Call::Access { ip_address, action, user_id, impersonation_role_id } => {
                    Some((ip_address.as_str(), action.as_str(), user_id.as_deref(), impersonation_role_id.as_deref()))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_cidr_edge_action_user_and_role_is_asked() {
        let org = acme();
        let calls = covering_set(&org);
        let access = access_requests(&calls);
        // 198.51.100.0/24 and 203.0.113.0/25 (contractors), 192.0.2.0/24 (impersonation).
        for address in
            ["198.51.100.0", "198.51.100.255", "198.51.99.255", "198.51.101.0", "203.0.113.127", "203.0.113.128"]
        {
            assert!(access.iter().any(|r| r.0 == address), "{address}");
        }
        // The contractor's rule edges are asked as the contractor, so that each edge can flip that rule.
        let dave = "S-1-1-11-4012345678-1000000004-2000000004-1004";
        assert!(access.iter().any(|r| r.0 == "203.0.113.128" && r.2 == Some(dave)));
        for action in uncertain::DOCUMENTED_ACTIONS.iter().chain(&["imap"]) {
            assert!(access.iter().any(|r| r.1 == *action), "{action}");
        }
        for user in org.users.iter().flatten() {
            assert!(access.iter().any(|r| r.2 == Some(&user.id)), "{}", user.id);
        }
        for user in ["alice@acme.example.com", "alice", UNLISTED_USER] {
            assert!(access.iter().any(|r| r.2 == Some(user)), "{user}");
        }
        for role in listed_roles(&org).iter().map(String::as_str).chain([UNLISTED_ROLE]) {
            assert!(access.iter().any(|r| r.3 == Some(role) && r.1 == "EWS"), "{role}");
        }
        assert!(access.iter().any(|r| r.2.is_some() && r.3.is_some()));
        assert!(access.iter().any(|r| r.2.is_none() && r.3.is_none()));
        let unique: HashSet<&Call> = calls.iter().collect();
        assert_eq!(unique.len(), calls.len(), "no duplicates");
    }

    #[test]
    fn every_mobile_value_is_asked_whole_cut_flipped_and_absent() {
        let calls = covering_set(&acme());
        let os: Vec<Option<&str>> = calls
            .iter()
            .filter_map(|c| match c {
                Call::Mobile { device_operating_system, .. } => Some(device_operating_system.as_deref()),
                _ => None,
            })
            .collect();
        for value in [Some("Android 4"), Some("Android "), Some("aNDROID 4"), Some("$NONE"), None] {
            assert!(os.contains(&value), "{value:?}");
        }
        // `$NONE` in DeviceTypes: asked with the type absent and reported literally.
        let types: Vec<Option<&str>> = calls
            .iter()
            .filter_map(|c| match c {
                Call::Mobile { device_type, .. } => Some(device_type.as_deref()),
                _ => None,
            })
            .collect();
        assert!(types.contains(&None) && types.contains(&Some("$NONE")) && types.contains(&Some("iPa")));
        assert!(calls.iter().all(|c| !c.uses_override_extension()));
    }

    #[test]
    fn every_target_and_an_unlisted_user_and_role_are_asked() {
        let calls = covering_set(&acme());
        let asked: Vec<(&str, &str)> = calls
            .iter()
            .filter_map(|c| match c {
                Call::Impersonation { impersonation_role_id, target_user } => {
                    Some((impersonation_role_id.as_str(), target_user.as_str()))
                }
                _ => None,
            })
            .collect();
        let archiver = "6e1f4a52-3c1d-4f0b-9a57-0f1e2d3c4b5a";
        let helpdesk = "b7c8d9e0-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
        for expected in [
            (archiver, "carol@acme.example.com"),
            (archiver, "S-1-1-11-4012345678-1000000003-2000000003-1003"),
            (helpdesk, "alice"),
            (helpdesk, "bob@acme.example.com"),
            (helpdesk, "S-1-1-11-4012345678-1000000006-2000000006-1006"), // erin, disabled
            (helpdesk, UNLISTED_USER),
        ] {
            assert!(asked.contains(&expected), "{expected:?}");
        }
        assert!(asked.iter().any(|(role, _)| *role == UNLISTED_ROLE));
    }

    #[test]
    fn a_new_organization_is_covered_too() {
        let calls = covering_set(&Organization::default());
        assert!(calls.len() > 10);
        assert!(calls.iter().any(|c| matches!(c, Call::Mobile { .. })));
    }

    #[cfg(feature = "testing")]
    #[test]
    fn the_plan_keeps_the_covering_set_first_and_respects_the_cap() {
        let org = acme();
        let covering = covering_set(&org);
        let plan = plan(&org, &PlanOptions { max_calls: 10_000, random: 300, seed: 7 });
        assert_eq!(plan.calls[..covering.len()], covering[..]);
        assert_eq!(plan.calls.len(), covering.len() + 300);
        assert!(plan.overrides_dropped > 0, "acme has overrides, so the generator asks for some");
        assert!(plan.calls.iter().all(|c| !c.uses_override_extension()));
        let again = super::plan(&org, &PlanOptions { max_calls: 10_000, random: 300, seed: 7 });
        assert_eq!(plan, again, "seeded");

        let capped = super::plan(&org, &PlanOptions { max_calls: 6, random: 300, seed: 7 });
        assert_eq!(capped.calls.len(), 6);
        assert_eq!(capped.covering_dropped, covering.len() - 6);
        for operation in ["GetAccessControlEffect", "GetMobileDeviceAccessEffect", "GetImpersonationRoleEffect"] {
            let asked = capped.calls.iter().filter(|c| c.operation() == operation).count();
            assert_eq!(asked, 2, "{operation} keeps its share under the cap");
        }
    }

    #[cfg(feature = "testing")]
    #[test]
    fn fair_shares_pass_unused_room_on() {
        assert_eq!(fair_shares([10, 10, 10], 9), [3, 3, 3]);
        assert_eq!(fair_shares([1, 100, 100], 11), [1, 5, 5]);
        assert_eq!(fair_shares([1, 2, 100], 1000), [1, 2, 100]);
        assert_eq!(fair_shares([4, 0, 7], 0), [0, 0, 0]);
    }

    #[cfg(feature = "testing")]
    #[test]
    fn the_covering_set_of_a_service_maximum_organization_stays_proportionate() {
        use crate::testing::{organization, Shape};
        let file = organization(3, &Shape::service_maximum()).file;
        let org = validate::validate(&file, &validate::Options { enforce_quotas: false }).organization.unwrap();
        let cidrs: usize = org.access_control_rules.iter().map(|r| r.ip_ranges.len() + r.not_ip_ranges.len()).sum();
        let values: usize = org
            .mobile_device_access_rules
            .iter()
            .flat_map(|r| r.conditions.iter())
            .map(|c| c.values.len() + c.not_values.len())
            .sum();
        let calls = covering_set(&org);
        // Linear in what the rules list: edges twice (sweep and per rule), values' variants twice, plus users.
        assert!(calls.len() <= 2 * 4 * cidrs + 2 * 4 * values + 3 * 1000 + 1000, "{} calls", calls.len());
    }
}
