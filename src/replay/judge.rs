//! An event asked again of the engine: its verdict, whether it agrees with the logged one (SEMANTICS 6.4), and,
//! against a second rule set, whether it would change.

use std::collections::HashMap;
use std::sync::Arc;

use smallvec::SmallVec;

use super::event::{Class, Event, Replayable, Skip, Unreadable};
use crate::batch::Request;
use crate::diagnostic::ErrorCode;
use crate::hash::IdBuildHasher;
use crate::organization::{Effect, Organization};
use crate::policy::Policy;
use crate::request::RequestError;
use crate::uncertain;

/// The most distinct requests a [`Replayer`] keeps answers for; past it, the cache starts again, so that its
/// memory is bounded whatever the log holds.
const CACHED_REQUESTS: usize = 1 << 16;

/// The engine's answer to a replayed request: the effect and the rules it lists (access-control rules by name,
/// impersonation rules by id, the names a logged `rule_id` is compared with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict<'p> {
    /// `Effect`.
    pub effect: Effect,
    /// `MatchedRules`: names for `GetAccessControlEffect`, `ImpersonationRuleId`s for `GetImpersonationRoleEffect`.
    pub matched_rules: SmallVec<[&'p str; 2]>,
}

/// The service would refuse the request an event maps to: its error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The service's error name.
    pub code: ErrorCode,
    /// Why.
    pub message: Arc<str>,
}

impl From<RequestError<'_>> for Refusal {
    fn from(error: RequestError<'_>) -> Refusal {
        Refusal { code: error.code(), message: error.to_string().into() }
    }
}

/// What became of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome<'p> {
    /// Replayed: the engine's verdict and whether it agrees with the log.
    Judged(Judged<'p>),
    /// Counted, not judged (SEMANTICS 6.3).
    Skipped(Skip),
    /// The record is not an event, or lacks what a replay needs.
    Unreadable(Unreadable),
    /// The event's request cannot be asked: the service would refuse it, or its protocol is none the rules govern.
    Unreplayable(Refusal),
}

/// A replayed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged<'p> {
    /// Which simulate call it was.
    pub class: Class,
    /// `access_granted` as logged.
    pub granted: bool,
    /// The engine's verdict on the rules the log is judged against.
    pub verdict: Verdict<'p>,
    /// Whether the verdict agrees with the log (SEMANTICS 6.4).
    pub agrees: bool,
    /// Whether the logged `rule_id` named a rule of the organization, and so was compared; `false` when it is
    /// absent or names none.
    pub rule_id_compared: bool,
    /// With a second rule set ([`Replayer::against`]): its answer, or its refusal.
    pub against: Option<Result<Verdict<'p>, Refusal>>,
}

impl Judged<'_> {
    /// With a second rule set, whether its answer differs from the first's in `Effect` or `MatchedRules`. A
    /// request the second refuses has changed.
    pub fn changed(&self) -> bool {
        match &self.against {
            None => false,
            Some(Ok(verdict)) => *verdict != self.verdict,
            Some(Err(_)) => true,
        }
    }

    /// The second rule set's effect, a refusal counting as DENY (the request cannot get in).
    pub fn against_effect(&self) -> Option<Effect> {
        self.against.as_ref().map(|answer| answer.as_ref().map_or(Effect::Deny, |verdict| verdict.effect))
    }
}

/// One rule set to replay against: the organization (for its rule names and ids) and its compiled policy.
#[derive(Debug, Clone, Copy)]
pub struct RuleSet<'p> {
    /// The organization, checked.
    pub organization: &'p Organization,
    /// Its compiled policy.
    pub policy: &'p Policy,
}

type Answer<'p> = Result<Verdict<'p>, Refusal>;

/// What the cache keeps for a request and a logged `rule_id`: both rule sets' answers, and whether the `rule_id`
/// names a rule (so that a repeated event costs one lookup, not a search of the rules too).
#[derive(Debug, Clone)]
struct Cached<'p> {
    answer: Answer<'p>,
    against: Option<Answer<'p>>,
    names_a_rule: bool,
}

/// Replays events against a rule set, and, optionally, a second one; answers are cached by request.
///
/// A replayer is cheap to make, and one per thread is the way to use several: it keeps its own cache. Logs repeat
/// the same users from the same addresses, so a cache lookup (one hash of the request's strings) stands in for the
/// engine's three and its answer's copy; the cache holds at most 65,536 requests and starts again when full.
///
/// ```
/// use workmail_policy::replay::{Event, LogShape, Outcome, Replayer, RuleSet};
/// use workmail_policy::{load, validate, Policy};
///
/// let file = load::parse(br#"{"AccessControlRules": [
///     {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
///     {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}]}"#).unwrap();
/// let org = validate::validate(&file, &validate::Options::default()).organization.unwrap();
/// let policy = Policy::compile(&org).unwrap();
/// let mut replayer = Replayer::new(RuleSet { organization: &org, policy: &policy });
///
/// let line = br#"{"scope": "AccessControl", "protocol": "IMAP", "source_ip": "192.0.2.1", "user_id": "S-1-5-18-0001", "access_granted": true, "rule_id": "default"}"#;
/// let mut scratch = String::new();
/// let event = Event::read(line, LogShape::EventLines, &mut scratch).unwrap();
/// let Outcome::Judged(judged) = replayer.judge(&event) else { panic!() };
/// assert!(!judged.agrees, "the engine denies IMAP; the log says it was granted");
/// assert_eq!(judged.verdict.matched_rules.as_slice(), ["no-imap"]);
/// ```
#[derive(Debug)]
pub struct Replayer<'p> {
    rules: RuleSet<'p>,
    against: Option<RuleSet<'p>>,
    cache: HashMap<Box<[u8]>, Cached<'p>, IdBuildHasher>,
    key: Vec<u8>,
}

