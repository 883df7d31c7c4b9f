//! `wmpolicy diff --format sarif`: each changed region (or role) as a result, placed at the rule that decides the
//! new answer there, in the new file; where no rule of the new organization decides it (the region's new answer
//! is an error, or the deciding rule was removed), at the rule that decided the old answer, in the old file; and
//! otherwise at the new file as a whole.

use std::collections::HashMap;

use serde_json::json;
use workmail_policy::analyse::diff::Diff;
use workmail_policy::analyse::Outcome;
use workmail_policy::load::Place;
use workmail_policy::Organization;

use crate::sarif::{self, Location, Rule};
use crate::ReadInputs;

/// The two organizations compared, each with what places its entries, and its file's name.
pub struct Sides<'a> {
    pub old: (&'a Organization, &'a ReadInputs, &'a str),
    pub new: (&'a Organization, &'a ReadInputs, &'a str),
}

/// One rule per simulate call.
pub fn rules() -> Vec<Rule> {
    let rule = |id, description| Rule { id, description, level: "warning" };
    vec![
        rule("AccessChanged", "GetAccessControlEffect answers these requests differently."),
        rule("MobileChanged", "GetMobileDeviceAccessEffect answers these devices differently."),
        rule("ImpersonationChanged", "GetImpersonationRoleEffect answers this role differently."),
    ]
}

/// Where each change of `diff` is, in the order [`results`] lists them.
pub fn places(diff: &Diff, sides: &Sides) -> Vec<Option<Place>> {
    let mut cache: HashMap<(bool, String), Option<Place>> = HashMap::new();
    let mut place = |new: bool, merged: Option<String>| -> Option<Place> {
        let merged = merged?;
        let (_, read, _) = if new { sides.new } else { sides.old };
        cache.entry((new, merged.clone())).or_insert_with(|| read.place(&merged)).clone()
    };
    let (old, new) = (sides.old.0, sides.new.0);
    let mut out = Vec::new();
    for change in diff.access.iter().flatten() {
        let rule = |org: &Organization, outcome: &Outcome<workmail_policy::AccessControlEffect>| match outcome {
            Outcome::Answer(answer) => answer.matched_rules.first().and_then(|name| {
                org.access_control_rules
                    .iter()
                    .position(|r| r.name == *name)
                    .map(|i| format!("AccessControlRules[{i}]"))
            }),
            Outcome::Error(_) => None,
        };
        let found = place(true, rule(new, &change.new)).or_else(|| place(false, rule(old, &change.old)));
        out.push(found);
    }
    for change in diff.mobile.iter().flatten() {
        let rule = |org: &Organization, outcome: &Outcome<workmail_policy::MobileDeviceAccessEffect>| match outcome {
            Outcome::Answer(answer) => match (&answer.matched_override, answer.matched_rules.first()) {
                (Some(o), _) => org
                    .mobile_device_access_overrides
                    .iter()
                    .position(|m| m.user_id == o.user_id && m.device_id == o.device_id)
                    .map(|i| format!("MobileDeviceAccessOverrides[{i}]")),
                (None, Some(matched)) => org
                    .mobile_device_access_rules
                    .iter()
                    .position(|r| r.name == matched.name)
                    .map(|i| format!("MobileDeviceAccessRules[{i}]")),
                (None, None) => None,
            },
            Outcome::Error(_) => None,
        };
        let found = place(true, rule(new, &change.new)).or_else(|| place(false, rule(old, &change.old)));
        out.push(found);
    }
    for role in diff.impersonation.iter().flatten() {
        let index = |org: &Organization| {
            org.impersonation_roles.as_ref()?.iter().position(|r| r.id == role.impersonation_role_id)
        };
        let found = place(true, index(new).map(|i| format!("ImpersonationRoles[{i}]")))
            .or_else(|| place(false, index(old).map(|i| format!("ImpersonationRoles[{i}]"))));
        out.push(found);
    }
    out
}

/// The simulate call of each rule.
const OPERATIONS: [&str; 3] = ["GetAccessControlEffect", "GetMobileDeviceAccessEffect", "GetImpersonationRoleEffect"];

/// Each change as a result, at its place (`places`, in the same order).
pub fn results<'a>(diff: &Diff, places: &'a [Option<Place>]) -> Vec<sarif::Result<'a>> {
    let messages = diff
        .access
        .iter()
        .flatten()
        .map(|change| (0, change.to_string()))
        .chain(diff.mobile.iter().flatten().map(|change| (1, change.to_string())))
        .chain(diff.impersonation.iter().flatten().map(|role| (2, role.to_string())));
    messages
        .zip(places)
        .map(|((rule, message), place)| sarif::Result {
            rule,
            level: "warning",
            message,
            location: Location {
                file: place.as_ref().map(|place| place.file.as_str()),
                position: place.as_ref().and_then(|place| place.position),
                path: place.as_ref().map_or("", |place| place.path.as_str()),
            },
            properties: json!({ "operation": OPERATIONS[rule] }),
        })
        .collect()
}
