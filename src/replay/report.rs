//! A replay's summary for people and tools: [`Report`] serializes to the JSON `wmpolicy replay --json` prints
//! (its shape is in the README) and displays as the text report.

use std::fmt::{self, Display, Write as _};

use serde::Serialize;

use super::event::Class;
use super::summary::{Change, Disagreement, Summary};
use crate::analyse::explain;
use crate::batch::{Call, Request};
use crate::constraints::{utc_of_millis, UtcTime};
use crate::organization::{Effect, Organization};

/// A replay's report: the summary's counts and lists, with file names, times and each disagreement's reason.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Report {
    /// Every record read.
    pub events: u64,
    /// Events replayed (all classes).
    pub replayed: u64,
    /// Of those, how many agree with the log.
    pub agreed: u64,
    /// And how many do not.
    pub disagreed: u64,
    /// Replayed events by class.
    pub replayed_by_class: ByClass,
    /// Events not judged, by reason.
    pub skipped: Skipped,
    /// Replayed events whose `rule_id` names no rule, so only their effect was compared (SEMANTICS 6.4).
    pub rule_ids_not_compared: u64,
    /// Disagreeing events, grouped by request and logged verdict, most events first.
    pub disagreements: Vec<DisagreementReport>,
    /// Disagreeing events in groups past the listed ones.
    pub disagreements_not_listed: u64,
    /// Records that could not be read or replayed, in input order.
    pub problems: Vec<ProblemReport>,
    /// Problems past the listed ones.
    pub problems_not_listed: u64,
    /// With a second rule set: what changes.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
}

/// Replayed events by class (SEMANTICS 6.3).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ByClass {
    /// `GetAccessControlEffect` with `UserId`.
    pub access_control: u64,
    /// `GetAccessControlEffect` with `ImpersonationRoleId`.
    pub impersonated_access_control: u64,
    /// `GetImpersonationRoleEffect`.
    pub impersonation_access_control: u64,
}

/// Events not judged, by reason.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Skipped {
    /// `scope` `DeviceAccessControl`.
    pub device_access_control: u64,
    /// `protocol` `IncomingEmail` / `OutgoingEmail`.
    pub mail_flow: u64,
    /// Records that are not events, or lack a field a replay needs.
    pub unreadable: u64,
    /// Events whose request the service would refuse, or whose protocol no rule governs.
    pub unreplayable: u64,
}

/// A verdict: `Effect` and `MatchedRules`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VerdictReport {
    /// `ALLOW` or `DENY`.
    pub effect: Effect,
    /// Rule names (access control) or rule ids (impersonation).
    pub matched_rules: Vec<String>,
}

/// What the log says.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Logged {
    /// `access_granted`.
    pub access_granted: bool,
    /// `rule_id`.
    pub rule_id: Option<String>,
}

/// A group of disagreeing events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DisagreementReport {
    /// How many events.
    pub events: u64,
    /// The first event's file.
    pub file: String,
    /// Its line.
    pub line: u64,
    /// Its `request_id`, to find it in CloudWatch.
    pub request_id: Option<String>,
    /// The earliest `event_timestamp`, as ISO-8601 UTC.
    pub first_seen: Option<String>,
    /// The latest.
    pub last_seen: Option<String>,
    /// The events' class.
    pub class: &'static str,
    /// The request they map to, as a request line.
    pub request: Call,
    /// What the log says.
    pub logged: Logged,
    /// What the engine says.
    pub engine: VerdictReport,
    /// How the engine's verdict followed from the rules (`explain`'s decision), once [`Report::explain`] added it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A record that could not be read or replayed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProblemReport {
    /// The file.
    pub file: String,
    /// The line the record starts on.
    pub line: u64,
    /// For input skipped as broken, the last line skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_line: Option<u64>,
    /// `Unreadable` or `Unreplayable`.
    pub kind: &'static str,
    /// What is wrong.
    pub message: String,
}

/// What changes against a second rule set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Impact {
    /// The one-line summary: "312 of 48,210 logins by 7 users would now be denied; 0 would now be allowed".
    pub summary: String,
    /// Replayed events whose `Effect` or `MatchedRules` change.
    pub changed: u64,
    /// ALLOW before, DENY after.
    pub now_denied: u64,
    /// DENY before, ALLOW after.
    pub now_allowed: u64,
    /// Distinct users with an event now denied.
    pub users_now_denied: usize,
    /// Distinct users with an event now allowed.
    pub users_now_allowed: usize,
    /// Changed events grouped by `user_id`.
    pub changes_by_user: Vec<ChangeReport>,
    /// Grouped by protocol (`(impersonation)` for `GetImpersonationRoleEffect` events).
    pub changes_by_protocol: Vec<ChangeReport>,
    /// Grouped by source network (the address's `/24`).
    pub changes_by_source_network: Vec<ChangeReport>,
}

