//! The mobile-device index: one case-folded prefix trie per device property.
//!
//! Every value of every rule's lists for a property (except `$NONE`) is folded (SEMANTICS 2.4) and inserted into
//! that property's trie ([`super::prefix_trie`]); the state where a value ends carries the masks of the rules that
//! list it, positively and in a `Not` list. A query walks each reported property down its trie once, collecting
//! the masks of every value that is a prefix of it, and then every rule's four conditions are a few mask
//! operations (2.5). Rule sets are one `u64`: the service's quota is 10 rules, and compiling more than 64 is
//! refused with a clear error.
//!
//! Overrides (2.7) are a hash map from (user slot, folded device id) to the override.

use crate::answer::{MatchedOverride, MobileDeviceAccessEffect, MobileDeviceAccessMatchedRule};
use crate::hash::IdHashMap;
use crate::organization::{DeviceProperty, Effect, Organization};
use crate::request::MobileRequest;
use crate::uncertain;

use super::bits::{self, RuleBits};
use super::identity::{Lookup, Users};
use super::prefix_trie::{folded_bytes, is_property_value, Listed, PrefixTrie};

/// One property's conditions: the trie of every rule's values for it, and which rules have lists for it.
#[derive(Debug, Clone, Default)]
struct PropertyIndex {
    trie: PrefixTrie,
    /// Rules with a positive list for this property, with a Not list, and with `$NONE` in the positive list.
    has_positive: u64,
    has_negative: u64,
    none_positive: u64,
}

impl PropertyIndex {
    /// The rules whose conditions on this property hold for `reported` (SEMANTICS 2.4, 2.5), or `None` when
    /// `reported` is not a valid property value (1 to 256 characters from U+0020 to U+00FF).
    #[inline]
    fn holds(&self, reported: Option<&str>) -> Option<u64> {
        let Some(reported) = reported else {
            // Absent: a positive list holds only through `$NONE`; a Not list never holds.
            return Some((!self.has_positive | self.none_positive) & !self.has_negative);
        };
        if !is_property_value(reported) {
            return None;
        }
        // The state where the walk stops holds the masks of every value that is a prefix of `reported`.
        let Listed { positive, negative } = self.trie.walk(reported);
        Some((!self.has_positive | positive) & !negative)
    }
}

#[derive(Debug, Clone)]
pub(crate) struct OverrideEntry {
    effect: Effect,
    user_id: Box<str>,
    device_id: Box<str>,
}

/// Device ids are at most 32 characters ([`crate::constraints::DEVICE_ID`]); folded into a fixed buffer, they
/// hash without allocating.
type DeviceKey = (u8, [u8; 32]);

fn device_key(device_id: &str) -> Option<DeviceKey> {
    let bytes = device_id.as_bytes();
    let mut key = [0u8; 32];
    key.get_mut(..bytes.len())?.copy_from_slice(bytes);
    key.make_ascii_lowercase();
    Some((bytes.len() as u8, key))
}

#[derive(Debug, Clone)]
pub(crate) struct MobileIndex {
    rules: Vec<(Option<Box<str>>, Box<str>)>,
    all: u64,
    deny: u64,
    properties: [PropertyIndex; 4],
    overrides: IdHashMap<(u32, DeviceKey), OverrideEntry>,
    /// One bit per user slot: whether any override names the user. Most users have none, so most lookups end
    /// here, before the device id is folded and hashed.
    users_with_overrides: Box<[u64]>,
}

impl MobileIndex {
    pub(crate) fn new(org: &Organization, users: &Users) -> Result<MobileIndex, usize> {
        let rules = &org.mobile_device_access_rules;
        if rules.len() > super::MAX_MOBILE_RULES {
            return Err(rules.len());
        }
        let mut properties: [PropertyIndex; 4] = Default::default();
        for property in DeviceProperty::ALL {
            let mut values = Vec::new();
            let (mut has_positive, mut has_negative, mut none_positive) = (0, 0, 0);
            for (i, rule) in rules.iter().enumerate() {
                let condition = rule.condition(property);
                for (list, negative) in [(&condition.values, false), (&condition.not_values, true)] {
                    if list.is_empty() {
                        continue;
                    }
                    *(if negative { &mut has_negative } else { &mut has_positive }) |= 1u64 << i;
                    for value in list {
                        if value == uncertain::NONE_VALUE {
                            // A Not list never holds for an absent property, `$NONE` or not (2.5).
                            if !negative {
                                none_positive |= 1u64 << i;
                            }
                            if !uncertain::NONE_MATCHES_PRESENT {
                                continue;
                            }
                        }
                        values.push((folded_bytes(value), i, negative));
                    }
                }
            }
            properties[property.index()] =
                PropertyIndex { trie: PrefixTrie::build(&values), has_positive, has_negative, none_positive };
        }
        let mut overrides = IdHashMap::default();
        let mut users_with_overrides = vec![0u64; users.slots().div_ceil(64)];
        for o in &org.mobile_device_access_overrides {
            let (Lookup::Slot(slot), Some(key)) = (users.lookup(&o.user_id), device_key(&o.device_id)) else {
                continue;
            };
            // The first override for a user and device wins, as in a scan (validation rejects a second one).
            if let Some(word) = users_with_overrides.get_mut(slot as usize / 64) {
                *word |= 1 << (slot % 64);
            }
            overrides.entry((slot, key)).or_insert_with(|| OverrideEntry {
                effect: o.effect,
                user_id: o.user_id.as_str().into(),
                device_id: o.device_id.as_str().into(),
            });
        }
        Ok(MobileIndex {
            rules: rules.iter().map(|r| (r.id.as_deref().map(Into::into), r.name.as_str().into())).collect(),
            all: bits::first(rules.len()),
            deny: rules
                .iter()
                .enumerate()
                .filter(|(_, r)| r.effect == Effect::Deny)
                .fold(0, |acc, (i, _)| acc | 1 << i),
            properties,
            overrides,
            users_with_overrides: users_with_overrides.into_boxed_slice(),
        })
    }

