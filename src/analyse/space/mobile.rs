//! The request space of `GetMobileDeviceAccessEffect`: the override key × the four device properties.

use crate::answer::{MatchedOverride, MobileDeviceAccessEffect, MobileDeviceAccessMatchedRule};
use crate::conditions;
use crate::constraints as c;
use crate::diagnostic::ErrorCode;
use crate::hash::IdHashMap;
use crate::organization::{DeviceProperty, Effect, MobileOverride, MobileRule, Organization};
use crate::uncertain;

use super::identity::{group_users, user_label, Directory, Identity};
use super::sets::{distinct, unused, Answers, Cond, Dimension, Pair, Respond, Value};
use crate::analyse::Outcome;
use crate::policy::bits::RuleSet;

/// The request space of `GetMobileDeviceAccessEffect` for two organizations: override key × the four device
/// properties.
pub(crate) struct MobileSpace<'o> {
    pub(crate) answers: Answers<'o, Outcome<MobileDeviceAccessEffect<'o>>>,
    /// The override key: `UserId` and `DeviceId`, or neither.
    pub(crate) who: Dimension,
    pub(crate) who_values: Vec<Value>,
    /// Indexed by [`DeviceProperty::index`].
    pub(crate) properties: [Dimension; 4],
    pub(crate) property_values: [Vec<Value>; 4],
}

impl<'o> MobileSpace<'o> {
    /// Builds the space of `old` and `new` (lint passes one organization twice).
    pub(crate) fn new(old: &'o Organization, new: &'o Organization) -> Self {
        let orgs = [old, new];
        let dirs = [Directory::new(old), Directory::new(new)];
        let rules = orgs.map(|org| &org.mobile_device_access_rules);
        let deny = rules.map(|rules| RuleSet::from_fn(rules.len(), |i| rules[i].effect == Effect::Deny));
        let respond = rules.map(|rules| -> Respond<'o, _> {
            Box::new(move |effect, decided: &RuleSet| {
                let matched_rules = decided
                    .iter()
                    .map(|i| MobileDeviceAccessMatchedRule {
                        mobile_device_access_rule_id: rules[i].id.as_deref(),
                        name: &rules[i].name,
                    })
                    .collect();
                Outcome::Answer(MobileDeviceAccessEffect { effect, matched_rules, matched_override: None })
            })
        });
        let mut answers = Answers::new(deny, respond);

        let mut properties: [Dimension; 4] = Default::default();
        let mut property_values: [Vec<Value>; 4] = Default::default();
        for property in DeviceProperty::ALL {
            let (dimension, values) = property_dimension(property, &rules);
            properties[property.index()] = dimension;
            property_values[property.index()] = values;
        }

