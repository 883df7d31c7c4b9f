//! Every behaviour SEMANTICS.md marks as inferred (`[inf]`), in one place.
//!
//! The reference evaluator and the compiled engine both read these items rather than hard-coding a choice, so a
//! verdict recorded from the live service can change a behaviour here in one edit and both evaluators follow.
//! Each item names the SEMANTICS section it settles and what it chose.

/// 1.3: a request made through an impersonation role has no user, so it fails a rule's `UserIds` condition and
/// satisfies its `NotUserIds`; symmetrically, a request by a user fails `ImpersonationRoleIds` and satisfies
/// `NotImpersonationRoleIds`. `true` means "the condition holds when the request has no such principal".
pub const ABSENT_PRINCIPAL_SATISFIES: ListPolarity = ListPolarity { positive: false, negative: true };

/// How a list condition treats a request that lacks the property the list is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListPolarity {
    /// Whether `UserIds`-style (positive) lists hold.
    pub positive: bool,
    /// Whether `NotUserIds`-style (negative) lists hold.
    pub negative: bool,
}

/// 1.3: action names compare exactly, in the documented spelling; any other spelling matches only itself.
///
/// The compiled engine relies on "only itself": it gives each spelling a rule lists its own row, computed from the
/// rules that list it (`policy/access.rs`). A looser match would need a key there too; the differential tests
/// would fail until it had one.
pub fn action_matches(listed: &str, requested: &str) -> bool {
    listed == requested
}

/// 1.3: the seven documented actions. Other spellings are accepted by the service and warned about.
pub const DOCUMENTED_ACTIONS: [&str; 7] =
    ["ActiveSync", "AutoDiscover", "EWS", "IMAP", "SMTP", "WindowsOutlook", "WebMail"];

/// 2.1: the default mobile-device rule's name and id are not published; these stand in for them.
pub const DEFAULT_MOBILE_RULE_ID: &str = "default";
/// 2.1: see [`DEFAULT_MOBILE_RULE_ID`].
pub const DEFAULT_MOBILE_RULE_NAME: &str = "default";

/// 2.4: case folding for prefix matching. ASCII letters fold for certain; Latin-1 capitals `À`–`Þ` (except `×`)
/// fold to their Unicode simple lowercase, which is the code point 0x20 above. Everything else is itself.
pub const fn fold(c: char) -> char {
    match c {
        'A'..='Z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{DE}' => match char::from_u32(c as u32 + 0x20) {
            Some(lower) => lower,
            None => c,
        },
        _ => c,
    }
}

/// 2.4: the value that matches an absent property.
pub const NONE_VALUE: &str = "$NONE";

/// 2.4: `$NONE` is special only as a whole value: it never prefix-matches a reported string (a device reporting
/// `$NONE…` literally is not matched by it).
pub const NONE_MATCHES_PRESENT: bool = false;

/// 3.3 and 1.6: when a user directory is loaded, a user may be named by ID, email address or user name, on both
/// the rule side (`UserIds`, `TargetUsers`, override `UserId`) and the request side (`UserId`, `TargetUser`).
/// Comparison is exact (no case folding of emails).
pub const USER_NAMED_BY: [UserKey; 3] = [UserKey::Id, UserKey::Email, UserKey::Name];

/// A way of naming a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKey {
    /// The user's `Id`.
    Id,
    /// The user's `Email`.
    Email,
    /// The user's `Name` (user name).
    Name,
}

/// 3.4: a target user whose `State` is present and not `ENABLED` cannot be impersonated
/// (`EntityStateException`). A user listed without a state counts as enabled.
pub fn can_be_impersonated(state: Option<&str>) -> bool {
    state.is_none_or(|s| s == "ENABLED")
}

/// 1.6: the order of request checks. The first that fails decides the error.
pub const ACCESS_CHECK_ORDER: [AccessCheck; 4] = [
    AccessCheck::RequestShape,
    AccessCheck::ExactlyOnePrincipal,
    AccessCheck::RoleOnlyWithEws,
    AccessCheck::KnownPrincipal,
];

/// One request check of `GetAccessControlEffect` (1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessCheck {
    /// Members against the model's patterns and lengths (`IpAddress`, `Action`, ids).
    RequestShape,
    /// Exactly one of `UserId` and `ImpersonationRoleId`.
    ExactlyOnePrincipal,
    /// `ImpersonationRoleId` only with `Action` `EWS`.
    RoleOnlyWithEws,
    /// The user is in the directory, the role among the roles (when loaded).
    KnownPrincipal,
}

/// 3.3/3.4: `GetImpersonationRoleEffect` checks the role before the target user.
pub const IMPERSONATION_CHECKS_ROLE_FIRST: bool = true;

// 4: the per-organization rule quotas are taken to be the model's caps on rule lists
// (`constraints::ACCESS_CONTROL_RULES_LIST`, `MOBILE_DEVICE_ACCESS_RULES_LIST`, `IMPERSONATION_RULE_LIST`, 10 each);
// validation and lint read them there, so that the quota is stated once, by the model.

/// 4: `AccessControlRuleDescription` has `min: 0` but the pattern `[\u0020-\u00FF]+`; the length bound wins, so an
/// empty description is accepted (the pattern is applied to non-empty strings only).
pub const EMPTY_STRING_SKIPS_PATTERN: bool = true;

/// 6.2: the `protocol` values of mail flow, which no access rule governs: counted by a replay, not judged.
pub const MAIL_FLOW_PROTOCOLS: [&str; 2] = ["IncomingEmail", "OutgoingEmail"];

/// 6.3: an `AccessControl` event with an `impersonator_id` is replayed as `GetAccessControlEffect` with
/// `ImpersonationRoleId` = `impersonator_id` and this `Action` (the only action a role may be asked with, 1.6),
/// whatever the event's `protocol`. The event also names the impersonated user, which the call cannot take.
pub const IMPERSONATED_ACCESS_ACTION: &str = "EWS";

/// 6.4: whether a logged `rule_id` agrees with the engine's `MatchedRules`. `rule_id` names one rule
/// (an access-control rule by `Name`, an impersonation rule by `ImpersonationRuleId`, as the replay maps it); the
/// answer may list several, so only membership is checked. A `rule_id` that names no rule of the organization
/// (`names_a_rule` false: what the field holds for an access-control rule is undocumented) leaves only the effect
/// to compare; an absent `rule_id` agrees only with an empty `MatchedRules`.
pub fn logged_rule_agrees(rule_id: Option<&str>, names_a_rule: bool, matched_rules: &[&str]) -> bool {
    match rule_id {
        None => matched_rules.is_empty(),
        Some(rule) if names_a_rule => matched_rules.contains(&rule),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_covers_ascii_and_latin1_capitals_only() {
        assert_eq!(fold('A'), 'a');
        assert_eq!(fold('À'), 'à');
        assert_eq!(fold('Þ'), 'þ');
        assert_eq!(fold('×'), '×');
        assert_eq!(fold('ß'), 'ß');
        assert_eq!(fold('a'), 'a');
        for c in '\u{20}'..='\u{ff}' {
            let unicode: Vec<char> = c.to_lowercase().collect();
            assert_eq!(unicode, [fold(c)], "{c:?} folds as Unicode's simple lowercase does");
        }
    }
}
