//! WebAssembly bindings of [`workmail_policy`]: Amazon WorkMail's rules, loaded, validated, compiled and queried
//! in a browser or in Node, with the answers the service's simulate calls give.
//!
//! The JavaScript API, in the order a page uses it (TypeScript types in [`types`], with the service's member
//! names):
//!
//! | export | what it does |
//! |---|---|
//! | `load(input)` | reads an organization file or aws CLI output (text, bytes, a parsed object, or several named inputs merged) into one organization file, as `wmpolicy` reads its `FILE...` |
//! | `validate(input, options?)` | `{Valid, Findings}`: everything `Put`/`Create`/`Update` would reject, with paths |
//! | `compile(input, options?)` | `{Policy, Findings}`, or `{Error, Findings}` when the organization has errors |
//! | `policy.getAccessControlEffect(request)` | `GetAccessControlEffect` |
//! | `policy.getMobileDeviceAccessEffect(request)` | `GetMobileDeviceAccessEffect` (with the override extension) |
//! | `policy.getImpersonationRoleEffect(request)` | `GetImpersonationRoleEffect` |
//! | `policy.batch(requests)` | an array of `wmpolicy batch` request objects in, an array of answers out, in one call |
//! | `policy.explain(request)` | one request rule by rule: which matched, the first condition of each that did not |
//! | `diff(old, new, options?, kinds?)` | every request two organizations answer differently, as regions with an example each |
//! | `policy.lint()` | dead rules, lockouts, likely mistakes |
//! | `policy.effectiveAccess()` | who reaches mail: per user and role, per protocol, the addresses `ALLOW` comes from and the rules that decide |
//! | `effectiveAccessChanges(old, new, options?)` | the cells of that matrix two organizations answer differently |
//! | `replay(rules, against?, options?)` | an audit log replayed as it is read: `push(bytes)` a chunk at a time, `finish()` for the report |
//!
//! The package is four WebAssembly modules built from this crate, each within the 150 KB (gzipped) budget that
//! `wasm/build.sh` enforces, so that a page starts on the first and fetches the others only when it needs them:
//!
//! | module | feature | exports |
//! |---|---|---|
//! | `workmail_policy_wasm.js` | `engine` | `load`, `validate`, `compile`; the handle's three simulate calls and `batch` |
//! | `workmail_policy_analysis.js` | `analysis` | `compile`; the handle's `explain`; `diff` |
//! | `workmail_policy_access.js` | `access` | `compile`; the handle's `lint` and `effectiveAccess`; `effectiveAccessChanges` |
//! | `workmail_policy_replay.js` | `replay` | `replay` and its `Replay` |
//!
//! The analyses ([`workmail_policy::analyse`]) are most of the core's code, and in one module with the engine the
//! two come to 185 KB. Split, the engine keeps the speed-critical batch loop optimised for speed (its profile
//! `wasm-release`) and the analyses are built wholly for size (`wasm-analysis`); the analyses' module also leaves
//! out the correctly rounded float reader (`exact-timestamps`), since it never writes a timestamp back. The
//! replay ([`workmail_policy::replay`]: the log reader, the event reader, the summary and the report) is 35 KB
//! gzipped, more than the engine's module has left of its budget (8 KB), so it is a module of its own (profile
//! `wasm-replay`, built for size like the analyses': its loop is the core's code), which reads and compiles the
//! organizations it replays against itself and, like the analyses', leaves out `exact-timestamps`. The
//! effective-access matrix ([`workmail_policy::analyse::effective`]) and `lint`, whose lockout checks read it, are
//! a fourth module (profile `wasm-access`, defined by `wasm/build.sh` as the analyses' profile): with them the
//! analyses' module is over its budget. A handle belongs to the module that made it. Rust callers, and the
//! tests, get all four in one crate (the default features).
//!
//! Nothing here throws or traps on bad input: every function returns a value, and a bad organization, request or
//! argument is an object naming the service's error (`{Error: {Code, Message}}`, written by the core's
//! [`ErrorResponse`], or findings). The request logic is the core's own: the simulate methods hand the request's
//! JSON text to [`workmail_policy::batch::answer_line`], and `explain` to [`workmail_policy::batch::read`], exactly
//! the reader and the answer `wmpolicy batch` uses for a line, so the CLI and the browser cannot disagree about a
//! request.