        // The override key. Without UserId and DeviceId, or with a pair no override names, the rules decide.
        let everyone = rules.map(|rules| Cond::Holds(RuleSet::full(rules.len())));
        let mut who = Dimension::default();
        let mut who_values = Vec::new();
        who.push(everyone.clone());
        who_values.push(Value::new("devices without an override", None));
        let other_device = unused(
            "OTHERDEVICE",
            |d| {
                orgs.iter()
                    .flat_map(|org| &org.mobile_device_access_overrides)
                    .any(|o| o.device_id.eq_ignore_ascii_case(d))
            },
            |d| c::DEVICE_ID.check(d).is_ok(),
        );
        // SEMANTICS 2.7: the first override for a user and device decides; device ids compare without case. An
        // override whose user the directory lacks can match no request (validation rejects it anyway).
        let overrides: Pair<IdHashMap<(Identity, String), &MobileOverride>> = [0, 1].map(|o| {
            let mut index = IdHashMap::default();
            for ov in &orgs[o].mobile_device_access_overrides {
                let identity = dirs[o].identity(&ov.user_id);
                if identity != Identity::Unknown {
                    index.entry((identity, ov.device_id.to_ascii_lowercase())).or_insert(ov);
                }
            }
            index
        });
        let key_cond = |o: usize, user: &str, device: &str, answers: &mut Answers<_>| {
            let identity = dirs[o].identity(user);
            if identity == Identity::Unknown {
                return answers.error(ErrorCode::EntityNotFoundException, 0);
            }
            match overrides[o].get(&(identity, device.to_ascii_lowercase())) {
                Some(ov) => Cond::Settled {
                    outcome: answers.outcomes.intern(Outcome::Answer(MobileDeviceAccessEffect {
                        effect: ov.effect,
                        matched_rules: vec![],
                        matched_override: Some(MatchedOverride { user_id: &ov.user_id, device_id: &ov.device_id }),
                    })),
                    rank: 0,
                },
                None => everyone[o].clone(),
            }
        };
        // Users: every identifier either directory or override names, grouped into users both organizations
        // resolve alike, and one identifier no one names.
        let override_users =
            orgs.iter().flat_map(|org| &org.mobile_device_access_overrides).map(|o| o.user_id.as_str());
        let identifiers = distinct(dirs.iter().flat_map(Directory::directory_keys).chain(override_users), |s| {
            c::ENTITY_IDENTIFIER.check(s).is_ok()
        });
        let other_user = unused(
            "any-other-user-",
            |s| identifiers.contains(&s) || dirs.iter().any(|d| matches!(d.identity(s), Identity::User(_))),
            |s| c::ENTITY_IDENTIFIER.check(s).is_ok(),
        );
        let mut users = group_users(&identifiers, &dirs);
        let other_identities = [dirs[0].identity(&other_user), dirs[1].identity(&other_user)];
        users.push((other_identities, vec![other_user.as_str()]));
        let mut by_identity: Pair<IdHashMap<Identity, Vec<usize>>> = Default::default();
        for (u, (identities, _)) in users.iter().enumerate() {
            for o in 0..2 {
                by_identity[o].entry(identities[o]).or_default().push(u);
            }
        }
        // Each user an override of either organization names, with that override's device.
        let mut keys: Vec<(usize, &str)> = Vec::new();
        let mut seen: IdHashMap<(usize, String), ()> = IdHashMap::default();
        for o in 0..2 {
            for ov in &orgs[o].mobile_device_access_overrides {
                let identity = dirs[o].identity(&ov.user_id);
                for &u in by_identity[o].get(&identity).into_iter().flatten() {
                    if seen.insert((u, ov.device_id.to_ascii_lowercase()), ()).is_none() {
                        keys.push((u, &ov.device_id));
                    }
                }
            }
        }
        for (u, device) in keys {
            let (identities, strings) = &users[u];
            let user = strings[0];
            let conds = [key_cond(0, user, device, &mut answers), key_cond(1, user, device, &mut answers)];
            if conds == everyone {
                continue;
            }
            let (label, user) = override_user(user, user == other_user, identities, strings, &dirs);
            who.push(conds);
            who_values.push(Value {
                label: format!("UserId {label} with DeviceId {device}"),
                other: false,
                example: Some(user),
                device: Some(device.to_string()),
            });
        }
        // Users one directory knows and the other does not: with a device no override names, an error on one side.
        for (identities, strings) in &users {
            let user = strings[0];
            let conds =
                [key_cond(0, user, &other_device, &mut answers), key_cond(1, user, &other_device, &mut answers)];
            if conds == everyone {
                continue;
            }
            let other = user == other_user;
            let (label, user) = override_user(user, other, identities, strings, &dirs);
            who.push(conds);
            who_values.push(Value {
                label: format!("UserId {label} with a DeviceId no override names"),
                other,
                example: Some(user),
                device: Some(other_device.clone()),
            });
        }
        MobileSpace { answers, who, who_values, properties, property_values }
    }
}

/// Case-folds a device value (SEMANTICS 2.4).
pub(crate) fn folded(value: &str) -> String {
    value.chars().map(uncertain::fold).collect()
}