/// A group of changed events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangeReport {
    /// The user, protocol or network.
    pub key: String,
    /// For a user of the directory, their email address or user name, so that a person can tell who it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Changed events.
    pub events: u64,
    /// Of those, now denied.
    pub now_denied: u64,
    /// Of those, now allowed.
    pub now_allowed: u64,
    /// The earliest `event_timestamp`, as ISO-8601 UTC.
    pub first_seen: Option<String>,
    /// The latest.
    pub last_seen: Option<String>,
    /// The first event's file.
    pub file: String,
    /// Its line.
    pub line: u64,
    /// Its request, as a request line.
    pub example: Call,
    /// Its answer against the first rule set.
    pub before: VerdictReport,
    /// Against the second; `null` when the second refuses the request.
    pub after: Option<VerdictReport>,
}

/// The report of `summary`, whose positions index `files`. With `directory` (the organization the log was judged
/// against), users of its directory are named beside their ids. Each disagreement's reason is added by
/// [`Report::explain`], a separate step so that a build without `explain` (a WebAssembly module) leaves it out.
pub fn report(summary: &Summary, files: &[String], directory: Option<&Organization>) -> Report {
    let file = |index: u32| files.get(index as usize).cloned().unwrap_or_else(|| format!("#{index}"));
    let disagreements = summary
        .disagreements()
        .map(|group: &Disagreement| DisagreementReport {
            events: group.count,
            file: file(group.first.file),
            line: group.first.line,
            request_id: group.request_id.clone(),
            first_seen: group.seen.first.map(iso_8601),
            last_seen: group.seen.last.map(iso_8601),
            class: group.class.name(),
            request: group.request.clone(),
            logged: Logged { access_granted: group.granted, rule_id: group.rule_id.clone() },
            engine: VerdictReport { effect: group.effect, matched_rules: group.matched_rules.clone() },
            reason: None,
        })
        .collect();
    let problems = summary
        .problems()
        .iter()
        .map(|problem| ProblemReport {
            file: file(problem.at.file),
            line: problem.at.line,
            to_line: problem.to_line,
            kind: if problem.unreadable { "Unreadable" } else { "Unreplayable" },
            message: problem.message.clone(),
        })
        .collect();
    // Who a user id is, from the directory of the rules judged against.
    let who = |id: &str| -> Option<String> {
        let user = directory?.users.as_ref()?.iter().find(|user| user.id == id)?;
        user.email.clone().or_else(|| user.name.clone())
    };
    let changes = |groups: Vec<(&str, &Change)>, users: bool| -> Vec<ChangeReport> {
        groups
            .into_iter()
            .map(|(key, group)| ChangeReport {
                key: key.to_owned(),
                user: if users { who(key) } else { None },
                events: group.count,
                now_denied: group.now_denied,
                now_allowed: group.now_allowed,
                first_seen: group.seen.first.map(iso_8601),
                last_seen: group.seen.last.map(iso_8601),
                file: file(group.first.file),
                line: group.first.line,
                example: group.example.clone(),
                before: VerdictReport { effect: group.before.0, matched_rules: group.before.1.clone() },
                after: group
                    .after
                    .as_ref()
                    .map(|(effect, rules)| VerdictReport { effect: *effect, matched_rules: rules.clone() }),
            })
            .collect()
    };
    let impact = summary.has_against.then(|| {
        let (denied_users, denied_capped) = summary.users_now_denied();
        Impact {
            summary: impact_sentence(
                summary.now_denied,
                summary.replayed_total(),
                denied_users,
                denied_capped,
                summary.now_allowed,
            ),
            changed: summary.changed,
            now_denied: summary.now_denied,
            now_allowed: summary.now_allowed,
            users_now_denied: denied_users,
            users_now_allowed: summary.users_now_allowed().0,
            changes_by_user: changes(summary.changes_by_user(), true),
            changes_by_protocol: changes(summary.changes_by_protocol(), false),
            changes_by_source_network: changes(summary.changes_by_network(), false),
        }
    });
    Report {
        events: summary.events,
        replayed: summary.replayed_total(),
        agreed: summary.agreed,
        disagreed: summary.disagreed,
        replayed_by_class: ByClass {
            access_control: summary.replayed[Class::AccessControl as usize],
            impersonated_access_control: summary.replayed[Class::ImpersonatedAccessControl as usize],
            impersonation_access_control: summary.replayed[Class::ImpersonationAccessControl as usize],
        },
        skipped: Skipped {
            device_access_control: summary.skipped_device,
            mail_flow: summary.skipped_mail_flow,
            unreadable: summary.unreadable,
            unreplayable: summary.unreplayable,
        },
        rule_ids_not_compared: summary.rule_ids_not_compared,
        disagreements,
        disagreements_not_listed: summary.disagreements_not_listed(),
        problems,
        problems_not_listed: summary.problems_not_listed(),
        impact,
    }
}

