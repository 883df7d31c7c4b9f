//! One organization, checked for what is likely wrong with it.
//!
//! - **Dead rules**: a rule whose removal changes no answer anywhere. A rule changes answers only by appearing in
//!   `MatchedRules` (a DENY rule that matches anything always does; an ALLOW rule does wherever no DENY rule also
//!   matches), so one pass over the organization's request space finds the rules that never appear, and which
//!   DENY rules cover every request an ALLOW rule matches (the rules that shadow it). Each is then proved dead by
//!   [`diff`](mod@super::diff) against the organization without it.
//! - **Lockouts**, judged over the seven documented protocols, because clients connect with nothing else (an
//!   undocumented action some rule still allows is no way in): a user, every user, or every user but a few,
//!   denied every protocol from every address; every user (but a few) denied every protocol outside some ranges;
//!   `ActiveSync` denied to every user (but a few); zero rules of a kind; no mobile device allowed by any rule; an
//!   impersonation role that allows no target. Each user lockout carries a [`Lockout`]: who, how far
//!   ([`Extent`]), and the rules that cause it. With [`Options::must_reach`], also the named accounts that cannot
//!   reach mail by their protocol. The user lockouts read the cells of [`effective`](mod@super::effective).
//! - **Likely mistakes**: validation's warnings (globs in device values, CIDRs with host bits set, undocumented
//!   actions); `WindowsOutlook` allowed where `AutoDiscover` or `EWS` is denied (Outlook needs all three); rule
//!   counts over the quotas.
//!
//! Cost: the request space of one organization as `analyse::space` cuts it, walked once per check over its
//! distinct rule sets (a product of distinct conditions, not of values), plus one diff per dead rule, plus the
//! effective-access cells (one walk over the address intervals per distinct principal-and-protocol condition).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::diff::{self, AddressRange, PrincipalKind};
use super::effective::{self, Matrix, Reach, Row, PROTOCOLS};
use super::space::*;
use crate::diagnostic::{Finding, Position, Problem};
use crate::hash::IdHashMap;
use crate::load::{Locate, Place};
use crate::organization::*;

/// The kind of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Category {
    /// A rule that changes no answer.
    DeadRule,
    /// Users, or everyone, denied where they likely should not be.
    Lockout,
    /// Something the service accepts that is likely not what was meant.
    LikelyMistake,
}

/// Which check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Check {
    /// Removing the rule changes no answer.
    DeadRule,
    /// A user, every user, or every user but a few, is denied every protocol from every address.
    UserLockedOut,
    /// Every user, or every user but a few, is denied every protocol from every address outside some ranges.
    ReachableOnlyFrom,
    /// `ActiveSync` is denied to every user, or every user but a few, from every address.
    ActiveSyncDenied,
    /// A user that `--must-reach` names cannot reach mail by the protocol named, or by any, from any address.
    MustReach,
    /// No mobile-device rule allows any device.
    NoDeviceAllowed,
    /// The organization has no rules of a kind: everything of that kind is denied.
    NoRules,
    /// An impersonation role allows no target user.
    RoleAllowsNoOne,
    /// `WindowsOutlook` is allowed where `AutoDiscover` or `EWS` is denied.
    OutlookIncomplete,
    /// More rules than the service's quota.
    OverQuota,
    /// A validation warning: the service accepts it, but it is likely a mistake.
    ValidationWarning,
}

impl Check {
    /// Every check, in declaration order.
    pub const ALL: [Check; 11] = [
        Check::DeadRule,
        Check::UserLockedOut,
        Check::ReachableOnlyFrom,
        Check::ActiveSyncDenied,
        Check::MustReach,
        Check::NoDeviceAllowed,
        Check::NoRules,
        Check::RoleAllowsNoOne,
        Check::OutlookIncomplete,
        Check::OverQuota,
        Check::ValidationWarning,
    ];

