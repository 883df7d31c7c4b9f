//! Checking an organization file against everything `Put`/`Create`/`Update` would reject (SEMANTICS 4).
//!
//! Validation walks the file once, applies the service model's constraints from [`crate::constraints`] to every
//! member, then the rules that span members: quotas, duplicate names and ids, overrides given twice, identifiers
//! the directory does not know. It reports every problem, not the first, and only when there are no errors does it
//! produce the checked [`Organization`] the evaluators read.
//!
//! Warnings flag what the service accepts but is likely a mistake: a CIDR with host bits set, an action outside the
//! documented seven, a mobile value that looks like a glob (matching is by prefix; `*` and `?` are literal).

use std::collections::{HashMap, HashSet};

use ipnet::Ipv4Net;

use crate::constraints::{self as c, EnumShape, ListShape, StringShape};
use crate::diagnostic::{quote, ErrorCode, Finding, Findings};
use crate::model::{self, OrganizationFile};
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
    pub findings: Vec<Finding>,
    pub organization: Option<Organization>,
}

impl Validation {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

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
/// ([`crate::policy::identity`]), so that validation and queries agree on which user an identifier names.
struct Directory(Identities);

impl Directory {
    fn new(users: Option<&[DirectoryUser]>) -> Self {
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

struct Checker {
    errors: Findings,
    warnings: Findings,
    options: Options,
}

impl Checker {
    fn error(&mut self, path: &str, code: ErrorCode, message: String) {
        self.errors.push(Finding::error(path, code, message));
    }

    fn warn(&mut self, path: &str, code: ErrorCode, message: String) {
        self.warnings.push(Finding::warning(path, code, message));
    }

    /// A member that must be present, checked against `shape`; `""` stands in when it is missing or broken.
    fn required(&mut self, path: &str, value: Option<&String>, shape: StringShape, operation: &str) -> String {
        match value {
            Some(v) => self.string(path, v, shape),
            None => {
                let member = path.rsplit('.').next().unwrap_or(path);
                self.error(
                    path,
                    ErrorCode::InvalidParameterException,
                    format!("`{member}` is required by {operation}"),
                );
                String::new()
            }
        }
    }

    fn optional(&mut self, path: &str, value: Option<&String>, shape: StringShape) -> Option<String> {
        value.map(|v| self.string(path, v, shape))
    }

    fn string(&mut self, path: &str, value: &str, shape: StringShape) -> String {
        if let Err(violation) = shape.check(value) {
            let message = format!("{} {violation} ({})", quote(value), shape.name);
            self.error(path, ErrorCode::InvalidParameterException, message);
        }
        value.to_string()
    }

    fn effect(&mut self, path: &str, value: Option<&String>, shape: EnumShape, operation: &str) -> Effect {
        let effect = self.enumeration(path, value, shape, operation);
        Effect::parse(&effect).unwrap_or(Effect::Deny)
    }

    fn enumeration(&mut self, path: &str, value: Option<&String>, shape: EnumShape, operation: &str) -> String {
        match value {
            Some(v) if shape.contains(v) => v.clone(),
            Some(v) => {
                let message = format!("{} is not one of {} ({})", quote(v), shape.values.join(", "), shape.name);
                self.error(path, ErrorCode::InvalidParameterException, message);
                v.clone()
            }
            None => {
                let member = path.rsplit('.').next().unwrap_or(path);
                self.error(
                    path,
                    ErrorCode::InvalidParameterException,
                    format!("`{member}` is required by {operation}"),
                );
                String::new()
            }
        }
    }

    /// A list member: its length against `list`, each item against `item`. Missing and empty both give `[]`.
    fn list(&mut self, path: &str, value: Option<&Vec<String>>, list: ListShape, item: StringShape) -> Vec<String> {
        let Some(values) = value else { return Vec::new() };
        self.list_length(path, values.len(), list, ErrorCode::InvalidParameterException);
        values.iter().enumerate().map(|(i, v)| self.string(&format!("{path}[{i}]"), v, item)).collect()
    }

    fn list_length(&mut self, path: &str, len: usize, shape: ListShape, code: ErrorCode) {
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
        self.error(path, code, problem);
    }

    /// A count over a per-organization quota: an error, or a warning when quotas are relaxed.
    fn quota(&mut self, path: &str, len: usize, quota: usize, what: &str) {
        if len > quota {
            let message = format!("{len} {what}; the service allows at most {quota} per organization");
            if self.options.enforce_quotas {
                self.error(path, ErrorCode::LimitExceededException, message);
            } else {
                self.warn(path, ErrorCode::LimitExceededException, message);
            }
        }
    }

    /// A count over what this tool analyses: an error even with quotas relaxed, because the engine refuses it.
    fn engine_limit(&mut self, path: &str, len: usize, limit: usize, what: &str) {
        if len > limit {
            let message = format!("{len} {what}; this tool analyses at most {limit} (the service allows far fewer)");
            self.error(path, ErrorCode::LimitExceededException, message);
        }
    }

    fn known_user(&mut self, path: &str, identifier: &str, directory: &Directory) {
        if directory.resolve(identifier) == Some(None) {
            let message =
                format!("{identifier:?} names no user of the directory (no user has it as ID, email or name)");
            self.error(path, ErrorCode::EntityNotFoundException, message);
        }
    }

    fn users(&mut self, users: &[model::User]) -> Vec<DirectoryUser> {
        let mut checked = Vec::with_capacity(users.len());
        let mut owners: HashMap<&str, usize> = HashMap::new();
        for (i, user) in users.iter().enumerate() {
            let path = format!("Users[{i}]");
            let id = self.required(&format!("{path}.Id"), user.id.as_ref(), c::WORKMAIL_IDENTIFIER, "ListUsers");
            let email = self.optional(&format!("{path}.Email"), user.email.as_ref(), c::EMAIL_ADDRESS);
            let name = self.optional(&format!("{path}.Name"), user.name.as_ref(), c::USER_NAME);
            self.optional(&format!("{path}.DisplayName"), user.display_name.as_ref(), c::STRING);
            if user.state.is_some() {
                self.enumeration(&format!("{path}.State"), user.state.as_ref(), c::ENTITY_STATE, "ListUsers");
            }
            if user.user_role.is_some() {
                self.enumeration(&format!("{path}.UserRole"), user.user_role.as_ref(), c::USER_ROLE, "ListUsers");
            }
            // Each identifier must name one user, or resolving it would be a guess.
            for (member, key) in [("Id", &user.id), ("Email", &user.email), ("Name", &user.name)] {
                let Some(key) = key.as_deref() else { continue };
                match owners.get(key) {
                    Some(&other) if other != i => {
                        let message = format!(
                            "{key:?} also names Users[{other}]; every ID, email and user name must name one user"
                        );
                        self.error(&format!("{path}.{member}"), ErrorCode::InvalidParameterException, message);
                    }
                    _ => {
                        owners.insert(key, i);
                    }
                }
            }
            checked.push(DirectoryUser { id, email, name, state: user.state.clone() });
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
            let name = self.required(&format!("{path}.Name"), rule.name.as_ref(), c::ACCESS_CONTROL_RULE_NAME, OP);
            if let Some(name) = rule.name.as_deref() {
                if let Some(first) = names.insert(name, i) {
                    let message = format!(
                        "a second rule named {name:?} (first at AccessControlRules[{first}]); {OP} with an existing name replaces that rule, so an organization cannot hold two"
                    );
                    self.error(&format!("{path}.Name"), ErrorCode::InvalidParameterException, message);
                }
            }
            let effect =
                self.effect(&format!("{path}.Effect"), rule.effect.as_ref(), c::ACCESS_CONTROL_RULE_EFFECT, OP);
            self.required(
                &format!("{path}.Description"),
                rule.description.as_ref(),
                c::ACCESS_CONTROL_RULE_DESCRIPTION,
                OP,
            );
            let ip_ranges = self.ip_ranges(&format!("{path}.IpRanges"), rule.ip_ranges.as_ref());
            let not_ip_ranges = self.ip_ranges(&format!("{path}.NotIpRanges"), rule.not_ip_ranges.as_ref());
            // Reported once, at the rule where the total crosses the engine's limit.
            let before = address_ranges;
            address_ranges += ip_ranges.len() + not_ip_ranges.len();
            if before <= policy::MAX_ADDRESS_RANGES && address_ranges > policy::MAX_ADDRESS_RANGES {
                let what = "address ranges in IpRanges and NotIpRanges of all rules up to here";
                self.engine_limit(&path, address_ranges, policy::MAX_ADDRESS_RANGES, what);
            }
            let actions = self.actions(&format!("{path}.Actions"), rule.actions.as_ref());
            let not_actions = self.actions(&format!("{path}.NotActions"), rule.not_actions.as_ref());
            let user_ids = self.user_ids(&format!("{path}.UserIds"), rule.user_ids.as_ref(), directory);
            let not_user_ids = self.user_ids(&format!("{path}.NotUserIds"), rule.not_user_ids.as_ref(), directory);
            let role_ids =
                self.role_ids(&format!("{path}.ImpersonationRoleIds"), rule.impersonation_role_ids.as_ref(), roles);
            let not_role_ids = self.role_ids(
                &format!("{path}.NotImpersonationRoleIds"),
                rule.not_impersonation_role_ids.as_ref(),
                roles,
            );
            checked.push(AccessRule {
                name,
                effect,
                ip_ranges,
                not_ip_ranges,
                actions,
                not_actions,
                user_ids,
                not_user_ids,
                impersonation_role_ids: role_ids,
                not_impersonation_role_ids: not_role_ids,
            });
        }
        checked
    }

    fn ip_ranges(&mut self, path: &str, value: Option<&Vec<String>>) -> Vec<Ipv4Net> {
        let texts = self.list(path, value, c::IP_RANGE_LIST, c::IP_RANGE);
        let mut ranges = Vec::with_capacity(texts.len());
        for (i, text) in texts.iter().enumerate() {
            let Some((address, len)) = c::parse_cidr(text) else { continue };
            let Ok(net) = Ipv4Net::new(address.into(), len) else { continue };
            if net.addr() != net.network() {
                let message = format!(
                    "{text:?} has host bits set; it covers {}, the range its network address starts",
                    net.trunc()
                );
                self.warn(&format!("{path}[{i}]"), ErrorCode::InvalidParameterException, message);
            }
            ranges.push(net.trunc());
        }
        ranges
    }

    fn actions(&mut self, path: &str, value: Option<&Vec<String>>) -> Vec<String> {
        let actions = self.list(path, value, c::ACTIONS_LIST, c::ACCESS_CONTROL_RULE_ACTION);
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
                self.warn(&format!("{path}[{i}]"), ErrorCode::InvalidParameterException, message);
            }
        }
        actions
    }

