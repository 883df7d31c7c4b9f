//! Seeded WorkMail audit logs (`ACCESS_CONTROL_LOGS`, SEMANTICS 6) for an organization, with the verdicts the
//! reference evaluator gives.
//!
//! A log looks like a working company's month: the organization's users (each with one to three habitual
//! addresses, an office egress address taken from the rules' `IpRanges` where there are any, home and mobile
//! addresses elsewhere, and now and then a stray one), the protocols their clients speak, working-hours traffic,
//! applications impersonating users through the organization's roles, and the events a replay counts but does
//! not judge: mail flow (`IncomingEmail`, `OutgoingEmail`) and `DeviceAccessControl`. Every judged event carries
//! the verdict of [`crate::reference`] under the mapping of SEMANTICS 6.3 ([`reference_verdict`]), except those
//! [`LogOptions::flip_every`] inverts on purpose, which [`GeneratedLog::flipped`] lists.
//!
//! [`write()`] renders events in the three shapes of SEMANTICS 6.1 ([`LogShape`]), byte for byte as the delivery or
//! the aws CLI prints them.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use ipnet::Ipv4Net;
use serde::Serialize;

use super::{Generated, Rng};
use crate::organization::{Effect, Organization};
use crate::reference;
use crate::replay::LogShape;
use crate::request::{AccessRequest, ImpersonationRequest};
use crate::uncertain;

/// `scope` of an access-control check (SEMANTICS 6.2).
pub const SCOPE_ACCESS: &str = "AccessControl";
/// `scope` of a mobile-device access check (SEMANTICS 6.2); not judged.
pub const SCOPE_DEVICE: &str = "DeviceAccessControl";
/// `scope` of an impersonation check (SEMANTICS 6.2).
pub const SCOPE_IMPERSONATION: &str = "ImpersonationAccessControl";
/// The mail-flow protocols (SEMANTICS 6.2): not rule actions, so not judged.
pub const MAIL_FLOW: [&str; 2] = ["IncomingEmail", "OutgoingEmail"];

const DAY_MS: i64 = 86_400_000;
const HOUR_MS: i64 = 3_600_000;
/// How long a log spans.
const SPAN_MS: i64 = 30 * DAY_MS;
/// Draws of a request before an occurrence falls back to a mail-flow event.
const RETRIES: usize = 8;
/// Client protocols and how common they are.
const PROTOCOLS: [(&str, u64); 7] = [
    ("ActiveSync", 24),
    ("WindowsOutlook", 20),
    ("AutoDiscover", 18),
    ("EWS", 14),
    ("WebMail", 14),
    ("IMAP", 5),
    ("SMTP", 5),
];
/// The company's time zone, hours from UTC, for its working hours.
const UTC_OFFSETS: [i64; 8] = [-8, -5, -3, 0, 1, 2, 8, 10];

/// One access-control event, with the fields of SEMANTICS 6.2, in the order a log writes them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct LogEvent {
    /// Milliseconds since the epoch.
    pub event_timestamp: i64,
    /// A UUID, unique in the log.
    pub request_id: String,
    /// `arn:aws:workmail:…:organization/m-…`, the same for every event of a log.
    pub organization_arn: String,
    /// The authenticated user (for an impersonation, the target user).
    pub user_id: String,
    /// The impersonation role, when impersonation was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonator_id: Option<String>,
    /// `ActiveSync`, `EWS`, …, or a mail-flow protocol.
    pub protocol: String,
    /// The client's address, a dotted quad.
    pub source_ip: String,
    /// [`SCOPE_ACCESS`], [`SCOPE_DEVICE`] or [`SCOPE_IMPERSONATION`].
    pub scope: String,
    /// The matched rule: an access-control rule's `Name`, an impersonation rule's `ImpersonationRuleId`; absent
    /// when no rule matched (and on events that are not judged).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    /// Whether access was granted.
    pub access_granted: bool,
}

impl LogEvent {
    /// The event as one compact JSON object, members in field order, absent optional members left out.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a LogEvent always serializes")
    }

    /// Whether a replay judges this event (SEMANTICS 6.3): an `AccessControl` event through an impersonation role,
    /// or by a user with one of the seven rule actions; an `ImpersonationAccessControl` event with its role.
    /// Mail flow and `DeviceAccessControl` events are counted, not judged.
    pub fn is_judged(&self) -> bool {
        match self.scope.as_str() {
            SCOPE_ACCESS => {
                self.impersonator_id.is_some() || uncertain::DOCUMENTED_ACTIONS.contains(&self.protocol.as_str())
            }
            SCOPE_IMPERSONATION => self.impersonator_id.is_some(),
            _ => false,
        }
    }
}

/// What [`log`] generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// How many events, exactly.
    pub events: usize,
    /// Where the log starts, in milliseconds since the epoch; it spans about 30 days from there.
    pub start_ms: i64,
    /// `0`: every verdict is the reference evaluator's. `n`: the `n`-th, `2n`-th, … judged event has its
    /// `access_granted` inverted (and is listed in [`GeneratedLog::flipped`]).
    pub flip_every: usize,
}

impl Default for LogOptions {
    /// 1,000 events from 2026-11-02 00:00 UTC, none flipped.
    fn default() -> Self {
        LogOptions { events: 1000, start_ms: 1_793_577_600_000, flip_every: 0 }
    }
}

/// A generated log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedLog {
    /// The events, in increasing `event_timestamp`.
    pub events: Vec<LogEvent>,
    /// Indices into `events` of the events whose `access_granted` was inverted, in increasing order.
    pub flipped: Vec<usize>,
}

