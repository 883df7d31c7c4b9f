//! Hints about one request's values: what the service accepts but that probably means something else.
//!
//! A request with `--action Imap` is answered, and the answer is the service's: actions are compared exactly
//! ([`uncertain::action_matches`]), so a rule listing `IMAP` does not match it. A person who typed it almost
//! certainly meant `IMAP`, and an answer without a word about that misleads. These hints are that word. They never
//! change an answer; the command prints them on stderr, beside the answer on stdout.
//!
//! What is hinted at:
//! - an `Action` that is not one of the seven documented ones ([`uncertain::DOCUMENTED_ACTIONS`]), with the one it
//!   differs from only in case, when there is one;
//! - a `UserId` that names a directory user by email or user name rather than by `Id`: the API reference calls the
//!   member the user's ID, and whether the service resolves the others is open (SEMANTICS 1.6); this engine
//!   resolves them through the directory ([`uncertain::USER_NAMED_BY`]);
//! - without a directory, a `UserId` that looks like an email address: it is compared with the rules' `UserIds`
//!   as written, and the service wants an ID.

use crate::constraints as c;
use crate::organization::Organization;
use crate::request::{AccessRequest, MobileRequest};
use crate::uncertain;

/// One hint: the request member it is about, and what it probably means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
    /// The request member, as the service names it (`Action`, `UserId`).
    pub member: &'static str,
    /// For a person.
    pub message: String,
}

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.member, self.message)
    }
}

/// Hints for a `GetAccessControlEffect` request against `org`.
///
/// ```
/// use workmail_policy::{hints, AccessRequest, Organization};
///
/// let request = AccessRequest { ip_address: "192.0.2.1", action: "Imap", user_id: Some("S-1-1-11-0000000001"), ..Default::default() };
/// let hints = hints::access(&Organization::default(), &request);
/// assert_eq!(hints[0].member, "Action");
/// assert!(hints[0].message.contains("did you mean `IMAP`?"), "{}", hints[0].message);
/// ```
pub fn access(org: &Organization, request: &AccessRequest) -> Vec<Hint> {
    let mut hints = Vec::new();
    if let Some(hint) = action(request.action) {
        hints.push(hint);
    }
    if let Some(user) = request.user_id {
        hints.extend(user_id(org, user, "GetAccessControlEffect"));
    }
    hints
}

/// Hints for a `GetMobileDeviceAccessEffect` request against `org` (its `UserId`, for the overrides).
pub fn mobile(org: &Organization, request: &MobileRequest) -> Vec<Hint> {
    request.user_id.and_then(|user| user_id(org, user, "the overrides' lookup")).into_iter().collect()
}

fn action(action: &str) -> Option<Hint> {
    // A value the service refuses gets its error instead (SEMANTICS 1.6), not a hint.
    if uncertain::DOCUMENTED_ACTIONS.contains(&action) || c::ACCESS_CONTROL_RULE_ACTION.check(action).is_err() {
        return None;
    }
    let message = match uncertain::DOCUMENTED_ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(action)) {
        Some(documented) => format!(
            "`{action}` is not `{documented}`: actions are compared exactly, so rules that list `{documented}` do \
             not match it, and clients send `{documented}`; did you mean `{documented}`?"
        ),
        None => format!(
            "`{action}` is not one of the seven actions clients send ({}): only rules without `Actions`, or whose \
             `NotActions` leave it out, match it",
            uncertain::DOCUMENTED_ACTIONS.join(", ")
        ),
    };
    Some(Hint { member: "Action", message })
}

fn user_id(org: &Organization, user: &str, call: &str) -> Option<Hint> {
    if c::WORKMAIL_IDENTIFIER.check(user).is_err() {
        return None;
    }
    match (&org.users, org.resolve_user(user)) {
        (Some(users), Ok(Some(i))) if users[i].id != user => {
            let (by, a) =
                if users[i].email.as_deref() == Some(user) { ("email address", "an") } else { ("user name", "a") };
            Some(Hint {
                member: "UserId",
                message: format!(
                    "`{user}` is the {by} of the user whose ID is {}; {call} takes the user's ID (whether the service \
                     also takes {a} {by} is open, SEMANTICS 1.6), so this answer is for that user as this engine \
                     resolves it",
                    users[i].id
                ),
            })
        }
        (None, _) if user.contains('@') => Some(Hint {
            member: "UserId",
            message: format!(
                "`{user}` looks like an email address; {call} takes the user's ID, and without a directory \
                 (`aws workmail list-users` output among the inputs) it is compared with the rules' UserIds exactly \
                 as written"
            ),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load, validate};

    fn org(json: &str) -> Organization {
        let file = load::parse(json.as_bytes()).expect("well-formed");
        validate::validate(&file, &Default::default()).organization.expect("valid")
    }

    fn access_hints(org: &Organization, action: &str, user: &str) -> Vec<String> {
        let request = AccessRequest { ip_address: "192.0.2.1", action, user_id: Some(user), ..Default::default() };
        access(org, &request).into_iter().map(|h| h.to_string()).collect()
    }

    const DIRECTORY: &str = r#"{"Users": [{"Id": "S-1-1-11-0000000001", "Email": "alice@example.com",
        "Name": "alice.longname", "State": "ENABLED"}]}"#;

    #[test]
    fn documented_actions_and_ids_get_no_hint() {
        for action in uncertain::DOCUMENTED_ACTIONS {
            assert!(access_hints(&org(DIRECTORY), action, "S-1-1-11-0000000001").is_empty(), "{action}");
        }
    }

    #[test]
    fn an_action_in_another_case_names_the_documented_one() {
        let hints = access_hints(&Organization::default(), "activesync", "S-1-1-11-0000000001");
        assert_eq!(hints.len(), 1);
        assert!(hints[0].starts_with("Action: `activesync` is not `ActiveSync`"), "{hints:?}");
        let hints = access_hints(&Organization::default(), "Pop", "S-1-1-11-0000000001");
        assert!(hints[0].contains("not one of the seven actions"), "{hints:?}");
        // The service refuses this one (letters only): its error says so, not a hint.
        assert!(access_hints(&Organization::default(), "Pop3", "S-1-1-11-0000000001").is_empty());
    }

    #[test]
    fn a_user_named_by_email_or_name_gets_the_id() {
        let directory = org(DIRECTORY);
        let hints = access_hints(&directory, "IMAP", "alice@example.com");
        assert!(hints[0].contains("the email address of the user whose ID is S-1-1-11-0000000001"), "{hints:?}");
        let hints = access_hints(&directory, "IMAP", "alice.longname");
        assert!(hints[0].contains("the user name of the user whose ID is S-1-1-11-0000000001"), "{hints:?}");
        // Without a directory, an email address is compared as written.
        let hints = access_hints(&Organization::default(), "IMAP", "alice@example.com");
        assert!(hints[0].contains("looks like an email address"), "{hints:?}");
        assert!(access_hints(&Organization::default(), "IMAP", "S-1-1-11-0000000001").is_empty());
        let request = MobileRequest { user_id: Some("alice@example.com"), ..Default::default() };
        assert_eq!(mobile(&directory, &request).len(), 1);
    }
}