    /// The override for a user slot and device, if any.
    #[inline]
    pub(crate) fn find_override(&self, slot: u32, device_id: &str) -> Option<&OverrideEntry> {
        let word = self.users_with_overrides.get(slot as usize / 64)?;
        if word & (1 << (slot % 64)) == 0 {
            return None;
        }
        self.overrides.get(&(slot, device_key(device_id)?))
    }

    /// The rules whose four device conditions hold (SEMANTICS 2.3 to 2.5), or `None` when a reported property is
    /// not a valid value (which [`crate::request::check_mobile`] reports in words).
    #[inline]
    pub(crate) fn matched(&self, request: &MobileRequest) -> Option<u64> {
        // Written out rather than a loop over `DeviceProperty::ALL`, whose dispatch on the property to read cost
        // about 4% of a query. `properties` is in the order of `DeviceProperty::index`.
        let [device_type, model, operating_system, user_agent] = &self.properties;
        Some(
            self.all
                & device_type.holds(request.device_type)?
                & model.holds(request.device_model)?
                & operating_system.holds(request.device_operating_system)?
                & user_agent.holds(request.device_user_agent)?,
        )
    }

    /// The answer for what decided: an override, or the rules that matched (SEMANTICS 2.6, 2.7).
    #[inline]
    pub(crate) fn answer<'p>(&'p self, decided: MobileDecider<'p>) -> MobileAnswer<'p> {
        match decided {
            MobileDecider::Override(entry) => {
                MobileAnswer { effect: entry.effect, rules: RuleBits::empty(), index: self, decided_by: Some(entry) }
            }
            MobileDecider::Rules(matched) => {
                let (effect, rules) = bits::decide(matched & self.deny, matched & !self.deny);
                MobileAnswer { effect, rules: RuleBits::word(rules), index: self, decided_by: None }
            }
        }
    }

    /// The heap memory the index takes, in bytes (rule names and ids, and overrides, included).
    pub(crate) fn heap_bytes(&self) -> usize {
        let names: usize =
            self.rules.iter().map(|(id, name)| 48 + id.as_ref().map_or(0, |id| id.len()) + name.len()).sum();
        let tries: usize = self.properties.iter().map(|p| p.trie.heap_bytes()).sum();
        let overrides: usize = self
            .overrides
            .values()
            .map(|o| std::mem::size_of::<((u32, DeviceKey), OverrideEntry)>() + 1 + o.user_id.len() + o.device_id.len())
            .sum();
        names + tries + overrides + self.users_with_overrides.len() * 8
    }
}

/// What decides a mobile-device query: an override, or the mask of rules that matched. A prepared query keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum MobileDecider<'p> {
    Override(&'p OverrideEntry),
    Rules(u64),
}

/// A compiled policy's answer to `GetMobileDeviceAccessEffect`.
#[derive(Debug, Clone)]
pub struct MobileAnswer<'p> {
    effect: Effect,
    rules: RuleBits<'p>,
    index: &'p MobileIndex,
    decided_by: Option<&'p OverrideEntry>,
}

impl<'p> MobileAnswer<'p> {
    /// The decision.
    pub fn effect(&self) -> Effect {
        self.effect
    }

    /// `(MobileDeviceAccessRuleId, Name)` of the rules that decided, in rule order.
    pub fn matched_rules(&self) -> impl Iterator<Item = (Option<&'p str>, &'p str)> + '_ {
        let rules = &self.index.rules;
        self.rules.clone().map(move |i| (rules[i].0.as_deref(), &*rules[i].1))
    }

    /// Whether an override decided, and which (`UserId`, `DeviceId` as the organization lists them).
    pub fn matched_override(&self) -> Option<(&'p str, &'p str)> {
        self.decided_by.map(|o| (&*o.user_id, &*o.device_id))
    }

    /// The service's response shape.
    pub fn to_response(&self) -> MobileDeviceAccessEffect<'p> {
        MobileDeviceAccessEffect {
            effect: self.effect,
            matched_rules: self
                .matched_rules()
                .map(|(id, name)| MobileDeviceAccessMatchedRule { mobile_device_access_rule_id: id, name })
                .collect(),
            matched_override: self
                .matched_override()
                .map(|(user_id, device_id)| MatchedOverride { user_id, device_id }),
        }
    }
}