    /// The check's name, as `--json` and SARIF spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::DeadRule => "DeadRule",
            Check::UserLockedOut => "UserLockedOut",
            Check::ReachableOnlyFrom => "ReachableOnlyFrom",
            Check::ActiveSyncDenied => "ActiveSyncDenied",
            Check::MustReach => "MustReach",
            Check::NoDeviceAllowed => "NoDeviceAllowed",
            Check::NoRules => "NoRules",
            Check::RoleAllowsNoOne => "RoleAllowsNoOne",
            Check::OutlookIncomplete => "OutlookIncomplete",
            Check::OverQuota => "OverQuota",
            Check::ValidationWarning => "ValidationWarning",
        }
    }

    /// One sentence on what the check finds, for a rule list (SARIF's `shortDescription`).
    pub fn description(self) -> &'static str {
        match self {
            Check::DeadRule => "A rule whose removal changes no answer.",
            Check::UserLockedOut => {
                "A user, every user, or every user but a few, denied every protocol from every address."
            }
            Check::ReachableOnlyFrom => "Every user (but a few) denied every protocol outside some address ranges.",
            Check::ActiveSyncDenied => "ActiveSync denied to every user (but a few) from every address.",
            Check::MustReach => "An account named by --must-reach cannot reach mail by its protocol from any address.",
            Check::NoDeviceAllowed => "No mobile-device rule allows any device.",
            Check::NoRules => "No rules of a kind: everything of that kind is denied.",
            Check::RoleAllowsNoOne => "An impersonation role that allows no target user.",
            Check::OutlookIncomplete => {
                "WindowsOutlook allowed where AutoDiscover or EWS is denied; Outlook needs all three."
            }
            Check::OverQuota => "More rules than the service's per-organization quota.",
            Check::ValidationWarning => "Something validation accepts but that is likely a mistake.",
        }
    }

    /// The kind of finding this check makes.
    pub fn category(self) -> Category {
        match self {
            Check::DeadRule => Category::DeadRule,
            Check::UserLockedOut
            | Check::ReachableOnlyFrom
            | Check::ActiveSyncDenied
            | Check::MustReach
            | Check::NoDeviceAllowed
            | Check::NoRules
            | Check::RoleAllowsNoOne => Category::Lockout,
            Check::OutlookIncomplete | Check::OverQuota | Check::ValidationWarning => Category::LikelyMistake,
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LintFinding {
    /// The kind of finding.
    pub category: Category,
    /// The check that made it.
    pub check: Check,
    /// Where: a rule (`AccessControlRules[3]`), a list, or a user.
    pub path: String,
    /// What is wrong, for a person.
    pub message: String,
    /// For a dead rule, the rules that shadow it (paths); empty when it matches no request at all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub shadowed_by: Vec<String>,
    /// For a lockout of users: who, how far, and the rules that cause it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockout: Option<Lockout>,
    /// For a validation warning, which check of validation made it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
    /// The input the finding is about, once located ([`crate::load::Sources::locate_all`]); `path` is then the
    /// path in that input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where in its input what `path` names starts, once located.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

/// Who a lockout is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Who {
    /// These users (labels: email, else name, else ID; "every user no rule names" without a directory).
    Users(Vec<String>),
    /// Every user that can sign in (directory users whose `State` is `ENABLED` or not given).
    EveryUser,
    /// Every user but these.
    EveryUserBut(Vec<String>),
}

/// How far a lockout reaches, over the seven documented protocols ([`effective::PROTOCOLS`]): clients connect
/// with nothing else, so an undocumented action that some rule still allows is no way in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Extent {
    /// Denied every protocol from every address: no way to reach mail at all.
    EveryProtocolEverywhere,
    /// Denied every protocol from every address outside these ranges, the only ones mail is reachable from.
    EveryProtocolOutside(Vec<AddressRange>),
    /// Denied these protocols from every address; each other protocol is allowed from somewhere.
    ProtocolsEverywhere(Vec<&'static str>),
}

/// A lockout finding's details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Lockout {
    /// Who is locked out.
    pub who: Who,
    /// How far.
    pub extent: Extent,
    /// The rules that decide the `DENY` there, by name, in rule order.
    pub rules: Vec<String>,
    /// Somewhere there no rule matches at all, which denies too (SEMANTICS 1.2).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub no_rule_matches: bool,
}

impl Lockout {
    /// `by "a", "b"`, and the implicit deny where no rule matches.
    fn cause(&self) -> String {
        let mut parts = Vec::new();
        if !self.rules.is_empty() {
            let names: Vec<String> = self.rules.iter().map(|r| format!("{r:?}")).collect();
            parts.push(format!("by {}", names.join(", ")));
        }
        if self.no_rule_matches {
            parts.push("where no rule matches (SEMANTICS 1.2)".into());
        }
        parts.join(", and ")
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |users: &[String]| {
            let mut shown: Vec<String> = users.iter().take(super::TEXT_LIST_LIMIT).cloned().collect();
            if users.len() > shown.len() {
                shown.push(format!("{} more", users.len() - shown.len()));
            }
            shown.join(", ")
        };
        match self {
            Who::Users(users) if users.len() == 1 && users[0] == OTHER_USERS => f.write_str(OTHER_USERS),
            Who::Users(users) => write!(f, "user {}", list(users)),
            Who::EveryUser => f.write_str("every user"),
            Who::EveryUserBut(users) => write!(f, "every user but {}", list(users)),
        }
    }
}

/// How lint names the users no rule names, without a directory.
const OTHER_USERS: &str = "every user no rule names";

/// An account that must keep access: `lint --must-reach USER[:PROTOCOL]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MustReach {
    /// The user's ID, email or name.
    pub user: String,
    /// One of the seven protocols; `None`: any of them will do.
    pub protocol: Option<&'static str>,
}

impl std::str::FromStr for MustReach {
    type Err = String;

    /// `USER` or `USER:PROTOCOL`; the protocol is one of the seven, in any case (`imap` is `IMAP`).
    fn from_str(s: &str) -> Result<Self, String> {
        let (user, protocol) = match s.split_once(':') {
            Some((user, protocol)) => {
                let Some(&known) = PROTOCOLS.iter().find(|p| p.eq_ignore_ascii_case(protocol)) else {
                    return Err(format!("{protocol:?} is not a protocol: use one of {}", PROTOCOLS.join(", ")));
                };
                (user, Some(known))
            }
            None => (s, None),
        };
        if user.is_empty() {
            return Err("the user is empty: give a user's ID, email or name, as USER or USER:PROTOCOL".into());
        }
        Ok(MustReach { user: user.to_string(), protocol })
    }
}

impl fmt::Display for MustReach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol {
            Some(protocol) => write!(f, "{}:{protocol}", self.user),
            None => f.write_str(&self.user),
        }
    }
}

/// What lint checks besides its own checks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// Accounts that must keep access (the admin's mailbox, an archiver's service account): a finding for each
    /// that cannot reach mail by its protocol, or by any, from any address.
    pub must_reach: Vec<MustReach>,
}

impl LintFinding {
    fn new(check: Check, path: impl Into<String>, message: impl Into<String>) -> Self {
        LintFinding {
            category: check.category(),
            check,
            path: path.into(),
            message: message.into(),
            shadowed_by: vec![],
            lockout: None,
            problem: None,
            file: None,
            position: None,
        }
    }
}

impl Locate for LintFinding {
    fn merged_path(&self) -> Option<&str> {
        self.file.is_none().then_some(self.path.as_str())
    }

    fn place(&mut self, place: Place) {
        self.path = place.path;
        self.file = Some(place.file);
        self.position = place.position;
    }

    fn texts(&mut self) -> Vec<&mut String> {
        std::iter::once(&mut self.message).chain(&mut self.shadowed_by).collect()
    }
}

impl fmt::Display for LintFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let category = match self.category {
            Category::DeadRule => "dead rule",
            Category::Lockout => "lockout",
            Category::LikelyMistake => "likely mistake",
        };
        // Located, as compilers print a warning (`acme.json:12:5: warning: …`), for editors and terminals to jump
        // to; lint's findings stop nothing, so each is a warning.
        match (&self.file, self.position) {
            (Some(file), Some(position)) => write!(f, "{file}:{position}: warning: ")?,
            (Some(file), None) => write!(f, "{file}: warning: ")?,
            (None, _) => {}
        }
        write!(f, "{category}: {}: {}", self.path, self.message)
    }
}

/// Every finding, grouped by category (dead rules, lockouts, likely mistakes), each in organization order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LintReport {
    /// Every finding.
    pub findings: Vec<LintFinding>,
}

