//! Two organizations compared over the whole request space of each simulate call.
//!
//! The request space is a product of dimensions, each cut into classes (`analyse::space`). Comparing cell by
//! cell would cost the product of the class counts (tens of thousands of address intervals times every user and
//! action); instead the dimensions are fixed one at a time, and every step only keeps what the rest of the
//! request can still see: the pair of rule sets (or settled answers) so far. Two prefixes with the same pair
//! have the same future, so each pair is solved once and memoised; this is a decision diagram over the
//! dimensions, with the address dimension, the largest, last.
//!
//! Solving a pair yields the **regions** below it where the answers differ: a set of classes of the next
//! dimension times a region of the remaining ones. Classes that lead to the same region are merged into one set
//! on the way up, so a change that holds for every action comes out as one region "any action" rather than eight,
//! and adjacent address intervals that change alike join into one range. Only changed cells make regions.
//!
//! Cost: per distinct (depth, pair) one pass over the next dimension's distinct conditions and classes. For two
//! service-maximum organizations (10 rules × 2048 CIDRs each, a thousand users) that is a few hundred pairs over
//! tens of thousands of intervals; `benches/analysis.rs` measures it.
//!
//! Every region carries one concrete request (strings) from its first values; `tests/analysis.rs` asks the
//! compiled engine and the reference evaluator that request in both organizations and checks that the answers
//! are the ones reported, and that they differ.

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::net::Ipv4Addr;
use std::rc::Rc;

use serde::Serialize;

use super::space::*;
use super::{Outcome, Selection, Summary};
use crate::answer::*;
use crate::hash::IdHashMap;
use crate::organization::{DeviceProperty, Organization};
use crate::request::{OwnedAccessRequest, OwnedImpersonationRequest, OwnedMobileRequest};

// --- the region engine ----------------------------------------------------------------------------------------

/// A region of a request space where the two organizations answer differently: one set of classes per
/// dimension (an id of [`Regions::sets`]), and the two answers (ids of the space's outcomes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    pub(crate) sets: Vec<u32>,
    pub(crate) old: u32,
    pub(crate) new: u32,
}

/// The changed regions of a request space. Sets of classes are shared: regions that differ in one dimension
/// only share the others' sets, so rendering each set once is enough.
#[derive(Debug, Default)]
pub(crate) struct Regions {
    pub(crate) list: Vec<Region>,
    /// Sets of classes, each ascending.
    pub(crate) sets: Vec<Vec<u32>>,
}

impl Regions {
    /// Orders regions by the first class of each dimension in turn, which reads best (principal, then action,
    /// then address; or override key, then device properties).
    fn sort(&mut self) {
        let sets = &self.sets;
        self.list
            .sort_by_cached_key(|r| r.sets.iter().map(|&set| sets[set as usize].first().copied()).collect::<Vec<_>>());
    }
}

/// Renders each set of classes of one dimension once.
struct Rendered<'d, V> {
    dim: &'d Dimension,
    values: &'d [V],
    cache: IdHashMap<u32, (Selection, usize)>,
}

impl<'d, V: Borrow<Value>> Rendered<'d, V> {
    fn new(dim: &'d Dimension, values: &'d [V]) -> Self {
        Rendered { dim, values, cache: IdHashMap::default() }
    }

    /// The selection of a set, and the value that stands for it in examples.
    fn get(&mut self, regions: &Regions, set: u32) -> (Selection, usize) {
        self.cache.entry(set).or_insert_with(|| selection(self.dim, self.values, &regions.sets[set as usize])).clone()
    }
}

/// A node of the region diagram: the two answers, or a set of classes of one dimension times a node below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Node {
    Leaf { old: u32, new: u32 },
    Product { set: u32, tail: u32 },
}

/// Keys in first-seen order, each with the classes that led to it: output order follows input order, so that
/// results are deterministic.
struct Groups<K> {
    index: IdHashMap<K, usize>,
    list: Vec<(K, Vec<u32>)>,
}

impl<K: Hash + Eq + Clone> Groups<K> {
    fn new() -> Self {
        Groups { index: IdHashMap::default(), list: Vec::new() }
    }

