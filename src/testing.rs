//! Seeded generators of random organizations and requests.
//!
//! One generator serves the property tests, the benchmarks, the fuzz targets and `wmpolicy bench`, so a seed that
//! shows a problem in one place reproduces it everywhere. Organizations come out as [`OrganizationFile`]s, the
//! form a user writes, so they pass through validation like any file; values are drawn from small shared pools so
//! that ranges overlap, prefixes nest, identifiers repeat and requests hit rule boundaries.

use crate::model::*;
pub use crate::request::{OwnedAccessRequest, OwnedImpersonationRequest, OwnedMobileRequest};
use crate::uncertain;

pub mod logs;

/// SplitMix64: tiny, fast, and good enough to spread test cases.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// True with probability `1/n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// One of `items`, uniformly. `items` must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// How big an organization to generate. With `exact`, every count is used as is; otherwise each is the maximum
/// of a uniform choice (and lists may be missing), which is what property tests want.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Whether every count is used as is, rather than as a maximum.
    pub exact: bool,
    /// Access-control rules.
    pub access_rules: usize,
    /// Entries per `IpRanges` list.
    pub ip_ranges: usize,
    /// Entries per `NotIpRanges` list.
    pub not_ip_ranges: usize,
    /// Entries per `UserIds`, `NotUserIds`, `ImpersonationRoleIds`, `NotImpersonationRoleIds`, `Actions` list.
    pub principals: usize,
    /// Mobile-device access rules.
    pub mobile_rules: usize,
    /// Values per device-property list.
    pub mobile_values: usize,
    /// Mobile-device access overrides.
    pub overrides: usize,
    /// Impersonation roles.
    pub roles: usize,
    /// Rules per impersonation role.
    pub role_rules: usize,
    /// Entries per `TargetUsers` and `NotTargetUsers` list.
    pub targets: usize,
    /// Users of the directory (and identifiers in the pool without one).
    pub users: usize,
}

impl Shape {
    /// Small, varied organizations for differential testing.
    pub fn varied() -> Shape {
        Shape {
            exact: false,
            access_rules: 6,
            ip_ranges: 4,
            not_ip_ranges: 3,
            principals: 3,
            mobile_rules: 6,
            mobile_values: 3,
            overrides: 4,
            roles: 3,
            role_rules: 4,
            targets: 3,
            users: 8,
        }
    }

    /// The service's maximum: 10 rules with 1024 `IpRanges` and 1024 `NotIpRanges` each, 10 entries in every
    /// principal list, 10 mobile rules with 10 values in every list, 20 roles of 10 rules with 10 targets.
    pub fn service_maximum() -> Shape {
        Shape {
            exact: true,
            access_rules: 10,
            ip_ranges: 1024,
            not_ip_ranges: 1024,
            principals: 10,
            mobile_rules: 10,
            mobile_values: 10,
            overrides: 100,
            roles: 20,
            role_rules: 10,
            targets: 10,
            users: 1000,
        }
    }

    /// A typical organization: 10 rules of 16 CIDRs.
    pub fn typical() -> Shape {
        Shape { ip_ranges: 16, not_ip_ranges: 0, principals: 3, users: 100, ..Shape::service_maximum() }
    }

    /// Beyond the service's quotas: `rules` access rules of `cidrs` CIDRs each (validate with quotas relaxed).
    pub fn scaled(rules: usize, cidrs: usize) -> Shape {
        Shape {
            access_rules: rules,
            ip_ranges: cidrs,
            not_ip_ranges: 0,
            principals: 3,
            users: 100,
            ..Shape::service_maximum()
        }
    }
}

const MOBILE_VALUES: &[&str] = &[
    "iPhone",
    "iPh",
    "iphone 1",
    "Android",
    "andr",
    "SM-G",
    "SM-G*",
    "Ñandú",
    "ñan",
    "Windows",
    "$NONE",
    "a",
    "A?",
    "é",
    "Outlook-iOS",
];
const MOBILE_SUFFIXES: &[&str] = &["", "", " 15", "X", "é", "Ÿ"];
const DEVICE_IDS: &[&str] = &["ABC123", "dev42", "XYZ", "Q7Q7Q7"];
const EXTRA_ACTIONS: &[&str] = &["Foo", "imap", "Bar"];