impl LintReport {
    /// Whether lint found nothing.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

impl fmt::Display for LintReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for finding in &self.findings {
            writeln!(f, "{finding}")?;
        }
        let count = |category| self.findings.iter().filter(|f| f.category == category).count();
        writeln!(
            f,
            "{} dead rule(s), {} lockout(s), {} likely mistake(s)",
            count(Category::DeadRule),
            count(Category::Lockout),
            count(Category::LikelyMistake)
        )
    }
}

/// Lints `org`. `warnings` are validation's findings for it (`validate::Validation::findings`); its warnings are
/// reported as likely mistakes, because some (a CIDR's host bits) are gone from the checked organization, and a
/// rule count over the service's quota (a warning when validation relaxed quotas) is reported as `OverQuota`.
///
/// ```
/// use workmail_policy::{analyse, load, validate};
///
/// let file = load::parse(br#"{"AccessControlRules": [
///     {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
///     {"Name": "imap-office", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "IpRanges": ["192.0.2.0/24"]},
///     {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
/// ]}"#).unwrap();
/// let validation = validate::validate(&file, &Default::default());
/// let org = validation.organization.as_ref().unwrap();
/// let report = analyse::lint(org, &validation.findings);
/// assert_eq!(report.findings.len(), 1);
/// assert_eq!(report.findings[0].path, "AccessControlRules[1]");
/// assert_eq!(report.findings[0].shadowed_by, ["AccessControlRules[0]"]);
/// ```
pub fn lint(org: &Organization, warnings: &[Finding]) -> LintReport {
    lint_with(org, warnings, &Options::default())
}

/// [`lint`], with the accounts that must keep access checked too.
///
/// ```
/// use workmail_policy::analyse::lint::{lint_with, Check, Extent, Options};
/// use workmail_policy::{load, validate};
///
/// let file = load::parse(br#"{"AccessControlRules": [
///     {"Name": "no-legacy", "Effect": "DENY", "Description": "", "Actions": ["IMAP", "SMTP"]},
///     {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
/// ]}"#).unwrap();
/// let org = validate::validate(&file, &Default::default()).organization.unwrap();
/// let options = Options { must_reach: vec!["S-1-1-11-0000000001:imap".parse().unwrap()] };
/// let report = lint_with(&org, &[], &options);
/// assert_eq!(report.findings[0].check, Check::MustReach);
/// let lockout = report.findings[0].lockout.as_ref().unwrap();
/// assert_eq!(lockout.extent, Extent::ProtocolsEverywhere(vec!["IMAP"]));
/// assert_eq!(lockout.rules, ["no-legacy"]);
/// ```
pub fn lint_with(org: &Organization, warnings: &[Finding], options: &Options) -> LintReport {
    let mut dead = Vec::new();
    let mut lockouts = Vec::new();
    let mut mistakes = Vec::new();
    access(org, &options.must_reach, &mut dead, &mut lockouts, &mut mistakes);
    mobile(org, &mut dead, &mut lockouts);
    impersonation(org, &mut dead, &mut lockouts);
    // Rule counts over the per-organization quota are validation's warnings when quotas are relaxed (errors
    // otherwise, and then there is no organization to lint): validation states the quota check once.
    for warning in warnings.iter().filter(|w| !w.is_error()) {
        let check = match warning.problem {
            Problem::OverQuota => Check::OverQuota,
            _ => Check::ValidationWarning,
        };
        let finding = LintFinding::new(check, warning.path.clone(), warning.message.clone());
        // A warning located in its input already keeps its place.
        let (file, position) = (warning.file.clone(), warning.position);
        mistakes.push(LintFinding { problem: Some(warning.problem), file, position, ..finding });
    }
    LintReport { findings: dead.into_iter().chain(lockouts).chain(mistakes).collect() }
}

/// The rule sets of a dimension's conditions that do not settle the answer, for one organization (lint analyses
/// one organization as both sides of a space, so side 0 is all there is).
fn holding(dim: &Dimension) -> Vec<(u32, &RuleSet)> {
    dim.conds[0]
        .iter()
        .enumerate()
        .filter_map(|(i, cond)| match cond {
            Cond::Holds(set) => Some((i as u32, set)),
            Cond::Settled { .. } => None,
        })
        .collect()
}

/// The distinct intersections of one set from each list.
fn products(lists: &[Vec<RuleSet>]) -> Vec<RuleSet> {
    let mut current: Vec<RuleSet> = match lists.first() {
        Some(first) => first.clone(),
        None => return vec![],
    };
    for list in &lists[1..] {
        let mut next: IdHashMap<RuleSet, ()> = IdHashMap::default();
        for a in &current {
            for b in list {
                next.insert(a.and(b), ());
            }
        }
        current = next.into_keys().collect();
    }
    current
}

/// What the rules of one list do over every combination in `matchings` (each the set of rules matching some
/// request): which ever appear in `MatchedRules`, and for each ALLOW rule the DENY rules that matched wherever it
/// did.
struct Usage {
    decided: RuleSet,
    matched: RuleSet,
    /// Per rule: the DENY rules present in every matching set that holds it (intersection), and in any (union).
    deny_always: Vec<Option<RuleSet>>,
    deny_ever: Vec<RuleSet>,
}

impl Usage {
    fn of(rules: usize, deny: &RuleSet, matchings: &[RuleSet]) -> Usage {
        let mut usage = Usage {
            decided: RuleSet::empty(rules),
            matched: RuleSet::empty(rules),
            deny_always: vec![None; rules],
            deny_ever: vec![RuleSet::empty(rules); rules],
        };
        for matching in matchings {
            let (_, decided) = matching.decide(deny);
            usage.decided = usage.decided.or(&decided);
            usage.matched = usage.matched.or(matching);
            let denying = matching.and(deny);
            for rule in matching.iter() {
                let always = usage.deny_always[rule].get_or_insert_with(|| denying.clone());
                *always = always.and(&denying);
                usage.deny_ever[rule] = usage.deny_ever[rule].or(&denying);
            }
        }
        usage
    }