#![deny(unsafe_code)]

#[cfg(feature = "access")]
mod access;
#[cfg(feature = "analysis")]
mod analysis;
#[cfg(feature = "engine")]
mod batch;
mod input;
#[cfg(feature = "replay")]
mod replay;
#[cfg(feature = "replay")]
pub use replay::Replay;
pub mod types;

use js_sys::{Object, Reflect, JSON};
use serde::Serialize;
use wasm_bindgen::prelude::*;
#[cfg(feature = "engine")]
use workmail_policy::batch::answer_line;
use workmail_policy::batch::{ErrorBody, ErrorResponse};
#[cfg(any(feature = "analysis", feature = "access"))]
use workmail_policy::Organization;
use workmail_policy::{load as core_load, validate as core_validate, OrganizationFile};
use workmail_policy::{ErrorCode, Finding};

/// A value serialized by serde, as the JS object `JSON.parse` makes of it.
///
/// JSON text is the cheapest road from serde to JS objects that needs no extra dependency, and `JSON.parse` is
/// among the fastest things a JS engine does; the values here are small (a finding list, an answer).
fn to_js(value: &impl Serialize) -> JsValue {
    match serde_json::to_string(value) {
        Ok(text) => parse_json(&text),
        Err(e) => error_value(ErrorCode::SerializationException, &format!("cannot write the result: {e}")),
    }
}

/// `JSON.parse` of text this crate wrote.
fn parse_json(text: &str) -> JsValue {
    // Our own serde output always parses; NULL is only a stand-in that keeps this free of panics.
    JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// A request's JSON text, or the error object for a value that has none.
#[cfg(any(feature = "engine", feature = "analysis"))]
fn request_text(request: &JsValue) -> Result<String, JsValue> {
    match JSON::stringify(request) {
        Ok(text) => text
            .as_string()
            .ok_or_else(|| error_value(ErrorCode::SerializationException, "the request is not a JSON value")),
        Err(e) => {
            let why = input::describe_exception(&e);
            Err(error_value(ErrorCode::SerializationException, &format!("the request cannot be read: {why}")))
        }
    }
}

/// `{Error: {Code, Message}}`, the service's error shape, as the core writes it.
fn error_value(code: ErrorCode, message: &str) -> JsValue {
    error_response(&ErrorResponse::new(code, message))
}

/// The core's error response as a JS object.
fn error_response(error: &ErrorResponse<'_>) -> JsValue {
    match serde_json::to_string(error) {
        Ok(text) => parse_json(&text),
        Err(_) => JsValue::NULL,
    }
}

/// Sets `key` on a plain object; setting a data property on one we created cannot fail.
fn set(object: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(key), value);
}

/// Named inputs as read: where each entry of the merged organization came from, and the inputs' bytes.
type Named = (core_load::Sources, Vec<Vec<u8>>);

/// Reads the inputs: the organization file, or the findings that stopped reading (for several inputs, each with
/// its `File` and its path there, as `wmpolicy` prints them), and for several inputs where each entry came from.
fn read(input: &JsValue) -> Result<(OrganizationFile, Option<Named>), Vec<Finding>> {
    match input::contents(input)? {
        input::Contents::One(bytes) => core_load::parse(&bytes).map(|file| (file, None)),
        input::Contents::Several(named) => {
            let inputs = named.iter().map(|(name, bytes)| (name.as_str(), bytes.as_slice()));
            let (file, sources) = core_load::parse_all_with_sources(inputs, &core_load::Limits::default())?;
            Ok((file, Some((sources, named.into_iter().map(|(_, bytes)| bytes).collect()))))
        }
    }
}

/// Reads and validates the inputs. With several, each finding names its input (`File`), the entry's path there,
/// and its `Line` and `Column`, as `wmpolicy validate` prints it.
fn read_and_validate(
    input: &JsValue,
    options: &core_validate::Options,
) -> Result<core_validate::Validation, Vec<Finding>> {
    let (file, named) = read(input)?;
    let mut validation = core_validate::validate(&file, options);
    if let Some((sources, contents)) = named {
        let inputs: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
        sources.locate_all(&mut validation.findings, &inputs);
    }
    Ok(validation)
}