/// A user of the generated directory (or, without one, a pool of identifiers).
#[derive(Debug, Clone)]
pub struct Person {
    /// The user's id.
    pub id: String,
    /// The user's email address.
    pub email: String,
    /// The user's user name.
    pub name: String,
}

fn people(n: usize) -> Vec<Person> {
    (0..n.max(4))
        .map(|i| Person {
            id: format!("S-1-1-11-{:010}-{:04}", 1_000_000 + i * 7919, i),
            email: format!("user{i}@example.com"),
            name: format!("employee.number{i}"),
        })
        .collect()
}

fn role_ids(n: usize) -> Vec<String> {
    (0..n.max(4)).map(|i| format!("role-{i:02}")).collect()
}

/// A generated organization and the pools its requests draw from.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The organization, as a user would write it.
    pub file: OrganizationFile,
    /// The users requests name (the directory's, when the file has one).
    pub people: Vec<Person>,
    /// The role ids requests name (the loaded roles' and some that no role has).
    pub role_ids: Vec<String>,
    /// Every CIDR any rule lists, parsed, for requests near their edges.
    pub ranges: Vec<(u32, u32)>,
    /// Device property values requests are made from (case-flipped and extended).
    pub mobile_values: Vec<String>,
    /// `(UserId, DeviceId)` of every override, for requests an override decides.
    pub overrides: Vec<(String, String)>,
}

impl Generated {
    /// Pools of request material drawn from an existing organization (a user's own, for `wmpolicy bench`): its
    /// users (or the identifiers its rules name), roles, CIDRs, device values and overrides. `file` is left empty.
    pub fn from_organization(org: &crate::Organization) -> Generated {
        let mut people: Vec<Person> = match &org.users {
            Some(users) => users
                .iter()
                .map(|u| Person {
                    id: u.id.clone(),
                    email: u.email.clone().unwrap_or_else(|| u.id.clone()),
                    name: u.name.clone().unwrap_or_else(|| u.id.clone()),
                })
                .collect(),
            None => {
                let mut named: Vec<&String> = org
                    .access_control_rules
                    .iter()
                    .flat_map(|r| r.user_ids.iter().chain(&r.not_user_ids))
                    .chain(org.mobile_device_access_overrides.iter().map(|o| &o.user_id))
                    .chain(
                        org.impersonation_roles
                            .iter()
                            .flatten()
                            .flat_map(|role| &role.rules)
                            .flat_map(|r| r.target_users.iter().chain(&r.not_target_users)),
                    )
                    .collect();
                named.sort();
                named.dedup();
                named.into_iter().map(|id| Person { id: id.clone(), email: id.clone(), name: id.clone() }).collect()
            }
        };
        if people.is_empty() {
            people = self::people(4);
        }
        let mut role_ids: Vec<String> = org.impersonation_roles.iter().flatten().map(|r| r.id.clone()).collect();
        role_ids.extend(
            org.access_control_rules
                .iter()
                .flat_map(|r| r.impersonation_role_ids.iter().chain(&r.not_impersonation_role_ids))
                .cloned(),
        );
        role_ids.sort();
        role_ids.dedup();
        if role_ids.is_empty() {
            role_ids = self::role_ids(1);
        }
        let ranges = org
            .access_control_rules
            .iter()
            .flat_map(|r| r.ip_ranges.iter().chain(&r.not_ip_ranges))
            .map(|net| (u32::from(net.network()), u32::from(net.broadcast())))
            .collect();
        let mut mobile_values: Vec<String> = org
            .mobile_device_access_rules
            .iter()
            .flat_map(|r| r.conditions.iter())
            .flat_map(|c| c.values.iter().chain(&c.not_values))
            .filter(|v| *v != uncertain::NONE_VALUE)
            .cloned()
            .collect();
        mobile_values.sort();
        mobile_values.dedup();
        if mobile_values.is_empty() {
            mobile_values = MOBILE_VALUES.iter().map(|v| v.to_string()).collect();
        }
        let overrides =
            org.mobile_device_access_overrides.iter().map(|o| (o.user_id.clone(), o.device_id.clone())).collect();
        Generated { file: OrganizationFile::default(), people, role_ids, ranges, mobile_values, overrides }
    }
}