    /// A finding for each rule that never decides, when `proved(rule)` (the diff without it is empty).
    fn dead_rules(
        &self,
        rules: usize,
        path: impl Fn(usize) -> String,
        name: impl Fn(usize) -> String,
        never_matches: impl Fn(usize) -> String,
        mut proved: impl FnMut(usize) -> bool,
        out: &mut Vec<LintFinding>,
    ) {
        for rule in (0..rules).filter(|&r| !self.decided.contains(r)) {
            if !proved(rule) {
                continue;
            }
            let (message, shadowed_by) = if !self.matched.contains(rule) {
                (format!("{} {}", name(rule), never_matches(rule)), vec![])
            } else {
                let always = self.deny_always[rule].as_ref().filter(|s| !s.is_empty());
                let (shadows, together) = match always {
                    Some(always) => (always.clone(), false),
                    None => (self.deny_ever[rule].clone(), true),
                };
                let shadows: Vec<usize> = shadows.iter().collect();
                let names = shadows.iter().map(|&r| name(r)).collect::<Vec<_>>().join(", ");
                let how = match (together, shadows.len()) {
                    (false, 1) => format!("DENY rule {names} also matches"),
                    (false, _) => format!("DENY rules {names} also match"),
                    (true, _) => format!("one of the DENY rules {names} also matches"),
                };
                let message = format!(
                    "{} never decides: wherever it matches, {how}, and DENY wins; removing it changes no answer",
                    name(rule)
                );
                (message, shadows.into_iter().map(&path).collect())
            };
            out.push(LintFinding { shadowed_by, ..LintFinding::new(Check::DeadRule, path(rule), message) });
        }
    }
}

fn access(
    org: &Organization,
    must_reach: &[MustReach],
    dead: &mut Vec<LintFinding>,
    lockouts: &mut Vec<LintFinding>,
    mistakes: &mut Vec<LintFinding>,
) {
    let rules = &org.access_control_rules;
    let mut space = AccessSpace::new(org, org);
    // The effective-access cells: lockouts over the seven protocols, and the accounts that must keep access.
    let matrix = Matrix::new(&mut space, org, 0);
    let rows = matrix.rows(&space, [org, org], 0);
    let users: Vec<&Row> = rows.iter().filter(|r| r.principal.kind == PrincipalKind::User).collect();
    if rules.is_empty() {
        let message = "there are no access-control rules: every request is denied (SEMANTICS 1.2)";
        let lockout = Lockout {
            who: Who::EveryUser,
            extent: Extent::EveryProtocolEverywhere,
            rules: vec![],
            no_rule_matches: true,
        };
        let finding = LintFinding::new(Check::NoRules, "AccessControlRules", message);
        lockouts.push(LintFinding { lockout: Some(lockout), ..finding });
    } else {
        user_lockouts(org, &users, lockouts);
    }
    for must in must_reach {
        must_reach_finding(org, &users, must, lockouts);
    }
    if rules.is_empty() {
        return;
    }
    let deny = space.answers.deny[0].clone();
    let deny = &deny;
    let n = rules.len();
    let set_list = |dim: &Dimension| holding(dim).into_iter().map(|(_, s)| s.clone()).collect::<Vec<_>>();
    let addresses = set_list(&space.addresses);
    let user_principals = products(&[set_list(&space.users), set_list(&space.user_actions)]);
    let role_principals = products(&[set_list(&space.roles), set_list(&space.role_actions)]);
    let principals: Vec<RuleSet> = user_principals.into_iter().chain(role_principals).collect();
    let matchings = products(&[principals, addresses.clone()]);

    // Dead rules.
    let usage = Usage::of(n, deny, &matchings);
    let never = |rule: usize| {
        let in_any = |dim: &Dimension| holding(dim).iter().any(|(_, s)| s.contains(rule));
        let reason = if !in_any(&space.addresses) {
            "its IpRanges and NotIpRanges hold for no address"
        } else if !in_any(&space.user_actions) {
            "its Actions and NotActions hold for no action"
        } else if !in_any(&space.users) && !in_any(&space.roles) {
            "its user and role conditions hold for no principal"
        } else {
            "its conditions never hold together"
        };
        format!("matches no request: {reason}; removing it changes no answer")
    };
    let name = |rule: usize| format!("{:?}", rules[rule].name);
    let path = |rule: usize| format!("AccessControlRules[{rule}]");
    let proved = |rule: usize| {
        let mut without = org.clone();
        without.access_control_rules.remove(rule);
        diff::access(org, &without).is_empty()
    };
    usage.dead_rules(n, path, name, never, proved, dead);

    let allowed = |matching: &RuleSet| matching.decide(deny).0 == Effect::Allow;
    // The rule set of a named action, as users request it.
    let action_set = |action: &str| -> Option<&RuleSet> {
        let value = space.action_values.iter().position(|v| !v.other && v.example.as_deref() == Some(action))?;
        let class = space.user_actions.members.iter().position(|m| m.contains(&(value as u32)))?;
        match &space.user_actions.conds[0][space.user_actions.classes[class][0] as usize] {
            Cond::Holds(set) => Some(set),
            Cond::Settled { .. } => None,
        }
    };
    let who = |value: &Value| {
        if value.other {
            "every user no rule names".to_string()
        } else {
            format!("user {}", value.label)
        }
    };

    // Outlook needs WindowsOutlook, AutoDiscover and EWS for the same user and address.
    let (Some(outlook), Some(autodiscover), Some(ews)) =
        (action_set("WindowsOutlook"), action_set("AutoDiscover"), action_set("EWS"))
    else {
        return;
    };
    for (needed, needed_set) in [("AutoDiscover", autodiscover), ("EWS", ews)] {
        // The first user class with the problem, with the address conditions where it has it; and how many
        // users have it somewhere.
        let mut example: Option<(usize, Vec<bool>)> = None;
        let mut users_affected = 0usize;
        for (class, members) in space.users.members.iter().enumerate() {
            let Cond::Holds(principal) = &space.users.conds[0][space.users.classes[class][0] as usize] else {
                continue;
            };
            let (with_outlook, with_needed) = (principal.and(outlook), principal.and(needed_set));
            let mut broken = vec![false; space.addresses.conds[0].len()];
            for (a, address) in holding(&space.addresses) {
                broken[a as usize] = allowed(&with_outlook.and(address)) && !allowed(&with_needed.and(address));
            }
            if broken.iter().any(|&b| b) {
                users_affected += members.len();
                example.get_or_insert((members[0] as usize, broken));
            }
        }
        let Some((user, broken)) = example else { continue };
        // Every interval where the example user has the problem, adjacent ones joined.
        let mut ranges: Vec<AddressRange> = Vec::new();
        let mut intervals: Vec<usize> = space
            .addresses
            .classes
            .iter()
            .enumerate()
            .filter(|(_, ids)| broken[ids[0] as usize])
            .flat_map(|(c, _)| space.addresses.members[c].iter().map(|&i| i as usize))
            .collect();
        intervals.sort_unstable();
        for i in intervals {
            let (first, last) = (space.interval_starts[i], space.interval_end(i));
            match ranges.last_mut() {
                Some(range) if u64::from(u32::from(range.last)) + 1 == u64::from(first) => range.last = last.into(),
                _ => ranges.push(AddressRange { first: first.into(), last: last.into() }),
            }
        }
        let shown: Vec<String> = ranges.iter().take(super::TEXT_LIST_LIMIT).map(ToString::to_string).collect();
        let mut from = shown.join(", ");
        if ranges.len() > shown.len() {
            from.push_str(&format!(" and {} more ranges", ranges.len() - shown.len()));
        }
        if ranges.len() == 1 && ranges[0].is_everything() {
            from = "any address".into();
        }
        let others = match users_affected.saturating_sub(1) {
            0 => String::new(),
            1 => " (and for 1 other user)".into(),
            n => format!(" (and for {n} other users)"),
        };
        let message = format!(
            "WindowsOutlook is allowed but {needed} is denied for {} from {from}{others}; Outlook needs WindowsOutlook, AutoDiscover and EWS",
            who(&space.user_values[user])
        );
        mistakes.push(LintFinding::new(Check::OutlookIncomplete, "AccessControlRules", message));
    }
}