impl Report {
    /// Adds to each disagreement how the engine's verdict followed from the rules of `org` (the organization the log
    /// was judged against): `explain`'s decision for the group's request.
    pub fn explain(mut self, org: &Organization) -> Report {
        for group in &mut self.disagreements {
            group.reason = Some(reason(org, &group.request));
        }
        self
    }
}

/// `explain`'s decision for the request: how the engine's verdict followed from the rules.
fn reason(org: &Organization, call: &Call) -> String {
    match call.request() {
        Request::Access(request) => explain::access(org, &request).decision.text,
        Request::Impersonation(request) => explain::impersonation(org, &request).decision.text,
        Request::Mobile(request) => explain::mobile(org, &request).decision.text,
    }
}

fn impact_sentence(denied: u64, logins: u64, users: usize, capped: bool, allowed: u64) -> String {
    let users = format!("{}{}", if capped { "at least " } else { "" }, thousands(users as u64));
    let user_word = if users == "1" { "user" } else { "users" };
    let login_word = if logins == 1 { "login" } else { "logins" };
    format!(
        "{} of {} {login_word} by {users} {user_word} would now be denied; {} would now be allowed",
        thousands(denied),
        thousands(logins),
        thousands(allowed)
    )
}

/// `48210` as `48,210`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Milliseconds since the epoch as ISO-8601 UTC, `2026-11-02T09:15:03.123Z`.
pub(crate) fn iso_8601(millis: i64) -> String {
    let UtcTime { year, month, day, hour, minute, second, millisecond } = utc_of_millis(millis);
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{millisecond:03}Z")
}

fn seen_text(first: &Option<String>, last: &Option<String>) -> String {
    match (first, last) {
        (Some(first), Some(last)) if first == last => format!(", at {first}"),
        (Some(first), Some(last)) => format!(", {first} to {last}"),
        _ => String::new(),
    }
}

/// The command that asks the request of the engine, of the rules `rules` stands for: what to paste.
fn command(call: &Call, rules: &str) -> String {
    match call.request() {
        Request::Access(r) => {
            let mut text =
                format!("wmpolicy access {rules} --ip-address {} --action {}", quote(r.ip_address), quote(r.action));
            if let Some(user) = r.user_id {
                let _ = write!(text, " --user-id {}", quote(user));
            }
            if let Some(role) = r.impersonation_role_id {
                let _ = write!(text, " --impersonation-role-id {}", quote(role));
            }
            text
        }
        Request::Impersonation(r) => format!(
            "wmpolicy impersonation {rules} --impersonation-role-id {} --target-user {}",
            quote(r.impersonation_role_id),
            quote(r.target_user)
        ),
        Request::Mobile(_) => serde_json::to_string(call).unwrap_or_default(),
    }
}

/// A word for a POSIX shell: as is when it is plainly safe, else in single quotes.
fn quote(word: &str) -> String {
    let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@:/+=,".contains(&b));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn verdict_text(verdict: &VerdictReport) -> String {
    format!("{} [{}]", verdict.effect, verdict.matched_rules.join(", "))
}

