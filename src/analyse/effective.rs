//! Effective access: who can reach mail, with which protocol, from which addresses.
//!
//! For every principal (each directory user, or without a directory each user a rule names and "any other user";
//! each impersonation role) and each of the seven documented protocols, the answer of `GetAccessControlEffect` over
//! the whole IPv4 space, as regions: address ranges with the one answer (`Effect` and `MatchedRules`, or the
//! service's error) given from each. The ranges from which the answer is `ALLOW` are the cell's [`Reach::allowed`].
//!
//! It is exact, as [`diff`](mod@super::diff) is: the request space (the private `space` module) already cuts the
//! addresses into elementary intervals that no rule tells apart and the principals into classes with the same
//! conditions, so each cell is one walk over the intervals with one answer per address class, computed once per
//! distinct (principal, protocol) condition and shared by every principal of the class: a thousand users no rule
//! names cost what one does.
//!
//! Only the seven documented protocols are columns: clients connect with nothing else (the audit log's `protocol`
//! field lists them, plus mail flow, which the rules do not govern; SEMANTICS 6.3). An undocumented spelling that a
//! rule names is still evaluated exactly by the other analyses and the engine.
//!
//! [`lint`](mod@super::lint)'s lockout checks read the same cells.

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::Arc;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::diff::{AddressRange, PrincipalKind};
use super::space::{AccessSpace, Cond, Dimension, RuleSet};
use super::{Outcome, TEXT_LIST_LIMIT};
use crate::answer::AccessControlEffect;
use crate::hash::IdHashMap;
use crate::organization::{Effect, Organization};
use crate::uncertain;

/// The seven documented protocols (SEMANTICS 1.3), the columns of the matrix, in the order the service documents
/// them.
pub const PROTOCOLS: [&str; 7] = uncertain::DOCUMENTED_ACTIONS;

/// One answer and the addresses it is given from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Region<'o> {
    /// The service's response (`Effect`, `MatchedRules`: the rules that decide), or its error.
    pub answer: Outcome<AccessControlEffect<'o>>,
    /// The addresses, ascending, adjacent ones joined.
    pub ranges: Vec<AddressRange>,
}

/// One principal's answers for one protocol, over every address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach<'o> {
    /// The protocol (`Action`).
    pub protocol: &'static str,
    /// Each distinct answer with its addresses, in the order of their first address; together they cover
    /// `0.0.0.0` to `255.255.255.255` once.
    pub regions: Vec<Region<'o>>,
}

impl<'o> Reach<'o> {
    /// The addresses from which the answer is `ALLOW`, ascending, adjacent ones joined; empty when none.
    pub fn allowed(&self) -> Vec<AddressRange> {
        let mut ranges: Vec<AddressRange> =
            self.regions.iter().filter(|r| is_allow(&r.answer)).flat_map(|r| r.ranges.iter().copied()).collect();
        ranges.sort_unstable_by_key(|r| r.first);
        join_adjacent(ranges)
    }

    /// The answer to a request from `address`.
    pub fn answer_at(&self, address: Ipv4Addr) -> Option<&Outcome<AccessControlEffect<'o>>> {
        self.regions.iter().find(|r| r.ranges.iter().any(|range| range.contains(address))).map(|r| &r.answer)
    }

    /// Whether the answer is `ALLOW` from no address.
    pub fn is_denied_everywhere(&self) -> bool {
        !self.regions.iter().any(|r| is_allow(&r.answer))
    }

    /// Whether the answer is an error from every address (a role with a protocol other than `EWS`).
    pub fn is_error(&self) -> bool {
        self.regions.iter().all(|r| matches!(r.answer, Outcome::Error(_)))
    }

    /// The names of the rules that decide a `DENY` from some address, in rule order of first appearance, and
    /// whether somewhere no rule matches at all (the implicit deny of SEMANTICS 1.2).
    pub fn denied_by(&self) -> (Vec<&'o str>, bool) {
        let mut rules: Vec<&'o str> = Vec::new();
        let mut unmatched = false;
        for region in &self.regions {
            if let Outcome::Answer(AccessControlEffect { effect: Effect::Deny, matched_rules }) = &region.answer {
                unmatched |= matched_rules.is_empty();
                for rule in matched_rules {
                    if !rules.contains(rule) {
                        rules.push(rule);
                    }
                }
            }
        }
        (rules, unmatched)
    }
}