/// Whether a user can sign in at all: a directory user whose `State` is given and not `ENABLED` cannot, whatever
/// the rules say.
fn can_sign_in(row: &Row) -> bool {
    row.principal.state.as_deref().is_none_or(|s| s == "ENABLED")
}

fn label(row: &Row) -> String {
    if row.principal.any_other {
        OTHER_USERS.into()
    } else {
        row.principal.label.clone()
    }
}

/// How far a lockout reaches, the rules that cause it, and whether somewhere no rule matches.
type Reached = (Extent, Vec<String>, bool);

/// How far one user's lockout reaches, with the rules that cause it; `None` when there is none: from every
/// address some protocol is allowed, and every protocol is allowed from some address.
fn lockout_of(cells: &[Reach]) -> Option<Reached> {
    let mut reachable: Vec<AddressRange> = cells.iter().flat_map(|c| c.allowed()).collect();
    reachable.sort_unstable_by_key(|r| r.first);
    let reachable = effective::join_adjacent(reachable);
    let everywhere = reachable.len() == 1 && reachable[0].is_everything();
    let (extent, causes): (Extent, Vec<&Reach>) = if reachable.is_empty() {
        (Extent::EveryProtocolEverywhere, cells.iter().collect())
    } else if !everywhere {
        (Extent::EveryProtocolOutside(reachable.clone()), cells.iter().collect())
    } else {
        let denied: Vec<&Reach> = cells.iter().filter(|c| c.is_denied_everywhere()).collect();
        if denied.is_empty() {
            return None;
        }
        (Extent::ProtocolsEverywhere(denied.iter().map(|c| c.protocol).collect()), denied)
    };
    // The rules that decide a DENY where the user is locked out: outside the reachable ranges, or everywhere for
    // the protocols denied everywhere.
    let outside = |range: &AddressRange| !reachable.iter().any(|r| r.first <= range.first && range.last <= r.last);
    let mut rules: Vec<String> = Vec::new();
    let mut unmatched = false;
    for cell in causes {
        for region in &cell.regions {
            let super::Outcome::Answer(answer) = &region.answer else { continue };
            let locked = match extent {
                Extent::EveryProtocolOutside(_) => region.ranges.iter().any(outside),
                _ => true,
            };
            if answer.effect != Effect::Deny || !locked {
                continue;
            }
            unmatched |= answer.matched_rules.is_empty();
            for rule in &answer.matched_rules {
                if !rules.iter().any(|r| r == rule) {
                    rules.push(rule.to_string());
                }
            }
        }
    }
    Some((extent, rules, unmatched))
}

/// Lockouts of users, over the seven protocols. Users locked out alike are one finding. A user denied every
/// protocol everywhere is always reported; the partial lockouts (every protocol outside some ranges; `ActiveSync`
/// everywhere) only when they reach every user or every user but a few, because a rule that names a user (the
/// contractor kept to the office) says that the restriction is meant, and `--must-reach` checks named accounts.
fn user_lockouts(org: &Organization, users: &[&Row], out: &mut Vec<LintFinding>) {
    let directory = org.users.is_some();
    let active: Vec<&Row> =
        users.iter().copied().filter(|r| can_sign_in(r) && !(directory && r.principal.any_other)).collect();
    let mut groups: Vec<(Extent, Vec<usize>, Vec<String>, bool)> = Vec::new();
    // Users of one class share their cells: judge each class once.
    let mut judged: IdHashMap<*const effective::Protocols, Option<Reached>> = IdHashMap::default();
    for (i, row) in active.iter().enumerate() {
        let lockout = judged.entry(Arc::as_ptr(&row.protocols)).or_insert_with(|| lockout_of(&row.protocols.0));
        let Some((extent, rules, unmatched)) = lockout.clone() else { continue };
        match groups.iter_mut().find(|g| g.0 == extent) {
            Some(group) => {
                group.1.push(i);
                for rule in rules {
                    if !group.2.contains(&rule) {
                        group.2.push(rule);
                    }
                }
                group.3 |= unmatched;
            }
            None => groups.push((extent, vec![i], rules, unmatched)),
        }
    }
    for (extent, members, mut rules, no_rule_matches) in groups {
        in_rule_order(org, &mut rules);
        let mut member = vec![false; active.len()];
        members.iter().for_each(|&i| member[i] = true);
        let exceptions: Vec<String> = (0..active.len()).filter(|&i| !member[i]).map(|i| label(active[i])).collect();
        let covers_others = directory || members.iter().any(|&i| active[i].principal.any_other);
        let who = if exceptions.is_empty() {
            Some(Who::EveryUser)
        } else if covers_others && exceptions.len() <= super::TEXT_LIST_LIMIT && exceptions.len() < members.len() {
            Some(Who::EveryUserBut(exceptions))
        } else {
            None
        };
        let lockout = |who: Who| Lockout { who, extent: extent.clone(), rules: rules.clone(), no_rule_matches };
        match (&extent, who) {
            (Extent::EveryProtocolEverywhere, None) => {
                for &i in &members {
                    let row = active[i];
                    let path = match (&row.principal.path, row.principal.any_other) {
                        (_, true) => "AccessControlRules".to_string(),
                        (Some(path), false) => path.clone(),
                        (None, false) => format!("UserId {}", row.principal.id),
                    };
                    out.push(lockout_finding(Check::UserLockedOut, path, lockout(Who::Users(vec![label(row)]))));
                }
            }
            (Extent::EveryProtocolEverywhere, Some(who)) => {
                out.push(lockout_finding(Check::UserLockedOut, "AccessControlRules", lockout(who)))
            }
            (Extent::EveryProtocolOutside(_), Some(who)) => {
                out.push(lockout_finding(Check::ReachableOnlyFrom, "AccessControlRules", lockout(who)))
            }
            (Extent::ProtocolsEverywhere(protocols), Some(who)) if protocols.contains(&"ActiveSync") => {
                out.push(lockout_finding(Check::ActiveSyncDenied, "AccessControlRules", lockout(who)))
            }
            _ => {}
        }
    }
}