    fn add(&mut self, key: K, classes: &[u32]) {
        match self.index.get(&key) {
            Some(&i) => self.list[i].1.extend_from_slice(classes),
            None => {
                self.index.insert(key.clone(), self.list.len());
                self.list.push((key, classes.to_vec()));
            }
        }
    }
}

/// Stands for "some settled answer" on one side while the regions below are solved once for every such answer;
/// no real outcome has this id.
const PLACEHOLDER: u32 = u32::MAX;

struct Engine<'a, 'o, O> {
    dims: &'a [&'a Dimension],
    answers: &'a mut Answers<'o, O>,
    memo: IdHashMap<(usize, Pair<Cond>), Rc<[u32]>>,
    /// (node, side, answer) to the node with the placeholder on that side replaced by the answer.
    relabelled: IdHashMap<(u32, usize, u32), Option<u32>>,
    nodes: Vec<Node>,
    node_ids: IdHashMap<Node, u32>,
    sets: Vec<Vec<u32>>,
    set_ids: IdHashMap<Vec<u32>, u32>,
}

/// Every region of the product of `dims` where the organizations answer differently, starting from `start` (each
/// organization's condition before any dimension is fixed). Regions are maximal in the sense of the module docs.
pub(crate) fn changed_regions<O: Clone + Eq + Hash>(
    dims: &[&Dimension],
    answers: &mut Answers<'_, O>,
    start: Pair<Cond>,
) -> Regions {
    if dims.is_empty() {
        return Regions::default();
    }
    let mut engine = Engine {
        dims,
        answers,
        memo: IdHashMap::default(),
        relabelled: IdHashMap::default(),
        nodes: Vec::new(),
        node_ids: IdHashMap::default(),
        sets: Vec::new(),
        set_ids: IdHashMap::default(),
    };
    let top = engine.solve(0, &start);
    let list = top.iter().map(|&node| engine.region(node)).collect();
    Regions { list, sets: engine.sets }
}

impl<O: Clone + Eq + Hash> Engine<'_, '_, O> {
    fn node(&mut self, node: Node) -> u32 {
        let next = self.nodes.len() as u32;
        *self.node_ids.entry(node).or_insert_with(|| {
            self.nodes.push(node);
            next
        })
    }

    fn product(&mut self, mut classes: Vec<u32>, tail: u32) -> u32 {
        classes.sort_unstable();
        classes.dedup();
        let next = self.sets.len() as u32;
        let set = match self.set_ids.get(&classes) {
            Some(&set) => set,
            None => {
                self.sets.push(classes.clone());
                self.set_ids.insert(classes, next);
                next
            }
        };
        self.node(Node::Product { set, tail })
    }

