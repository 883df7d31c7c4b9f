//! The SDK's types to the core's: rules, overrides, roles and users to [`workmail_policy::model`] (what an
//! organization file holds), and the simulate calls' outputs to the service's response JSON (what a fixture
//! keeps and [`workmail_policy_fixture::compare`] reads).
//!
//! Conversion keeps what the service said: a member the service left out stays out (`None`), an empty list stays
//! empty. Timestamps are written as ISO-8601 text (`2024-02-01T08:30:00Z`), the form aws CLI v2 prints, which the
//! core reads unchanged; a date the text form cannot express falls back to epoch seconds.

use aws_sdk_workmail::operation::get_access_control_effect::GetAccessControlEffectOutput;
use aws_sdk_workmail::operation::get_impersonation_role::GetImpersonationRoleOutput;
use aws_sdk_workmail::operation::get_impersonation_role_effect::GetImpersonationRoleEffectOutput;
use aws_sdk_workmail::operation::get_mobile_device_access_effect::GetMobileDeviceAccessEffectOutput;
use aws_sdk_workmail::primitives::{DateTime, DateTimeFormat};
use aws_sdk_workmail::types;
use serde_json::{Map, Value};
use workmail_policy::model;

fn timestamp(time: Option<DateTime>) -> Option<model::Timestamp> {
    let time = time?;
    Some(match time.fmt(DateTimeFormat::DateTime) {
        Ok(text) => model::Timestamp::Text(text),
        Err(_) => model::Timestamp::Epoch(time.secs().into()),
    })
}

pub fn access_control_rule(rule: types::AccessControlRule) -> model::AccessControlRule {
    model::AccessControlRule {
        name: rule.name,
        effect: rule.effect.map(|e| e.as_str().to_string()),
        description: rule.description,
        ip_ranges: rule.ip_ranges,
        not_ip_ranges: rule.not_ip_ranges,
        actions: rule.actions,
        not_actions: rule.not_actions,
        user_ids: rule.user_ids,
        not_user_ids: rule.not_user_ids,
        date_created: timestamp(rule.date_created),
        date_modified: timestamp(rule.date_modified),
        impersonation_role_ids: rule.impersonation_role_ids,
        not_impersonation_role_ids: rule.not_impersonation_role_ids,
    }
}

pub fn mobile_device_access_rule(rule: types::MobileDeviceAccessRule) -> model::MobileDeviceAccessRule {
    model::MobileDeviceAccessRule {
        mobile_device_access_rule_id: rule.mobile_device_access_rule_id,
        name: rule.name,
        description: rule.description,
        effect: rule.effect.map(|e| e.as_str().to_string()),
        device_types: rule.device_types,
        not_device_types: rule.not_device_types,
        device_models: rule.device_models,
        not_device_models: rule.not_device_models,
        device_operating_systems: rule.device_operating_systems,
        not_device_operating_systems: rule.not_device_operating_systems,
        device_user_agents: rule.device_user_agents,
        not_device_user_agents: rule.not_device_user_agents,
        date_created: timestamp(rule.date_created),
        date_modified: timestamp(rule.date_modified),
    }
}

pub fn mobile_device_access_override(o: types::MobileDeviceAccessOverride) -> model::MobileDeviceAccessOverride {
    model::MobileDeviceAccessOverride {
        user_id: o.user_id,
        device_id: o.device_id,
        effect: o.effect.map(|e| e.as_str().to_string()),
        description: o.description,
        date_created: timestamp(o.date_created),
        date_modified: timestamp(o.date_modified),
    }
}

pub fn impersonation_role(role: GetImpersonationRoleOutput) -> model::ImpersonationRole {
    model::ImpersonationRole {
        impersonation_role_id: role.impersonation_role_id,
        name: role.name,
        role_type: role.r#type.map(|t| t.as_str().to_string()),
        description: role.description,
        rules: role.rules.map(|rules| rules.into_iter().map(impersonation_rule).collect()),
        date_created: timestamp(role.date_created),
        date_modified: timestamp(role.date_modified),
    }
}

fn impersonation_rule(rule: types::ImpersonationRule) -> model::ImpersonationRule {
    model::ImpersonationRule {
        impersonation_rule_id: Some(rule.impersonation_rule_id),
        name: rule.name,
        description: rule.description,
        effect: Some(rule.effect.as_str().to_string()),
        target_users: rule.target_users,
        not_target_users: rule.not_target_users,
    }
}