/// Sorts rule names as the organization lists the rules.
fn in_rule_order(org: &Organization, rules: &mut [String]) {
    rules.sort_by_key(|name| org.access_control_rules.iter().position(|r| r.name == *name));
}

/// A lockout finding, its message made from its details.
fn lockout_finding(check: Check, path: impl Into<String>, lockout: Lockout) -> LintFinding {
    let who = lockout.who.to_string();
    let cause = lockout.cause();
    let message = match (&lockout.extent, check) {
        (Extent::EveryProtocolEverywhere, _) => {
            let consequence = match lockout.who {
                Who::EveryUser => "no one can reach their mail",
                _ => "no way to reach mail is left",
            };
            format!(
                "{who} is denied every protocol ({}) from every address, {cause}: {consequence}",
                PROTOCOLS.join(", ")
            )
        }
        (Extent::EveryProtocolOutside(ranges), _) => format!(
            "{who} is denied every protocol from every address outside {}, {cause}: mail is reachable from there only",
            effective::describe_addresses(ranges)
        ),
        (Extent::ProtocolsEverywhere(protocols), Check::ActiveSyncDenied) => format!(
            "{who} is denied {} from every address, {cause}: no mobile device can sync mail",
            protocols.join(", ")
        ),
        (Extent::ProtocolsEverywhere(protocols), _) => {
            format!("{who} is denied {} from every address, {cause}", protocols.join(", "))
        }
    };
    LintFinding { lockout: Some(lockout), ..LintFinding::new(check, path, message) }
}

/// `--must-reach USER[:PROTOCOL]`: a finding when the user cannot reach mail that way from any address.
fn must_reach_finding(org: &Organization, users: &[&Row], must: &MustReach, out: &mut Vec<LintFinding>) {
    let directory = org.users.is_some();
    let row = users.iter().find(|r| r.principal.is_named_by(&must.user)).or_else(|| {
        if directory {
            None
        } else {
            users.iter().find(|r| r.principal.any_other)
        }
    });
    let Some(row) = row else {
        let message = format!(
            "--must-reach {must}: the directory holds no user named {:?}, so the service refuses every request for it (EntityNotFoundException)",
            must.user
        );
        out.push(LintFinding::new(Check::MustReach, "Users", message));
        return;
    };
    let path = row.principal.path.clone().unwrap_or_else(|| format!("UserId {}", must.user));
    if !can_sign_in(row) {
        let state = row.principal.state.as_deref().unwrap_or_default();
        let message =
            format!("--must-reach {must}: the user's State is {state}: it cannot sign in, whatever the rules say");
        out.push(LintFinding::new(Check::MustReach, path, message));
        return;
    }
    let cells: Vec<Reach> = match must.protocol {
        Some(protocol) => row.protocols.iter().filter(|c| c.protocol == protocol).cloned().collect(),
        None => row.protocols.0.to_vec(),
    };
    if cells.iter().any(|c| !c.is_denied_everywhere()) {
        return;
    }
    let Some((extent, rules, no_rule_matches)) = lockout_of(&row.protocols.0) else { return };
    // The finding is about the protocol asked for, or all seven.
    let extent = match (extent, must.protocol) {
        (Extent::EveryProtocolEverywhere, _) => Extent::EveryProtocolEverywhere,
        (_, Some(protocol)) => Extent::ProtocolsEverywhere(vec![protocol]),
        (extent, None) => extent,
    };
    let (rules, no_rule_matches) = match &extent {
        Extent::ProtocolsEverywhere(_) => {
            let (rules, unmatched) = cells[0].denied_by();
            (rules.into_iter().map(str::to_string).collect(), unmatched)
        }
        _ => (rules, no_rule_matches),
    };
    let mut rules = rules;
    in_rule_order(org, &mut rules);
    let lockout = Lockout { who: Who::Users(vec![label(row)]), extent, rules, no_rule_matches };
    let mut finding = lockout_finding(Check::MustReach, path, lockout);
    finding.message = format!("--must-reach {must}: {}", finding.message);
    out.push(finding);
}

fn mobile(org: &Organization, dead: &mut Vec<LintFinding>, lockouts: &mut Vec<LintFinding>) {
    let rules = &org.mobile_device_access_rules;
    if rules.is_empty() {
        let message = "there are no mobile-device access rules: every device is blocked unless an override allows it (SEMANTICS 2.2)";
        lockouts.push(LintFinding::new(Check::NoRules, "MobileDeviceAccessRules", message));
        return;
    }
    let space = MobileSpace::new(org, org);
    let deny = &space.answers.deny[0];
    let lists: Vec<Vec<RuleSet>> =
        space.properties.iter().map(|dim| holding(dim).into_iter().map(|(_, s)| s.clone()).collect()).collect();
    let matchings = products(&lists);
    let usage = Usage::of(rules.len(), deny, &matchings);
    let never = |rule: usize| {
        let property = DeviceProperty::ALL
            .into_iter()
            .find(|p| !holding(&space.properties[p.index()]).iter().any(|(_, s)| s.contains(rule)));
        match property {
            Some(p) => format!("matches no device: its {} conditions hold for no value, reported or not; removing it changes no answer", p.as_str()),
            None => "matches no device: its conditions never hold together; removing it changes no answer".into(),
        }
    };
    let name = |rule: usize| format!("{:?}", rules[rule].name);
    let path = |rule: usize| format!("MobileDeviceAccessRules[{rule}]");
    let proved = |rule: usize| {
        let mut without = org.clone();
        without.mobile_device_access_rules.remove(rule);
        diff::mobile(org, &without).is_empty()
    };
    usage.dead_rules(rules.len(), path, name, never, proved, dead);

    if !matchings.iter().any(|m| m.decide(deny).0 == Effect::Allow) {
        let message = "no mobile-device access rule allows any device: ActiveSync is blocked for every device unless an override allows it";
        lockouts.push(LintFinding::new(Check::NoDeviceAllowed, "MobileDeviceAccessRules", message));
    }
}

