//! Argument checks that run while clap parses, before any AWS call: a value the service would refuse (or a file
//! that cannot be read) is a usage error, exit 2, naming the flag and the constraint in words, instead of a call
//! that goes all the way to AWS (or a verify that asks hundreds of questions and then cannot write its fixture).
//!
//! Each function is a clap `value_parser`; clap prints `error: invalid value 'X' for '--flag <V>': MESSAGE`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use workmail_policy::constraints::{StringViolation, ORGANIZATION_ID};

/// The organization ID in words, as every message about it says it.
pub const ORGANIZATION_ID_WORDS: &str =
    "an organization ID is `m-` followed by 32 hex digits, like m-0123456789abcdef0123456789abcdef";

/// `--organization-id`: the service model's `OrganizationId` shape (length 34 to 34, `^m-[0-9a-f]{32}$`), which
/// the core's constraint table holds and checks against the model file (`tests/service_model.rs`).
pub fn organization_id(value: &str) -> Result<String, String> {
    match ORGANIZATION_ID.check(value) {
        Ok(()) => Ok(value.to_string()),
        Err(StringViolation::TooShort { len, .. } | StringViolation::TooLong { len, .. }) => {
            Err(format!("{ORGANIZATION_ID_WORDS} ({} characters in all); this one has {len}", ORGANIZATION_ID.max))
        }
        // The console shows IDs in lower case, but one pasted through a tool that upper-cases is a common slip.
        Err(StringViolation::Pattern { .. })
            if value.starts_with("m-") && value[2..].chars().any(|c| c.is_ascii_uppercase()) =>
        {
            Err(format!("{ORGANIZATION_ID_WORDS}; the hex digits are lower case"))
        }
        Err(StringViolation::Pattern { .. }) => Err(ORGANIZATION_ID_WORDS.to_string()),
    }
}

/// `--region`: a Region name's shape (`eu-west-1`, `us-gov-west-1`). Which Regions WorkMail runs in is the
/// service's business (a wrong one fails to resolve, with a message saying so); a malformed name is ours.
pub fn region(value: &str) -> Result<String, String> {
    let well_formed = value.split('-').count() >= 3
        && value
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.ends_with(|c: char| c.is_ascii_digit());
    if well_formed {
        Ok(value.to_string())
    } else {
        Err("a Region is a name like eu-west-1 (lower-case letters and digits in parts joined by `-`, ending in a \
             number); WorkMail runs in us-east-1, us-west-2 and eu-west-1"
            .to_string())
    }
}

/// `--rate`: calls per second, 0 for no limit. Negative, NaN or infinite used to mean "no limit" silently.
pub fn rate(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err("a rate is a number of calls per second, 0 or more, like 5 or 0.5 (0: no limit)".to_string()),
    }
}

/// `--max-calls`: at least one call, or verify would report on nothing.
pub fn max_calls(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err("the most simulate calls to make: a whole number, 1 or more, like 1000".to_string()),
    }
}

/// The longest `--timeout` taken: a day. Beyond it the value is surely a slip (milliseconds for seconds).
const MAX_TIMEOUT_SECONDS: f64 = 86_400.0;

/// `--timeout`: seconds, more than 0 and at most a day; fractions allowed.
pub fn timeout(value: &str) -> Result<Duration, String> {
    match value.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_TIMEOUT_SECONDS => {
            Ok(Duration::from_secs_f64(seconds))
        }
        _ => Err("a timeout is a number of seconds, more than 0 and at most 86400, like 60".to_string()),
    }
}

/// An input file (`verify --snapshot`): it exists, is a file, and opens for reading. Reading it whole comes later
/// (exit 3 if that fails after all); this catches the typo before any call.
pub fn readable_file(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    match std::fs::metadata(&path) {
        Err(e) => return Err(format!("cannot read {value}: {}", io_words(&e))),
        Ok(meta) if meta.is_dir() => return Err(format!("{value} is a directory; give the organization file in it")),
        Ok(_) => {}
    }
    std::fs::File::open(&path).map_err(|e| format!("cannot read {value}: {}", io_words(&e)))?;
    Ok(path)
}