impl Shape {
    fn count(&self, rng: &mut Rng, max: usize) -> usize {
        if self.exact {
            max
        } else {
            rng.below(max + 1)
        }
    }

    /// A list of `max` entries (exactly) or of a random length, sometimes missing, sometimes empty.
    fn list(&self, rng: &mut Rng, max: usize, mut item: impl FnMut(&mut Rng) -> String) -> Option<Vec<String>> {
        if self.exact {
            return (max > 0).then(|| (0..max).map(|_| item(rng)).collect());
        }
        match rng.below(4) {
            0 | 1 => None,
            2 if rng.one_in(4) => Some(vec![]),
            _ => Some((0..1 + rng.below(max.max(1))).map(|_| item(rng)).collect()),
        }
    }
}

/// A random CIDR near one of `anchors`. Property tests want the extremes (`/0`, `/1`) often; benchmark shapes
/// (`realistic`) draw the prefix lengths admins write, since a rule list holding a `/0` answers every request at
/// its first range and would make the reference evaluator look faster than it is.
fn cidr(rng: &mut Rng, anchors: &[u32], realistic: bool) -> (String, u32, u32) {
    let len = if realistic {
        *rng.pick(&[16u8, 20, 22, 24, 24, 26, 28, 29, 30, 32, 32])
    } else {
        *rng.pick(&[0u8, 1, 8, 12, 16, 20, 24, 24, 28, 30, 31, 32, 32])
    };
    let base = rng.pick(anchors).wrapping_add(rng.below(1 << 12) as u32 * if rng.one_in(2) { 1 } else { 256 });
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let network = base & mask;
    // Sometimes keep host bits, which the service accepts (and validation warns about).
    let written = if rng.one_in(8) { base } else { network };
    let text = format!("{}/{len}", std::net::Ipv4Addr::from(written));
    (text, network, network | !mask)
}