/// One device property's classes: absent, one per listed value (the strings whose longest listed prefix it is),
/// and the strings no listed value is a prefix of.
fn property_dimension(property: DeviceProperty, rules: &Pair<&Vec<MobileRule>>) -> (Dimension, Vec<Value>) {
    // Values that take part in prefix matching; `$NONE` only matches an absent property unless uncertain says so.
    let listed = rules
        .iter()
        .flat_map(|rules| rules.iter())
        .flat_map(|rule| {
            let condition = rule.condition(property);
            condition.values.iter().chain(&condition.not_values)
        })
        .map(String::as_str)
        .filter(|v| *v != uncertain::NONE_VALUE || uncertain::NONE_MATCHES_PRESENT);
    let mut values: Vec<(String, &str)> = Vec::new();
    for value in listed {
        let key = folded(value);
        if !values.iter().any(|(k, _)| *k == key) {
            values.push((key, value));
        }
    }
    let keys: Vec<&str> = values.iter().map(|(k, _)| k.as_str()).collect();
    let mut dimension = Dimension::default();
    let mut out = Vec::new();
    let cond = |reported: Option<&str>| {
        [0, 1].map(|o| {
            Cond::Holds(RuleSet::from_fn(rules[o].len(), |i| {
                let condition = rules[o][i].condition(property);
                conditions::list_holds(&condition.values, |v| conditions::value_matches(v, reported))
                    && (condition.not_values.is_empty()
                        || (reported.is_some()
                            && !condition.not_values.iter().any(|v| conditions::value_matches(v, reported))))
            }))
        })
    };
    dimension.push(cond(None));
    out.push(Value::new("absent", None));
    for (key, value) in &values {
        dimension.push(cond(Some(value)));
        // The strings of this class start with `value` but with no longer listed value.
        let longer: Vec<&str> = values
            .iter()
            .filter(|(k, _)| k.len() > key.len() && k.starts_with(key.as_str()))
            .filter(|(k, _)| !keys.iter().any(|m| m.len() > key.len() && m.len() < k.len() && k.starts_with(m)))
            .map(|(_, v)| *v)
            .collect();
        let mut label = format!("\"{value}…\"");
        if !longer.is_empty() {
            let except: Vec<String> = longer.iter().map(|v| format!("\"{v}…\"")).collect();
            label.push_str(&format!(" but not {}", except.join(", ")));
        }
        out.push(Value::new(label, Some(value.to_string())));
    }
    if let Some(unmatched) = unmatched_string(&keys) {
        dimension.push(cond(Some(&unmatched)));
        out.push(Value::other("any other value", unmatched));
    }
    (dimension, out)
}

/// A device value that no listed value (given folded) is a prefix of, when there is one: tries a readable word
/// first, then walks the listed values' prefix tree for a character no value continues with.
fn unmatched_string(keys: &[&str]) -> Option<String> {
    let matches_any = |s: &str| {
        let f = folded(s);
        keys.iter().any(|k| f.starts_with(k))
    };
    if !matches_any("Unlisted") {
        return Some("Unlisted".into());
    }
    // Depth-first: extend `prefix` (which no key is a prefix of, but some keys extend) by one character at a time.
    let alphabet: Vec<char> =
        ('a'..='z').chain('0'..='9').chain((' '..='\u{ff}').filter(|c| uncertain::fold(*c) == *c)).collect();
    fn search(prefix: &mut String, keys: &[&str], alphabet: &[char], depth: usize) -> bool {
        if depth > 256 {
            return false;
        }
        for &ch in alphabet {
            prefix.push(ch);
            let is_key = keys.contains(&prefix.as_str());
            let extended = keys.iter().any(|k| k.starts_with(prefix.as_str()));
            if !is_key && !extended && prefix.chars().count() <= 256 {
                return true;
            }
            if !is_key && extended && search(prefix, keys, alphabet, depth + 1) {
                return true;
            }
            prefix.pop();
        }
        false
    }
    let mut prefix = String::new();
    search(&mut prefix, keys, &alphabet, 1).then_some(prefix)
}

/// How an override-key class names its user: "any other UserId" (with the identifier itself as the example) for
/// the user no one names, else the user's label, which is also the example.
fn override_user(
    user: &str,
    other: bool,
    identities: &Pair<Identity>,
    strings: &[&str],
    dirs: &Pair<Directory>,
) -> (String, String) {
    if other {
        ("any other UserId".to_string(), user.to_string())
    } else {
        let label = user_label(identities, strings, dirs);
        (label.clone(), label)
    }
}