/// An output file (`--output`, `--record`): not a directory, in a directory that exists. Not created here: a run
/// that fails must not leave an empty file behind.
pub fn writable_path(value: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(value);
    if value.is_empty() {
        return Err("an output file name is needed".to_string());
    }
    if path.is_dir() {
        return Err(format!("{value} is a directory; give a file name in it"));
    }
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(format!("cannot write {value}: the directory {} does not exist", parent.display()));
    }
    Ok(path)
}

/// An I/O error without the `(os error 2)` suffix, which says nothing more to a user.
fn io_words(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_ids_follow_the_service_model() {
        let good = "m-0123456789abcdef0123456789abcdef";
        assert_eq!(organization_id(good).as_deref(), Ok(good));
        for bad in ["acme", "", "m-", "m-0123456789abcdef0123456789abcde", "m-0123456789abcdef0123456789abcdef0"] {
            let message = organization_id(bad).unwrap_err();
            assert!(message.starts_with(ORGANIZATION_ID_WORDS), "{bad}: {message}");
            assert!(message.contains("34 characters"), "{bad}: {message}");
        }
        for bad in ["x-0123456789abcdef0123456789abcdef", "m-0123456789abcdeg0123456789abcdef"] {
            assert_eq!(organization_id(bad).unwrap_err(), ORGANIZATION_ID_WORDS, "{bad}");
        }
        assert!(organization_id("m-0123456789ABCDEF0123456789abcdef").unwrap_err().ends_with("lower case"));
    }

    #[test]
    fn the_shape_is_the_service_models() {
        // The core checks its table against the model; this checks the bridge reads the right entry of it.
        let model: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/workmail-2017-10-01.service-2.json"))
                .expect("the vendored service model");
        let shape = &model["shapes"]["OrganizationId"];
        assert_eq!(shape["pattern"], "^m-[0-9a-f]{32}$");
        assert_eq!(shape["min"].as_u64(), Some(ORGANIZATION_ID.min as u64));
        assert_eq!(shape["max"].as_u64(), Some(ORGANIZATION_ID.max as u64));
        assert_eq!(ORGANIZATION_ID.name, "OrganizationId");
    }

    #[test]
    fn regions_rates_counts_and_timeouts() {
        for good in ["eu-west-1", "us-east-1", "us-gov-west-1", "eu-isoe-west-1"] {
            assert!(region(good).is_ok(), "{good}");
        }
        for bad in ["", "eu", "EU-WEST-1", "eu-west", "eu west 1", "eu--west-1", "-eu-west-1"] {
            assert!(region(bad).is_err(), "{bad}");
        }
        assert_eq!(rate("0"), Ok(0.0));
        assert_eq!(rate("2.5"), Ok(2.5));
        for bad in ["-1", "NaN", "inf", "fast", ""] {
            assert!(rate(bad).is_err(), "{bad}");
        }
        assert_eq!(max_calls("1"), Ok(1));
        assert!(max_calls("0").is_err() && max_calls("-3").is_err());
        assert_eq!(timeout("60"), Ok(Duration::from_secs(60)));
        assert_eq!(timeout("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-1", "NaN", "inf", "86401", "1m"] {
            assert!(timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn files_are_checked_before_any_call() {
        let dir = env!("CARGO_MANIFEST_DIR");
        assert!(readable_file(&format!("{dir}/Cargo.toml")).is_ok());
        assert_eq!(readable_file("/nonexistent/x.json").unwrap_err(), "cannot read /nonexistent/x.json: no such file");
        assert!(readable_file(dir).unwrap_err().contains("is a directory"));
        assert!(writable_path("out.json").is_ok(), "the current directory");
        assert!(writable_path(&format!("{dir}/new.json")).is_ok());
        assert_eq!(
            writable_path("/nonexistent/x.json").unwrap_err(),
            "cannot write /nonexistent/x.json: the directory /nonexistent does not exist"
        );
        assert!(writable_path(dir).unwrap_err().contains("is a directory"));
    }
}
