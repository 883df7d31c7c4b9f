//! Amazon WorkMail's access rules, evaluated offline, exactly as the service's simulate calls answer.
//!
//! WorkMail has three kinds of rules, each with a "simulate" call: access-control rules
//! (`GetAccessControlEffect`), mobile-device access rules and overrides (`GetMobileDeviceAccessEffect`), and
//! impersonation roles (`GetImpersonationRoleEffect`). This crate answers the same questions with the same
//! `Effect` and `MatchedRules`, without the network, in nanoseconds.
//!
//! The data flows one way, each step its own module:
//!
//! ```text
//! bytes ─load→ OrganizationFile ─validate→ Organization ─Policy::compile→ Policy ─query→ answer
//!               (model: the service's     (checked types,     (indexes)          (borrows rule names)
//!                shapes, as written)       Findings w/ paths)
//!                                               └─ reference: the same answers, straight from SEMANTICS.md
//! ```
//!
//! The whole public API:
//!
//! | step | items |
//! |---|---|
//! | read | [`load::parse`], [`load::parse_all`] (several named inputs), [`load::documents`] (each in its own shape), [`load::Limits`] |
//! | check | [`validate::validate`] → [`Finding`]s with paths, and the checked [`Organization`] |
//! | compile | [`Policy::compile`] |
//! | query | [`Policy::access`], [`Policy::mobile`], [`Policy::impersonation`], with [`AccessRequest`], [`MobileRequest`], [`ImpersonationRequest`] |
//! | analyse | [`analyse::explain`] (one request, rule by rule), [`analyse::diff()`] (every request two organizations answer differently), [`analyse::lint()`] |
//! | write | [`format::canonical`] (an input in canonical form) |
//! | request lines | [`batch::answer_line`] (one JSON request line in, the service's JSON answer out) |
//! | audit logs | [`replay`]: [`replay::LogReader`] (three shapes, in bounded memory), [`replay::Replayer`] (SEMANTICS 6.3, 6.4), [`replay::Summary`], [`replay::report`] |
//!
//! [`load`] keeps each input document in the shape it came in ([`load::Document`]), which [`format`](mod@format)
//! writes back canonically (`wmpolicy fmt`). Reading holds every input to [`load::Limits`], and the engine to its
//! caps ([`MAX_ACCESS_RULES`], [`MAX_ADDRESS_RANGES`], …), so that no input crashes, hangs or exhausts memory.
//!
//! The `testing` feature (off by default) adds `reference`, the evaluator written straight from
//! SEMANTICS.md that the engine is tested against, and `testing`, the seeded generators of organizations and
//! requests that tests, benches, fuzz targets and the shells share.
//!
//! ```
//! use workmail_policy::{load, validate, AccessRequest, Effect, Policy};
//!
//! let file = load::parse(br#"{"AccessControlRules": [
//!     {"Name": "no-imap", "Effect": "DENY", "Description": "", "Actions": ["IMAP"]},
//!     {"Name": "default", "Effect": "ALLOW", "Description": "Default WorkMail Rule"}
//! ]}"#).unwrap();
//! let org = validate::validate(&file, &validate::Options::default()).organization.unwrap();
//! let policy = Policy::compile(&org).unwrap();
//!
//! let imap = AccessRequest { ip_address: "203.0.113.9", action: "IMAP", user_id: Some("S-1-5-18-0001"), ..Default::default() };
//! let answer = policy.access(&imap).unwrap();
//! assert_eq!(answer.effect(), Effect::Deny);
//! assert_eq!(answer.matched_rules().collect::<Vec<_>>(), ["no-imap"]);
//! assert_eq!(serde_json::to_string(&answer.to_response()).unwrap(), r#"{"Effect":"DENY","MatchedRules":["no-imap"]}"#);
//! ```
//!
//! Everything SEMANTICS.md marks as inferred lives in [`uncertain`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analyse;
pub mod batch;
pub mod constraints;
pub mod format;
pub mod hints;
pub mod load;
pub mod model;
pub mod organization;
#[cfg(feature = "testing")]
pub mod reference;
pub mod replay;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uncertain;
pub mod validate;

mod answer;
mod conditions;
mod diagnostic;
mod hash;
mod message;
mod policy;
mod request;

/// The README's Rust examples, compiled and run as doctests so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use answer::{
    AccessControlEffect, ImpersonationMatchedRule, ImpersonationRoleEffect, MatchedOverride, MobileDeviceAccessEffect,
    MobileDeviceAccessMatchedRule,
};
pub use diagnostic::{ErrorCode, Finding, Position, Problem, Severity, MAX_FINDINGS};
pub use model::OrganizationFile;
pub use organization::{Effect, Organization};
pub use policy::{
    AccessAnswer, CompileError, ImpersonationAnswer, MobileAnswer, Policy, PreparedAccess, PreparedImpersonation,
    PreparedMobile, MAX_ACCESS_RULES, MAX_ADDRESS_RANGES, MAX_MASK_BYTES, MAX_MOBILE_RULES, MAX_ROLE_RULES,
};
pub use request::{
    AccessRequest, ImpersonationRequest, MobileRequest, OwnedAccessRequest, OwnedImpersonationRequest,
    OwnedMobileRequest, RequestError,
};
