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
//! [`load`] also keeps each input document in the shape it came in ([`load::Document`]), which [`format`](mod@format) writes
//! back canonically (`wmpolicy fmt`). Reading holds every input to [`load::Limits`], and the engine to the caps
//! in [`policy`], so that no input crashes, hangs or exhausts memory.
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

pub mod analyse;
pub mod answer;
pub mod batch;
pub mod constraints;
pub mod diagnostic;
pub mod format;
mod hash;
pub mod load;
pub mod model;
pub mod organization;
pub mod policy;
/// The reference evaluator: the simulate calls transcribed from SEMANTICS.md, with no index. The engine is tested
/// against it; public with the `testing` feature, for the shells' and the fuzzers' comparisons.
#[cfg(feature = "testing")]
pub mod reference;
#[cfg(not(feature = "testing"))]
mod reference;
pub mod request;
#[cfg(feature = "testing")]
pub mod testing;
pub mod uncertain;
pub mod validate;

/// The README's Rust examples, compiled and run as doctests so the README cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use diagnostic::{ErrorCode, Finding, Severity};
pub use model::OrganizationFile;
pub use organization::{Effect, Organization};
pub use policy::{CompileError, Policy};
pub use request::{
    AccessRequest, ImpersonationRequest, MobileRequest, OwnedAccessRequest, OwnedImpersonationRequest,
    OwnedMobileRequest, RequestError,
};
