//! Checking an organization file against everything `Put`/`Create`/`Update` would reject (SEMANTICS 4).
//!
//! Validation walks the file once. Each record's members are checked against their entries in the shape's table
//! ([`crate::load::schema`]: required by which operation, and the string, list or enum shape of
//! [`crate::constraints`]) by one generic walk, `Checker::record`; nothing here restates a member's constraint.
//! What spans members is written here by hand, run as the walk passes the member it is about, so that findings
//! come in document order: quotas, duplicate names and ids, overrides given twice, identifiers the directory does
//! not know. It reports every problem, not the first, and only when there are no errors does it produce the
//! checked [`Organization`] the evaluators read.
//!
//! Warnings flag what the service accepts but is likely a mistake: a CIDR with host bits set, an action outside the
//! documented seven, a mobile value that looks like a glob (matching is by prefix; `*` and `?` are literal).

use std::collections::{HashMap, HashSet};

use ipnet::Ipv4Net;

use crate::constraints::{self as c, EnumShape, ListShape, StringShape};
use crate::diagnostic::{quote, Finding, Findings, Problem};
use crate::load::schema::{Constraint, Member, MemberValue, Record};
use crate::model::{self, OrganizationFile, Timestamp};
use crate::organization::*;
use crate::policy::identity::{Identities, Lookup};
use crate::{policy, uncertain};

/// How strictly to validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Whether rule counts over the per-organization quota (SEMANTICS 4) are errors. Turn off to analyse larger,
    /// synthetic rule sets; they are then reported as warnings.
    pub enforce_quotas: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { enforce_quotas: true }
    }
}

/// The outcome of validation: every finding, and the checked organization when no finding is an error.
#[derive(Debug, Clone)]
pub struct Validation {
    /// Errors first, then warnings, each in document order.
    pub findings: Vec<Finding>,
    /// The checked organization, when no finding is an error.
    pub organization: Option<Organization>,
}

impl Validation {
    /// The findings that are errors.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

    /// Whether any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

/// Validates `file` and, when it holds no errors, returns the checked organization with it.
///
/// ```
/// use workmail_policy::{load, validate};
///
/// let file = load::parse(br#"{"AccessControlRules": [
///     {"Name": "office", "Effect": "ALLOW", "Description": "", "IpRanges": ["10.1.2.3/8"]}
/// ]}"#).unwrap();
/// let validation = validate::validate(&file, &validate::Options::default());
/// assert!(!validation.has_errors());
/// assert_eq!(validation.findings[0].path, "AccessControlRules[0].IpRanges[0]");
/// assert!(validation.findings[0].message.contains("host bits"));
/// ```
pub fn validate(file: &OrganizationFile, options: &Options) -> Validation {
    let mut checker = Checker { errors: Findings::default(), warnings: Findings::default(), options: *options };
    let users = file.users.as_ref().map(|users| checker.users(users));
    let roles_known: Option<HashSet<&str>> = file
        .impersonation_roles
        .as_ref()
        .map(|roles| roles.iter().filter_map(|r| r.impersonation_role_id.as_deref()).collect());
    let directory = Directory::new(users.as_deref());

    let access = match &file.access_control_rules {
        None => vec![AccessRule::default_rule()],
        Some(rules) => checker.access_rules(rules, &directory, roles_known.as_ref()),
    };
    let mobile = match &file.mobile_device_access_rules {
        None => vec![MobileRule::default_rule()],
        Some(rules) => checker.mobile_rules(rules),
    };
    let overrides =
        file.mobile_device_access_overrides.as_ref().map_or_else(Vec::new, |o| checker.overrides(o, &directory));
    let roles = file.impersonation_roles.as_ref().map(|roles| checker.roles(roles, &directory));

    let has_errors = checker.errors.has_errors();
    // Errors first, then warnings, each in document order.
    let mut findings = checker.errors.into_vec();
    findings.append(&mut checker.warnings.into_vec());
    let organization = (!has_errors).then_some(Organization {
        access_control_rules: access,
        mobile_device_access_rules: mobile,
        mobile_device_access_overrides: overrides,
        impersonation_roles: roles,
        users,
    });
    Validation { findings, organization }
}

/// The directory as far as validated, for checking identifiers that rules name: indexed as the engine indexes it
/// ([`crate::policy::identity`]), so that validation and queries agree on which user an identifier names. With
/// the standard library's keyed hasher: validation is the first thing to see a file, and a directory crafted so
/// that its identifiers collide must not make it quadratic.
struct Directory<'u>(Identities<'u, std::collections::hash_map::RandomState>);

