//! What a replay found: counts by class and reason, disagreements grouped by request, problems with their lines,
//! and, against a second rule set, the changes grouped by user, protocol and source network.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use super::event::{Class, Event, Skip};
use super::judge::{cache_key, Judged, Outcome, Refusal, Verdict};
use super::{Position, Replayed};
use crate::batch::{Call, Request};
use crate::constraints::parse_ipv4;
use crate::hash::IdBuildHasher;
use crate::organization::Effect;

/// The most groups of one kind a summary lists; events past them are still counted (`…NotListed`).
pub const MAX_GROUPS: usize = 10_000;
/// The most problems (unreadable and unreplayable events) a summary lists; the rest are counted.
pub const MAX_PROBLEMS: usize = 1_000;
/// The most distinct users a summary tracks for "by N users"; past it the count is a lower bound.
const MAX_TRACKED_USERS: usize = 1 << 16;

/// Counts, groups and problems of a replay, built event by event with [`Summary::add`] and combined in input order
/// with [`Summary::merge`], so that blocks replayed on several threads sum to exactly what one thread gets.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Every record: events read, and records that could not be read.
    pub events: u64,
    /// Replayed events by class (index: [`Class`] as `usize`).
    pub replayed: [u64; 3],
    /// Replayed events whose verdict agrees with the log.
    pub agreed: u64,
    /// Replayed events whose verdict does not.
    pub disagreed: u64,
    /// `DeviceAccessControl` events.
    pub skipped_device: u64,
    /// Mail-flow events.
    pub skipped_mail_flow: u64,
    /// Records that are not events, or lack what a replay needs.
    pub unreadable: u64,
    /// Events whose request the service would refuse, or whose protocol no rule governs.
    pub unreplayable: u64,
    /// Replayed events with a `rule_id` that names no rule of the organization, so that only the effect was
    /// compared (SEMANTICS 6.4).
    pub rule_ids_not_compared: u64,
    /// Replayed events whose answer changes against the second rule set.
    pub changed: u64,
    /// Of those, ALLOW before and DENY after.
    pub now_denied: u64,
    /// Of those, DENY before and ALLOW after.
    pub now_allowed: u64,
    /// Whether a second rule set was replayed against.
    pub has_against: bool,
    disagreements: Groups<Vec<u8>, Disagreement>,
    problems: Vec<Problem>,
    problems_not_listed: u64,
    by_user: Groups<String, Change>,
    by_protocol: Groups<String, Change>,
    by_network: Groups<String, Change>,
    users_now_denied: Tracked,
    users_now_allowed: Tracked,
}

/// Replayed events that share a request and a logged verdict, and disagree with the engine.
#[derive(Debug, Clone)]
pub struct Disagreement {
    /// How many events.
    pub count: u64,
    /// The first event's place.
    pub first: Position,
    /// The earliest and latest `event_timestamp`, when the events have one.
    pub seen: Seen,
    /// The class of the events.
    pub class: Class,
    /// The request the events map to.
    pub request: Call,
    /// The logged `access_granted`.
    pub granted: bool,
    /// The logged `rule_id`.
    pub rule_id: Option<String>,
    /// The first event's `request_id`, to find it in CloudWatch.
    pub request_id: Option<String>,
    /// The engine's answer.
    pub effect: Effect,
    /// The engine's `MatchedRules`.
    pub matched_rules: Vec<String>,
}

/// The earliest and latest `event_timestamp` of a group (ms since the epoch).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    /// The earliest.
    pub first: Option<i64>,
    /// The latest.
    pub last: Option<i64>,
}

impl Seen {
    fn of(timestamp: Option<i64>) -> Seen {
        Seen { first: timestamp, last: timestamp }
    }

    fn add(&mut self, other: Seen) {
        self.first = min_some(self.first, other.first);
        self.last = max_some(self.last, other.last);
    }
}

fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        _ => a.or(b),
    }
}

fn max_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        _ => a.or(b),
    }
}