    fn user_ids(&mut self, path: &str, value: Option<&Vec<String>>, directory: &Directory) -> Vec<String> {
        let ids = self.list(path, value, c::USER_ID_LIST, c::WORKMAIL_IDENTIFIER);
        for (i, id) in ids.iter().enumerate() {
            self.known_user(&format!("{path}[{i}]"), id, directory);
        }
        ids
    }

    fn role_ids(&mut self, path: &str, value: Option<&Vec<String>>, roles: Option<&HashSet<&str>>) -> Vec<String> {
        let ids = self.list(path, value, c::IMPERSONATION_ROLE_ID_LIST, c::IMPERSONATION_ROLE_ID);
        if let Some(roles) = roles {
            for (i, id) in ids.iter().enumerate() {
                if !roles.contains(id.as_str()) {
                    let message = format!("{id:?} is not the id of any loaded impersonation role");
                    self.error(&format!("{path}[{i}]"), ErrorCode::ResourceNotFoundException, message);
                }
            }
        }
        ids
    }

    fn mobile_rules(&mut self, rules: &[model::MobileDeviceAccessRule]) -> Vec<MobileRule> {
        const OP: &str = "CreateMobileDeviceAccessRule";
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
            let id_path = format!("{path}.MobileDeviceAccessRuleId");
            let id =
                self.optional(&id_path, rule.mobile_device_access_rule_id.as_ref(), c::MOBILE_DEVICE_ACCESS_RULE_ID);
            match rule.mobile_device_access_rule_id.as_deref() {
                None => self.warn(
                    &id_path,
                    ErrorCode::InvalidParameterException,
                    "no id: the service assigns one on CreateMobileDeviceAccessRule; answers list this rule by Name only".into(),
                ),
                Some(id) => {
                    if let Some(first) = ids.insert(id, i) {
                        let message = format!("a second rule with id {id:?} (first at MobileDeviceAccessRules[{first}])");
                        self.error(&id_path, ErrorCode::InvalidParameterException, message);
                    }
                }
            }
            let name =
                self.required(&format!("{path}.Name"), rule.name.as_ref(), c::MOBILE_DEVICE_ACCESS_RULE_NAME, OP);
            self.optional(
                &format!("{path}.Description"),
                rule.description.as_ref(),
                c::MOBILE_DEVICE_ACCESS_RULE_DESCRIPTION,
            );
            let effect =
                self.effect(&format!("{path}.Effect"), rule.effect.as_ref(), c::MOBILE_DEVICE_ACCESS_RULE_EFFECT, OP);
            let lists = [
                (&rule.device_types, &rule.not_device_types, c::DEVICE_TYPE_LIST, c::DEVICE_TYPE),
                (&rule.device_models, &rule.not_device_models, c::DEVICE_MODEL_LIST, c::DEVICE_MODEL),
                (
                    &rule.device_operating_systems,
                    &rule.not_device_operating_systems,
                    c::DEVICE_OPERATING_SYSTEM_LIST,
                    c::DEVICE_OPERATING_SYSTEM,
                ),
                (
                    &rule.device_user_agents,
                    &rule.not_device_user_agents,
                    c::DEVICE_USER_AGENT_LIST,
                    c::DEVICE_USER_AGENT,
                ),
            ];
            let mut conditions: [PropertyCondition; 4] = Default::default();
            for (property, (values, not_values, list, item)) in DeviceProperty::ALL.into_iter().zip(lists) {
                let values_path = format!("{path}.{}", property.list_name());
                let not_path = format!("{path}.{}", property.not_list_name());
                conditions[property.index()] = PropertyCondition {
                    values: self.device_values(&values_path, values.as_ref(), list, item),
                    not_values: self.device_values(&not_path, not_values.as_ref(), list, item),
                };
            }
            checked.push(MobileRule { id, name, effect, conditions });
        }
        checked
    }

