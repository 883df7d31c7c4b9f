//! `wmpolicy-aws`: the live bridge between Amazon WorkMail and the `workmail-policy` engine.
//!
//! - `snapshot` reads an organization's rules, overrides, impersonation roles and users through the official SDK
//!   into one organization file that the core (and `wmpolicy`) loads unchanged.
//! - `verify` asks the service's simulate calls and the engine the same requests (the core's
//!   [`workmail_policy_fixture::coverage`] set plus a seeded random tail), reports every divergence, and with `--record`
//!   keeps the requests and the service's answers as a fixture that `wmpolicy test` replays offline, long after
//!   the service is gone.
//!
//! This crate only does I/O: which requests to ask, how answers compare and what a fixture holds all live in the
//! core, which never depends on the SDK, an async runtime or TLS.

#![forbid(unsafe_code)]

pub mod args;
pub mod cli;
pub mod convert;
pub mod errors;
pub mod retries;
pub mod service;

pub use cli::{run, Cli, Io};
pub use errors::ServiceError;
pub use retries::{retry_config, timeout_config, RetryReporter};