impl Serialize for Reach<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("Allowed", &self.allowed())?;
        map.serialize_entry("Regions", &self.regions)?;
        map.end()
    }
}

/// One principal's row: a [`Reach`] per protocol, in the order of [`PROTOCOLS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protocols<'o>(pub [Reach<'o>; 7]);

impl<'o> Protocols<'o> {
    /// The cell of `protocol` (one of [`PROTOCOLS`]).
    pub fn get(&self, protocol: &str) -> Option<&Reach<'o>> {
        self.0.iter().find(|r| r.protocol == protocol)
    }

    /// Every cell.
    pub fn iter(&self) -> impl Iterator<Item = &Reach<'o>> {
        self.0.iter()
    }
}

/// A map from protocol to cell: `{"ActiveSync": {"Allowed": […], "Regions": […]}, …}`.
impl Serialize for Protocols<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for reach in &self.0 {
            map.serialize_entry(reach.protocol, reach)?;
        }
        map.end()
    }
}

/// One principal: a directory user, a user a rule names, every user no rule names, or an impersonation role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Principal {
    /// A user or an impersonation role.
    pub kind: PrincipalKind,
    /// How to show it: the user's email, else name, else ID; the role's name and ID; or "any other user".
    pub label: String,
    /// The `UserId` or `ImpersonationRoleId` to ask with (the directory user's `Id`).
    pub id: String,
    /// The directory entry (`Users[3]`), when a directory is loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The directory user's `State`, when listed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// It stands for every user (or role) that no rule names and no directory lists.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub any_other: bool,
    /// Every identifier that names it (`Id`, email and name of a directory user), for lookups.
    #[serde(skip)]
    pub keys: Vec<String>,
}

impl Principal {
    /// Whether `identifier` names this principal.
    pub fn is_named_by(&self, identifier: &str) -> bool {
        self.keys.iter().any(|k| k == identifier)
    }
}

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Row<'o> {
    /// Who.
    #[serde(flatten)]
    pub principal: Principal,
    /// What they reach, per protocol. Principals of one class share it.
    pub protocols: Arc<Protocols<'o>>,
}

/// Effective access of one organization: a row per principal, users first (in directory order, or first-named
/// order), then impersonation roles.
///
/// ```
/// use workmail_policy::{analyse, load, validate};
///
/// let file = load::parse(br#"{"AccessControlRules": [
///     {"Name": "imap-office-only", "Effect": "DENY", "Description": "", "Actions": ["IMAP"], "NotIpRanges": ["192.0.2.0/24"]},
///     {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
/// ]}"#).unwrap();
/// let org = validate::validate(&file, &Default::default()).organization.unwrap();
/// let matrix = analyse::effective_access(&org);
/// let anyone = &matrix.rows[0]; // no directory and no user named: one row for every user
/// assert!(anyone.principal.any_other);
/// let imap = anyone.protocols.get("IMAP").unwrap();
/// assert_eq!(imap.allowed().iter().map(ToString::to_string).collect::<Vec<_>>(), ["192.0.2.0/24"]);
/// assert_eq!(imap.denied_by(), (vec!["imap-office-only"], false));
/// assert!(!anyone.protocols.get("WebMail").unwrap().is_denied_everywhere());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EffectiveAccess<'o> {
    /// Every principal, with its cells. Principals every request of which is an error (the "other user" when a
    /// directory is loaded: the service knows no such user) are left out.
    pub rows: Vec<Row<'o>>,
}