impl<'u> Directory<'u> {
    fn new(users: Option<&'u [DirectoryUser]>) -> Self {
        Directory(Identities::of_directory(users))
    }

    /// The user `identifier` names: `Some(Some(i))`, `Some(None)` when the directory lacks it, `None` without one.
    fn resolve(&self, identifier: &str) -> Option<Option<usize>> {
        match self.0.lookup(identifier) {
            Lookup::Slot(user) => Some(Some(user as usize)),
            Lookup::Unknown => Some(None),
            Lookup::Unlisted => None,
        }
    }
}

/// The validation pass's state: what it found so far.
struct Checker {
    errors: Findings,
    warnings: Findings,
    options: Options,
}

/// What happens after one member of a record is checked against its table entry: the checks that span members.
type After<'r, 's> = &'r mut dyn FnMut(&mut Checker, &'static Member, &str, MemberValue<'s>);

impl Checker {
    fn error(&mut self, path: &str, problem: Problem, message: String) {
        self.errors.push(Finding::error(path, problem, message));
    }

    fn warn(&mut self, path: &str, problem: Problem, message: String) {
        self.warnings.push(Finding::warning(path, problem, message));
    }

    /// Checks every member of `record`, at `path`, against its entry in the shape's table, in the table's order;
    /// after each member, `after` runs with the member, its path and its value.
    fn record<'s, R: Record>(&mut self, path: &str, record: &'s R, after: After<'_, 's>) {
        for (member, value) in R::SHAPE.members.iter().zip(record.values()) {
            let at = format!("{path}.{}", member.name);
            self.member(&at, member, value);
            after(self, member, &at, value);
        }
    }

    /// One member against its table entry: required, and its string, enum, list or timestamp shape.
    fn member(&mut self, path: &str, member: &Member, value: MemberValue) {
        match (value, member.constraint) {
            (MemberValue::Text(None), _)
            | (MemberValue::TextList(None), _)
            | (MemberValue::Timestamp(None), _)
            | (MemberValue::Records(None), _) => {
                if let Some(operation) = member.required_by {
                    let message = format!("`{}` is required by {operation}", member.name);
                    self.error(path, Problem::MissingMember, message);
                }
            }
            (MemberValue::Text(Some(text)), Constraint::Text(shape)) => self.string(path, text, shape),
            (MemberValue::Text(Some(text)), Constraint::OneOf(shape)) => self.enumeration(path, text, shape),
            (MemberValue::TextList(Some(items)), Constraint::List(list, item)) => self.list(path, items, list, item),
            // Epoch seconds are any number; text must be a real instant.
            (MemberValue::Timestamp(Some(Timestamp::Text(text))), Constraint::Instant) if !c::is_instant(text) => {
                let message = format!(
                    "{} is not a timestamp: write epoch seconds or an ISO-8601 instant such as 2021-03-02T17:08:52Z, \
                     with a date that exists",
                    quote(text)
                );
                self.error(path, Problem::InvalidValue, message);
            }
            _ => {}
        }
    }

    fn string(&mut self, path: &str, value: &str, shape: StringShape) {
        if let Err(violation) = shape.check(value) {
            let message = format!("{} {violation} ({})", quote(value), shape.name);
            self.error(path, Problem::InvalidValue, message);
        }
    }

    fn enumeration(&mut self, path: &str, value: &str, shape: EnumShape) {
        if !shape.contains(value) {
            let message = format!("{} is not one of {} ({})", quote(value), shape.values.join(", "), shape.name);
            self.error(path, Problem::InvalidValue, message);
        }
    }

    /// A list member: its length against `list`, each item against `item`.
    fn list(&mut self, path: &str, values: &[String], list: ListShape, item: StringShape) {
        self.list_length(path, values.len(), list);
        for (i, value) in values.iter().enumerate() {
            self.string(&format!("{path}[{i}]"), value, item);
        }
    }

    fn list_length(&mut self, path: &str, len: usize, shape: ListShape) {
        let problem = if len < shape.min {
            format!(
                "holds {len} entries; the service requires at least {} ({}); omit the member instead",
                shape.min, shape.name
            )
        } else if len > shape.max {
            format!("holds {len} entries; the service allows at most {} ({})", shape.max, shape.name)
        } else {
            return;
        };
        self.error(path, Problem::InvalidValue, problem);
    }

    /// A count over a per-organization quota: an error, or a warning when quotas are relaxed.
    fn quota(&mut self, path: &str, len: usize, quota: usize, what: &str) {
        if len > quota {
            let message = format!("{len} {what}; the service allows at most {quota} per organization");
            if self.options.enforce_quotas {
                self.error(path, Problem::OverQuota, message);
            } else {
                self.warn(path, Problem::OverQuota, message);
            }
        }
    }

    /// A count over what this tool analyses: an error even with quotas relaxed, because the engine refuses it.
    fn engine_limit(&mut self, path: &str, len: usize, limit: usize, what: &str) {
        if len > limit {
            let message = format!("{len} {what}; this tool analyses at most {limit} (the service allows far fewer)");
            self.error(path, Problem::OverEngineLimit, message);
        }
    }

    fn known_user(&mut self, path: &str, identifier: &str, directory: &Directory) {
        if directory.resolve(identifier) == Some(None) {
            let message =
                format!("{identifier:?} names no user of the directory (no user has it as ID, email or name)");
            self.error(path, Problem::UnknownUser, message);
        }
    }

    /// Each entry of a list of user identifiers must name a user of the directory, when there is one.
    fn known_users(&mut self, path: &str, value: MemberValue, directory: &Directory) {
        if let MemberValue::TextList(Some(users)) = value {
            for (i, user) in users.iter().enumerate() {
                self.known_user(&format!("{path}[{i}]"), user, directory);
            }
        }
    }

    fn users(&mut self, users: &[model::User]) -> Vec<DirectoryUser> {
        let mut checked = Vec::with_capacity(users.len());
        let mut owners: HashMap<&str, usize> = HashMap::new();
        for (i, user) in users.iter().enumerate() {
            let path = format!("Users[{i}]");
            self.record(&path, user, &mut |_, _, _, _| {});
            // Each identifier must name one user, or resolving it would be a guess.
            for (member, key) in [("Id", &user.id), ("Email", &user.email), ("Name", &user.name)] {
                let Some(key) = key.as_deref() else { continue };
                match owners.get(key) {
                    Some(&other) if other != i => {
                        let message = format!(
                            "{key:?} also names Users[{other}]; every ID, email and user name must name one user"
                        );
                        self.error(&format!("{path}.{member}"), Problem::DuplicateIdentifier, message);
                    }
                    _ => {
                        owners.insert(key, i);
                    }
                }
            }
            checked.push(DirectoryUser {
                id: user.id.clone().unwrap_or_default(),
                email: user.email.clone(),
                name: user.name.clone(),
                state: user.state.clone(),
            });
        }
        checked
    }

    fn access_rules(
        &mut self,
        rules: &[model::AccessControlRule],
        directory: &Directory,
        roles: Option<&HashSet<&str>>,
    ) -> Vec<AccessRule> {
        const OP: &str = "PutAccessControlRule";
        self.quota("AccessControlRules", rules.len(), c::ACCESS_CONTROL_RULES_LIST.max, "access-control rules");
        self.engine_limit("AccessControlRules", rules.len(), policy::MAX_ACCESS_RULES, "access-control rules");
        let mut address_ranges = 0;
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut checked = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            let path = format!("AccessControlRules[{i}]");
            let (mut ip_ranges, mut not_ip_ranges) = (Vec::new(), Vec::new());
            self.record(&path, rule, &mut |this, member, at, value| match member.name {
                "Name" => {
                    if let Some(name) = rule.name.as_deref() {
                        if let Some(first) = names.insert(name, i) {
                            let message = format!(
                                "a second rule named {name:?} (first at AccessControlRules[{first}]); {OP} with an existing name replaces that rule, so an organization cannot hold two"
                            );
                            this.error(at, Problem::DuplicateRule, message);
                        }
                    }
                }
                "IpRanges" => ip_ranges = this.ip_ranges(at, value),
                "NotIpRanges" => {
                    not_ip_ranges = this.ip_ranges(at, value);
                    // Reported once, at the rule where the total crosses the engine's limit.
                    let before = address_ranges;
                    address_ranges += ip_ranges.len() + not_ip_ranges.len();
                    if before <= policy::MAX_ADDRESS_RANGES && address_ranges > policy::MAX_ADDRESS_RANGES {
                        let what = "address ranges in IpRanges and NotIpRanges of all rules up to here";
                        this.engine_limit(&path, address_ranges, policy::MAX_ADDRESS_RANGES, what);
                    }
                }
                "Actions" | "NotActions" => this.actions(at, value),
                "UserIds" | "NotUserIds" => this.known_users(at, value, directory),
                "ImpersonationRoleIds" | "NotImpersonationRoleIds" => this.known_roles(at, value, roles),
                _ => {}
            });
            checked.push(AccessRule {
                name: rule.name.clone().unwrap_or_default(),
                effect: effect(&rule.effect),
                ip_ranges,
                not_ip_ranges,
                actions: rule.actions.clone().unwrap_or_default(),
                not_actions: rule.not_actions.clone().unwrap_or_default(),
                user_ids: rule.user_ids.clone().unwrap_or_default(),
                not_user_ids: rule.not_user_ids.clone().unwrap_or_default(),
                impersonation_role_ids: rule.impersonation_role_ids.clone().unwrap_or_default(),
                not_impersonation_role_ids: rule.not_impersonation_role_ids.clone().unwrap_or_default(),
            });
        }
        checked
    }

    /// The ranges of an `IpRanges` list that parse (the others are errors already), with a warning for each that
    /// has host bits set.
    fn ip_ranges(&mut self, path: &str, value: MemberValue) -> Vec<Ipv4Net> {
        let MemberValue::TextList(Some(texts)) = value else { return Vec::new() };
        let mut ranges = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let Some((address, len)) = c::parse_cidr(text) else { continue };
            let Ok(net) = Ipv4Net::new(address.into(), len) else { continue };
            if net.addr() != net.network() {
                let message = format!(
                    "{text:?} has host bits set; it covers {}, the range its network address starts",
                    net.trunc()
                );
                self.warn(&format!("{path}[{i}]"), Problem::HostBitsSet, message);
            }
            ranges.push(net.trunc());
        }
        ranges
    }

    /// Warns of each well-formed action that is not one of the documented ones.
    fn actions(&mut self, path: &str, value: MemberValue) {
        let MemberValue::TextList(Some(actions)) = value else { return };
        for (i, action) in actions.iter().enumerate() {
            if c::ACCESS_CONTROL_RULE_ACTION.check(action).is_ok()
                && !uncertain::DOCUMENTED_ACTIONS.contains(&action.as_str())
            {
                let mut message = format!(
                    "{action:?} is not one of the documented actions ({}); it matches only requests that spell it exactly",
                    uncertain::DOCUMENTED_ACTIONS.join(", ")
                );
                if let Some(near) = crate::diagnostic::nearest(action, uncertain::DOCUMENTED_ACTIONS) {
                    message.push_str(&format!("; did you mean {near:?}?"));
                }
                self.warn(&format!("{path}[{i}]"), Problem::UndocumentedAction, message);
            }
        }
    }

    /// Each entry of a list of role ids must be the id of a loaded role, when roles were loaded.
    fn known_roles(&mut self, path: &str, value: MemberValue, roles: Option<&HashSet<&str>>) {
        let (MemberValue::TextList(Some(ids)), Some(roles)) = (value, roles) else { return };
        for (i, id) in ids.iter().enumerate() {
            if !roles.contains(id.as_str()) {
                let message = format!("{id:?} is not the id of any loaded impersonation role");
                self.error(&format!("{path}[{i}]"), Problem::UnknownRole, message);
            }
        }
    }

    fn mobile_rules(&mut self, rules: &[model::MobileDeviceAccessRule]) -> Vec<MobileRule> {
        self.quota(
            "MobileDeviceAccessRules",
            rules.len(),
            c::MOBILE_DEVICE_ACCESS_RULES_LIST.max,
            "mobile-device access rules",
        );
        self.engine_limit(
            "MobileDeviceAccessRules",
            rules.len(),
            policy::MAX_MOBILE_RULES,
            "mobile-device access rules",
        );
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut checked = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            let path = format!("MobileDeviceAccessRules[{i}]");
            self.record(&path, rule, &mut |this, member, at, value| match (member.name, value) {
                ("MobileDeviceAccessRuleId", _) => match rule.mobile_device_access_rule_id.as_deref() {
                    None => this.warn(
                        at,
                        Problem::NoRuleId,
                        "no id: the service assigns one on CreateMobileDeviceAccessRule; answers list this rule by Name only".into(),
                    ),
                    Some(id) => {
                        if let Some(first) = ids.insert(id, i) {
                            let message =
                                format!("a second rule with id {id:?} (first at MobileDeviceAccessRules[{first}])");
                            this.error(at, Problem::DuplicateRule, message);
                        }
                    }
                },
                // Every list of a mobile rule is a list of device values.
                (_, MemberValue::TextList(Some(values))) => this.device_values(at, values),
                _ => {}
            });
            let lists = [
                (&rule.device_types, &rule.not_device_types),
                (&rule.device_models, &rule.not_device_models),
                (&rule.device_operating_systems, &rule.not_device_operating_systems),
                (&rule.device_user_agents, &rule.not_device_user_agents),
            ];
            let mut conditions: [PropertyCondition; 4] = Default::default();
            for (property, (values, not_values)) in DeviceProperty::ALL.into_iter().zip(lists) {
                conditions[property.index()] = PropertyCondition {
                    values: values.clone().unwrap_or_default(),
                    not_values: not_values.clone().unwrap_or_default(),
                };
            }
            checked.push(MobileRule {
                id: rule.mobile_device_access_rule_id.clone(),
                name: rule.name.clone().unwrap_or_default(),
                effect: effect(&rule.effect),
                conditions,
            });
        }
        checked
    }

    /// Warns of device values that look like globs.
    fn device_values(&mut self, path: &str, values: &[String]) {
        for (i, value) in values.iter().enumerate() {
            if value.contains(['*', '?']) && value != uncertain::NONE_VALUE {
                let message = format!(
                    "{value:?} contains `*` or `?`, which match only themselves: device values match by case-insensitive prefix, not as globs"
                );
                self.warn(&format!("{path}[{i}]"), Problem::GlobInDeviceValue, message);
            }
        }
    }

    fn overrides(
        &mut self,
        overrides: &[model::MobileDeviceAccessOverride],
        directory: &Directory,
    ) -> Vec<MobileOverride> {
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        let mut checked = Vec::with_capacity(overrides.len());
        for (i, o) in overrides.iter().enumerate() {
            let path = format!("MobileDeviceAccessOverrides[{i}]");
            self.record(&path, o, &mut |this, member, at, value| {
                if let ("UserId", MemberValue::Text(Some(user))) = (member.name, value) {
                    this.known_user(at, user, directory);
                }
            });
            let user_id = o.user_id.clone().unwrap_or_default();
            let device_id = o.device_id.clone().unwrap_or_default();
            // One override per user and device: the user as the directory resolves it, the device id without case.
            let user_key = match directory.resolve(&user_id) {
                Some(Some(index)) => format!("#{index}"),
                _ => user_id.clone(),
            };
            if let Some(first) = seen.insert((user_key, device_id.to_ascii_lowercase()), i) {
                let message = format!(
                    "a second override for user {user_id:?} and device {device_id:?} (first at MobileDeviceAccessOverrides[{first}]); device ids compare without case"
                );
                self.error(&path, Problem::DuplicateOverride, message);
            }
            checked.push(MobileOverride { user_id, device_id, effect: effect(&o.effect) });
        }
        checked
    }

    fn roles(&mut self, roles: &[model::ImpersonationRole], directory: &Directory) -> Vec<ImpersonationRole> {
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut checked = Vec::with_capacity(roles.len());
        for (i, role) in roles.iter().enumerate() {
            let path = format!("ImpersonationRoles[{i}]");
            let mut rules = Vec::new();
            self.record(&path, role, &mut |this, member, at, _| match member.name {
                "ImpersonationRoleId" => {
                    if let Some(id) = role.impersonation_role_id.as_deref() {
                        if let Some(first) = ids.insert(id, i) {
                            let message =
                                format!("a second role with id {id:?} (first at ImpersonationRoles[{first}])");
                            this.error(at, Problem::DuplicateRule, message);
                        }
                    }
                }
                "Rules" => {
                    if let Some(role_rules) = &role.rules {
                        rules = this.role_rules(at, role_rules, directory);
                    }
                }
                _ => {}
            });
            let role_type = match role.role_type.as_deref() {
                Some("READ_ONLY") => RoleType::ReadOnly,
                _ => RoleType::FullAccess,
            };
            checked.push(ImpersonationRole {
                id: role.impersonation_role_id.clone().unwrap_or_default(),
                name: role.name.clone().unwrap_or_default(),
                role_type,
                rules,
            });
        }
        checked
    }

    fn role_rules(
        &mut self,
        path: &str,
        rules: &[model::ImpersonationRule],
        directory: &Directory,
    ) -> Vec<ImpersonationRule> {
        self.quota(path, rules.len(), c::IMPERSONATION_RULE_LIST.max, "rules in one impersonation role");
        self.engine_limit(path, rules.len(), policy::MAX_ROLE_RULES, "rules in one impersonation role");
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut checked = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            let path = format!("{path}[{i}]");
            self.record(&path, rule, &mut |this, member, at, value| match member.name {
                "ImpersonationRuleId" => {
                    if let Some(id) = rule.impersonation_rule_id.as_deref() {
                        if let Some(first) = ids.insert(id, i) {
                            let message = format!("a second rule with id {id:?} in this role (first at index {first})");
                            this.error(at, Problem::DuplicateRule, message);
                        }
                    }
                }
                "TargetUsers" | "NotTargetUsers" => this.known_users(at, value, directory),
                _ => {}
            });
            checked.push(ImpersonationRule {
                id: rule.impersonation_rule_id.clone().unwrap_or_default(),
                name: rule.name.clone(),
                effect: effect(&rule.effect),
                target_users: rule.target_users.clone().unwrap_or_default(),
                not_target_users: rule.not_target_users.clone().unwrap_or_default(),
            });
        }
        checked
    }
}

/// The effect as written; what stands in for a missing or unknown one does not matter, because that is an error
/// and no organization is produced.
fn effect(value: &Option<String>) -> Effect {
    value.as_deref().and_then(Effect::parse).unwrap_or(Effect::Deny)
}

#[cfg(test)]
mod tests;