/// Generates an organization of `shape` from `seed`.
pub fn organization(seed: u64, shape: &Shape) -> Generated {
    let mut rng = Rng::new(seed);
    let people = people(shape.users);
    let role_pool = role_ids(shape.roles.max(shape.principals));
    let directory = shape.exact || rng.one_in(2);
    let roles_loaded = shape.exact || rng.one_in(2);
    let anchors: Vec<u32> = (0..4).map(|_| rng.next_u64() as u32).collect();
    let mut ranges = Vec::new();
    // A user identifier for a rule: any form with a directory; without one, an ID or an email (as strings).
    let user_ref = |rng: &mut Rng, min_twelve: bool| -> String {
        let p = rng.pick(&people);
        match rng.below(3) {
            0 => p.id.clone(),
            1 => p.email.clone(),
            _ if min_twelve || !directory => p.id.clone(),
            _ => p.name.clone(),
        }
    };
    let loaded_roles: Vec<String> = if roles_loaded {
        role_pool
            .iter()
            .take(if shape.exact { shape.roles.max(shape.principals) } else { 1 + rng.below(role_pool.len()) })
            .cloned()
            .collect()
    } else {
        vec![]
    };
    let mut access = Vec::new();
    for i in 0..shape.count(&mut rng, shape.access_rules) {
        let mut rule = AccessControlRule {
            name: Some(format!("rule-{i}")),
            effect: Some(if rng.one_in(2) { "ALLOW" } else { "DENY" }.into()),
            description: Some(format!("generated rule {i}")),
            ..Default::default()
        };
        let mut cidrs = |rng: &mut Rng, n: usize| {
            shape.list(rng, n, |rng| {
                let (text, lo, hi) = cidr(rng, &anchors, shape.exact);
                ranges.push((lo, hi));
                text
            })
        };
        rule.ip_ranges = cidrs(&mut rng, shape.ip_ranges);
        rule.not_ip_ranges = cidrs(&mut rng, shape.not_ip_ranges);
        let actions: Vec<&str> = uncertain::DOCUMENTED_ACTIONS.iter().chain(&EXTRA_ACTIONS[..1]).copied().collect();
        let action_count = shape.principals.min(actions.len());
        rule.actions = shape.list(&mut rng, action_count, |rng| rng.pick(&actions).to_string());
        rule.not_actions =
            if rng.one_in(2) { shape.list(&mut rng, action_count, |rng| rng.pick(&actions).to_string()) } else { None };
        if !shape.exact || rng.one_in(2) {
            rule.user_ids = shape.list(&mut rng, shape.principals, |rng| user_ref(rng, true));
            rule.not_user_ids = shape.list(&mut rng, shape.principals, |rng| user_ref(rng, true));
        }
        let roles: &[String] = if roles_loaded { &loaded_roles } else { &role_pool };
        if !shape.exact || rng.one_in(2) {
            rule.impersonation_role_ids = shape.list(&mut rng, shape.principals, |rng| rng.pick(roles).clone());
            rule.not_impersonation_role_ids = shape.list(&mut rng, shape.principals, |rng| rng.pick(roles).clone());
        }
        access.push(rule);
    }

    let mut mobile = Vec::new();
    for i in 0..shape.count(&mut rng, shape.mobile_rules) {
        let mut rule = MobileDeviceAccessRule {
            mobile_device_access_rule_id: Some(format!("mdar-{i}")),
            name: Some(format!("mobile rule {i}")),
            effect: Some(if rng.one_in(2) { "ALLOW" } else { "DENY" }.into()),
            ..Default::default()
        };
        let values = |rng: &mut Rng| -> Option<Vec<String>> {
            match shape.list(rng, shape.mobile_values, |rng| rng.pick(MOBILE_VALUES).to_string()) {
                Some(v) if v.is_empty() => None, // The service requires at least one value.
                other => other,
            }
        };
        rule.device_types = values(&mut rng);
        rule.not_device_types = values(&mut rng);
        rule.device_models = values(&mut rng);
        rule.not_device_models = values(&mut rng);
        rule.device_operating_systems = values(&mut rng);
        rule.not_device_operating_systems = values(&mut rng);
        rule.device_user_agents = values(&mut rng);
        rule.not_device_user_agents = values(&mut rng);
        mobile.push(rule);
    }

    let mut overrides = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..shape.count(&mut rng, shape.overrides) {
        let person = rng.below(people.len());
        let device = rng.pick(DEVICE_IDS).to_string();
        let key = (person, device.to_ascii_lowercase());
        let user_id = if directory { user_ref(&mut rng, false) } else { people[person].id.clone() };
        let user_key = if directory {
            people.iter().position(|p| [&p.id, &p.email, &p.name].contains(&&user_id))
        } else {
            Some(person)
        };
        if seen.contains(&(user_key, key.1.clone())) {
            continue;
        }
        seen.push((user_key, key.1));
        overrides.push(MobileDeviceAccessOverride {
            user_id: Some(user_id),
            device_id: Some(device),
            effect: Some(if rng.one_in(2) { "ALLOW" } else { "DENY" }.into()),
            ..Default::default()
        });
    }

    let mut roles = Vec::new();
    for id in &loaded_roles {
        let mut rules = Vec::new();
        for j in 0..shape.count(&mut rng, shape.role_rules) {
            rules.push(ImpersonationRule {
                impersonation_rule_id: Some(format!("{id}-rule-{j}")),
                name: if rng.one_in(3) { None } else { Some(format!("rule {j}")) },
                effect: Some(if rng.one_in(2) { "ALLOW" } else { "DENY" }.into()),
                target_users: shape.list(&mut rng, shape.targets, |rng| user_ref(rng, false)).filter(|l| !l.is_empty()),
                not_target_users: shape
                    .list(&mut rng, shape.targets, |rng| user_ref(rng, false))
                    .filter(|l| !l.is_empty()),
                ..Default::default()
            });
        }
        roles.push(ImpersonationRole {
            impersonation_role_id: Some(id.clone()),
            name: Some(format!("Role {id}")),
            role_type: Some(if rng.one_in(2) { "FULL_ACCESS" } else { "READ_ONLY" }.into()),
            rules: Some(rules),
            ..Default::default()
        });
    }

    let users = directory.then(|| {
        people
            .iter()
            .map(|p| User {
                id: Some(p.id.clone()),
                email: Some(p.email.clone()),
                name: Some(p.name.clone()),
                state: Some(if rng.one_in(8) { "DISABLED" } else { "ENABLED" }.into()),
                ..Default::default()
            })
            .collect()
    });
    // Property tests also see missing lists, which mean the defaults of a new organization.
    let keep = |rng: &mut Rng| shape.exact || !rng.one_in(8);
    let file = OrganizationFile {
        access_control_rules: keep(&mut rng).then_some(access),
        mobile_device_access_rules: keep(&mut rng).then_some(mobile),
        mobile_device_access_overrides: Some(overrides),
        impersonation_roles: roles_loaded.then_some(roles),
        users,
    };
    let mobile_values = MOBILE_VALUES.iter().map(|v| v.to_string()).collect();
    let overrides = file
        .mobile_device_access_overrides
        .iter()
        .flatten()
        .filter_map(|o| Some((o.user_id.clone()?, o.device_id.clone()?)))
        .collect();
    Generated { file, people, role_ids: role_pool, ranges, mobile_values, overrides }
}