impl<'o> EffectiveAccess<'o> {
    /// The row of the user or role `identifier` names; without a directory, a user no rule names falls in the
    /// row of "any other user", whose answers are the same.
    pub fn row(&self, identifier: &str) -> Option<&Row<'o>> {
        self.rows
            .iter()
            .find(|r| r.principal.is_named_by(identifier))
            .or_else(|| self.rows.iter().find(|r| r.principal.any_other && r.principal.kind == PrincipalKind::User))
    }

    /// The user rows.
    pub fn users(&self) -> impl Iterator<Item = &Row<'o>> {
        self.rows.iter().filter(|r| r.principal.kind == PrincipalKind::User)
    }
}

/// The effective access of `org`: who reaches mail, by which protocol, from where (see the module docs).
pub fn effective_access(org: &Organization) -> EffectiveAccess<'_> {
    let mut space = AccessSpace::new(org, org);
    let matrix = Matrix::new(&mut space, org, 0);
    EffectiveAccess { rows: matrix.rows(&space, [org, org], 0).into_iter().filter(|r| !all_errors(r)).collect() }
}

/// One cell that two organizations answer differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CellChange<'o> {
    /// Who.
    #[serde(flatten)]
    pub principal: Principal,
    /// The protocol.
    pub protocol: &'static str,
    /// The cell in the organization as it is.
    pub old: Reach<'o>,
    /// The cell as proposed.
    pub new: Reach<'o>,
}

/// The cells of the matrix that change from `old` to `new`: the allowed addresses, or the rules that decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EffectiveAccessChanges<'o> {
    /// Every changed cell, row by row (users, then roles), protocols in the order of [`PROTOCOLS`].
    pub changes: Vec<CellChange<'o>>,
}

/// The cells of the effective-access matrix that differ between `old` and `new`. Rows are matched by the user or
/// role they stand for, through both directories (a user only one directory holds is an error in the other).
pub fn effective_access_changes<'o>(old: &'o Organization, new: &'o Organization) -> EffectiveAccessChanges<'o> {
    let mut space = AccessSpace::new(old, new);
    let before = Matrix::new(&mut space, old, 0);
    let after = Matrix::new(&mut space, new, 1);
    let (before, after) = (before.rows(&space, [old, new], 0), after.rows(&space, [old, new], 1));
    let mut changes = Vec::new();
    for (old_row, new_row) in before.into_iter().zip(after) {
        if Arc::ptr_eq(&old_row.protocols, &new_row.protocols) || old_row.protocols == new_row.protocols {
            continue;
        }
        for (old_cell, new_cell) in old_row.protocols.iter().zip(new_row.protocols.iter()) {
            if old_cell != new_cell {
                changes.push(CellChange {
                    principal: old_row.principal.clone(),
                    protocol: old_cell.protocol,
                    old: old_cell.clone(),
                    new: new_cell.clone(),
                });
            }
        }
    }
    EffectiveAccessChanges { changes }
}

fn all_errors(row: &Row) -> bool {
    row.protocols.iter().all(Reach::is_error)
}

fn is_allow(answer: &Outcome<AccessControlEffect>) -> bool {
    matches!(answer, Outcome::Answer(AccessControlEffect { effect: Effect::Allow, .. }))
}

/// Ranges sorted by their first address, with overlapping and adjacent ones joined.
pub(crate) fn join_adjacent(ranges: Vec<AddressRange>) -> Vec<AddressRange> {
    let mut joined: Vec<AddressRange> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match joined.last_mut() {
            Some(last) if u64::from(u32::from(last.last)) + 1 >= u64::from(u32::from(range.first)) => {
                last.last = last.last.max(range.last)
            }
            _ => joined.push(range),
        }
    }
    joined
}

/// One side's cells, per principal class, computed from the request space.
pub(crate) struct Matrix<'o> {
    /// Per user value (of `space.user_values`), its cells.
    pub(crate) users: Vec<Arc<Protocols<'o>>>,
    /// Per role value, its cells.
    pub(crate) roles: Vec<Arc<Protocols<'o>>>,
}