    fn device_values(
        &mut self,
        path: &str,
        value: Option<&Vec<String>>,
        list: ListShape,
        item: StringShape,
    ) -> Vec<String> {
        let values = self.list(path, value, list, item);
        for (i, value) in values.iter().enumerate() {
            if value.contains(['*', '?']) && value != uncertain::NONE_VALUE {
                let message = format!(
                    "{value:?} contains `*` or `?`, which match only themselves: device values match by case-insensitive prefix, not as globs"
                );
                self.warn(&format!("{path}[{i}]"), ErrorCode::InvalidParameterException, message);
            }
        }
        values
    }

    fn overrides(
        &mut self,
        overrides: &[model::MobileDeviceAccessOverride],
        directory: &Directory,
    ) -> Vec<MobileOverride> {
        const OP: &str = "PutMobileDeviceAccessOverride";
        let mut seen: HashMap<(String, String), usize> = HashMap::new();
        let mut checked = Vec::with_capacity(overrides.len());
        for (i, o) in overrides.iter().enumerate() {
            let path = format!("MobileDeviceAccessOverrides[{i}]");
            let user_id = self.required(&format!("{path}.UserId"), o.user_id.as_ref(), c::ENTITY_IDENTIFIER, OP);
            if o.user_id.is_some() {
                self.known_user(&format!("{path}.UserId"), &user_id, directory);
            }
            let device_id = self.required(&format!("{path}.DeviceId"), o.device_id.as_ref(), c::DEVICE_ID, OP);
            let effect =
                self.effect(&format!("{path}.Effect"), o.effect.as_ref(), c::MOBILE_DEVICE_ACCESS_RULE_EFFECT, OP);
            self.optional(
                &format!("{path}.Description"),
                o.description.as_ref(),
                c::MOBILE_DEVICE_ACCESS_RULE_DESCRIPTION,
            );
            // One override per user and device: the user as the directory resolves it, the device id without case.
            let user_key = match directory.resolve(&user_id) {
                Some(Some(index)) => format!("#{index}"),
                _ => user_id.clone(),
            };
            if let Some(first) = seen.insert((user_key, device_id.to_ascii_lowercase()), i) {
                let message = format!(
                    "a second override for user {user_id:?} and device {device_id:?} (first at MobileDeviceAccessOverrides[{first}]); device ids compare without case"
                );
                self.error(&path, ErrorCode::InvalidParameterException, message);
            }
            checked.push(MobileOverride { user_id, device_id, effect });
        }
        checked
    }