impl Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(impact) = &self.impact {
            writeln!(f, "{}.", impact.summary)?;
        }
        writeln!(
            f,
            "Replayed {} of {} events: {} agree with the log, {} disagree.",
            thousands(self.replayed),
            thousands(self.events),
            thousands(self.agreed),
            thousands(self.disagreed)
        )?;
        let c = &self.replayed_by_class;
        writeln!(
            f,
            "  replayed: {} AccessControl, {} ImpersonatedAccessControl, {} ImpersonationAccessControl",
            thousands(c.access_control),
            thousands(c.impersonated_access_control),
            thousands(c.impersonation_access_control)
        )?;
        let s = &self.skipped;
        writeln!(
            f,
            "  not judged: {} mail flow, {} DeviceAccessControl, {} unreadable, {} unreplayable",
            thousands(s.mail_flow),
            thousands(s.device_access_control),
            thousands(s.unreadable),
            thousands(s.unreplayable)
        )?;
        if self.rule_ids_not_compared > 0 {
            writeln!(
                f,
                "  {} events have a rule_id that names no rule: only their effect was compared (SEMANTICS 6.4)",
                thousands(self.rule_ids_not_compared)
            )?;
        }
        if !self.disagreements.is_empty() {
            let groups = self.disagreements.len();
            writeln!(f, "\nDisagreements ({groups} {}):", if groups == 1 { "group" } else { "groups" })?;
            for group in &self.disagreements {
                let logged = match (&group.logged.access_granted, &group.logged.rule_id) {
                    (true, Some(rule)) => format!("granted (rule_id {rule})"),
                    (true, None) => "granted (no rule_id)".to_owned(),
                    (false, Some(rule)) => format!("denied (rule_id {rule})"),
                    (false, None) => "denied (no rule_id)".to_owned(),
                };
                let request_id = group.request_id.as_ref().map_or(String::new(), |id| format!(" (request_id {id})"));
                writeln!(
                    f,
                    "  {} {} from {}:{}{request_id}{}",
                    thousands(group.events),
                    if group.events == 1 { "event" } else { "events" },
                    group.file,
                    group.line,
                    seen_text(&group.first_seen, &group.last_seen)
                )?;
                writeln!(f, "    log: {logged}; engine: {}", verdict_text(&group.engine))?;
                if let Some(reason) = &group.reason {
                    writeln!(f, "    why: {reason}")?;
                }
                writeln!(f, "    ask: {}", command(&group.request, "ORG"))?;
            }
            if self.disagreements_not_listed > 0 {
                writeln!(f, "  and {} events in groups not listed", thousands(self.disagreements_not_listed))?;
            }
        }
        if let Some(impact) = &self.impact {
            writeln!(
                f,
                "\nChanged: {} events ({} now denied, {} now allowed, {} with other MatchedRules only).",
                thousands(impact.changed),
                thousands(impact.now_denied),
                thousands(impact.now_allowed),
                thousands(impact.changed - impact.now_denied - impact.now_allowed)
            )?;
            for (title, groups) in [
                ("By user", &impact.changes_by_user),
                ("By protocol", &impact.changes_by_protocol),
                ("By source network", &impact.changes_by_source_network),
            ] {
                if groups.is_empty() {
                    continue;
                }
                writeln!(f, "{title}:")?;
                for group in groups {
                    let who = group.user.as_ref().map_or(String::new(), |user| format!(" ({user})"));
                    writeln!(
                        f,
                        "  {}{who}: {} {} ({} now denied, {} now allowed){}",
                        group.key,
                        thousands(group.events),
                        if group.events == 1 { "event" } else { "events" },
                        thousands(group.now_denied),
                        thousands(group.now_allowed),
                        seen_text(&group.first_seen, &group.last_seen)
                    )?;
                    let after = group.after.as_ref().map_or("refused".to_owned(), verdict_text);
                    writeln!(
                        f,
                        "    e.g. {}:{}: {} -> {}",
                        group.file,
                        group.line,
                        verdict_text(&group.before),
                        after
                    )?;
                    writeln!(f, "    ask: {}", command(&group.example, "NEW"))?;
                }
            }
        }
        if !self.problems.is_empty() {
            writeln!(f, "\nProblems:")?;
            for problem in &self.problems {
                let lines = match problem.to_line {
                    Some(to) if to > problem.line => format!("{}-{to}", problem.line),
                    _ => problem.line.to_string(),
                };
                writeln!(f, "  {}:{lines}: {}: {}", problem.file, problem.kind.to_lowercase(), problem.message)?;
            }
            if self.problems_not_listed > 0 {
                writeln!(f, "  and {} more", thousands(self.problems_not_listed))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_utc() {
        assert_eq!(iso_8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso_8601(1_764_547_200_123), "2025-12-01T00:00:00.123Z");
        assert_eq!(iso_8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso_8601(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(48_210), "48,210");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(
            impact_sentence(312, 48_210, 7, false, 0),
            "312 of 48,210 logins by 7 users would now be denied; 0 would now be allowed"
        );
    }

    #[test]
    fn commands_quote_what_a_shell_would_split() {
        assert_eq!(quote("S-1-5-18-0001"), "S-1-5-18-0001");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