    /// The changed regions below `state` at `depth`, as nodes.
    fn solve(&mut self, depth: usize, state: &Pair<Cond>) -> Rc<[u32]> {
        let key = (depth, state.clone());
        if let Some(known) = self.memo.get(&key) {
            return known.clone();
        }
        // One side settled, the other still open: what lies below depends on the settled answer only through the
        // leaves. Solve once with a placeholder answer, then put this answer in (and drop the cells where it
        // equals the other side's). Relabelling is one-to-one on the cells that stay, so regions merge exactly as
        // a direct solve would merge them. (An override present in one organization only would otherwise cost a
        // whole walk of the device properties per override.)
        let settled: Vec<(usize, u32, u8)> = (0..2)
            .filter_map(|o| match state[o] {
                Cond::Settled { outcome, rank } if outcome != PLACEHOLDER => Some((o, outcome, rank)),
                _ => None,
            })
            .collect();
        if let [(side, outcome, rank)] = settled[..] {
            let mut general = state.clone();
            general[side] = Cond::Settled { outcome: PLACEHOLDER, rank };
            let nodes: Rc<[u32]> =
                self.solve(depth, &general).iter().filter_map(|&node| self.relabel(node, side, outcome)).collect();
            self.memo.insert(key, nodes.clone());
            return nodes;
        }
        let dim = self.dims[depth];
        // One step per distinct condition of the dimension, not per class.
        let children: Pair<Vec<Cond>> = [0, 1].map(|o| dim.conds[o].iter().map(|c| state[o].then(c)).collect());
        let nodes: Vec<u32> = if depth + 1 == self.dims.len() {
            let outcomes: Pair<Vec<u32>> =
                [0, 1].map(|o| children[o].iter().map(|c| self.answers.resolve(o, c)).collect());
            let mut groups = Groups::new();
            for (class, conds) in dim.classes.iter().enumerate() {
                let pair = [outcomes[0][conds[0] as usize], outcomes[1][conds[1] as usize]];
                if pair[0] != pair[1] {
                    groups.add(pair, &[class as u32]);
                }
            }
            groups
                .list
                .into_iter()
                .map(|([old, new], classes)| {
                    let leaf = self.node(Node::Leaf { old, new });
                    self.product(classes, leaf)
                })
                .collect()
        } else {
            // Children with equal conditions have the same future: number them, solve each once.
            let mut canonical: Pair<Vec<u32>> = Default::default();
            let mut representatives: Pair<Vec<Cond>> = Default::default();
            for o in 0..2 {
                let mut ids: IdHashMap<&Cond, u32> = IdHashMap::default();
                for cond in &children[o] {
                    let next = representatives[o].len() as u32;
                    let id = *ids.entry(cond).or_insert_with(|| {
                        representatives[o].push(cond.clone());
                        next
                    });
                    canonical[o].push(id);
                }
            }
            let mut groups = Groups::new();
            for (class, conds) in dim.classes.iter().enumerate() {
                groups.add([canonical[0][conds[0] as usize], canonical[1][conds[1] as usize]], &[class as u32]);
            }
            let mut tails: Groups<u32> = Groups::new();
            for ([old, new], classes) in groups.list {
                let child = [representatives[0][old as usize].clone(), representatives[1][new as usize].clone()];
                for &tail in self.solve(depth + 1, &child).iter() {
                    tails.add(tail, &classes);
                }
            }
            tails.list.into_iter().map(|(tail, classes)| self.product(classes, tail)).collect()
        };
        let nodes: Rc<[u32]> = nodes.into();
        self.memo.insert(key, nodes.clone());
        nodes
    }

    /// `node` with the placeholder on `side` replaced by `outcome`; `None` when nothing of it changes then.
    fn relabel(&mut self, node: u32, side: usize, outcome: u32) -> Option<u32> {
        if let Some(&known) = self.relabelled.get(&(node, side, outcome)) {
            return known;
        }
        let relabelled = match self.nodes[node as usize] {
            Node::Leaf { old, new } => {
                let mut pair = [old, new];
                if pair[side] == PLACEHOLDER {
                    pair[side] = outcome;
                }
                (pair[0] != pair[1]).then(|| self.node(Node::Leaf { old: pair[0], new: pair[1] }))
            }
            Node::Product { set, tail } => {
                self.relabel(tail, side, outcome).map(|tail| self.node(Node::Product { set, tail }))
            }
        };
        self.relabelled.insert((node, side, outcome), relabelled);
        relabelled
    }

    fn region(&self, mut node: u32) -> Region {
        let mut sets = Vec::new();
        loop {
            match self.nodes[node as usize] {
                Node::Product { set, tail } => {
                    sets.push(set);
                    node = tail;
                }
                Node::Leaf { old, new } => return Region { sets, old, new },
            }
        }
    }
}

/// The values of `classes` as a selection, and the value that stands for them in the example request (the first).
fn selection<V: Borrow<Value>>(dim: &Dimension, values: &[V], classes: &[u32]) -> (Selection, usize) {
    let members = dim.values_of(classes);
    let first = members.first().map_or(0, |&v| v as usize);
    if members.len() == values.len() {
        return (Selection::everything(), first);
    }
    let value = |v: u32| values[v as usize].borrow();
    // Collected into an `Arc<[String]>`, shared by every region with this selection.
    let listed = members.iter().map(|&v| value(v)).filter(|v| !v.other).map(|v| v.label.clone()).collect();
    let any_other = members.iter().any(|&v| value(v).other);
    (Selection { all: false, listed, any_other }, first)
}