    fn roles(&mut self, roles: &[model::ImpersonationRole], directory: &Directory) -> Vec<ImpersonationRole> {
        const OP: &str = "CreateImpersonationRole";
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut checked = Vec::with_capacity(roles.len());
        for (i, role) in roles.iter().enumerate() {
            let path = format!("ImpersonationRoles[{i}]");
            let id_path = format!("{path}.ImpersonationRoleId");
            let id = self.required(
                &id_path,
                role.impersonation_role_id.as_ref(),
                c::IMPERSONATION_ROLE_ID,
                "GetImpersonationRole",
            );
            if let Some(id) = role.impersonation_role_id.as_deref() {
                if let Some(first) = ids.insert(id, i) {
                    let message = format!("a second role with id {id:?} (first at ImpersonationRoles[{first}])");
                    self.error(&id_path, ErrorCode::InvalidParameterException, message);
                }
            }
            let name = self.required(&format!("{path}.Name"), role.name.as_ref(), c::IMPERSONATION_ROLE_NAME, OP);
            let role_type = match self
                .enumeration(&format!("{path}.Type"), role.role_type.as_ref(), c::IMPERSONATION_ROLE_TYPE, OP)
                .as_str()
            {
                "READ_ONLY" => RoleType::ReadOnly,
                _ => RoleType::FullAccess,
            };
            self.optional(&format!("{path}.Description"), role.description.as_ref(), c::IMPERSONATION_ROLE_DESCRIPTION);
            let rules_path = format!("{path}.Rules");
            let rules = match &role.rules {
                None => {
                    self.error(
                        &rules_path,
                        ErrorCode::InvalidParameterException,
                        format!("`Rules` is required by {OP}"),
                    );
                    Vec::new()
                }
                Some(rules) => self.role_rules(&rules_path, rules, directory),
            };
            checked.push(ImpersonationRole { id, name, role_type, rules });
        }
        checked
    }

