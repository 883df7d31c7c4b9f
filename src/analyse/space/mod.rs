//! The request space of each simulate call, cut into finitely many classes of requests that the organizations
//! under analysis cannot tell apart.
//!
//! A request is a point in a few **dimensions** (address, action, principal; the four device properties and the
//! override key; the impersonation target). Every rule condition looks at one dimension only, so for one
//! organization a dimension's values fall into classes by the set of rules whose conditions on that dimension hold
//! there, and a request's matching rules are the intersection of its dimensions' sets (SEMANTICS 1.3, 2.5, 3.1:
//! a rule matches when every present condition holds). Analysing two organizations at once, a class is a set of
//! values on which *both* give the same pair of rule sets; that pair is all either evaluator can see of the value.
//!
//! Each dimension is finite once values that no rule can tell apart are collapsed:
//!
//! - **address**: the elementary intervals between every CIDR boundary (network address, broadcast + 1) of both
//!   organizations, covering `0.0.0.0` to `255.255.255.255`;
//! - **action**: the seven documented actions, every other spelling either organization names, and one spelling
//!   neither names, standing for all the others;
//! - **principal**: every user (through the directory when loaded, by
//!   [`USER_NAMED_BY`](crate::uncertain::USER_NAMED_BY); else every identifier a rule names) plus one identifier
//!   no one names; every role id either names or loads plus one more;
//! - **device property**: absent, one class per value either organization lists (the strings whose longest
//!   listed prefix is that value; SEMANTICS 2.4), and the strings no listed value is a prefix of;
//! - **override key**: no `UserId`/`DeviceId`, each (user, device) either organization overrides, and users that
//!   one directory knows and the other does not;
//! - **impersonation target**: every user a role's rules name, every directory user, and one user no one names.
//!
//! Every value keeps a concrete example string (a directory user's ID, the listed device value itself, an
//! invented identifier checked to be named by nothing), so that any class, and any region built from classes, has
//! a concrete request that the evaluators can be asked.
//!
//! Besides rule sets, a value can **settle** the answer on its own: an unknown user is an error whatever the
//! address, an override decides whatever the device reports. [`Cond::Settled`] carries that answer and the rank of
//! the service check that produced it, so that when two dimensions both settle, the check made first wins, in the
//! order [`uncertain`](crate::uncertain) gives.
//!
//! Costs: building is linear in the values (hash lookups per identifier and list entry, and the engine's address
//! sweep, a radix sort of the CIDR boundaries); the number of classes is what the later steps pay for, and it is
//! bounded by the distinct rule-set pairs, not by the values (a thousand directory users that no rule names form
//! one class).
//!
//! The code follows the three calls, as [`crate::policy`] does: [`sets`] holds what they share (conditions on
//! rule sets, interned answers, dimensions and their values), [`identity`] how an organization sees a user, and
//! [`access`], [`mobile`] and [`impersonation`] build one call's space each. What the analyses share with the
//! engine they take from it rather than restate: its rule sets ([`RuleSet`], owned and hashable), the deny-wins
//! rule ([`DecidingRules`](crate::organization::DecidingRules)), the address sweep and the directory index.

mod access;
mod identity;
mod impersonation;
mod mobile;
mod sets;

pub(crate) use crate::policy::bits::RuleSet;
pub(crate) use access::AccessSpace;
pub(crate) use identity::Directory;
pub(crate) use impersonation::{RoleSpace, TargetPool};
pub(crate) use mobile::MobileSpace;
pub(crate) use sets::{Answers, Cond, Dimension, Pair, Value};