/// Flips the case of some letters, within Latin-1.
fn flip_case(rng: &mut Rng, s: &str) -> String {
    s.chars()
        .map(|c| {
            if !rng.one_in(2) {
                return c;
            }
            let flipped: Vec<char> =
                if c.is_lowercase() { c.to_uppercase().collect() } else { c.to_lowercase().collect() };
            match flipped.as_slice() {
                [f] if (*f as u32) <= 0xFF => *f,
                _ => c,
            }
        })
        .collect()
}

fn person_ref(rng: &mut Rng, people: &[Person]) -> String {
    let p = rng.pick(people);
    match rng.below(8) {
        0 | 1 => p.id.clone(),
        2 | 3 => p.email.clone(),
        4 => p.name.clone(),
        5 => "S-1-1-11-9999999999-unknown".into(),
        6 => "stranger@example.com".into(),
        _ => p.id.clone(),
    }
}

impl Generated {
    /// An access request; most are well-formed, some break a check of SEMANTICS 1.6.
    pub fn access_request(&self, rng: &mut Rng) -> OwnedAccessRequest {
        let address: u32 = match (self.ranges.is_empty(), rng.below(6)) {
            (false, 0) => self.ranges[rng.below(self.ranges.len())].0,
            (false, 1) => self.ranges[rng.below(self.ranges.len())].1,
            (false, 2) => self.ranges[rng.below(self.ranges.len())].0.wrapping_sub(1),
            (false, 3) => self.ranges[rng.below(self.ranges.len())].1.wrapping_add(1),
            (false, 4) => {
                let (lo, hi) = self.ranges[rng.below(self.ranges.len())];
                lo.wrapping_add((rng.next_u64() % (u64::from(hi - lo) + 1)) as u32)
            }
            _ => rng.next_u64() as u32,
        };
        let ip_address = if rng.one_in(50) { "10.0.0".into() } else { std::net::Ipv4Addr::from(address).to_string() };
        let action = match rng.below(10) {
            0 => rng.pick(EXTRA_ACTIONS).to_string(),
            1 => "EWS".into(),
            _ => rng.pick(&uncertain::DOCUMENTED_ACTIONS).to_string(),
        };
        let (user_id, impersonation_role_id) = match rng.below(12) {
            0 => (None, None),
            1 => (Some(person_ref(rng, &self.people)), Some(rng.pick(&self.role_ids).clone())),
            2..=4 => (None, Some(if rng.one_in(6) { "role-unknown".into() } else { rng.pick(&self.role_ids).clone() })),
            _ => (Some(person_ref(rng, &self.people)), None),
        };
        let action = if impersonation_role_id.is_some() && !rng.one_in(4) { "EWS".into() } else { action };
        OwnedAccessRequest { ip_address, action, user_id, impersonation_role_id }
    }