/// `{RelaxQuotas}`; anything else, or nothing, is the default.
fn options(value: Option<JsValue>) -> core_validate::Options {
    let relax = value.is_some_and(|value| {
        value.is_object()
            && Reflect::get(&value, &JsValue::from_str("RelaxQuotas")).map(|v| v.is_truthy()).unwrap_or(false)
    });
    core_validate::Options { enforce_quotas: !relax }
}

#[cfg(feature = "engine")]
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Loaded<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a OrganizationFile>,
    findings: &'a [Finding],
}

/// Reads an organization file or aws CLI output into one organization file, every member as written (timestamps
/// in the form they came). Unknown members and wrong JSON types are findings, with the nearest member suggested.
#[cfg(feature = "engine")]
#[wasm_bindgen(unchecked_return_type = "LoadResult")]
pub fn load(#[wasm_bindgen(unchecked_param_type = "OrganizationInput")] input: JsValue) -> JsValue {
    match read(&input) {
        Ok((file, _)) => to_js(&Loaded { file: Some(&file), findings: &[] }),
        Err(findings) => to_js(&Loaded { file: None, findings: &findings }),
    }
}

#[cfg(feature = "engine")]
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Validated<'a> {
    valid: bool,
    findings: &'a [Finding],
}

/// Validates an organization against everything the service would reject: `{Valid, Findings}`, errors first,
/// then warnings, each with its path and the service's error name.
///
/// Its TypeScript declaration is in [`types`], where `options` can be optional.
#[cfg(feature = "engine")]
#[wasm_bindgen(skip_typescript)]
pub fn validate(input: JsValue, options: Option<JsValue>) -> JsValue {
    let findings = match read_and_validate(&input, &self::options(options)) {
        Ok(validation) => validation.findings,
        Err(findings) => findings,
    };
    to_js(&Validated { valid: !findings.iter().any(Finding::is_error), findings: &findings })
}

/// The core's error response with the findings beside it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Failed<'a> {
    error: ErrorBody<'a>,
    findings: &'a [Finding],
}

/// `{Error: {Code, Message}, Findings}`: what stopped a compile or a diff, with every finding.
fn failed(findings: &[Finding], code: ErrorCode, message: String) -> JsValue {
    to_js(&Failed { error: ErrorResponse::new(code, message).error, findings })
}

/// Validates and compiles an organization into a [`Policy`] to query: `{Policy, Findings}` (the findings are
/// warnings), or `{Error, Findings}` when it has errors, the error's code the first error's.
///
/// Its TypeScript declaration is in [`types`], where `options` can be optional.
#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
#[wasm_bindgen(skip_typescript)]
pub fn compile(input: JsValue, options: Option<JsValue>) -> JsValue {
    let validation = match read_and_validate(&input, &self::options(options)) {
        Ok(validation) => validation,
        Err(findings) => {
            let code = findings.first().map_or(ErrorCode::SerializationException, |f| f.code);
            return failed(&findings, code, format!("the input cannot be read: {} finding(s)", findings.len()));
        }
    };
    let Some(organization) = validation.organization else {
        let errors = validation.errors().count();
        let code = validation.errors().next().map_or(ErrorCode::InvalidParameterException, |f| f.code);
        return failed(&validation.findings, code, format!("the organization has {errors} error(s)"));
    };
    #[cfg(feature = "engine")]
    let policy = match workmail_policy::Policy::compile(&organization) {
        Ok(policy) => policy,
        // Only organizations far beyond the service's quotas (with `RelaxQuotas`) exceed the engine's limits.
        Err(e) => return failed(&validation.findings, ErrorCode::LimitExceededException, e.to_string()),
    };
    let result = Object::new();
    let findings = to_js(&validation.findings);
    let handle = Policy {
        #[cfg(feature = "engine")]
        policy,
        #[cfg(any(feature = "analysis", feature = "access"))]
        organization,
        #[cfg(feature = "access")]
        findings: validation.findings,
    };
    set(&result, "Policy", &JsValue::from(handle));
    set(&result, "Findings", &findings);
    result.into()
}

/// Starts replaying an audit log (`wmpolicy replay`): `rules` are the rules the log is judged by (does the engine
/// agree with what the service did), `against`, when given, the rules whose impact on the log's traffic is asked
/// (whose logins would they deny or allow). `{Replay}` to push the log's bytes into, or `{Error, Findings}` when
/// either organization has errors (paths start with `rules: ` or `against: `).
///
/// Its TypeScript declaration is in [`types`].
#[cfg(feature = "replay")]
#[wasm_bindgen(skip_typescript)]
pub fn replay(rules: JsValue, against: Option<JsValue>, options: Option<JsValue>) -> JsValue {
    replay::start(&rules, against, options)
}