impl<'p> Replayer<'p> {
    /// A replayer of events against `rules`.
    pub fn new(rules: RuleSet<'p>) -> Replayer<'p> {
        Replayer { rules, against: None, cache: HashMap::default(), key: Vec::new() }
    }

    /// Also asks every replayed event of `rules`, for the impact of a change.
    pub fn against(mut self, rules: RuleSet<'p>) -> Replayer<'p> {
        self.against = Some(rules);
        self.cache.clear();
        self
    }

    /// Whether there is a second rule set.
    pub fn has_against(&self) -> bool {
        self.against.is_some()
    }

    /// Replays one event.
    pub fn judge(&mut self, event: &Event<'_>) -> Outcome<'p> {
        let (class, request, granted) = match event.replayable() {
            Replayable::Judge { class, request, granted } => (class, request, granted),
            Replayable::Skip(skip) => return Outcome::Skipped(skip),
            Replayable::Unreadable(why) => return Outcome::Unreadable(why),
            Replayable::UngovernedProtocol => {
                let protocol = event.protocol.as_deref().unwrap_or_default();
                return Outcome::Unreplayable(Refusal {
                    code: ErrorCode::InvalidParameterException,
                    message: format!(
                        "`protocol` `{}` is none of the seven actions the rules govern, nor mail flow",
                        super::event::shorten(protocol)
                    )
                    .into(),
                });
            }
        };
        let rule_id = event.rule_id.as_deref();
        let Cached { answer, against, names_a_rule } = self.answers(&request, rule_id);
        let verdict = match answer {
            Ok(verdict) => verdict,
            Err(refusal) => return Outcome::Unreplayable(refusal),
        };
        let agrees = (verdict.effect == Effect::Allow) == granted
            && uncertain::logged_rule_agrees(rule_id, names_a_rule, &verdict.matched_rules);
        Outcome::Judged(Judged { class, granted, verdict, agrees, rule_id_compared: names_a_rule, against })
    }

    /// The answers of both rule sets and whether `rule_id` names a rule, from the cache when the request was asked
    /// before with the same `rule_id`.
    fn answers(&mut self, request: &Request<'_>, rule_id: Option<&str>) -> Cached<'p> {
        self.key.clear();
        cache_key(request, &mut self.key);
        if let Some(rule) = rule_id {
            self.key.extend_from_slice(rule.as_bytes());
        }
        if let Some(cached) = self.cache.get(self.key.as_slice()) {
            return cached.clone();
        }
        let cached = Cached {
            answer: ask(self.rules.policy, request),
            against: self.against.map(|rules| ask(rules.policy, request)),
            names_a_rule: rule_id.is_some_and(|rule| self.names_a_rule(request, rule)),
        };
        if self.cache.len() >= CACHED_REQUESTS {
            self.cache.clear();
        }
        self.cache.insert(self.key.as_slice().into(), cached.clone());
        cached
    }

    /// Whether a logged `rule_id` names a rule the request could have matched (SEMANTICS 6.4): an access-control
    /// rule by `Name`, or an impersonation rule of the role by `ImpersonationRuleId`.
    fn names_a_rule(&self, request: &Request<'_>, rule_id: &str) -> bool {
        let org = self.rules.organization;
        match request {
            Request::Access(_) => org.access_control_rules.iter().any(|rule| rule.name == rule_id),
            Request::Impersonation(request) => org
                .impersonation_roles
                .iter()
                .flatten()
                .filter(|role| role.id == request.impersonation_role_id)
                .flat_map(|role| &role.rules)
                .any(|rule| rule.id == rule_id),
            Request::Mobile(_) => false,
        }
    }
}

fn ask<'p>(policy: &'p Policy, request: &Request<'_>) -> Answer<'p> {
    match request {
        Request::Access(request) => policy
            .access(request)
            .map(|answer| Verdict { effect: answer.effect(), matched_rules: answer.matched_rules().collect() })
            .map_err(Refusal::from),
        Request::Impersonation(request) => policy
            .impersonation(request)
            .map(|answer| Verdict {
                effect: answer.effect(),
                matched_rules: answer.matched_rules().map(|(id, _)| id).collect(),
            })
            .map_err(Refusal::from),
        // No event is a mobile request (SEMANTICS 6.3); answered for completeness, by effect alone.
        Request::Mobile(request) => policy
            .mobile(request)
            .map(|answer| Verdict { effect: answer.effect(), matched_rules: SmallVec::new() })
            .map_err(Refusal::from),
    }
}

/// The request as cache key bytes: the operation, then each member's presence and length-prefixed bytes, so that
/// two requests share a key only when they are the same request (and bytes appended after it cannot make two
/// keys alike).
pub(super) fn cache_key(request: &Request<'_>, key: &mut Vec<u8>) {
    let mut member = |value: Option<&str>| match value {
        None => key.push(0),
        Some(text) => {
            key.push(1);
            key.extend_from_slice(&(text.len() as u32).to_le_bytes());
            key.extend_from_slice(text.as_bytes());
        }
    };
    match request {
        Request::Access(r) => {
            member(Some("A"));
            member(Some(r.ip_address));
            member(Some(r.action));
            member(r.user_id);
            member(r.impersonation_role_id);
        }
        Request::Impersonation(r) => {
            member(Some("I"));
            member(Some(r.impersonation_role_id));
            member(Some(r.target_user));
        }
        Request::Mobile(r) => {
            member(Some("M"));
            for value in
                [r.device_type, r.device_model, r.device_operating_system, r.device_user_agent, r.user_id, r.device_id]
            {
                member(value);
            }
        }
    }
}