// --- results --------------------------------------------------------------------------------------------------

/// Which simulate call to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Kind {
    /// `GetAccessControlEffect`.
    Access,
    /// `GetMobileDeviceAccessEffect`.
    Mobile,
    /// `GetImpersonationRoleEffect`.
    Impersonation,
}

impl Kind {
    /// All three calls.
    pub const ALL: [Kind; 3] = [Kind::Access, Kind::Mobile, Kind::Impersonation];

    /// The simulate call's name.
    pub fn operation(self) -> &'static str {
        match self {
            Kind::Access => "GetAccessControlEffect",
            Kind::Mobile => "GetMobileDeviceAccessEffect",
            Kind::Impersonation => "GetImpersonationRoleEffect",
        }
    }
}

/// An inclusive range of IPv4 addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressRange {
    /// The first address in the range.
    pub first: Ipv4Addr,
    /// The last address in the range (inclusive).
    pub last: Ipv4Addr,
}

impl AddressRange {
    /// Whether `address` is in the range.
    pub fn contains(&self, address: Ipv4Addr) -> bool {
        (self.first..=self.last).contains(&address)
    }

    /// Whether the range is the whole IPv4 space.
    pub fn is_everything(&self) -> bool {
        u32::from(self.first) == 0 && u32::from(self.last) == u32::MAX
    }

    /// The prefix length when the range is exactly one CIDR block.
    fn prefix_length(&self) -> Option<u32> {
        let (first, last) = (u64::from(u32::from(self.first)), u64::from(u32::from(self.last)));
        let size = last - first + 1;
        (size.is_power_of_two() && first % size == 0).then(|| 32 - size.trailing_zeros())
    }

    /// An address to show for the range: the second one (not the network address) when there are several.
    fn example(&self) -> Ipv4Addr {
        let first = u32::from(self.first);
        Ipv4Addr::from(if first < u32::from(self.last) { first + 1 } else { first })
    }
}

/// A single CIDR block as `a.b.c.d/n` (a single address without `/32`), anything else as `first-last`.
impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix_length() {
            Some(32) => write!(f, "{}", self.first),
            Some(n) => write!(f, "{}/{n}", self.first),
            None => write!(f, "{}-{}", self.first, self.last),
        }
    }
}

impl Serialize for AddressRange {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Whether an access region is about users or about impersonation roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PrincipalKind {
    /// Requests with a `UserId`.
    User,
    /// Requests with an `ImpersonationRoleId`.
    ImpersonationRole,
}

/// A region of `GetAccessControlEffect` requests where the two organizations answer differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessChange<'o> {
    /// Whether the region's requests name a user or an impersonation role.
    pub principal_kind: PrincipalKind,
    /// Users (`UserId`) or roles (`ImpersonationRoleId`), by the kind.
    pub principals: Selection,
    /// The region's actions.
    pub actions: Selection,
    /// Ascending, disjoint, not adjacent.
    pub addresses: Vec<AddressRange>,
    /// What the old organization answers everywhere in the region.
    pub old: Outcome<AccessControlEffect<'o>>,
    /// What the new organization answers everywhere in the region.
    pub new: Outcome<AccessControlEffect<'o>>,
    /// A request of the region.
    pub example: OwnedAccessRequest,
}

/// A region of `GetMobileDeviceAccessEffect` requests where the two organizations answer differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MobileChange<'o> {
    /// The override key: requests without `UserId`/`DeviceId` (or with a pair no override names), and each
    /// (user, device) pair an override names.
    pub override_keys: Selection,
    /// The region's `DeviceType` values.
    pub device_type: Selection,
    /// The region's `DeviceModel` values.
    pub device_model: Selection,
    /// The region's `DeviceOperatingSystem` values.
    pub device_operating_system: Selection,
    /// The region's `DeviceUserAgent` values.
    pub device_user_agent: Selection,
    /// What the old organization answers everywhere in the region.
    pub old: Outcome<MobileDeviceAccessEffect<'o>>,
    /// What the new organization answers everywhere in the region.
    pub new: Outcome<MobileDeviceAccessEffect<'o>>,
    /// A request of the region.
    pub example: OwnedMobileRequest,
}