/// The reference evaluator's verdict on `event` under the mapping of SEMANTICS 6.3, as a log records it:
/// `(access_granted, rule_id)`, the rule being the first of `MatchedRules` (an access-control rule's `Name`, an
/// impersonation rule's id). `None` for an event that is not judged ([`LogEvent::is_judged`]) and for a request
/// the reference evaluator refuses with an error.
pub fn reference_verdict(org: &Organization, event: &LogEvent) -> Option<(bool, Option<String>)> {
    if !event.is_judged() {
        return None;
    }
    if event.scope == SCOPE_IMPERSONATION {
        let request = ImpersonationRequest {
            impersonation_role_id: event.impersonator_id.as_deref()?,
            target_user: &event.user_id,
        };
        let answer = reference::impersonation(org, &request).ok()?;
        let rule = answer.matched_rules.first().map(|r| r.impersonation_rule_id.to_string());
        return Some((answer.effect == Effect::Allow, rule));
    }
    let request = match &event.impersonator_id {
        Some(role) => AccessRequest {
            ip_address: &event.source_ip,
            action: "EWS",
            user_id: None,
            impersonation_role_id: Some(role),
        },
        None => AccessRequest {
            ip_address: &event.source_ip,
            action: &event.protocol,
            user_id: Some(&event.user_id),
            impersonation_role_id: None,
        },
    };
    let answer = reference::access(org, &request).ok()?;
    Some((answer.effect == Effect::Allow, answer.matched_rules.first().map(|r| r.to_string())))
}

/// A weighted choice; `items` must not be empty and its weights not all zero.
fn weighted<T: Copy>(rng: &mut Rng, items: &[(T, u64)]) -> T {
    let total: u64 = items.iter().map(|(_, w)| w).sum();
    let mut at = rng.next_u64() % total.max(1);
    for &(item, w) in items {
        if at < w {
            return item;
        }
        at -= w;
    }
    items[items.len() - 1].0
}

/// Whether `a` is an address a client on the internet could have: not private, shared, loopback, link-local,
/// documentation, multicast or reserved.
fn is_public(a: u32) -> bool {
    let ip = Ipv4Addr::from(a);
    let [o1, o2, o3, _] = ip.octets();
    !(o1 == 0
        || o1 == 10
        || o1 == 127
        || o1 >= 224
        || (o1 == 100 && (64..128).contains(&o2))
        || (o1 == 169 && o2 == 254)
        || (o1 == 172 && (16..32).contains(&o2))
        || (o1 == 192 && o2 == 168)
        || (o1 == 192 && o2 == 0 && (o3 == 0 || o3 == 2))
        || (o1 == 198 && (o2 == 18 || o2 == 19))
        || (o1 == 198 && o2 == 51 && o3 == 100)
        || (o1 == 203 && o2 == 0 && o3 == 113))
}

/// A public address, outside `avoid` when a few draws find one.
fn public_address(rng: &mut Rng, avoid: &[Ipv4Net]) -> u32 {
    let mut fallback = None;
    for _ in 0..64 {
        let a = rng.next_u64() as u32;
        if !is_public(a) {
            continue;
        }
        if !avoid.iter().any(|net| net.contains(&Ipv4Addr::from(a))) {
            return a;
        }
        fallback.get_or_insert(a);
    }
    fallback.unwrap_or(0x5DB8_D822) // 93.184.216.34
}

/// A host address of `net`: a public one when a few draws find one (a `/0` holds private space too).
fn host_in(rng: &mut Rng, net: &Ipv4Net) -> u32 {
    let network = u32::from(net.network());
    let size = 1u64 << (32 - u32::from(net.prefix_len()));
    let draw = |rng: &mut Rng| {
        if size <= 2 {
            network.wrapping_add((rng.next_u64() % size) as u32)
        } else {
            network.wrapping_add(1 + (rng.next_u64() % (size - 2)) as u32)
        }
    };
    let first = draw(rng);
    if is_public(first) {
        return first;
    }
    (0..16).map(|_| draw(rng)).find(|a| is_public(*a)).unwrap_or(first)
}

/// An address within one of `blocks` (`/16` prefixes), outside `avoid` when a few draws find one.
fn address_in_blocks(rng: &mut Rng, blocks: &[u32], avoid: &[Ipv4Net]) -> u32 {
    let mut a = 0;
    for _ in 0..8 {
        a = rng.pick(blocks) | (1 + rng.below(0xFFFE)) as u32;
        if !avoid.iter().any(|net| net.contains(&Ipv4Addr::from(a))) {
            break;
        }
    }
    a
}

/// A user of the log: who they are, where they connect from, what their clients speak, how busy they are.
#[derive(Debug, Clone)]
struct Actor {
    id: String,
    /// `addresses[0]` is an office egress address when `in_office`; the others are home and mobile addresses.
    addresses: Vec<u32>,
    in_office: bool,
    clients: Vec<(&'static str, u64)>,
}

impl Actor {
    /// An address for a request at a working (or other) hour: the office mostly in working hours, elsewhere mostly
    /// outside them, and one request in 50 from a stray address.
    fn address(&self, rng: &mut Rng, working: bool, avoid: &[Ipv4Net]) -> u32 {
        if rng.one_in(50) {
            return public_address(rng, avoid);
        }
        let elsewhere = if self.in_office { &self.addresses[1..] } else { &self.addresses[..] };
        let office = self.in_office && (elsewhere.is_empty() || if working { !rng.one_in(5) } else { rng.one_in(5) });
        if office {
            self.addresses[0]
        } else {
            *rng.pick(elsewhere)
        }
    }
}

/// The company: everything a log draws from, fixed per log.
struct Company<'o> {
    org: &'o Organization,
    arn: String,
    actors: Vec<Actor>,
    /// Activity weights, parallel to `actors`.
    activity: Vec<(usize, u64)>,
    /// Impersonation roles and the application address each is used from.
    roles: Vec<(String, u32)>,
    /// Mail servers that send the company mail.
    mail_servers: Vec<u32>,
    /// Every `IpRanges` entry of the rules: where home addresses are not drawn.
    office_ranges: Vec<Ipv4Net>,
    utc_offset_ms: i64,
    start_ms: i64,
}