    /// A mobile request: pool values with flipped case and suffixes, absent properties, sometimes an override.
    pub fn mobile_request(&self, rng: &mut Rng) -> OwnedMobileRequest {
        let mut request = OwnedMobileRequest::default();
        for property in request.properties.iter_mut() {
            *property = match rng.below(5) {
                0 => None,
                1 => Some("BlackBerry".into()),
                _ => {
                    let value = rng.pick(&self.mobile_values);
                    Some(format!("{}{}", flip_case(rng, value), rng.pick(MOBILE_SUFFIXES)))
                }
            };
        }
        if !self.overrides.is_empty() && rng.one_in(3) {
            // An override's own user and device, the device id in another case.
            let (user, device) = rng.pick(&self.overrides);
            request.user_id = Some(user.clone());
            request.device_id = Some(flip_case(rng, device));
        } else if rng.one_in(2) {
            request.user_id = Some(person_ref(rng, &self.people));
            let device = *rng.pick(DEVICE_IDS);
            request.device_id = Some(flip_case(rng, device));
        }
        if rng.one_in(40) {
            request.device_id = None; // UserId without DeviceId: InvalidParameterException.
        }
        request
    }

    /// An impersonation request for a pool role (or an unknown one) and a pool user (or a stranger).
    pub fn impersonation_request(&self, rng: &mut Rng) -> OwnedImpersonationRequest {
        let role = if rng.one_in(10) { "role-unknown".into() } else { rng.pick(&self.role_ids).clone() };
        OwnedImpersonationRequest { impersonation_role_id: role, target_user: person_ref(rng, &self.people) }
    }
}

/// Appends `value` as JSON as a person or another tool might write it: members in any order, any whitespace,
/// strings with optional escapes, floats in exponent notation. The same `rng` state writes the same text.
pub fn write_messy_json(value: &serde_json::Value, rng: &mut Rng, out: &mut String) {
    use serde_json::Value;
    let space = |rng: &mut Rng, out: &mut String| out.push_str(rng.pick::<&str>(&["", "", " ", "\n  ", "\t", "\r\n"]));
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            for i in (1..entries.len()).rev() {
                entries.swap(i, rng.below(i + 1));
            }
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                write_string(key, rng, out);
                space(rng, out);
                out.push(':');
                space(rng, out);
                write_messy_json(value, rng, out);
            }
            space(rng, out);
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(rng, out);
                write_messy_json(item, rng, out);
            }
            space(rng, out);
            out.push(']');
        }
        Value::String(s) => write_string(s, rng, out),
        Value::Number(n) => match n.as_f64() {
            // The same f64 in exponent notation: `1.614704932123e9`.
            Some(f) if n.is_f64() && rng.one_in(2) => out.push_str(&format!("{f:e}")),
            _ => out.push_str(&n.to_string()),
        },
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if rng.one_in(2) => out.push_str("\\n"),
            '/' if rng.one_in(2) => out.push_str("\\/"),
            c if (c as u32) < 0x20 || rng.one_in(5) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