impl MobileChange<'_> {
    /// The region's values of `property`.
    pub fn property(&self, property: DeviceProperty) -> &Selection {
        match property {
            DeviceProperty::DeviceType => &self.device_type,
            DeviceProperty::DeviceModel => &self.device_model,
            DeviceProperty::DeviceOperatingSystem => &self.device_operating_system,
            DeviceProperty::DeviceUserAgent => &self.device_user_agent,
        }
    }
}

/// How an impersonation role differs between the organizations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RoleStatus {
    /// Only the new organization has the role.
    Added,
    /// Only the old organization has the role.
    Removed,
    /// Both have it, and some target is answered differently.
    Changed,
}

/// One impersonation role whose answers differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleChange<'o> {
    /// The role's id.
    pub impersonation_role_id: &'o str,
    /// The role's name in the new organization, else in the old.
    pub name: &'o str,
    /// Added, removed, or changed.
    pub status: RoleStatus,
    /// The targets answered differently, as regions.
    pub changes: Vec<TargetChange<'o>>,
}

/// Target users of one role answered differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TargetChange<'o> {
    /// The region's target users.
    pub targets: Selection,
    /// What the old organization answers for them.
    pub old: Outcome<ImpersonationRoleEffect<'o>>,
    /// What the new organization answers for them.
    pub new: Outcome<ImpersonationRoleEffect<'o>>,
    /// A request of the region.
    pub example: OwnedImpersonationRequest,
}

/// The differences between two organizations, per simulate call compared (`None`: not compared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Diff<'o> {
    /// No compared request is answered differently.
    pub equivalent: bool,
    /// `GetAccessControlEffect`'s regions answered differently.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Vec<AccessChange<'o>>>,
    /// `GetMobileDeviceAccessEffect`'s regions answered differently.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile: Option<Vec<MobileChange<'o>>>,
    /// `GetImpersonationRoleEffect`'s roles answered differently.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonation: Option<Vec<RoleChange<'o>>>,
}

/// Compares `old` and `new` for the simulate calls in `kinds`, over every request.
///
/// ```
/// use workmail_policy::{analyse, load, validate, Organization};
///
/// let proposed = load::parse(br#"{"AccessControlRules": [
///     {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
///     {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
/// ]}"#).unwrap();
/// let proposed = validate::validate(&proposed, &Default::default()).organization.unwrap();
/// let current = Organization::default();
///
/// let diff = analyse::diff(&current, &proposed, &[analyse::Kind::Access]);
/// let changes = diff.access.as_ref().unwrap();
/// assert_eq!(changes.len(), 1);
/// assert_eq!(*changes[0].actions.listed, ["IMAP"]);
/// assert!(changes[0].principals.all && changes[0].addresses[0].is_everything());
/// ```
pub fn diff<'o>(old: &'o Organization, new: &'o Organization, kinds: &[Kind]) -> Diff<'o> {
    let access = kinds.contains(&Kind::Access).then(|| access(old, new));
    let mobile = kinds.contains(&Kind::Mobile).then(|| mobile(old, new));
    let impersonation = kinds.contains(&Kind::Impersonation).then(|| impersonation(old, new));
    let equivalent = access.as_ref().is_none_or(Vec::is_empty)
        && mobile.as_ref().is_none_or(Vec::is_empty)
        && impersonation.as_ref().is_none_or(Vec::is_empty);
    Diff { equivalent, access, mobile, impersonation }
}