impl<'o> Matrix<'o> {
    /// Side `side`'s cells (lint passes one organization as both sides, so side 0 is all there is).
    pub(crate) fn new(space: &mut AccessSpace<'o>, org: &Organization, side: usize) -> Self {
        // Which address class each elementary interval is in, so that a cell is one walk in address order.
        let mut interval_class = vec![0u32; space.interval_starts.len()];
        for (class, members) in space.addresses.members.iter().enumerate() {
            for &interval in members {
                interval_class[interval as usize] = class as u32;
            }
        }
        let address_conds: Vec<Cond> =
            space.addresses.classes.iter().map(|ids| space.addresses.conds[side][ids[side] as usize].clone()).collect();
        let start = Cond::Holds(RuleSet::full(org.access_control_rules.len()));
        // The action value of each protocol: the space lists the documented actions first.
        let protocol_values: [usize; 7] = PROTOCOLS
            .map(|p| space.action_values.iter().position(|v| !v.other && v.example.as_deref() == Some(p)).unwrap_or(0));
        let mut cells: IdHashMap<Cond, Reach<'o>> = IdHashMap::default();
        let mut walk = Walk { interval_class: &interval_class, address_conds: &address_conds, side, cells: &mut cells };
        let users = walk.principals(space, PrincipalKind::User, &start, &protocol_values);
        let roles = walk.principals(space, PrincipalKind::ImpersonationRole, &start, &protocol_values);
        Matrix { users, roles }
    }

    /// The rows, with who each principal is as `orgs[side]` sees it (its directory entry), falling back to the
    /// other organization for a user only it lists.
    pub(crate) fn rows(&self, space: &AccessSpace, orgs: [&Organization; 2], side: usize) -> Vec<Row<'o>> {
        let mut rows = Vec::new();
        for (value, cells) in space.user_values.iter().zip(&self.users) {
            let example = value.example.clone().unwrap_or_default();
            let entry = [side, 1 - side].into_iter().find_map(|o| match orgs[o].resolve_user(&example) {
                Ok(Some(i)) => orgs[o].users.as_ref().and_then(|u| u.get(i)).map(|user| (i, user)),
                _ => None,
            });
            let principal = match entry {
                Some((i, user)) => Principal {
                    kind: PrincipalKind::User,
                    label: value.label.clone(),
                    id: user.id.clone(),
                    path: Some(format!("Users[{i}]")),
                    state: user.state.clone(),
                    any_other: false,
                    keys: [Some(&user.id), user.email.as_ref(), user.name.as_ref()]
                        .into_iter()
                        .flatten()
                        .cloned()
                        .collect(),
                },
                None => Principal {
                    kind: PrincipalKind::User,
                    label: if value.other { "any other user".into() } else { value.label.clone() },
                    id: example.clone(),
                    path: None,
                    state: None,
                    any_other: value.other,
                    keys: if value.other { vec![] } else { vec![example] },
                },
            };
            rows.push(Row { principal, protocols: cells.clone() });
        }
        for (value, cells) in space.role_values.iter().zip(&self.roles) {
            let id = value.example.clone().unwrap_or_default();
            let name = orgs[side].role(&id).or_else(|| orgs[1 - side].role(&id)).map(|r| r.name.as_str());
            let label = match (value.other, name) {
                (true, _) => "any other role".to_string(),
                (false, Some(name)) => format!("{name} ({id})"),
                (false, None) => id.clone(),
            };
            let principal = Principal {
                kind: PrincipalKind::ImpersonationRole,
                label,
                keys: if value.other { vec![] } else { vec![id.clone()] },
                id,
                path: None,
                state: None,
                any_other: value.other,
            };
            rows.push(Row { principal, protocols: cells.clone() });
        }
        rows
    }
}

/// The walk that fills cells, memoized by the combined principal-and-action condition.
struct Walk<'a, 'o> {
    interval_class: &'a [u32],
    address_conds: &'a [Cond],
    side: usize,
    cells: &'a mut IdHashMap<Cond, Reach<'o>>,
}

