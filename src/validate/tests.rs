//! One test per validation check, each asserting the path and the error code (SEMANTICS 4).

use super::*;
use crate::diagnostic::Severity;
use crate::load;

/// Validates `json` with `options`; the file must load.
fn validate_with(json: &str, options: Options) -> Validation {
    let file = load::parse(json.as_bytes()).unwrap_or_else(|findings| panic!("{json} does not load: {findings:?}"));
    validate(&file, &options)
}

/// The findings of `json` validated with the default options, as (path, code, severity).
fn found(json: &str) -> Vec<(String, ErrorCode, Severity)> {
    validate_with(json, Options::default()).findings.into_iter().map(|f| (f.path, f.code, f.severity)).collect()
}

fn error(path: &str, code: ErrorCode) -> (String, ErrorCode, Severity) {
    (path.to_string(), code, Severity::Error)
}

use ErrorCode::InvalidParameterException as Invalid;

#[test]
fn s4_timestamps_given_as_text_must_be_real_instants() {
    for bad in ["yesterday", "", "2021-02-30T00:00:00Z", "2021-13-01T00:00:00Z"] {
        let json = format!(
            r#"{{"AccessControlRules": [{{"Name": "a", "Effect": "ALLOW", "Description": "", "DateCreated": "{bad}"}}]}}"#
        );
        assert_eq!(found(&json), [error("AccessControlRules[0].DateCreated", Invalid)], "{bad:?}");
    }
    let users = r#"{"Users": [{"Id": "S-1-5-18-0001", "EnabledDate": "2021-02-29T00:00:00Z",
                               "DisabledDate": "2020-02-29T00:00:00.5+01:00"}]}"#;
    assert_eq!(found(users), [error("Users[0].EnabledDate", Invalid)]);
    let fine = r#"{"MobileDeviceAccessOverrides": [{"UserId": "alice", "DeviceId": "d1", "Effect": "DENY",
                    "DateCreated": 1614704932.5, "DateModified": "2021-03-02T17:08:52-05:00"}],
                   "ImpersonationRoles": [{"ImpersonationRoleId": "r", "Name": "n", "Type": "READ_ONLY", "Rules": [],
                    "DateModified": "2021-03-02t17:08:52z"}]}"#;
    assert_eq!(found(fine), []);
}