/// `GetAccessControlEffect`: the regions of (principal, action, address) answered differently.
pub fn access<'o>(old: &'o Organization, new: &'o Organization) -> Vec<AccessChange<'o>> {
    let mut space = AccessSpace::new(old, new);
    let start = [old, new].map(|org| Cond::Holds(RuleSet::full(org.access_control_rules.len())));
    let mut changes = Vec::new();
    for kind in [PrincipalKind::User, PrincipalKind::ImpersonationRole] {
        let (principals, actions, principal_values) = match kind {
            PrincipalKind::User => (&space.users, &space.user_actions, &space.user_values),
            PrincipalKind::ImpersonationRole => (&space.roles, &space.role_actions, &space.role_values),
        };
        let dims = [principals, actions, &space.addresses];
        let mut regions = changed_regions(&dims, &mut space.answers, start.clone());
        regions.sort();
        let mut rendered_principals = Rendered::new(principals, principal_values);
        let mut rendered_actions = Rendered::new(actions, &space.action_values);
        let mut rendered_addresses: IdHashMap<u32, Vec<AddressRange>> = IdHashMap::default();
        for region in &regions.list {
            let (principal_selection, principal) = rendered_principals.get(&regions, region.sets[0]);
            let (action_selection, action) = rendered_actions.get(&regions, region.sets[1]);
            let addresses = rendered_addresses
                .entry(region.sets[2])
                .or_insert_with(|| address_ranges(&space, &regions.sets[region.sets[2] as usize]))
                .clone();
            let principal_example = principal_values[principal].example.clone();
            let example = OwnedAccessRequest {
                ip_address: addresses.first().map_or(Ipv4Addr::UNSPECIFIED, AddressRange::example).to_string(),
                action: space.action_values[action].example.clone().unwrap_or_default(),
                user_id: if kind == PrincipalKind::User { principal_example.clone() } else { None },
                impersonation_role_id: if kind == PrincipalKind::User { None } else { principal_example },
            };
            changes.push(AccessChange {
                principal_kind: kind,
                principals: principal_selection,
                actions: action_selection,
                addresses,
                old: space.answers.outcomes.get(region.old).clone(),
                new: space.answers.outcomes.get(region.new).clone(),
                example,
            });
        }
    }
    changes
}

/// The intervals of a set of address classes, adjacent ones joined.
fn address_ranges(space: &AccessSpace, classes: &[u32]) -> Vec<AddressRange> {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for interval in space.addresses.values_of(classes) {
        let i = interval as usize;
        let (first, last) = (space.interval_starts[i], space.interval_end(i));
        match ranges.last_mut() {
            Some(range) if u64::from(range.1) + 1 == u64::from(first) => range.1 = last,
            _ => ranges.push((first, last)),
        }
    }
    ranges.into_iter().map(|(first, last)| AddressRange { first: first.into(), last: last.into() }).collect()
}

/// `GetMobileDeviceAccessEffect` with the override extension: the regions of (override key, four properties)
/// answered differently.
pub fn mobile<'o>(old: &'o Organization, new: &'o Organization) -> Vec<MobileChange<'o>> {
    let mut space = MobileSpace::new(old, new);
    let start = [old, new].map(|org| Cond::Holds(RuleSet::full(org.mobile_device_access_rules.len())));
    let [device_type, device_model, os, user_agent] = &space.properties;
    let dims = [&space.who, device_type, device_model, os, user_agent];
    let mut regions = changed_regions(&dims, &mut space.answers, start);
    regions.sort();
    let mut who = Rendered::new(&space.who, &space.who_values);
    let mut properties =
        DeviceProperty::ALL.map(|p| Rendered::new(&space.properties[p.index()], &space.property_values[p.index()]));
    let mut changes = Vec::new();
    for region in &regions.list {
        let (override_keys, key) = who.get(&regions, region.sets[0]);
        let selected = DeviceProperty::ALL.map(|p| properties[p.index()].get(&regions, region.sets[p.index() + 1]));
        let mut example = OwnedMobileRequest {
            user_id: space.who_values[key].example.clone(),
            device_id: space.who_values[key].device.clone(),
            ..Default::default()
        };
        for property in DeviceProperty::ALL {
            let i = property.index();
            example.properties[i] = space.property_values[i][selected[i].1].example.clone();
        }
        let [device_type, device_model, device_operating_system, device_user_agent] = selected.map(|(s, _)| s);
        changes.push(MobileChange {
            override_keys,
            device_type,
            device_model,
            device_operating_system,
            device_user_agent,
            old: space.answers.outcomes.get(region.old).clone(),
            new: space.answers.outcomes.get(region.new).clone(),
            example,
        });
    }
    changes
}