/// Whether `ms` (local time) falls in working hours, and how likely a request is then (out of 10).
fn working_weight(local_ms: i64) -> (bool, usize) {
    let day = local_ms.div_euclid(DAY_MS);
    let hour = local_ms.rem_euclid(DAY_MS) / HOUR_MS;
    let weekday = (1..=5).contains(&(day + 4).rem_euclid(7)); // 1970-01-01 was a Thursday; 0 is Sunday.
    match (weekday, hour) {
        (true, 8..=17) => (true, 10),
        (true, 7 | 18..=22) => (false, 3),
        (false, 9..=20) => (false, 2),
        _ => (false, 1),
    }
}

impl<'o> Company<'o> {
    fn new(org: &'o Organization, rng: &mut Rng, start_ms: i64) -> Company<'o> {
        let arn = format!(
            "arn:aws:workmail:us-east-1:111122223333:organization/m-{:016x}{:016x}",
            rng.next_u64(),
            rng.next_u64()
        );
        let utc_offset_ms = rng.pick(&UTC_OFFSETS) * HOUR_MS;

        // Users: the directory's enabled users, else the identifiers the rules name, else made-up ones; only those
        // the reference evaluator accepts as a `UserId`.
        let pool = Generated::from_organization(org).people;
        let enabled = |id: &str| match (&org.users, org.resolve_user(id)) {
            (Some(users), Ok(Some(i))) => uncertain::can_be_impersonated(users[i].state.as_deref()),
            _ => true,
        };
        let accepted = |id: &str| {
            let probe = AccessRequest {
                ip_address: "192.0.2.1",
                action: "EWS",
                user_id: Some(id),
                impersonation_role_id: None,
            };
            reference::access(org, &probe).is_ok()
        };
        let mut ids: Vec<String> = pool.iter().map(|p| p.id.clone()).filter(|id| accepted(id)).collect();
        if ids.iter().any(|id| enabled(id)) {
            ids.retain(|id| enabled(id));
        }
        if ids.is_empty() {
            // A directory that holds no one: made-up users, whose requests the evaluator refuses, so that the log
            // is all mail flow and device checks.
            let made_up: Vec<String> = super::people(6).into_iter().map(|p| p.id).collect();
            ids = made_up.iter().filter(|id| accepted(id)).cloned().collect();
            if ids.is_empty() {
                ids = made_up;
            }
        }

        // Offices: up to three of the rules' ranges, each with one to four egress addresses; home and mobile
        // addresses from a few ISPs' blocks elsewhere.
        let mut office_ranges: Vec<Ipv4Net> =
            org.access_control_rules.iter().flat_map(|r| r.ip_ranges.iter().copied()).collect();
        office_ranges.sort();
        office_ranges.dedup();
        let mut offices: Vec<Vec<u32>> = Vec::new();
        if office_ranges.is_empty() {
            // No ranges to take one from: the company's own network.
            let net = Ipv4Net::new(Ipv4Addr::from(public_address(rng, &[])), 24).expect("24 is a prefix length");
            offices.push((0..1 + rng.below(3)).map(|_| host_in(rng, &net.trunc())).collect());
        } else {
            for _ in 0..office_ranges.len().min(1 + rng.below(3)) {
                let net = *rng.pick(&office_ranges);
                offices.push((0..1 + rng.below(4)).map(|_| host_in(rng, &net)).collect());
            }
        }
        let avoid: &[Ipv4Net] = &office_ranges;
        let isp_blocks: Vec<u32> = (0..6).map(|_| public_address(rng, avoid) & 0xFFFF_0000).collect();

        let mut actors = Vec::new();
        let mut activity = Vec::new();
        for id in ids {
            let in_office = !rng.one_in(6);
            let mut addresses = Vec::new();
            if in_office {
                let office = rng.pick(&offices);
                addresses.push(*rng.pick(office));
            }
            let elsewhere = if in_office { rng.below(3) } else { 1 + rng.below(3) };
            for _ in 0..elsewhere {
                addresses.push(address_in_blocks(rng, &isp_blocks, avoid));
            }
            let mut clients: Vec<(&'static str, u64)> = Vec::new();
            let wanted = 2 + rng.below(3);
            for _ in 0..4 * wanted {
                if clients.len() == wanted {
                    break;
                }
                let protocol = weighted(rng, &PROTOCOLS.map(|(p, w)| ((p, w), w)));
                if !clients.iter().any(|(p, _)| *p == protocol.0) {
                    clients.push(protocol);
                }
            }
            // Outlook finds its server with AutoDiscover.
            if clients.iter().any(|(p, _)| *p == "WindowsOutlook") && !clients.iter().any(|(p, _)| *p == "AutoDiscover")
            {
                clients.push(("AutoDiscover", 6));
            }
            let weight = if rng.one_in(8) { 10 + rng.below(16) } else { 1 + rng.below(3) } as u64;
            activity.push((actors.len(), weight));
            actors.push(Actor { id, addresses, in_office, clients });
        }

        // Applications using impersonation roles, each from one address: an office server, or a hosted service.
        let roles = org
            .impersonation_roles
            .iter()
            .flatten()
            .map(|role| {
                let address = if rng.below(3) < 2 {
                    let office = rng.pick(&offices);
                    *rng.pick(office)
                } else {
                    public_address(rng, avoid)
                };
                (role.id.clone(), address)
            })
            .collect();
        let mail_servers = (0..12).map(|_| public_address(rng, avoid)).collect();
        Company { org, arn, actors, activity, roles, mail_servers, office_ranges, utc_offset_ms, start_ms }
    }

    /// A moment in the log's span: with `biased`, following working hours. Also whether it is a working hour.
    fn moment(&self, rng: &mut Rng, biased: bool) -> (i64, bool) {
        loop {
            let at = self.start_ms + (rng.next_u64() % SPAN_MS as u64) as i64;
            let (working, weight) = working_weight(at + self.utc_offset_ms);
            if !biased || rng.below(10) < weight {
                return (at, working);
            }
        }
    }

    fn actor(&self, rng: &mut Rng) -> &Actor {
        &self.actors[weighted(rng, &self.activity)]
    }

    fn event(&self, at: i64, user: &str, protocol: &str, address: u32, scope: &str) -> LogEvent {
        LogEvent {
            event_timestamp: at,
            request_id: String::new(),
            organization_arn: self.arn.clone(),
            user_id: user.to_string(),
            impersonator_id: None,
            protocol: protocol.to_string(),
            source_ip: Ipv4Addr::from(address).to_string(),
            scope: scope.to_string(),
            rule_id: None,
            access_granted: true,
        }
    }

    /// A mail-flow event: mail from a mail server to a user, or from a user's client out.
    fn mail_flow(&self, rng: &mut Rng) -> LogEvent {
        let biased = rng.one_in(2);
        let (at, working) = self.moment(rng, biased);
        let actor = self.actor(rng);
        if rng.below(5) < 3 {
            let server = *rng.pick(&self.mail_servers);
            self.event(at, &actor.id, MAIL_FLOW[0], server, SCOPE_ACCESS)
        } else {
            let address = actor.address(rng, working, &self.office_ranges);
            self.event(at, &actor.id, MAIL_FLOW[1], address, SCOPE_ACCESS)
        }
    }

    /// A mobile device's check: counted, not judged.
    fn device(&self, rng: &mut Rng) -> LogEvent {
        let (at, working) = self.moment(rng, true);
        let actor = self.actor(rng);
        let address = actor.address(rng, working, &self.office_ranges);
        self.event(at, &actor.id, "ActiveSync", address, SCOPE_DEVICE)
    }

    /// A user's request, judged; `None` when every draw was refused.
    fn user_request(&self, rng: &mut Rng) -> Option<LogEvent> {
        for _ in 0..RETRIES {
            let (at, working) = self.moment(rng, true);
            let actor = self.actor(rng);
            let protocol = weighted(rng, &actor.clients);
            let address = actor.address(rng, working, &self.office_ranges);
            let mut event = self.event(at, &actor.id, protocol, address, SCOPE_ACCESS);
            if let Some((granted, rule)) = reference_verdict(self.org, &event) {
                event.access_granted = granted;
                event.rule_id = rule;
                return Some(event);
            }
        }
        None
    }

    /// An application's session through an impersonation role: the impersonation check, then, when granted, its
    /// EWS requests as the role. Empty when every draw was refused.
    fn session(&self, rng: &mut Rng) -> Vec<LogEvent> {
        let (role, address) = rng.pick(&self.roles).clone();
        for _ in 0..RETRIES {
            let biased = !rng.one_in(3);
            let (mut at, _) = self.moment(rng, biased);
            let target = &self.actor(rng).id;
            let mut check = self.event(at, target, "EWS", address, SCOPE_IMPERSONATION);
            check.impersonator_id = Some(role.clone());
            let Some((granted, rule)) = reference_verdict(self.org, &check) else { continue };
            check.access_granted = granted;
            check.rule_id = rule;
            let mut session = vec![check];
            if granted {
                for _ in 0..1 + rng.below(5) {
                    at += 20 + rng.below(3000) as i64;
                    let mut request = self.event(at, target, "EWS", address, SCOPE_ACCESS);
                    request.impersonator_id = Some(role.clone());
                    let Some((granted, rule)) = reference_verdict(self.org, &request) else { break };
                    request.access_granted = granted;
                    request.rule_id = rule;
                    session.push(request);
                }
            }
            return session;
        }
        vec![]
    }
}

/// A UUID (version 4 form) from `rng`.
fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xFFFF,
        a & 0xFFF,
        8 | (b >> 62),
        (b >> 48) & 0xFFF,
        b & 0xFFFF_FFFF_FFFF
    )
}