/// Changed events that share a user, a protocol or a source network.
#[derive(Debug, Clone)]
pub struct Change {
    /// How many events changed.
    pub count: u64,
    /// Of those, ALLOW before and DENY after.
    pub now_denied: u64,
    /// Of those, DENY before and ALLOW after.
    pub now_allowed: u64,
    /// The first event's place.
    pub first: Position,
    /// The earliest and latest `event_timestamp`.
    pub seen: Seen,
    /// The first event's request, to ask `wmpolicy access` or `batch`.
    pub example: Call,
    /// Its answer before: effect and `MatchedRules`.
    pub before: (Effect, Vec<String>),
    /// Its answer after; `None` when the second rule set refuses the request.
    pub after: Option<(Effect, Vec<String>)>,
}

/// An event that could not be read or replayed, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the record starts.
    pub at: Position,
    /// For input skipped as broken, the last line skipped.
    pub to_line: Option<u64>,
    /// Whether the record was unreadable (`false`: read, but not replayable).
    pub unreadable: bool,
    /// What is wrong.
    pub message: String,
}

/// Groups by key, each with the first place it was seen, bounded to [`MAX_GROUPS`].
#[derive(Debug, Clone)]
struct Groups<K, G> {
    map: HashMap<K, G, IdBuildHasher>,
    /// Events in groups past the bound.
    not_listed: u64,
}

impl<K, G> Default for Groups<K, G> {
    fn default() -> Self {
        Groups { map: HashMap::default(), not_listed: 0 }
    }
}

trait Group {
    fn first(&self) -> Position;
    fn count(&self) -> u64;
    /// Adds a later group of the same key.
    fn absorb(&mut self, later: Self);
}

impl Group for Disagreement {
    fn first(&self) -> Position {
        self.first
    }
    fn count(&self) -> u64 {
        self.count
    }
    fn absorb(&mut self, later: Self) {
        self.count += later.count;
        self.seen.add(later.seen);
    }
}

impl Group for Change {
    fn first(&self) -> Position {
        self.first
    }
    fn count(&self) -> u64 {
        self.count
    }
    fn absorb(&mut self, later: Self) {
        self.count += later.count;
        self.now_denied += later.now_denied;
        self.now_allowed += later.now_allowed;
        self.seen.add(later.seen);
    }
}

impl<K: Hash + Eq, G: Group> Groups<K, G> {
    /// Adds one event's group under `key`, made by `make` only when the key is new.
    fn add(&mut self, key: K, update: impl FnOnce(&mut G), make: impl FnOnce() -> G) {
        if let Some(group) = self.map.get_mut(&key) {
            update(group);
        } else if self.map.len() < MAX_GROUPS {
            let mut group = make();
            update(&mut group);
            self.map.insert(key, group);
        } else {
            self.not_listed += 1;
        }
    }

    /// Adds a later summary's groups, new keys in the order they were first seen, so that the groups kept at the
    /// bound are the first ones of the input, however it was split.
    fn merge(&mut self, later: Groups<K, G>) {
        self.not_listed += later.not_listed;
        let mut groups: Vec<(K, G)> = later.map.into_iter().collect();
        groups.sort_by_key(|(_, group)| group.first());
        for (key, group) in groups {
            if let Some(mine) = self.map.get_mut(&key) {
                mine.absorb(group);
            } else if self.map.len() < MAX_GROUPS {
                self.map.insert(key, group);
            } else {
                self.not_listed += group.count();
            }
        }
    }

    /// The groups, most events first, then first seen first.
    fn sorted(&self) -> Vec<(&K, &G)> {
        let mut groups: Vec<(&K, &G)> = self.map.iter().collect();
        groups.sort_by(|a, b| b.1.count().cmp(&a.1.count()).then(a.1.first().cmp(&b.1.first())));
        groups
    }
}

/// Distinct users, up to a bound.
#[derive(Debug, Clone, Default)]
struct Tracked {
    users: HashSet<String, IdBuildHasher>,
    capped: bool,
}

impl Tracked {
    fn add(&mut self, user: &str) {
        if self.users.contains(user) {
            return;
        }
        if self.users.len() < MAX_TRACKED_USERS {
            self.users.insert(user.to_owned());
        } else {
            self.capped = true;
        }
    }

    fn merge(&mut self, later: Tracked) {
        self.capped |= later.capped;
        for user in later.users {
            if self.users.len() < MAX_TRACKED_USERS {
                self.users.insert(user);
            } else if !self.users.contains(&user) {
                self.capped = true;
            }
        }
    }
}

