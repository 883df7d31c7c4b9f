//! Who reaches mail, for JavaScript: `policy.lint()`, `policy.effectiveAccess()` and
//! `effectiveAccessChanges(old, new)` (feature `access`, the module `workmail_policy_access.js`).
//!
//! All three read the effective-access matrix of the core ([`workmail_policy::analyse::effective`]): lint's
//! lockout checks are its cells, so they share a module, apart from the analyses' `explain` and `diff`, which do
//! not need it (the two modules' budgets do not hold both).

use wasm_bindgen::JsValue;
use workmail_policy::analyse;
use workmail_policy::{Finding, Organization};

use crate::to_js;

/// Lints `org`: dead rules, lockouts, likely mistakes; `warnings` are validation's findings for it.
pub fn lint(org: &Organization, warnings: &[Finding]) -> JsValue {
    to_js(&analyse::lint(org, warnings))
}

/// The effective access of `org`: a row per user and per impersonation role, a cell per protocol.
pub fn effective_access(org: &Organization) -> JsValue {
    to_js(&analyse::effective_access(org))
}

/// The cells of the effective-access matrix that two organization inputs answer differently, or `{Error,
/// Findings}` when either has errors (paths start with `old: ` or `new: `).
pub fn effective_access_changes(old: &JsValue, new: &JsValue, options: Option<JsValue>) -> JsValue {
    crate::compare(old, new, options, |old, new| to_js(&analyse::effective_access_changes(old, new)))
}
