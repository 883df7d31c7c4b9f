//! What-if analysis: answers for **all** requests at once, exactly.
//!
//! The simulate calls answer one request at a time. Everything here answers every request of a call at once, by
//! cutting the request space into finitely many classes that the organizations cannot tell apart (the private
//! `space` module, whose documentation describes the design and its costs) and evaluating each class once.
//! Nothing is sampled: a diff that says two organizations are equivalent has compared every request.
//!
//! - [`explain`]: one request, rule by rule: which matched, the first condition of each that did not, and how the
//!   verdict followed. The verdict is the reference evaluator's.
//! - [`diff`](mod@diff): two organizations over the whole request space: the regions where their answers (`Effect` and
//!   `MatchedRules`, the override, the role type, or an error) differ, each with a concrete request that shows it.
//! - [`effective`]: one organization: who can reach mail, with which protocol, from which addresses, for every
//!   user and role, and the rules that decide; or the cells two organizations answer differently.
//! - [`lint`](mod@lint): one organization: dead rules (proved by diff), lockouts over the seven protocols,
//!   accounts that must keep access, likely mistakes.
//!
//! All of it is pure: organizations in, plain values out, no I/O. The `wmpolicy` subcommands of the same names
//! parse flags, call one function here and print its value (`Display` for people, `Serialize` for tools).
//!
//! The analysis reads the checked [`Organization`](crate::Organization) and the condition helpers of the
//! reference evaluator (`reference`, public with the feature `testing`), so it follows SEMANTICS.md and every
//! choice of [`crate::uncertain`] as both evaluators do; `tests/analysis.rs` feeds every counterexample to the
//! compiled [`crate::Policy`] and to the reference evaluator to confirm it.

pub mod diff;
pub mod effective;
pub mod explain;
pub mod lint;
mod space;

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::answer::*;
use crate::diagnostic::ErrorCode;
use crate::request::RequestError;

pub use diff::{diff, Diff, Kind};
pub use effective::{effective_access, effective_access_changes, EffectiveAccess};
pub use explain::Explanation;
pub use lint::{lint, LintFinding, LintReport};

/// One organization's answer to one request: the service's response, or the error it would refuse with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Outcome<R> {
    /// The service's response.
    Answer(R),
    /// The error the service would refuse the request with.
    Error(ErrorCode),
}

impl<R> Outcome<R> {
    /// An evaluator's result as an outcome: an error counts by its code, as the service reports it.
    pub fn of(result: Result<R, RequestError<'_>>) -> Self {
        match result {
            Ok(answer) => Outcome::Answer(answer),
            Err(error) => Outcome::Error(error.code()),
        }
    }
}

impl<R> From<ErrorCode> for Outcome<R> {
    fn from(code: ErrorCode) -> Self {
        Outcome::Error(code)
    }
}

/// An answer serializes as the service's response, an error as `{"Error": {"Code": …}}` (the shape `wmpolicy`
/// prints for a refused request, without the message).
impl<R: Serialize> Serialize for Outcome<R> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Code {
            code: ErrorCode,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Error {
            error: Code,
        }
        match self {
            Outcome::Answer(answer) => answer.serialize(serializer),
            Outcome::Error(code) => Error { error: Code { code: *code } }.serialize(serializer),
        }
    }
}

/// A response in a few words, for text output: the effect and the rules (or override) that decided.
pub trait Summary {
    /// `ALLOW (default)`, `DENY (no-imap, office-only)`, and so on.
    fn summary(&self) -> String;
}

fn listed(names: impl IntoIterator<Item = String>) -> String {
    let names: Vec<String> = names.into_iter().collect();
    if names.is_empty() {
        " (no rule matched)".into()
    } else {
        format!(" [{}]", names.join(", "))
    }
}

impl Summary for AccessControlEffect<'_> {
    fn summary(&self) -> String {
        format!("{}{}", self.effect, listed(self.matched_rules.iter().map(|n| n.to_string())))
    }
}

impl Summary for MobileDeviceAccessEffect<'_> {
    fn summary(&self) -> String {
        match &self.matched_override {
            Some(o) => format!("{} (override for UserId {} and DeviceId {})", self.effect, o.user_id, o.device_id),
            None => format!("{}{}", self.effect, listed(self.matched_rules.iter().map(|r| r.name.to_string()))),
        }
    }
}

impl Summary for ImpersonationRoleEffect<'_> {
    fn summary(&self) -> String {
        let rules = self.matched_rules.iter().map(|r| r.name.unwrap_or(r.impersonation_rule_id).to_string());
        format!("{}{} ({})", self.effect, listed(rules), self.role_type.as_str())
    }
}

impl<R: Summary> Summary for Outcome<R> {
    fn summary(&self) -> String {
        match self {
            Outcome::Answer(answer) => answer.summary(),
            Outcome::Error(code) => format!("error {code}"),
        }
    }
}

/// Which values of one dimension a region covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Selection {
    /// Every value: no condition on this dimension sets the region apart. `Listed` is then empty.
    pub all: bool,
    /// The values named one by one (users, actions, device-value classes, ...). Shared: a large diff repeats
    /// the same selections across thousands of regions.
    pub listed: Arc<[String]>,
    /// The region also covers every value no organization names ("any other user").
    pub any_other: bool,
}

impl Selection {
    pub(crate) fn everything() -> Selection {
        Selection { all: true, listed: Arc::new([]), any_other: true }
    }

    /// `thing` names one value, for "any …" ("action", "user").
    pub(crate) fn describe(&self, thing: &str) -> String {
        if self.all {
            return format!("any {thing}");
        }
        let mut parts = self.listed.to_vec();
        let more = parts.len().saturating_sub(TEXT_LIST_LIMIT);
        parts.truncate(TEXT_LIST_LIMIT);
        if more > 0 {
            parts.push(format!("{more} more"));
        }
        if self.any_other {
            parts.push(format!("any other {thing}"));
        }
        parts.join(", ")
    }
}

/// Text output lists at most this many values of one dimension, then says how many more; `--json` lists all.
pub(crate) const TEXT_LIST_LIMIT: usize = 8;

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("value"))
    }
}
