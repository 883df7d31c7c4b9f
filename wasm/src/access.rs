//! Who reaches mail, for JavaScript: `policy.lint()`, `policy.effectiveAccess()` and
//! `effectiveAccessChanges(old, new)` (feature `access`, the module `workmail_policy_access.js`).
//!
//! All three read the effective-access matrix of the core ([`workmail_policy::analyse::effective`]): lint's
//! lockout checks are its cells, so they share a module, apart from the analyses' `explain` and `diff`, which do
//! not need it (the two modules' budgets do not hold both).

use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;
use workmail_policy::analyse;
use workmail_policy::analyse::lint::{self as core_lint, MustReach};
use workmail_policy::{ErrorCode, Finding, Organization};

use crate::to_js;

/// Lints `org`: dead rules, lockouts, likely mistakes; `warnings` are validation's findings for it. `options` may
/// name accounts that must keep access, `{MustReach: ["USER[:PROTOCOL]", ...]}`, as `wmpolicy lint --must-reach`
/// takes them; a value that is not one is refused with the service's error shape.
pub fn lint(org: &Organization, warnings: &[Finding], options: Option<JsValue>) -> JsValue {
    let listed = options
        .filter(JsValue::is_object)
        .and_then(|o| Reflect::get(&o, &JsValue::from_str("MustReach")).ok())
        .filter(Array::is_array)
        .map(|list| Array::from(&list).iter().collect::<Vec<JsValue>>())
        .unwrap_or_default();
    let mut must_reach = Vec::with_capacity(listed.len());
    for (i, value) in listed.iter().enumerate() {
        let parsed = value.as_string().ok_or_else(|| "not a string".to_string()).and_then(|s| s.parse::<MustReach>());
        match parsed {
            Ok(must) => must_reach.push(must),
            Err(message) => {
                let message = format!("MustReach[{i}]: {message}");
                return crate::error_value(ErrorCode::InvalidParameterException, &message);
            }
        }
    }
    to_js(&core_lint::lint_with(org, warnings, &core_lint::Options { must_reach }))
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