fn owned(verdict: &Verdict<'_>) -> (Effect, Vec<String>) {
    (verdict.effect, verdict.matched_rules.iter().map(|rule| rule.to_string()).collect())
}

/// The source network an event is grouped by: its address's `/24`.
fn network_of(request: &Request<'_>) -> String {
    match request {
        Request::Access(request) => match parse_ipv4(request.ip_address) {
            Some(address) => {
                let [a, b, c, _] = (address & 0xFFFF_FF00).to_be_bytes();
                format!("{a}.{b}.{c}.0/24")
            }
            None => request.ip_address.to_owned(),
        },
        _ => "(no address: impersonation)".to_owned(),
    }
}

impl Summary {
    /// An empty summary; `has_against` says whether events are replayed against a second rule set too.
    pub fn new(has_against: bool) -> Summary {
        Summary { has_against, ..Summary::default() }
    }

    /// Adds a record that is not an event: what is wrong, and for skipped input the last line skipped.
    fn add_unreadable(&mut self, at: Position, to_line: Option<u64>, message: String) {
        self.events += 1;
        self.unreadable += 1;
        self.problem(Problem { at, to_line, unreadable: true, message });
    }

    fn problem(&mut self, problem: Problem) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.problems_not_listed += 1;
        }
    }

    /// Adds one replayed record.
    pub fn add(&mut self, replayed: &Replayed<'_, '_>) {
        let (at, event) = (replayed.at, &replayed.event);
        match &replayed.outcome {
            Outcome::Unreadable(why) => self.add_unreadable(at, replayed.to_line, why.0.clone()),
            Outcome::Skipped(skip) => {
                self.events += 1;
                match skip {
                    Skip::DeviceAccessControl => self.skipped_device += 1,
                    Skip::MailFlow => self.skipped_mail_flow += 1,
                }
            }
            Outcome::Unreplayable(Refusal { code, message }) => {
                self.events += 1;
                self.unreplayable += 1;
                self.problem(Problem { at, to_line: None, unreadable: false, message: format!("{code}: {message}") });
            }
            Outcome::Judged(judged) => {
                self.events += 1;
                self.replayed[judged.class as usize] += 1;
                if judged.agrees {
                    self.agreed += 1;
                } else {
                    self.disagreed += 1;
                    self.add_disagreement(at, event, judged);
                }
                if event.rule_id.is_some() && !judged.rule_id_compared {
                    self.rule_ids_not_compared += 1;
                }
                if judged.changed() {
                    self.add_change(at, event, judged);
                }
            }
        }
    }

    fn add_disagreement(&mut self, at: Position, event: &Event<'_>, judged: &Judged<'_>) {
        let Some(request) = request_of(event) else { return };
        let mut key = Vec::new();
        cache_key(&request, &mut key);
        key.push(judged.granted as u8);
        if let Some(rule) = event.rule_id.as_deref() {
            key.extend_from_slice(rule.as_bytes());
        }
        let seen = Seen::of(event.event_timestamp);
        self.disagreements.add(
            key,
            |group| {
                group.count += 1;
                group.seen.add(seen);
            },
            || Disagreement {
                count: 0,
                first: at,
                seen,
                class: judged.class,
                request: Call::from(request),
                granted: judged.granted,
                rule_id: event.rule_id.as_deref().map(str::to_owned),
                request_id: event.request_id.as_deref().map(str::to_owned),
                effect: judged.verdict.effect,
                matched_rules: owned(&judged.verdict).1,
            },
        );
    }

    fn add_change(&mut self, at: Position, event: &Event<'_>, judged: &Judged<'_>) {
        let Some(request) = request_of(event) else { return };
        let before = judged.verdict.effect;
        let after = judged.against_effect().unwrap_or(before);
        let (denied, allowed) = match (before, after) {
            (Effect::Allow, Effect::Deny) => (1, 0),
            (Effect::Deny, Effect::Allow) => (0, 1),
            _ => (0, 0),
        };
        self.changed += 1;
        self.now_denied += denied;
        self.now_allowed += allowed;
        let user = event.user_id.as_deref().unwrap_or_default();
        if denied == 1 {
            self.users_now_denied.add(user);
        }
        if allowed == 1 {
            self.users_now_allowed.add(user);
        }
        let seen = Seen::of(event.event_timestamp);
        let make = || Change {
            count: 0,
            now_denied: 0,
            now_allowed: 0,
            first: at,
            seen,
            example: Call::from(request),
            before: owned(&judged.verdict),
            after: judged.against.as_ref().and_then(|answer| answer.as_ref().ok()).map(owned),
        };
        let update = |group: &mut Change| {
            group.count += 1;
            group.now_denied += denied;
            group.now_allowed += allowed;
            group.seen.add(seen);
        };
        let protocol = match judged.class {
            Class::ImpersonationAccessControl => "(impersonation)",
            _ => event.protocol.as_deref().unwrap_or_default(),
        };
        self.by_user.add(user.to_owned(), update, make);
        self.by_protocol.add(protocol.to_owned(), update, make);
        self.by_network.add(network_of(&request), update, make);
    }

    /// Adds a summary of the events that follow this one's.
    pub fn merge(&mut self, later: Summary) {
        self.events += later.events;
        for (mine, theirs) in self.replayed.iter_mut().zip(later.replayed) {
            *mine += theirs;
        }
        self.agreed += later.agreed;
        self.disagreed += later.disagreed;
        self.skipped_device += later.skipped_device;
        self.skipped_mail_flow += later.skipped_mail_flow;
        self.unreadable += later.unreadable;
        self.unreplayable += later.unreplayable;
        self.rule_ids_not_compared += later.rule_ids_not_compared;
        self.changed += later.changed;
        self.now_denied += later.now_denied;
        self.now_allowed += later.now_allowed;
        self.has_against |= later.has_against;
        self.disagreements.merge(later.disagreements);
        for problem in later.problems {
            self.problem(problem);
        }
        self.problems_not_listed += later.problems_not_listed;
        self.by_user.merge(later.by_user);
        self.by_protocol.merge(later.by_protocol);
        self.by_network.merge(later.by_network);
        self.users_now_denied.merge(later.users_now_denied);
        self.users_now_allowed.merge(later.users_now_allowed);
    }

    /// Replayed events, all classes.
    pub fn replayed_total(&self) -> u64 {
        self.replayed.iter().sum()
    }

    /// The disagreements, most events first.
    pub fn disagreements(&self) -> impl Iterator<Item = &Disagreement> {
        self.disagreements.sorted().into_iter().map(|(_, group)| group)
    }

    /// Events in disagreeing groups past [`MAX_GROUPS`].
    pub fn disagreements_not_listed(&self) -> u64 {
        self.disagreements.not_listed
    }

    /// The problems, in input order (the first [`MAX_PROBLEMS`]).
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Problems past [`MAX_PROBLEMS`].
    pub fn problems_not_listed(&self) -> u64 {
        self.problems_not_listed
    }

    /// Changes grouped by `user_id`, most events first.
    pub fn changes_by_user(&self) -> Vec<(&str, &Change)> {
        self.by_user.sorted().into_iter().map(|(key, group)| (key.as_str(), group)).collect()
    }

    /// Changes grouped by protocol.
    pub fn changes_by_protocol(&self) -> Vec<(&str, &Change)> {
        self.by_protocol.sorted().into_iter().map(|(key, group)| (key.as_str(), group)).collect()
    }

    /// Changes grouped by source network (the address's `/24`).
    pub fn changes_by_network(&self) -> Vec<(&str, &Change)> {
        self.by_network.sorted().into_iter().map(|(key, group)| (key.as_str(), group)).collect()
    }

    /// Changed events in groups past [`MAX_GROUPS`], by user, protocol and network.
    pub fn changes_not_listed(&self) -> [u64; 3] {
        [self.by_user.not_listed, self.by_protocol.not_listed, self.by_network.not_listed]
    }

    /// Distinct users with an event now denied, and whether that is a lower bound.
    pub fn users_now_denied(&self) -> (usize, bool) {
        (self.users_now_denied.users.len(), self.users_now_denied.capped)
    }

    /// Distinct users with an event now allowed, and whether that is a lower bound.
    pub fn users_now_allowed(&self) -> (usize, bool) {
        (self.users_now_allowed.users.len(), self.users_now_allowed.capped)
    }
}

/// The request a judged event was replayed as.
fn request_of<'e>(event: &'e Event<'_>) -> Option<Request<'e>> {
    match event.replayable() {
        super::event::Replayable::Judge { request, .. } => Some(request),
        _ => None,
    }
}