/// `GetImpersonationRoleEffect`, role by role: every role either organization has, in order (the old
/// organization's roles first), with the targets answered differently.
pub fn impersonation<'o>(old: &'o Organization, new: &'o Organization) -> Vec<RoleChange<'o>> {
    let dirs = [Directory::new(old), Directory::new(new)];
    let mut ids: Vec<&'o str> = Vec::new();
    for role in [old, new].iter().flat_map(|org| org.impersonation_roles.iter().flatten()) {
        if !ids.contains(&role.id.as_str()) {
            ids.push(&role.id);
        }
    }
    let pool = TargetPool::new(&dirs);
    let mut roles = Vec::new();
    for id in ids {
        let mut space = RoleSpace::new(&dirs, &pool, id);
        let start = space.roles.map(|role| Cond::Holds(RuleSet::full(role.map_or(0, |r| r.rules.len()))));
        let dims = [&space.role, &space.targets];
        let regions = changed_regions(&dims, &mut space.answers, start);
        if regions.list.is_empty() {
            continue;
        }
        let values: Vec<&Value> = pool.values.iter().chain(&space.extra_values).collect();
        let mut targets = Rendered::new(&space.targets, &values);
        let changes = regions
            .list
            .iter()
            .map(|region| {
                let (selected, target) = targets.get(&regions, region.sets[1]);
                TargetChange {
                    targets: selected,
                    old: space.answers.outcomes.get(region.old).clone(),
                    new: space.answers.outcomes.get(region.new).clone(),
                    example: OwnedImpersonationRequest {
                        impersonation_role_id: id.to_string(),
                        target_user: values[target].example.clone().unwrap_or_default(),
                    },
                }
            })
            .collect();
        let status = match space.roles {
            [None, _] => RoleStatus::Added,
            [_, None] => RoleStatus::Removed,
            _ => RoleStatus::Changed,
        };
        let name = space.roles[1].or(space.roles[0]).map_or("", |role| role.name.as_str());
        roles.push(RoleChange { impersonation_role_id: id, name, status, changes });
    }
    roles
}

// --- text -----------------------------------------------------------------------------------------------------

/// A value as one shell word, quoted when it needs to be, so that examples paste into a shell.
pub(crate) fn shell_word(value: &str) -> String {
    let plain = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "._@%+=:/,-".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// The request as `wmpolicy` flags.
pub(crate) fn access_flags(request: &OwnedAccessRequest) -> String {
    let mut flags = format!("--ip-address {} --action {}", request.ip_address, shell_word(&request.action));
    if let Some(user) = &request.user_id {
        flags.push_str(&format!(" --user-id {}", shell_word(user)));
    }
    if let Some(role) = &request.impersonation_role_id {
        flags.push_str(&format!(" --impersonation-role-id {}", shell_word(role)));
    }
    flags
}

/// The request as `wmpolicy` flags.
pub(crate) fn mobile_flags(request: &OwnedMobileRequest) -> String {
    let names = ["--device-type", "--device-model", "--device-operating-system", "--device-user-agent"];
    let mut flags: Vec<String> = names
        .iter()
        .zip(&request.properties)
        .filter_map(|(flag, value)| value.as_ref().map(|v| format!("{flag} {}", shell_word(v))))
        .collect();
    if let (Some(user), Some(device)) = (&request.user_id, &request.device_id) {
        flags.push(format!("--user-id {} --device-id {}", shell_word(user), shell_word(device)));
    }
    if flags.is_empty() {
        "(no flags: a device that reports nothing)".into()
    } else {
        flags.join(" ")
    }
}

/// The request as `wmpolicy` flags.
pub(crate) fn impersonation_flags(request: &OwnedImpersonationRequest) -> String {
    format!(
        "--impersonation-role-id {} --target-user {}",
        shell_word(&request.impersonation_role_id),
        shell_word(&request.target_user)
    )
}

fn addresses_text(addresses: &[AddressRange]) -> String {
    if addresses.len() == 1 && addresses[0].is_everything() {
        return "any address".into();
    }
    let mut parts: Vec<String> = addresses.iter().take(super::TEXT_LIST_LIMIT).map(|r| r.to_string()).collect();
    if addresses.len() > super::TEXT_LIST_LIMIT {
        parts.push(format!("{} more ranges", addresses.len() - super::TEXT_LIST_LIMIT));
    }
    parts.join(", ")
}

/// `IMAP from 198.51.100.0/24 for user alice@example.com: ALLOW [default] → DENY [no-imap]; e.g. …`
impl fmt::Display for AccessChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let principals = match self.principal_kind {
            PrincipalKind::User if self.principals.all => "any user".to_string(),
            PrincipalKind::User => format!("user {}", self.principals.describe("user")),
            PrincipalKind::ImpersonationRole if self.principals.all => "any impersonation role".to_string(),
            PrincipalKind::ImpersonationRole => {
                format!("impersonation role {}", self.principals.describe("role"))
            }
        };
        write!(
            f,
            "{} from {} for {}: {} → {}; e.g. {}",
            self.actions.describe("action"),
            addresses_text(&self.addresses),
            principals,
            self.old.summary(),
            self.new.summary(),
            access_flags(&self.example)
        )
    }
}