impl<'o> Walk<'_, 'o> {
    fn principals(
        &mut self,
        space: &mut AccessSpace<'o>,
        kind: PrincipalKind,
        start: &Cond,
        protocol_values: &[usize; 7],
    ) -> Vec<Arc<Protocols<'o>>> {
        let (principals, actions) = match kind {
            PrincipalKind::User => (&space.users, &space.user_actions),
            PrincipalKind::ImpersonationRole => (&space.roles, &space.role_actions),
        };
        let side = self.side;
        let cond_of = |dim: &Dimension, value: usize| -> Cond {
            let class = dim.members.iter().position(|m| m.binary_search(&(value as u32)).is_ok()).unwrap_or(0);
            dim.conds[side][dim.classes[class][side] as usize].clone()
        };
        let action_conds: [Cond; 7] = protocol_values.map(|v| cond_of(actions, v));
        let class_conds: Vec<Cond> =
            principals.classes.iter().map(|ids| principals.conds[side][ids[side] as usize].clone()).collect();
        let mut class_of_value = vec![0usize; principals.values as usize];
        for (class, members) in principals.members.iter().enumerate() {
            for &value in members {
                class_of_value[value as usize] = class;
            }
        }
        let mut per_class: Vec<Option<Arc<Protocols<'o>>>> = vec![None; class_conds.len()];
        let mut out = Vec::with_capacity(class_of_value.len());
        for &class in &class_of_value {
            let cells = match &per_class[class] {
                Some(cells) => cells.clone(),
                None => {
                    let principal = start.then(&class_conds[class]);
                    let cells = Arc::new(Protocols(std::array::from_fn(|p| {
                        self.reach(space, principal.then(&action_conds[p]), PROTOCOLS[p])
                    })));
                    per_class[class] = Some(cells.clone());
                    cells
                }
            };
            out.push(cells);
        }
        out
    }

    /// One cell: the answer per address class, then one walk over the intervals in address order.
    fn reach(&mut self, space: &mut AccessSpace<'o>, combined: Cond, protocol: &'static str) -> Reach<'o> {
        if let Some(reach) = self.cells.get(&combined) {
            return Reach { protocol, ..reach.clone() };
        }
        let outcome_of_class: Vec<u32> =
            self.address_conds.iter().map(|a| space.answers.resolve(self.side, &combined.then(a))).collect();
        let mut region_of_outcome: IdHashMap<u32, usize> = IdHashMap::default();
        let mut regions: Vec<Region<'o>> = Vec::new();
        let mut previous: Option<u32> = None;
        for (i, &class) in self.interval_class.iter().enumerate() {
            let outcome = outcome_of_class[class as usize];
            let (first, last) = (space.interval_starts[i], space.interval_end(i));
            let region = *region_of_outcome.entry(outcome).or_insert_with(|| {
                regions.push(Region { answer: space.answers.outcomes.get(outcome).clone(), ranges: Vec::new() });
                regions.len() - 1
            });
            let ranges = &mut regions[region].ranges;
            match ranges.last_mut() {
                Some(range) if previous == Some(outcome) => range.last = last.into(),
                _ => ranges.push(AddressRange { first: first.into(), last: last.into() }),
            }
            previous = Some(outcome);
        }
        let reach = Reach { protocol, regions };
        self.cells.insert(combined, reach.clone());
        reach
    }
}

/// The addresses of a cell in a few words: `anywhere`, `nowhere`, the ranges, or `anywhere but` the ranges
/// outside it when that list is shorter.
pub fn describe_addresses(ranges: &[AddressRange]) -> String {
    if ranges.is_empty() {
        return "nowhere".into();
    }
    if ranges.len() == 1 && ranges[0].is_everything() {
        return "anywhere".into();
    }
    let complement = complement(ranges);
    let (prefix, shown) =
        if complement.len() < ranges.len() { ("anywhere but ", &complement[..]) } else { ("", ranges) };
    let mut parts: Vec<String> = shown.iter().take(TEXT_LIST_LIMIT).map(ToString::to_string).collect();
    if shown.len() > TEXT_LIST_LIMIT {
        parts.push(format!("{} more ranges", shown.len() - TEXT_LIST_LIMIT));
    }
    format!("{prefix}{}", parts.join(", "))
}