/// A log of `options.events` events for `org`, fixed by `seed`.
///
/// Of the occurrences drawn, about one in five is mail flow, a few in a hundred a mobile device's check, one in
/// twenty (when the organization has impersonation roles) an application's impersonated session, and the rest
/// users' requests. A request the reference evaluator refuses is drawn again, a few times, then becomes mail flow.
pub fn log(org: &Organization, seed: u64, options: &LogOptions) -> GeneratedLog {
    let mut rng = Rng::new(seed);
    let company = Company::new(org, &mut rng, options.start_ms);
    let mut events: Vec<LogEvent> = Vec::with_capacity(options.events);
    while events.len() < options.events {
        let roll = rng.below(100);
        let drawn = match roll {
            0..=19 => vec![company.mail_flow(&mut rng)],
            20..=22 => vec![company.device(&mut rng)],
            23..=27 if !company.roles.is_empty() => company.session(&mut rng),
            _ => company.user_request(&mut rng).into_iter().collect(),
        };
        if drawn.is_empty() {
            events.push(company.mail_flow(&mut rng));
        }
        events.extend(drawn);
    }
    events.truncate(options.events);

    // In time order (a session's requests stay after its check), each instant after the last, each request its
    // own id.
    events.sort_by_key(|e| e.event_timestamp);
    let mut seen = HashSet::new();
    let mut last = i64::MIN;
    for event in &mut events {
        event.event_timestamp = event.event_timestamp.max(last.saturating_add(1));
        last = event.event_timestamp;
        event.request_id = loop {
            let id = uuid(&mut rng);
            if seen.insert(id.clone()) {
                break id;
            }
        };
    }

    let mut flipped = Vec::new();
    if options.flip_every > 0 {
        let mut judged = 0;
        for (i, event) in events.iter_mut().enumerate() {
            if event.is_judged() {
                judged += 1;
                if judged % options.flip_every == 0 {
                    event.access_granted = !event.access_granted;
                    flipped.push(i);
                }
            }
        }
    }
    GeneratedLog { events, flipped }
}