/// Reads and validates two organization inputs and hands both to `then`; or `{Error, Findings}` with the errors
/// of either (paths start with `old: ` or `new: `).
#[cfg(any(feature = "analysis", feature = "access"))]
fn compare(
    old: &JsValue,
    new: &JsValue,
    options: Option<JsValue>,
    then: impl FnOnce(&Organization, &Organization) -> JsValue,
) -> JsValue {
    let options = self::options(options);
    let mut findings = Vec::new();
    let mut read = |input: &JsValue, side: &str| -> Option<Organization> {
        let validation = match read_and_validate(input, &options) {
            Ok(validation) => validation,
            Err(problems) => core_validate::Validation { findings: problems, organization: None },
        };
        let prefixed = validation.findings.into_iter().filter(Finding::is_error);
        findings.extend(prefixed.map(|f| Finding { path: format!("{side}: {}", f.path), ..f }));
        validation.organization
    };
    let (old, new) = (read(old, "old"), read(new, "new"));
    match (old, new) {
        (Some(old), Some(new)) => then(&old, &new),
        _ => {
            let code = findings.first().map_or(ErrorCode::InvalidParameterException, |f| f.code);
            failed(&findings, code, format!("an organization to compare has {} error(s)", findings.len()))
        }
    }
}

#[cfg(feature = "analysis")]
/// Compares two organizations (`wmpolicy diff`) over every request of the calls in `kinds` (`["Access",
/// "Mobile", "Impersonation"]`, all when absent): `{Equivalent, Access?, Mobile?, Impersonation?}`, each a list of
/// regions of requests answered differently with an `Example` request each; or `{Error, Findings}` when either
/// has errors (paths start with `old: ` or `new: `).
///
/// Its TypeScript declaration is in [`types`].
#[wasm_bindgen(skip_typescript)]
pub fn diff(old: JsValue, new: JsValue, options: Option<JsValue>, kinds: Option<JsValue>) -> JsValue {
    analysis::diff(&old, &new, options, kinds)
}

/// The cells of the effective-access matrix (`policy.effectiveAccess()`) that differ between two organizations
/// (`wmpolicy effective-access --against`): `{Changes}`, each with its user or role, the protocol and the cell
/// `Old` and `New`; or `{Error, Findings}` when either has errors (paths start with `old: ` or `new: `).
///
/// Its TypeScript declaration is in [`types`].
#[cfg(feature = "access")]
#[wasm_bindgen(js_name = effectiveAccessChanges, skip_typescript)]
pub fn effective_access_changes(old: JsValue, new: JsValue, options: Option<JsValue>) -> JsValue {
    access::effective_access_changes(&old, &new, options)
}

/// A compiled organization, answering the service's three simulate calls, explaining, linting and telling who
/// reaches mail (each module's handle has its module's methods).
///
/// Call `free()` when done with it in long-lived pages (browsers also reclaim it when it is garbage collected).
#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
#[wasm_bindgen]
pub struct Policy {
    #[cfg(feature = "engine")]
    policy: workmail_policy::Policy,
    /// The checked organization, which the analyses read.
    #[cfg(any(feature = "analysis", feature = "access"))]
    organization: Organization,
    /// Validation's findings (warnings only: a policy compiles from an organization without errors), for lint.
    #[cfg(feature = "access")]
    findings: Vec<Finding>,
}

