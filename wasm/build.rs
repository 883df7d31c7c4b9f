//! Writes the TypeScript interfaces of the organization file's shapes from the library's own description of them
//! (`workmail_policy::load::schema`), so that the package's `.d.ts` cannot restate a member the loader does not
//! read, or miss one it does. `src/types.rs` includes the result; everything else in the `.d.ts` (inputs, answers,
//! findings) is the package's own and written there by hand.

use std::fmt::Write as _;

use workmail_policy::load::schema::{Kind, Shape};
use workmail_policy::model;

/// Each shape's TypeScript name and what it is, for its doc comment.
const INTERFACES: &[(&str, &Shape, &str)] = &[
    (
        "AccessControlRule",
        model::AccessControlRule::SHAPE,
        "`ListAccessControlRules`' `Rules` items and `PutAccessControlRule`'s members.",
    ),
    ("MobileDeviceAccessRule", model::MobileDeviceAccessRule::SHAPE, "`ListMobileDeviceAccessRules`' `Rules` items."),
    (
        "MobileDeviceAccessOverride",
        model::MobileDeviceAccessOverride::SHAPE,
        "`ListMobileDeviceAccessOverrides`' `Overrides` items.",
    ),
    ("ImpersonationRule", model::ImpersonationRule::SHAPE, "One of an impersonation role's `Rules`."),
    ("ImpersonationRole", model::ImpersonationRole::SHAPE, "`GetImpersonationRole`'s response."),
    ("User", model::User::SHAPE, "`ListUsers`' `Users` items."),
    (
        "OrganizationFile",
        model::OrganizationFile::SHAPE,
        "An organization file, as `wmpolicy` reads and `load` returns it. A missing list means a new organization's.",
    ),
];

fn type_name(shape: &Shape) -> &'static str {
    INTERFACES.iter().find(|(_, s, _)| *s == shape).map_or("Record<string, unknown>", |(name, _, _)| name)
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut ts = String::from(
        "\n/** A timestamp as written: epoch seconds (aws CLI v1) or ISO-8601 text (aws CLI v2). */\n\
         export type Timestamp = number | string;\n",
    );
    for (name, shape, doc) in INTERFACES {
        let _ = write!(ts, "\n/** {doc} */\nexport interface {name} {{\n");
        for member in shape.members {
            let ty = match member.kind {
                Kind::Text => "string".to_string(),
                Kind::TextList => "string[]".to_string(),
                Kind::Timestamp => "Timestamp".to_string(),
                Kind::Record(inner) => type_name(inner).to_string(),
                Kind::RecordList(inner) => format!("{}[]", type_name(inner)),
            };
            // Every member is optional as the loader reads it: a missing required member is a validation finding
            // with its path, not a type error.
            let _ = writeln!(ts, "  {}?: {ty};", member.name);
        }
        ts.push_str("}\n");
    }
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("shapes.d.ts");
    std::fs::write(&out, ts).expect("OUT_DIR is writable");
}