/// The addresses outside `ranges` (ascending, joined).
pub(crate) fn complement(ranges: &[AddressRange]) -> Vec<AddressRange> {
    let mut out = Vec::new();
    let mut next: u64 = 0;
    for range in ranges {
        let (first, last) = (u64::from(u32::from(range.first)), u64::from(u32::from(range.last)));
        if first > next {
            out.push(AddressRange { first: (next as u32).into(), last: ((first - 1) as u32).into() });
        }
        next = last + 1;
    }
    if next <= u64::from(u32::MAX) {
        out.push(AddressRange { first: (next as u32).into(), last: Ipv4Addr::BROADCAST });
    }
    out
}

fn cell_text(reach: &Reach) -> String {
    if reach.is_error() {
        return "n/a".into();
    }
    describe_addresses(&reach.allowed())
}

/// A table: one row per principal, one column per protocol, each cell the addresses `ALLOW` comes from
/// (`anywhere`, `nowhere`, or a note number whose ranges follow the table).
impl fmt::Display for EffectiveAccess<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut notes: Vec<String> = Vec::new();
        let mut table: Vec<Vec<String>> = Vec::new();
        let mut header = vec!["USER or ROLE".to_string()];
        header.extend(PROTOCOLS.iter().map(|p| p.to_string()));
        table.push(header);
        for row in &self.rows {
            let mut line = vec![row_label(&row.principal)];
            for reach in row.protocols.iter() {
                let text = cell_text(reach);
                line.push(if text == "anywhere" || text == "nowhere" || text == "n/a" {
                    text
                } else {
                    let number = match notes.iter().position(|n| *n == text) {
                        Some(i) => i + 1,
                        None => {
                            notes.push(text);
                            notes.len()
                        }
                    };
                    format!("[{number}]")
                });
            }
            table.push(line);
        }
        let widths: Vec<usize> =
            (0..table[0].len()).map(|c| table.iter().map(|l| l[c].chars().count()).max().unwrap_or(0)).collect();
        writeln!(f, "Where each user and role can reach mail from (ALLOW), by protocol:")?;
        for line in &table {
            let cells: Vec<String> = line.iter().zip(&widths).map(|(cell, &w)| format!("{cell:<w$}")).collect();
            writeln!(f, "{}", cells.join("  ").trim_end())?;
        }
        for (i, note) in notes.iter().enumerate() {
            writeln!(f, "[{}] {note}", i + 1)?;
        }
        writeln!(f, "n/a: the service refuses the request (an impersonation role can only be used with EWS).")
    }
}

fn row_label(principal: &Principal) -> String {
    let mut label = match principal.kind {
        PrincipalKind::ImpersonationRole if !principal.any_other => format!("role {}", principal.label),
        _ => principal.label.clone(),
    };
    if let Some(state) = principal.state.as_deref().filter(|s| *s != "ENABLED") {
        label.push_str(&format!(" ({state})"));
    }
    label
}

/// One row in full: per protocol, each answer with the rules that decide it and its addresses.
impl fmt::Display for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let principal = &self.principal;
        let what = match principal.kind {
            PrincipalKind::User => "UserId",
            PrincipalKind::ImpersonationRole => "ImpersonationRoleId",
        };
        writeln!(f, "{} ({what} {})", row_label(principal), principal.id)?;
        for reach in self.protocols.iter() {
            writeln!(f, "  {}: {}", reach.protocol, cell_text(reach))?;
            for region in &reach.regions {
                writeln!(
                    f,
                    "    {} from {}",
                    super::Summary::summary(&region.answer),
                    describe_addresses(&region.ranges)
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for EffectiveAccessChanges<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            let (old, new) = (cell_text(&change.old), cell_text(&change.new));
            let what =
                if old == new { format!("still {new}, decided by other rules") } else { format!("{old} -> {new}") };
            writeln!(f, "{} {}: {what}", row_label(&change.principal), change.protocol)?;
            for (side, reach) in [("before", &change.old), ("after", &change.new)] {
                for region in &reach.regions {
                    writeln!(
                        f,
                        "    {side}: {} from {}",
                        super::Summary::summary(&region.answer),
                        describe_addresses(&region.ranges)
                    )?;
                }
            }
        }
        writeln!(f, "{} cell(s) changed", self.changes.len())
    }
}
