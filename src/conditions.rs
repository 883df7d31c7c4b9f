//! The meaning of a rule's condition lists and the service's request checks, transcribed from SEMANTICS.md.
//!
//! The reference evaluator (`reference`, with the feature `testing`) is built from these, and
//! [`crate::analyse::explain`] quotes them to say why a rule did or did not match, so that an explanation and the
//! oracle the engine is tested against cannot read SEMANTICS differently. The compiled engine does not use them:
//! it answers the same questions from its indexes, and is tested against the reference that does.
//!
//! Costs: plain loops over the lists and string comparisons; [`value_matches`] folds both strings into a fresh
//! vector of characters. None of this is on a query path.

use crate::organization::*;
use crate::request::*;
use crate::uncertain;

/// SEMANTICS 1.6: the request checks of `GetAccessControlEffect`, the directory and the roles consulted only
/// when loaded; the address and the principal when they pass.
pub(crate) fn access_checks<'r>(
    org: &Organization,
    request: &AccessRequest<'r>,
) -> Result<(u32, Principal<'r>), RequestError<'r>> {
    check_access(request, |principal| match principal {
        Principal::User(user) => match org.resolve_user(user) {
            Err(()) => Err(RequestError::UnknownUser { member: "UserId", value: user }),
            Ok(_) => Ok(()),
        },
        Principal::Role(role) => match &org.impersonation_roles {
            Some(_) if org.role(role).is_none() => Err(RequestError::UnknownRole { value: role }),
            _ => Ok(()),
        },
    })
}

/// SEMANTICS 3.3, 3.4: the request checks of `GetImpersonationRoleEffect`, in the order
/// [`uncertain::IMPERSONATION_CHECKS_ROLE_FIRST`] gives; the role when they pass.
pub(crate) fn impersonation_checks<'o, 'r>(
    org: &'o Organization,
    request: &ImpersonationRequest<'r>,
) -> Result<&'o ImpersonationRole, RequestError<'r>> {
    check_impersonation(request)?;
    let role_check = || {
        org.role(request.impersonation_role_id)
            .ok_or(RequestError::UnknownRole { value: request.impersonation_role_id })
    };
    // The target must be a user of the directory (when loaded), and enabled.
    let target_check = || match org.resolve_user(request.target_user) {
        Err(()) => Err(RequestError::UnknownUser { member: "TargetUser", value: request.target_user }),
        Ok(Some(i)) if !uncertain::can_be_impersonated(org.users.as_ref().and_then(|u| u[i].state.as_deref())) => {
            Err(RequestError::UserNotEnabled { value: request.target_user })
        }
        Ok(_) => Ok(()),
    };
    if uncertain::IMPERSONATION_CHECKS_ROLE_FIRST {
        let role = role_check()?;
        target_check()?;
        Ok(role)
    } else {
        target_check()?;
        role_check()
    }
}

/// A positive list condition: absent, or some entry matches.
pub(crate) fn list_holds<T>(list: &[T], matches: impl FnMut(&T) -> bool) -> bool {
    list.is_empty() || list.iter().any(matches)
}

/// A negative list condition: absent, or no entry matches.
pub(crate) fn not_list_holds<T>(list: &[T], matches: impl FnMut(&T) -> bool) -> bool {
    list.is_empty() || !list.iter().any(matches)
}

/// 2.4: one condition value against a reported property (`None` when absent).
pub(crate) fn value_matches(value: &str, reported: Option<&str>) -> bool {
    match reported {
        None => value == uncertain::NONE_VALUE,
        Some(_) if value == uncertain::NONE_VALUE && !uncertain::NONE_MATCHES_PRESENT => false,
        Some(reported) => {
            let folded = |s: &str| s.chars().map(uncertain::fold).collect::<Vec<char>>();
            folded(reported).starts_with(&folded(value))
        }
    }
}