fn impersonation(org: &Organization, dead: &mut Vec<LintFinding>, lockouts: &mut Vec<LintFinding>) {
    let dirs = [Directory::new(org), Directory::new(org)];
    let pool = TargetPool::new(&dirs);
    for (r, role) in org.impersonation_roles.iter().flatten().enumerate() {
        let space = RoleSpace::new(&dirs, &pool, &role.id);
        let deny = &space.answers.deny[0];
        let matchings: Vec<RuleSet> = holding(&space.targets).into_iter().map(|(_, s)| s.clone()).collect();
        let usage = Usage::of(role.rules.len(), deny, &matchings);
        let name = |rule: usize| match &role.rules[rule].name {
            Some(name) => format!("{name:?} ({})", role.rules[rule].id),
            None => role.rules[rule].id.clone(),
        };
        let path = |rule: usize| format!("ImpersonationRoles[{r}].Rules[{rule}]");
        let never = |_| "matches no target user that can be impersonated; removing it changes no answer".to_string();
        let proved = |rule: usize| {
            let mut without = org.clone();
            if let Some(role) = without.impersonation_roles.iter_mut().flatten().nth(r) {
                role.rules.remove(rule);
            }
            diff::impersonation(org, &without).is_empty()
        };
        usage.dead_rules(role.rules.len(), path, name, never, proved, dead);
        if !matchings.iter().any(|m| m.decide(deny).0 == Effect::Allow) {
            let message = format!(
                "role {} ({:?}) allows no target user: every impersonation through it is denied",
                role.id, role.name
            );
            lockouts.push(LintFinding::new(Check::RoleAllowsNoOne, format!("ImpersonationRoles[{r}]"), message));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load, validate};

    /// Lints an organization file (quotas relaxed, so that over-quota files still lint).
    fn lint_file(json: &str) -> LintReport {
        let file = load::parse(json.as_bytes()).expect("test files are well-formed");
        let validation = validate::validate(&file, &validate::Options { enforce_quotas: false });
        let errors: Vec<_> = validation.errors().collect();
        assert!(errors.is_empty(), "test files are valid: {errors:?}");
        lint(validation.organization.as_ref().expect("valid"), &validation.findings)
    }

    fn checks(report: &LintReport) -> Vec<Check> {
        report.findings.iter().map(|f| f.check).collect()
    }

    const DEFAULT: &str = r#"{"Name": "default", "Effect": "ALLOW", "Description": ""}"#;

    fn access(rules: &[&str]) -> String {
        format!(r#"{{"AccessControlRules": [{}]}}"#, rules.join(","))
    }

    #[test]
    fn a_new_organization_is_clean() {
        assert!(lint_file("{}").is_clean(), "{}", lint_file("{}"));
    }

    #[test]
    fn an_allow_rule_under_a_broader_deny_is_dead_and_names_its_shadow() {
        let report = lint_file(&access(&[
            r#"{"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]}"#,
            r#"{"Name": "imap-office", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "IpRanges": ["192.0.2.0/24"]}"#,
            DEFAULT,
        ]));
        assert_eq!(checks(&report), [Check::DeadRule]);
        assert_eq!(report.findings[0].path, "AccessControlRules[1]");
        assert_eq!(report.findings[0].shadowed_by, ["AccessControlRules[0]"]);
        assert!(report.findings[0].message.contains("\"no-imap\""), "{}", report.findings[0].message);

        // The same ALLOW rule outside the DENY rule's reach decides somewhere: not dead.
        let report = lint_file(&access(&[
            r#"{"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"], "NotIpRanges": ["192.0.2.0/25"]}"#,
            r#"{"Name": "imap-office", "Effect": "ALLOW", "Description": "", "Actions": ["IMAP"], "IpRanges": ["192.0.2.0/24"]}"#,
            DEFAULT,
        ]));
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn a_rule_that_matches_nothing_is_dead() {
        // A request has a user or a role, never both (SEMANTICS 1.3).
        let report = lint_file(&access(&[
            r#"{"Name": "both", "Effect": "DENY", "Description": "", "UserIds": ["S-1-5-18-000001"], "ImpersonationRoleIds": ["r-1"]}"#,
            DEFAULT,
        ]));
        assert_eq!(checks(&report), [Check::DeadRule]);
        assert!(report.findings[0].message.contains("matches no request"), "{}", report.findings[0].message);
        assert!(report.findings[0].shadowed_by.is_empty());
    }

    #[test]
    fn dead_mobile_and_impersonation_rules() {
        let report = lint_file(
            r#"{"MobileDeviceAccessRules": [
                {"MobileDeviceAccessRuleId": "m1", "Name": "no iphones", "Effect": "DENY", "DeviceTypes": ["iPhone"]},
                {"MobileDeviceAccessRuleId": "m2", "Name": "iphone 15", "Effect": "ALLOW", "DeviceTypes": ["iphone 15"]},
                {"MobileDeviceAccessRuleId": "m3", "Name": "everyone", "Effect": "ALLOW"}],
              "ImpersonationRoles": [{"ImpersonationRoleId": "r1", "Name": "R", "Type": "READ_ONLY", "Rules": [
                {"ImpersonationRuleId": "deny-all", "Effect": "DENY"},
                {"ImpersonationRuleId": "allow-all", "Effect": "ALLOW"}]}]}"#,
        );
        let paths: Vec<&str> =
            report.findings.iter().filter(|f| f.check == Check::DeadRule).map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["MobileDeviceAccessRules[1]", "ImpersonationRoles[0].Rules[1]"], "{report}");
    }

    #[test]
    fn a_user_denied_everything_is_locked_out() {
        let users = r#""Users": [
            {"Id": "S-1-1-11-0000000001", "Email": "alice@example.com", "Name": "alice", "State": "ENABLED"},
            {"Id": "S-1-1-11-0000000002", "Email": "bob@example.com", "Name": "bob", "State": "ENABLED"}]"#;
        let report = lint_file(&format!(
            r#"{{"AccessControlRules": [
                {{"Name": "no-alice", "Effect": "DENY", "Description": "", "UserIds": ["alice@example.com"]}}, {DEFAULT}], {users}}}"#
        ));
        assert_eq!(checks(&report), [Check::UserLockedOut]);
        assert!(report.findings[0].message.contains("alice@example.com"), "{report}");
        assert_eq!(report.findings[0].path, "Users[0]");

        let report = lint_file(&format!(
            r#"{{"AccessControlRules": [
                {{"Name": "no-alice-imap", "Effect": "DENY", "Description": "", "UserIds": ["alice@example.com"], "Actions": ["IMAP"]}}, {DEFAULT}], {users}}}"#
        ));
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn without_a_directory_everyone_no_rule_names_can_be_locked_out() {
        let report = lint_file(&access(&[
            r#"{"Name": "only-alice", "Effect": "ALLOW", "Description": "", "UserIds": ["S-1-1-11-0000000001"]}"#,
        ]));
        assert_eq!(checks(&report), [Check::UserLockedOut]);
        assert!(report.findings[0].message.contains("every user no rule names"), "{report}");
    }

    #[test]
    fn zero_rules_of_a_kind_lock_everyone_out() {
        let report = lint_file(r#"{"AccessControlRules": [], "MobileDeviceAccessRules": []}"#);
        assert_eq!(checks(&report), [Check::NoRules, Check::NoRules]);
        assert!(lint_file(r#"{"AccessControlRules": []}"#).findings.len() == 1);
    }

    #[test]
    fn active_sync_denied_to_everyone_is_a_lockout() {
        let report = lint_file(&access(&[
            r#"{"Name": "no-sync", "Effect": "DENY", "Description": "", "Actions": ["ActiveSync"]}"#,
            DEFAULT,
        ]));
        assert_eq!(checks(&report), [Check::ActiveSyncDenied]);
        let report = lint_file(&access(&[
            r#"{"Name": "no-sync", "Effect": "DENY", "Description": "", "Actions": ["ActiveSync"], "NotIpRanges": ["192.0.2.0/24"]}"#,
            DEFAULT,
        ]));
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn mobile_rules_that_allow_no_device_are_a_lockout() {
        let report = lint_file(
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m1", "Name": "android", "Effect": "ALLOW", "DeviceTypes": ["Android"]},
                                            {"MobileDeviceAccessRuleId": "m2", "Name": "no one", "Effect": "DENY"}]}"#,
        );
        assert_eq!(checks(&report), [Check::DeadRule, Check::NoDeviceAllowed], "{report}");
        let report = lint_file(
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m1", "Name": "android", "Effect": "ALLOW", "DeviceTypes": ["Android"]}]}"#,
        );
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn a_role_that_allows_no_one_is_a_lockout() {
        let role = |rules: &str| {
            format!(
                r#"{{"ImpersonationRoles": [{{"ImpersonationRoleId": "r1", "Name": "R", "Type": "READ_ONLY", "Rules": [{rules}]}}]}}"#
            )
        };
        assert_eq!(checks(&lint_file(&role(""))), [Check::RoleAllowsNoOne]);
        let deny_only = role(r#"{"ImpersonationRuleId": "x", "Effect": "DENY", "TargetUsers": ["bob"]}"#);
        assert_eq!(checks(&lint_file(&deny_only)), [Check::RoleAllowsNoOne]);
        assert!(
            lint_file(&role(r#"{"ImpersonationRuleId": "x", "Effect": "ALLOW", "TargetUsers": ["bob"]}"#)).is_clean()
        );
    }

    #[test]
    fn outlook_without_ews_or_autodiscover_is_a_likely_mistake() {
        let report = lint_file(&access(&[
            r#"{"Name": "no-ews", "Effect": "DENY", "Description": "", "Actions": ["EWS"], "IpRanges": ["10.0.0.0/8"]}"#,
            DEFAULT,
        ]));
        assert_eq!(checks(&report), [Check::OutlookIncomplete]);
        let message = &report.findings[0].message;
        assert!(message.contains("EWS is denied") && message.contains("10.0.0.0/8"), "{message}");
        let report = lint_file(&access(&[
            r#"{"Name": "no-outlook-stack", "Effect": "DENY", "Description": "", "Actions": ["EWS", "WindowsOutlook", "AutoDiscover"], "IpRanges": ["10.0.0.0/8"]}"#,
            DEFAULT,
        ]));
        assert!(report.is_clean(), "{report}");
    }

    #[test]
    fn rules_over_the_quota_are_a_likely_mistake() {
        let rule = |i: usize| format!(r#"{{"Name": "r{i}", "Effect": "ALLOW", "Description": ""}}"#);
        let eleven: Vec<String> = (0..11).map(rule).collect();
        let report = lint_file(&access(&eleven.iter().map(String::as_str).collect::<Vec<_>>()));
        // Each ALLOW-all rule decides everywhere alongside the others: none is dead.
        assert_eq!(checks(&report), [Check::OverQuota]);
        let ten: Vec<String> = (0..10).map(rule).collect();
        assert!(lint_file(&access(&ten.iter().map(String::as_str).collect::<Vec<_>>())).is_clean());
    }

    #[test]
    fn validation_warnings_are_likely_mistakes() {
        let report = lint_file(&access(&[
            r#"{"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["10.1.2.3/8"]}"#,
        ]));
        assert!(checks(&report).contains(&Check::ValidationWarning), "{report}");
        let warning = report.findings.iter().find(|f| f.check == Check::ValidationWarning).unwrap();
        assert_eq!(warning.path, "AccessControlRules[0].IpRanges[0]");
        assert!(warning.message.contains("host bits"));

        let glob = lint_file(
            r#"{"MobileDeviceAccessRules": [{"MobileDeviceAccessRuleId": "m1", "Name": "samsung", "Effect": "ALLOW", "DeviceModels": ["SM-G*"]}]}"#,
        );
        assert_eq!(checks(&glob), [Check::ValidationWarning]);
        assert!(glob.findings[0].message.contains("glob"), "{glob}");
    }
}