/// `value` pretty-printed as the aws CLI prints JSON (Python's `json.dump` with `indent=4`,
/// `ensure_ascii=False`), then a newline.
fn write_pretty(out: &mut Vec<u8>, value: &impl Serialize) {
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, formatter);
    value.serialize(&mut serializer).expect("writing to a Vec cannot fail");
    out.push(b'\n');
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` in base64, without padding; `url` for the URL-safe alphabet.
fn base64(bytes: &[u8], url: bool) -> String {
    let mut text = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            let c = BASE64[(n >> (18 - 6 * i) & 63) as usize];
            text.push(match (url, c) {
                (true, b'+') => '-',
                (true, b'/') => '_',
                _ => c as char,
            });
        }
    }
    text
}

fn random_bytes(rng: &mut Rng, n: usize, first: Option<u8>) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
    if let (Some(b), Some(slot)) = (first, bytes.first_mut()) {
        *slot = b;
    }
    bytes
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilteredLogEvent<'a> {
    log_stream_name: &'a str,
    timestamp: i64,
    message: String,
    ingestion_time: i64,
    event_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FilterLogEventsPage<'a> {
    events: Vec<FilteredLogEvent<'a>>,
    searched_log_streams: [(); 0],
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Serialize)]
struct ResultField<'a> {
    field: &'a str,
    value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct QueryStatistics {
    records_matched: f64,
    records_scanned: f64,
    bytes_scanned: f64,
}

#[derive(Serialize)]
struct QueryResults<'a> {
    results: Vec<Vec<ResultField<'a>>>,
    statistics: QueryStatistics,
    status: &'static str,
}

/// `ms` since the epoch as Logs Insights shows `@timestamp`: `2026-11-02 09:15:03.123`, UTC.
fn insights_timestamp(ms: i64) -> String {
    let crate::constraints::UtcTime { year, month, day, hour, minute, second, millisecond } =
        crate::constraints::utc_of_millis(ms);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{millisecond:03}")
}

/// `events` in `shape` (SEMANTICS 6.1), as the real tools print them; `seed` fixes what the tools add (log
/// stream names, event ids, ingestion delays, page sizes, tokens, `@ptr`s).
///
/// - [`LogShape::EventLines`]: one compact event per line, each line ending in `\n`.
/// - [`LogShape::FilterLogEvents`]: pages of 150 to 450 events as `aws logs filter-log-events` prints them, one
///   after another, each a complete JSON document and a newline, every page but the last with a `nextToken`.
///   The events are spread over one to three log streams.
/// - [`LogShape::QueryResults`]: one `aws logs get-query-results` document, the rows in Logs Insights' default
///   order (newest `@timestamp` first), every value a string, `access_granted` as `1` or `0`, absent optional
///   fields left out of their row.
pub fn write(events: &[LogEvent], shape: LogShape, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0x106_5EED);
    let mut out = Vec::new();
    match shape {
        LogShape::EventLines => {
            for event in events {
                out.extend_from_slice(event.to_json().as_bytes());
                out.push(b'\n');
            }
        }
        LogShape::FilterLogEvents => {
            let streams: Vec<String> =
                (0..1 + rng.below(3)).map(|_| format!("workmail-access-control-{:016x}", rng.next_u64())).collect();
            let mut ids = HashSet::new();
            let mut rest = events;
            loop {
                let size = rest.len().min(150 + rng.below(301));
                let (page, after) = rest.split_at(size);
                let events = page
                    .iter()
                    .map(|event| FilteredLogEvent {
                        log_stream_name: rng.pick(&streams).as_str(),
                        timestamp: event.event_timestamp,
                        message: event.to_json(),
                        ingestion_time: event.event_timestamp + 200 + rng.below(4800) as i64,
                        event_id: loop {
                            let id: String = std::iter::once('3')
                                .chain((0..55).map(|_| char::from(b'0' + rng.below(10) as u8)))
                                .collect();
                            if ids.insert(id.clone()) {
                                break id;
                            }
                        },
                    })
                    .collect();
                let next_token = (!after.is_empty()).then(|| base64(&random_bytes(&mut rng, 96, None), true));
                write_pretty(&mut out, &FilterLogEventsPage { events, searched_log_streams: [], next_token });
                rest = after;
                if rest.is_empty() {
                    break;
                }
            }
        }
        LogShape::QueryResults => {
            let mut order: Vec<usize> = (0..events.len()).collect();
            order.sort_by_key(|&i| std::cmp::Reverse((events[i].event_timestamp, i)));
            let results = order
                .into_iter()
                .map(|i| {
                    let e = &events[i];
                    let mut row = vec![
                        ResultField { field: "@timestamp", value: insights_timestamp(e.event_timestamp) },
                        ResultField { field: "event_timestamp", value: e.event_timestamp.to_string() },
                        ResultField { field: "request_id", value: e.request_id.clone() },
                        ResultField { field: "organization_arn", value: e.organization_arn.clone() },
                        ResultField { field: "user_id", value: e.user_id.clone() },
                    ];
                    if let Some(role) = &e.impersonator_id {
                        row.push(ResultField { field: "impersonator_id", value: role.clone() });
                    }
                    row.push(ResultField { field: "protocol", value: e.protocol.clone() });
                    row.push(ResultField { field: "source_ip", value: e.source_ip.clone() });
                    row.push(ResultField { field: "scope", value: e.scope.clone() });
                    if let Some(rule) = &e.rule_id {
                        row.push(ResultField { field: "rule_id", value: rule.clone() });
                    }
                    row.push(ResultField { field: "access_granted", value: u8::from(e.access_granted).to_string() });
                    row.push(ResultField {
                        field: "@ptr",
                        value: base64(&random_bytes(&mut rng, 90, Some(0x0A)), false),
                    });
                    row
                })
                .collect();
            let bytes: usize = events.iter().map(|e| e.to_json().len()).sum();
            let n = events.len() as f64;
            let statistics = QueryStatistics { records_matched: n, records_scanned: n, bytes_scanned: bytes as f64 };
            write_pretty(&mut out, &QueryResults { results, statistics, status: "Complete" });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{organization, Shape};
    use crate::validate::{validate, Options};
    use serde_json::Value;

    fn org(seed: u64) -> Organization {
        let generated = organization(seed, &Shape::varied());
        validate(&generated.file, &Options { enforce_quotas: false }).organization.expect("generated orgs are valid")
    }

    fn options(events: usize, flip_every: usize) -> LogOptions {
        LogOptions { events, flip_every, ..LogOptions::default() }
    }

    #[test]
    fn a_seed_fixes_the_log_and_its_renderings() {
        let org = org(3);
        let a = log(&org, 11, &options(400, 5));
        assert_eq!(a, log(&org, 11, &options(400, 5)));
        assert_ne!(a.events, log(&org, 12, &options(400, 5)).events);
        for shape in [LogShape::EventLines, LogShape::FilterLogEvents, LogShape::QueryResults] {
            assert_eq!(write(&a.events, shape, 7), write(&a.events, shape, 7), "{shape:?}");
        }
    }

    #[test]
    fn events_are_well_formed_and_in_time_order() {
        for seed in 0..20 {
            let org = org(seed);
            let options = options(300, 0);
            let generated = log(&org, seed, &options);
            let events = &generated.events;
            assert_eq!(events.len(), 300);
            assert!(generated.flipped.is_empty());
            assert!(events.windows(2).all(|w| w[0].event_timestamp < w[1].event_timestamp), "seed {seed}");
            assert!(events[0].event_timestamp >= options.start_ms);
            assert!(events[events.len() - 1].event_timestamp < options.start_ms + SPAN_MS + DAY_MS);
            let ids: HashSet<&str> = events.iter().map(|e| e.request_id.as_str()).collect();
            assert_eq!(ids.len(), events.len(), "seed {seed}: request ids are unique");
            let arn = &events[0].organization_arn;
            assert!(arn.starts_with("arn:aws:workmail:us-east-1:111122223333:organization/m-"));
            assert_eq!(arn.len() - arn.rfind("m-").unwrap() - 2, 32);
            for e in events {
                assert_eq!(&e.organization_arn, arn);
                assert!(crate::constraints::parse_ipv4(&e.source_ip).is_some(), "{}", e.source_ip);
                let uuid = e.request_id.split('-').map(str::len).collect::<Vec<_>>();
                assert_eq!(uuid, [8, 4, 4, 4, 12]);
                if let Some(users) = &org.users {
                    assert!(users.iter().any(|u| u.id == e.user_id), "seed {seed}: {} is a directory id", e.user_id);
                }
                match e.scope.as_str() {
                    SCOPE_DEVICE => assert_eq!(e.protocol, "ActiveSync"),
                    SCOPE_IMPERSONATION => {
                        assert_eq!(e.protocol, "EWS");
                        assert!(org.role(e.impersonator_id.as_deref().unwrap()).is_some());
                    }
                    scope => assert_eq!(scope, SCOPE_ACCESS),
                }
            }
        }
    }

    #[test]
    fn verdicts_are_the_reference_evaluators_unless_flipped() {
        for seed in 0..40 {
            let org = org(seed);
            let flip_every = 1 + seed as usize % 9;
            let generated = log(&org, seed ^ 0xABC, &options(300, flip_every));
            let mut judged = 0;
            for (i, e) in generated.events.iter().enumerate() {
                let flipped = generated.flipped.binary_search(&i).is_ok();
                match reference_verdict(&org, e) {
                    Some((granted, rule)) => {
                        judged += 1;
                        assert_eq!(flipped, judged % flip_every == 0, "seed {seed}: event {i}");
                        assert_eq!(e.access_granted != flipped, granted, "seed {seed}: {e:?}");
                        assert_eq!(e.rule_id, rule, "seed {seed}: {e:?}");
                    }
                    None => {
                        assert!(!e.is_judged(), "seed {seed}: a judged event the reference refuses: {e:?}");
                        assert!(!flipped && e.access_granted && e.rule_id.is_none(), "seed {seed}: {e:?}");
                        assert!(e.scope == SCOPE_DEVICE || MAIL_FLOW.contains(&e.protocol.as_str()), "{e:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_new_organization_allows_made_up_users_by_the_default_rule() {
        let org = Organization::default();
        let generated = log(&org, 1, &options(500, 0));
        for e in &generated.events {
            assert!(e.user_id.starts_with("S-1-1-11-"), "{e:?}");
            assert!(e.impersonator_id.is_none());
            assert!(e.access_granted);
            let expected = if e.is_judged() { Some("default") } else { None };
            assert_eq!(e.rule_id.as_deref(), expected, "{e:?}");
        }
    }

    #[test]
    fn an_empty_directory_leaves_only_events_that_are_not_judged() {
        let org = Organization { users: Some(vec![]), ..Organization::default() };
        let generated = log(&org, 2, &options(200, 3));
        assert_eq!(generated.events.len(), 200);
        assert!(generated.flipped.is_empty());
        assert!(generated.events.iter().all(|e| !e.is_judged() && e.access_granted && e.rule_id.is_none()));
    }

    #[test]
    fn a_log_looks_like_a_company() {
        // An office range, a rule against IMAP outside it, a directory with a disabled user, and an archiving
        // application that may impersonate anyone.
        use crate::organization::{AccessRule, DirectoryUser, ImpersonationRole, ImpersonationRule, RoleType};
        let office: Ipv4Net = "81.2.69.0/24".parse().unwrap();
        let org = Organization {
            access_control_rules: vec![
                AccessRule { name: "office".into(), ip_ranges: vec![office], ..AccessRule::default_rule() },
                AccessRule {
                    name: "no-imap-outside".into(),
                    effect: Effect::Deny,
                    actions: vec!["IMAP".into()],
                    not_ip_ranges: vec![office],
                    ..AccessRule::default_rule()
                },
                AccessRule::default_rule(),
            ],
            impersonation_roles: Some(vec![ImpersonationRole {
                id: "archiver".into(),
                name: "Archiver".into(),
                role_type: RoleType::ReadOnly,
                rules: vec![ImpersonationRule {
                    id: "everyone".into(),
                    name: None,
                    effect: Effect::Allow,
                    target_users: vec![],
                    not_target_users: vec![],
                }],
            }]),
            users: Some(
                (0..30)
                    .map(|i| DirectoryUser {
                        id: format!("S-1-1-11-0000000001-{i:04}"),
                        email: Some(format!("user{i}@example.com")),
                        name: Some(format!("user{i}")),
                        state: Some(if i == 7 { "DISABLED" } else { "ENABLED" }.into()),
                    })
                    .collect(),
            ),
            ..Organization::default()
        };
        let events = log(&org, 5, &options(4000, 0)).events;
        let share = |f: &dyn Fn(&LogEvent) -> bool| events.iter().filter(|e| f(e)).count() as f64 / 4000.0;
        let mail = share(&|e| MAIL_FLOW.contains(&e.protocol.as_str()));
        assert!((0.15..0.3).contains(&mail), "mail flow {mail}");
        let device = share(&|e| e.scope == SCOPE_DEVICE);
        assert!((0.01..0.06).contains(&device), "devices {device}");
        assert!(share(&|e| e.scope == SCOPE_IMPERSONATION) > 0.02);
        assert!(share(&|e| e.scope == SCOPE_ACCESS && e.impersonator_id.as_deref() == Some("archiver")) > 0.02);
        assert!(share(&|e| e.source_ip.starts_with("81.2.69.")) > 0.2, "the office");
        assert!(share(&|e| e.rule_id.as_deref() == Some("no-imap-outside")) > 0.0);
        assert!(share(&|e| e.rule_id.as_deref() == Some("everyone")) > 0.0);
        assert!(!events.iter().any(|e| e.user_id.ends_with("-0007")), "a disabled user signs in");
        for protocol in uncertain::DOCUMENTED_ACTIONS.iter().chain(&MAIL_FLOW) {
            assert!(events.iter().any(|e| e.protocol == *protocol), "{protocol}");
        }
        // Some users are much busier than others.
        let mut per_user = std::collections::HashMap::new();
        events.iter().for_each(|e| *per_user.entry(&e.user_id).or_insert(0usize) += 1);
        let (most, least) = (per_user.values().max().unwrap(), per_user.values().min().unwrap());
        assert!(*most > 4 * *least, "{per_user:?}");
        // More events in the busiest hour of the day than in the quietest (the company's time zone is drawn).
        let mut by_hour = [0usize; 24];
        events.iter().for_each(|e| by_hour[(e.event_timestamp.rem_euclid(DAY_MS) / HOUR_MS) as usize] += 1);
        assert!(by_hour.iter().max().unwrap() > &(3 * by_hour.iter().min().unwrap()), "{by_hour:?}");
    }

    #[test]
    fn an_event_is_compact_json_in_field_order() {
        let mut event = LogEvent {
            event_timestamp: 1_793_577_600_123,
            request_id: "0b0c1e9a-0000-4000-8000-000000000000".into(),
            organization_arn: "arn:aws:workmail:us-east-1:111122223333:organization/m-0123".into(),
            user_id: "S-1-1-11-1".into(),
            impersonator_id: None,
            protocol: "IMAP".into(),
            source_ip: "81.2.69.7".into(),
            scope: "AccessControl".into(),
            rule_id: None,
            access_granted: false,
        };
        assert_eq!(
            event.to_json(),
            r#"{"event_timestamp":1793577600123,"request_id":"0b0c1e9a-0000-4000-8000-000000000000","organization_arn":"arn:aws:workmail:us-east-1:111122223333:organization/m-0123","user_id":"S-1-1-11-1","protocol":"IMAP","source_ip":"81.2.69.7","scope":"AccessControl","access_granted":false}"#
        );
        event.impersonator_id = Some("role \"x\"".into());
        event.rule_id = Some("r".into());
        let json = event.to_json();
        assert!(json.contains(r#""user_id":"S-1-1-11-1","impersonator_id":"role \"x\"","protocol""#), "{json}");
        assert!(json.contains(r#""scope":"AccessControl","rule_id":"r","access_granted":false}"#), "{json}");
    }

    #[test]
    fn timestamps_read_as_logs_insights_writes_them() {
        assert_eq!(insights_timestamp(0), "1970-01-01 00:00:00.000");
        assert_eq!(insights_timestamp(1_793_577_600_000 + 9 * HOUR_MS + 15 * 60_000 + 3123), "2026-11-02 09:15:03.123");
        assert_eq!(insights_timestamp(951_782_400_000 - 1), "2000-02-28 23:59:59.999");
        assert_eq!(insights_timestamp(951_782_400_000), "2000-02-29 00:00:00.000");
        assert_eq!(insights_timestamp(-1), "1969-12-31 23:59:59.999");
    }

    /// The event a query-results row holds, rebuilt.
    fn from_row(row: &[Value]) -> (LogEvent, &str) {
        let get = |name: &str| {
            row.iter()
                .find(|f| f["field"] == name)
                .map(|f| f["value"].as_str().expect("values are strings").to_string())
        };
        let event = LogEvent {
            event_timestamp: get("event_timestamp").unwrap().parse().unwrap(),
            request_id: get("request_id").unwrap(),
            organization_arn: get("organization_arn").unwrap(),
            user_id: get("user_id").unwrap(),
            impersonator_id: get("impersonator_id"),
            protocol: get("protocol").unwrap(),
            source_ip: get("source_ip").unwrap(),
            scope: get("scope").unwrap(),
            rule_id: get("rule_id"),
            access_granted: match get("access_granted").unwrap().as_str() {
                "1" => true,
                "0" => false,
                other => panic!("access_granted {other}"),
            },
        };
        assert_eq!(row[0]["field"], "@timestamp");
        assert_eq!(row[row.len() - 1]["field"], "@ptr");
        (event, row[0]["value"].as_str().unwrap())
    }

    #[test]
    fn every_shape_parses_and_holds_every_event_once() {
        for (seed, n) in [(0u64, 0usize), (1, 1), (2, 449), (3, 1700)] {
            let org = org(seed);
            let events = log(&org, seed, &options(n, 4)).events;

            let lines = write(&events, LogShape::EventLines, seed);
            let text = String::from_utf8(lines).unwrap();
            assert_eq!(text.lines().count(), n);
            for (line, event) in text.lines().zip(&events) {
                assert_eq!(line, event.to_json());
                serde_json::from_str::<Value>(line).unwrap();
            }
            assert!(n == 0 || text.ends_with("}\n"));

            let pages = write(&events, LogShape::FilterLogEvents, seed);
            let text = String::from_utf8(pages.clone()).unwrap();
            let pages: Vec<Value> =
                serde_json::Deserializer::from_slice(&pages).into_iter().collect::<Result<_, _>>().unwrap();
            assert_eq!(text.matches("\n}\n").count(), pages.len(), "each page ends in a newline");
            assert!(text.starts_with("{\n    \"events\": ["), "{}", &text[..40.min(text.len())]);
            let mut messages = Vec::new();
            for (i, page) in pages.iter().enumerate() {
                assert_eq!(page["nextToken"].is_string(), i + 1 < pages.len(), "seed {seed}: page {i}");
                assert_eq!(page["searchedLogStreams"], Value::Array(vec![]));
                let page_events = page["events"].as_array().unwrap();
                assert!(i + 1 == pages.len() || (150..=450).contains(&page_events.len()));
                for e in page_events {
                    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
                    assert_eq!(keys.len(), 5, "{keys:?}");
                    assert_eq!(e["eventId"].as_str().unwrap().len(), 56);
                    assert!(e["ingestionTime"].as_i64().unwrap() > e["timestamp"].as_i64().unwrap());
                    messages.push(e["message"].as_str().unwrap().to_string());
                }
            }
            let expected: Vec<String> = events.iter().map(LogEvent::to_json).collect();
            assert_eq!(messages, expected, "seed {seed}");
            if n > 0 {
                let start = "{\n    \"events\": [\n        {\n            \"logStreamName\": \"workmail-";
                assert!(text.starts_with(start), "four-space indentation: {}", &text[..80]);
            }

            let results = write(&events, LogShape::QueryResults, seed);
            assert!(results.ends_with(b"}\n"));
            let doc: Value = serde_json::from_slice(&results).unwrap();
            assert_eq!(doc["status"], "Complete");
            assert_eq!(doc["statistics"]["recordsMatched"].as_f64(), Some(n as f64));
            assert!(String::from_utf8(results).unwrap().contains(&format!("\"recordsMatched\": {n}.0")));
            let rows = doc["results"].as_array().unwrap();
            let mut rebuilt: Vec<LogEvent> = rows
                .iter()
                .map(|row| {
                    let (event, timestamp) = from_row(row.as_array().unwrap());
                    assert_eq!(timestamp, insights_timestamp(event.event_timestamp));
                    event
                })
                .collect();
            assert!(rebuilt.windows(2).all(|w| w[0].event_timestamp >= w[1].event_timestamp), "newest first");
            rebuilt.reverse();
            assert_eq!(rebuilt, events, "seed {seed}");
        }
    }
}