pub fn user(user: types::User) -> model::User {
    model::User {
        id: user.id,
        email: user.email,
        name: user.name,
        display_name: user.display_name,
        state: user.state.map(|s| s.as_str().to_string()),
        user_role: user.user_role.map(|r| r.as_str().to_string()),
        enabled_date: timestamp(user.enabled_date),
        disabled_date: timestamp(user.disabled_date),
        identity_provider_user_id: user.identity_provider_user_id,
        identity_provider_identity_store_id: user.identity_provider_identity_store_id,
    }
}

/// A response object with the members the service set.
fn response(members: impl IntoIterator<Item = (&'static str, Option<Value>)>) -> Value {
    let members: Map<String, Value> =
        members.into_iter().filter_map(|(name, value)| Some((name.to_string(), value?))).collect();
    Value::Object(members)
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(|v| Value::String(v.to_string()))
}

pub fn access_control_effect(output: GetAccessControlEffectOutput) -> Value {
    response([
        ("Effect", text(output.effect.as_ref().map(|e| e.as_str()))),
        ("MatchedRules", output.matched_rules.map(|rules| rules.into_iter().map(Value::String).collect())),
    ])
}

pub fn mobile_device_access_effect(output: GetMobileDeviceAccessEffectOutput) -> Value {
    let rules = output.matched_rules.map(|rules| {
        rules
            .into_iter()
            .map(|r| {
                response([
                    ("MobileDeviceAccessRuleId", text(r.mobile_device_access_rule_id.as_deref())),
                    ("Name", text(r.name.as_deref())),
                ])
            })
            .collect()
    });
    response([("Effect", text(output.effect.as_ref().map(|e| e.as_str()))), ("MatchedRules", rules)])
}

pub fn impersonation_role_effect(output: GetImpersonationRoleEffectOutput) -> Value {
    let rules = output.matched_rules.map(|rules| {
        rules
            .into_iter()
            .map(|r| {
                response([
                    ("ImpersonationRuleId", text(r.impersonation_rule_id.as_deref())),
                    ("Name", text(r.name.as_deref())),
                ])
            })
            .collect()
    });
    response([
        ("Type", text(output.r#type.as_ref().map(|t| t.as_str()))),
        ("Effect", text(output.effect.as_ref().map(|e| e.as_str()))),
        ("MatchedRules", rules),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_workmail::types::{
        AccessControlRuleEffect, MobileDeviceAccessMatchedRule, MobileDeviceAccessRuleEffect,
    };
    use serde_json::json;

    #[test]
    fn timestamps_are_iso_text_and_epoch_when_text_cannot_say_it() {
        assert_eq!(
            timestamp(Some(DateTime::from_secs(1_614_704_932))),
            Some(model::Timestamp::Text("2021-03-02T17:08:52Z".into()))
        );
        // Year 10000 and beyond has no RFC 3339 form.
        assert_eq!(
            timestamp(Some(DateTime::from_secs(253_402_300_800))),
            Some(model::Timestamp::Epoch(253_402_300_800i64.into()))
        );
        assert_eq!(timestamp(None), None);
    }

    #[test]
    fn outputs_become_the_service_response_json_keeping_what_was_left_out() {
        let access = GetAccessControlEffectOutput::builder()
            .effect(AccessControlRuleEffect::Deny)
            .matched_rules("no-imap")
            .build();
        assert_eq!(access_control_effect(access), json!({"Effect": "DENY", "MatchedRules": ["no-imap"]}));
        assert_eq!(access_control_effect(GetAccessControlEffectOutput::builder().build()), json!({}));
        let mobile = GetMobileDeviceAccessEffectOutput::builder()
            .effect(MobileDeviceAccessRuleEffect::Allow)
            .matched_rules(MobileDeviceAccessMatchedRule::builder().mobile_device_access_rule_id("r-1").build())
            .build();
        assert_eq!(
            mobile_device_access_effect(mobile),
            json!({"Effect": "ALLOW", "MatchedRules": [{"MobileDeviceAccessRuleId": "r-1"}]})
        );
    }
}