/// The engine's methods: the simulate calls and `batch`.
#[cfg(feature = "engine")]
#[wasm_bindgen]
impl Policy {
    /// `GetAccessControlEffect`: `{Effect, MatchedRules}`, or the service's error for a request it would refuse.
    #[wasm_bindgen(js_name = getAccessControlEffect, unchecked_return_type = "GetAccessControlEffectResponse | ErrorResponse")]
    pub fn get_access_control_effect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "GetAccessControlEffectRequest")] request: JsValue,
    ) -> JsValue {
        self.simulate("GetAccessControlEffect", &request)
    }

    /// `GetMobileDeviceAccessEffect`, with the override extension (`UserId` and `DeviceId` together).
    #[wasm_bindgen(js_name = getMobileDeviceAccessEffect, unchecked_return_type = "GetMobileDeviceAccessEffectResponse | ErrorResponse")]
    pub fn get_mobile_device_access_effect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "GetMobileDeviceAccessEffectRequest")] request: JsValue,
    ) -> JsValue {
        self.simulate("GetMobileDeviceAccessEffect", &request)
    }

    /// `GetImpersonationRoleEffect`: `{Type, Effect, MatchedRules}`, or the service's error.
    #[wasm_bindgen(js_name = getImpersonationRoleEffect, unchecked_return_type = "GetImpersonationRoleEffectResponse | ErrorResponse")]
    pub fn get_impersonation_role_effect(
        &self,
        #[wasm_bindgen(unchecked_param_type = "GetImpersonationRoleEffectRequest")] request: JsValue,
    ) -> JsValue {
        self.simulate("GetImpersonationRoleEffect", &request)
    }

    /// Answers many requests in one call: each a `wmpolicy batch` request object (`Operation` and that
    /// operation's members), each answer the response or the error, in order. Equal answers are one shared,
    /// frozen object. Not an array: an `ErrorResponse` instead of the array.
    #[wasm_bindgen(unchecked_return_type = "BatchAnswer[] | ErrorResponse")]
    pub fn batch(&self, #[wasm_bindgen(unchecked_param_type = "BatchRequest[]")] requests: JsValue) -> JsValue {
        batch::answer(&self.policy, &requests)
    }

    /// One simulate call: the request's JSON text, with its operation added, through the core's request-line
    /// reader, so that unknown members, missing members and values of the wrong type get `wmpolicy batch`'s errors.
    fn simulate(&self, operation: &str, request: &JsValue) -> JsValue {
        let text = match request_text(request) {
            Ok(text) => text,
            Err(error) => return error,
        };
        // Only an object gets the operation spliced in; anything else goes as it is, for the core to refuse.
        let line = match text.strip_prefix('{') {
            Some("}") => format!(r#"{{"Operation":"{operation}"}}"#),
            Some(rest) => format!(r#"{{"Operation":"{operation}",{rest}"#),
            None => text,
        };
        let mut out = Vec::with_capacity(128);
        answer_line(&self.policy, line.as_bytes(), &mut out);
        match std::str::from_utf8(&out) {
            Ok(answer) => parse_json(answer),
            Err(_) => error_value(ErrorCode::SerializationException, "the answer is not UTF-8"),
        }
    }
}

/// The analyses' methods.
#[cfg(feature = "analysis")]
#[wasm_bindgen]
impl Policy {
    /// One request explained, rule by rule (`wmpolicy explain`): `{Verdict, Rules, Decision}`. The request is a
    /// batch request, `{Operation, ...members}`; one with members the operation does not have is refused.
    #[wasm_bindgen(unchecked_return_type = "Explanation | ErrorResponse")]
    pub fn explain(&self, #[wasm_bindgen(unchecked_param_type = "BatchRequest")] request: JsValue) -> JsValue {
        analysis::explain(&self.organization, &request)
    }
}

/// The access module's methods: lint, and the effective-access matrix it reads.
#[cfg(feature = "access")]
#[wasm_bindgen]
impl Policy {
    /// Dead rules, lockouts and likely mistakes (`wmpolicy lint`): `{Findings}`. With `{MustReach: ["USER[:PROTOCOL]",
    /// ...]}`, also the accounts that must keep access (`wmpolicy lint --must-reach`).
    #[wasm_bindgen(unchecked_return_type = "LintReport | ErrorResponse")]
    pub fn lint(&self, #[wasm_bindgen(unchecked_param_type = "LintOptions")] options: Option<JsValue>) -> JsValue {
        access::lint(&self.organization, &self.findings, options)
    }

    /// Who reaches mail (`wmpolicy effective-access --json`): `{Rows}`, a row per directory user (or, without a
    /// directory, per user a rule names and "any other user") and per impersonation role, each with a cell per
    /// protocol: the addresses from which the answer is `ALLOW`, and every region of addresses with its answer and
    /// the rules that decide it.
    #[wasm_bindgen(js_name = effectiveAccess, unchecked_return_type = "EffectiveAccess")]
    pub fn effective_access(&self) -> JsValue {
        access::effective_access(&self.organization)
    }
}