    fn role_rules(
        &mut self,
        path: &str,
        rules: &[model::ImpersonationRule],
        directory: &Directory,
    ) -> Vec<ImpersonationRule> {
        const OP: &str = "CreateImpersonationRole";
        self.quota(path, rules.len(), c::IMPERSONATION_RULE_LIST.max, "rules in one impersonation role");
        self.engine_limit(path, rules.len(), policy::MAX_ROLE_RULES, "rules in one impersonation role");
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut checked = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            let path = format!("{path}[{i}]");
            let id_path = format!("{path}.ImpersonationRuleId");
            let id = self.required(&id_path, rule.impersonation_rule_id.as_ref(), c::IMPERSONATION_RULE_ID, OP);
            if let Some(id) = rule.impersonation_rule_id.as_deref() {
                if let Some(first) = ids.insert(id, i) {
                    let message = format!("a second rule with id {id:?} in this role (first at index {first})");
                    self.error(&id_path, ErrorCode::InvalidParameterException, message);
                }
            }
            let name = self.optional(&format!("{path}.Name"), rule.name.as_ref(), c::IMPERSONATION_RULE_NAME);
            self.optional(&format!("{path}.Description"), rule.description.as_ref(), c::IMPERSONATION_RULE_DESCRIPTION);
            let effect = self.effect(&format!("{path}.Effect"), rule.effect.as_ref(), c::ACCESS_EFFECT, OP);
            let targets = |this: &mut Self, member: &str, value: Option<&Vec<String>>| {
                let list_path = format!("{path}.{member}");
                let users = this.list(&list_path, value, c::TARGET_USERS, c::ENTITY_IDENTIFIER);
                for (j, user) in users.iter().enumerate() {
                    this.known_user(&format!("{list_path}[{j}]"), user, directory);
                }
                users
            };
            let target_users = targets(self, "TargetUsers", rule.target_users.as_ref());
            let not_target_users = targets(self, "NotTargetUsers", rule.not_target_users.as_ref());
            checked.push(ImpersonationRule { id, name, effect, target_users, not_target_users });
        }
        checked
    }
}