/// `DeviceType "iPhone…", DeviceOperatingSystem absent: ALLOW [...] → DENY [...]; e.g. …`
impl fmt::Display for MobileChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        // Requests without an override are the default; name override keys only when the region is about them.
        let only_default = !self.override_keys.all
            && !self.override_keys.any_other
            && self.override_keys.listed.len() == 1
            && self.example.user_id.is_none();
        if !self.override_keys.all && !only_default {
            parts.push(format!("for {}", self.override_keys.describe("key")));
        }
        for property in DeviceProperty::ALL {
            let selected = self.property(property);
            if !selected.all {
                parts.push(format!("{} {}", property.as_str(), selected.describe("value")));
            }
        }
        if parts.iter().all(|p| p.starts_with("for ")) {
            parts.push("any device".into());
        }
        write!(
            f,
            "{}: {} → {}; e.g. {}",
            parts.join(", "),
            self.old.summary(),
            self.new.summary(),
            mobile_flags(&self.example)
        )
    }
}

impl fmt::Display for TargetChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let targets = if self.targets.all {
            "any target user".into()
        } else {
            format!("target {}", self.targets.describe("user"))
        };
        write!(
            f,
            "{targets}: {} → {}; e.g. {}",
            self.old.summary(),
            self.new.summary(),
            impersonation_flags(&self.example)
        )
    }
}

impl fmt::Display for RoleChange<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            RoleStatus::Added => "added",
            RoleStatus::Removed => "removed",
            RoleStatus::Changed => "changed",
        };
        write!(f, "role {} ({}) {status}:", self.impersonation_role_id, self.name)?;
        for change in &self.changes {
            write!(f, "\n    {change}")?;
        }
        Ok(())
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for Diff<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(changes) = &self.access {
            match changes.len() {
                0 => writeln!(f, "{}: equivalent", Kind::Access.operation())?,
                n => writeln!(f, "{}: {}", Kind::Access.operation(), count(n, "changed region", "changed regions"))?,
            }
            for change in changes {
                writeln!(f, "  {change}")?;
            }
        }
        if let Some(changes) = &self.mobile {
            match changes.len() {
                0 => writeln!(f, "{}: equivalent", Kind::Mobile.operation())?,
                n => writeln!(f, "{}: {}", Kind::Mobile.operation(), count(n, "changed region", "changed regions"))?,
            }
            for change in changes {
                writeln!(f, "  {change}")?;
            }
        }
        if let Some(roles) = &self.impersonation {
            match roles.len() {
                0 => writeln!(f, "{}: equivalent", Kind::Impersonation.operation())?,
                n => writeln!(f, "{}: {}", Kind::Impersonation.operation(), count(n, "role differs", "roles differ"))?,
            }
            for role in roles {
                writeln!(f, "  {role}")?;
            }
        }
        Ok(())
    }
}
