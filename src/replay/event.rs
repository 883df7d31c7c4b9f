//! One audit-log event: read from a record in any of the three shapes, and mapped to the simulate call it was
//! (SEMANTICS 6.2 and 6.3).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{LogShape, MAX_EVENT_BYTES};
use crate::batch::Request;
use crate::request::{AccessRequest, ImpersonationRequest};
use crate::uncertain;

/// An access-control event's fields (SEMANTICS 6.2), as the log holds them. Every field is optional here;
/// [`Event::replayable`] says which ones a replay needs, and names a missing one. Other members of the event are
/// ignored: the service may add fields, and none of them changes a verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event<'a> {
    /// `event_timestamp`: milliseconds since the epoch.
    pub event_timestamp: Option<i64>,
    /// `request_id`.
    pub request_id: Option<Cow<'a, str>>,
    /// `user_id`: the authenticated user, or the impersonated target.
    pub user_id: Option<Cow<'a, str>>,
    /// `impersonator_id`: present only when impersonation was used.
    pub impersonator_id: Option<Cow<'a, str>>,
    /// `protocol`: one of the seven rule actions, or `IncomingEmail` / `OutgoingEmail`.
    pub protocol: Option<Cow<'a, str>>,
    /// `source_ip`.
    pub source_ip: Option<Cow<'a, str>>,
    /// `scope`: `AccessControl`, `DeviceAccessControl` or `ImpersonationAccessControl`.
    pub scope: Option<Cow<'a, str>>,
    /// `rule_id`: the matched rule; absent when no rule matched.
    pub rule_id: Option<Cow<'a, str>>,
    /// `access_granted`.
    pub access_granted: Option<bool>,
}

/// Why a record is not an event: the message says what is wrong, naming the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(pub String);

impl fmt::Display for Unreadable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which simulate call a replayable event is (SEMANTICS 6.3); reported separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// `scope` `AccessControl` by a user: `GetAccessControlEffect` with `UserId`.
    AccessControl,
    /// `scope` `AccessControl` with `impersonator_id`: `GetAccessControlEffect` with `ImpersonationRoleId`.
    ImpersonatedAccessControl,
    /// `scope` `ImpersonationAccessControl`: `GetImpersonationRoleEffect`.
    ImpersonationAccessControl,
}

impl Class {
    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::AccessControl => "AccessControl",
            Class::ImpersonatedAccessControl => "ImpersonatedAccessControl",
            Class::ImpersonationAccessControl => "ImpersonationAccessControl",
        }
    }
}

/// Why an event is counted but not judged (SEMANTICS 6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skip {
    /// `scope` `DeviceAccessControl`: the event has no device properties to ask with.
    DeviceAccessControl,
    /// `protocol` `IncomingEmail` or `OutgoingEmail`: mail flow, which no rule governs.
    MailFlow,
}

/// What a replay does with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replayable<'e> {
    /// Ask the engine this request, and compare with `access_granted` and `rule_id`.
    Judge {
        /// The event's class.
        class: Class,
        /// The simulate call.
        request: Request<'e>,
        /// `access_granted`.
        granted: bool,
    },
    /// Count the event, do not judge it.
    Skip(Skip),
    /// The event lacks what a replay needs, or holds a value no event can: the message names the member.
    Unreadable(Unreadable),
    /// The event's protocol is none of those the rules govern (the seven actions) nor mail flow.
    UngovernedProtocol,
}

impl<'a> Event<'a> {
    /// Reads one record's text in the log's shape. The event borrows from `text` where the text allows, and from
    /// `scratch` for an event that a page holds as a JSON string (`filter-log-events`' `message`, Logs Insights'
    /// `@message`).
    ///
    /// ```
    /// use workmail_policy::replay::{Event, LogShape};
    ///
    /// let row = br#"[{"field": "user_id", "value": "S-1-5-18-0001"}, {"field": "access_granted", "value": "0"}]"#;
    /// let mut scratch = String::new();
    /// let event = Event::read(row, LogShape::QueryResults, &mut scratch).unwrap();
    /// assert_eq!(event.user_id.as_deref(), Some("S-1-5-18-0001"));
    /// assert_eq!(event.access_granted, Some(false));
    /// ```
    pub fn read(text: &'a [u8], shape: LogShape, scratch: &'a mut String) -> Result<Event<'a>, Unreadable> {
        if text.len() > MAX_EVENT_BYTES {
            return Err(too_long());
        }
        match shape {
            LogShape::EventLines => Event::read_line(text),
            LogShape::FilterLogEvents => {
                let message = from_json(text, MessageVisitor, b'{', "an element of `events`: a JSON object")?;
                event_from_message(message, "message", scratch)
            }
            LogShape::QueryResults => {
                let row = from_json(text, RowVisitor, b'[', "a row of `results`: a JSON list")?;
                match row.message {
                    Some(message) => event_from_message(message, "@message", scratch),
                    None => Ok(row.event),
                }
            }
        }
    }

    /// Reads one event line ([`LogShape::EventLines`]), borrowing from it where the JSON has no escapes.
    pub fn read_line(text: &'a [u8]) -> Result<Event<'a>, Unreadable> {
        if text.len() > MAX_EVENT_BYTES {
            return Err(too_long());
        }
        match super::plain::scan(text) {
            Some(event) => Ok(event),
            None => Event::read_line_in_full(text),
        }
    }

    /// [`Event::read_line`] without the plain-line shortcut: serde_json and the event visitor, for every line.
    /// Public for the tests and the fuzz target that hold the shortcut to it.
    #[doc(hidden)]
    pub fn read_line_in_full(text: &'a [u8]) -> Result<Event<'a>, Unreadable> {
        from_json(text, EventVisitor, b'{', "an event: a JSON object")
    }

    /// The event's simulate call (SEMANTICS 6.3), or why it is not judged.
    pub fn replayable(&self) -> Replayable<'_> {
        let missing = |member: &str| Replayable::Unreadable(Unreadable(format!("`{member}` is missing")));
        let Some(scope) = self.scope.as_deref() else { return missing("scope") };
        let Some(granted) = self.access_granted else { return missing("access_granted") };
        let Some(user_id) = self.user_id.as_deref() else { return missing("user_id") };
        match scope {
            "DeviceAccessControl" => Replayable::Skip(Skip::DeviceAccessControl),
            "AccessControl" => {
                let Some(protocol) = self.protocol.as_deref() else { return missing("protocol") };
                if uncertain::MAIL_FLOW_PROTOCOLS.contains(&protocol) {
                    return Replayable::Skip(Skip::MailFlow);
                }
                if !uncertain::DOCUMENTED_ACTIONS.contains(&protocol) {
                    return Replayable::UngovernedProtocol;
                }
                let Some(source_ip) = self.source_ip.as_deref() else { return missing("source_ip") };
                let (class, request) = match self.impersonator_id.as_deref() {
                    None => (
                        Class::AccessControl,
                        AccessRequest {
                            ip_address: source_ip,
                            action: protocol,
                            user_id: Some(user_id),
                            ..Default::default()
                        },
                    ),
                    Some(role) => (
                        Class::ImpersonatedAccessControl,
                        AccessRequest {
                            ip_address: source_ip,
                            action: uncertain::IMPERSONATED_ACCESS_ACTION,
                            impersonation_role_id: Some(role),
                            ..Default::default()
                        },
                    ),
                };
                Replayable::Judge { class, request: Request::Access(request), granted }
            }
            "ImpersonationAccessControl" => {
                let Some(role) = self.impersonator_id.as_deref() else { return missing("impersonator_id") };
                let request = ImpersonationRequest { impersonation_role_id: role, target_user: user_id };
                Replayable::Judge {
                    class: Class::ImpersonationAccessControl,
                    request: Request::Impersonation(request),
                    granted,
                }
            }
            other => Replayable::Unreadable(Unreadable(format!(
                "`scope` is `{}`, none of AccessControl, DeviceAccessControl and ImpersonationAccessControl",
                shorten(other)
            ))),
        }
    }
}

fn too_long() -> Unreadable {
    Unreadable(format!("the event is longer than {MAX_EVENT_BYTES} bytes, the most read"))
}

/// A value quoted in a message, cut to a readable length.
pub(crate) fn shorten(value: &str) -> Cow<'_, str> {
    const MOST: usize = 80;
    match value.char_indices().nth(MOST) {
        Some((end, _)) => Cow::Owned(format!("{}…", &value[..end])),
        None => Cow::Borrowed(value),
    }
}

/// Reads `text` with `visitor`, which expects a JSON value starting with `opening` (`{` or `[`): anything else is
/// refused as not `what`, rather than with the parser's first complaint (`expected ident` for `not json`).
fn from_json<'a, V: Visitor<'a>>(text: &'a [u8], visitor: V, opening: u8, what: &str) -> Result<V::Value, Unreadable> {
    if text.iter().find(|byte| !byte.is_ascii_whitespace()) != Some(&opening) {
        return Err(Unreadable(format!("not {what}")));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = deserializer.deserialize_any(visitor).map_err(json_error)?;
    deserializer.end().map_err(json_error)?;
    Ok(value)
}

/// serde_json's message without its `at line 1 column N`: a record is one line of its own, not of the input.
fn json_error(error: serde_json::Error) -> Unreadable {
    let text = error.to_string();
    let text = match text.rfind(" at line ") {
        Some(at) => &text[..at],
        None => &text,
    };
    let text = if error.is_eof() { "the event ends early" } else { text };
    Unreadable(format!("not an event: {text}"))
}

fn event_from_message<'a>(
    message: Cow<'a, str>,
    member: &str,
    scratch: &'a mut String,
) -> Result<Event<'a>, Unreadable> {
    let text: &'a str = match message {
        Cow::Borrowed(text) => text,
        Cow::Owned(text) => {
            *scratch = text;
            scratch
        }
    };
    from_json(text.as_bytes(), EventVisitor, b'{', "an event: a JSON object")
        .map_err(|Unreadable(why)| Unreadable(format!("`{member}`: {why}")))
}

/// A string, borrowed from the input when it has no escapes.
struct Text<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// `event_timestamp`: a number, or (Logs Insights) its digits as a string.
struct Millis(i64);

impl<'de> de::Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MillisVisitor;
        impl Visitor<'_> for MillisVisitor {
            type Value = Millis;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("milliseconds since the epoch")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Millis, E> {
                Ok(Millis(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Millis, E> {
                i64::try_from(v).map(Millis).map_err(|_| E::custom("a timestamp past the year 292 million"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Millis, E> {
                if v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Ok(Millis(v as i64))
                } else {
                    Err(E::custom(format!("{v} is not a whole number of milliseconds")))
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Millis, E> {
                millis_of_text(v).map(Millis).ok_or_else(|| E::custom(format!("`{}` is not a number", shorten(v))))
            }
        }
        deserializer.deserialize_any(MillisVisitor)
    }
}

fn millis_of_text(text: &str) -> Option<i64> {
    text.parse::<i64>().ok()
}

/// `access_granted`: `true`/`false`, or (Logs Insights, or a string-typed pipeline) `"true"`/`"false"`/`"1"`/`"0"`.
struct Granted(bool);

impl<'de> de::Deserialize<'de> for Granted {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GrantedVisitor;
        impl Visitor<'_> for GrantedVisitor {
            type Value = Granted;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Granted, E> {
                Ok(Granted(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Granted, E> {
                match v {
                    0 | 1 => Ok(Granted(v == 1)),
                    _ => Err(E::custom(format!("{v} is neither true nor false"))),
                }
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Granted, E> {
                granted_of_text(v)
                    .map(Granted)
                    .ok_or_else(|| E::custom(format!("`{}` is neither true nor false", shorten(v))))
            }
        }
        deserializer.deserialize_any(GrantedVisitor)
    }
}

fn granted_of_text(text: &str) -> Option<bool> {
    match text {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// The members an event is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Timestamp,
    RequestId,
    UserId,
    ImpersonatorId,
    Protocol,
    SourceIp,
    Scope,
    RuleId,
    AccessGranted,
}

impl Field {
    /// How many fields there are: the length of an array indexed by `field as usize`.
    pub(super) const COUNT: usize = Field::AccessGranted as usize + 1;

    pub(super) fn named(name: &str) -> Option<Field> {
        // By length first, then one comparison of fixed length (a few word compares, no `memcmp` call): the full
        // reader asks this for every member of every event it reads.
        fn is<const N: usize>(name: &[u8], candidate: &[u8; N]) -> bool {
            <&[u8; N]>::try_from(name).is_ok_and(|name| name == candidate)
        }
        let name = name.as_bytes();
        let field = match name.len() {
            5 if is(name, b"scope") => Field::Scope,
            7 if is(name, b"user_id") => Field::UserId,
            7 if is(name, b"rule_id") => Field::RuleId,
            8 if is(name, b"protocol") => Field::Protocol,
            9 if is(name, b"source_ip") => Field::SourceIp,
            10 if is(name, b"request_id") => Field::RequestId,
            14 if is(name, b"access_granted") => Field::AccessGranted,
            15 if is(name, b"event_timestamp") => Field::Timestamp,
            15 if is(name, b"impersonator_id") => Field::ImpersonatorId,
            _ => return None,
        };
        Some(field)
    }

    /// The event's member for this field, when it holds text.
    pub(super) fn text<'e, 'a>(self, event: &'e mut Event<'a>) -> Option<&'e mut Option<Cow<'a, str>>> {
        Some(match self {
            Field::RequestId => &mut event.request_id,
            Field::UserId => &mut event.user_id,
            Field::ImpersonatorId => &mut event.impersonator_id,
            Field::Protocol => &mut event.protocol,
            Field::SourceIp => &mut event.source_ip,
            Field::Scope => &mut event.scope,
            Field::RuleId => &mut event.rule_id,
            Field::Timestamp | Field::AccessGranted => return None,
        })
    }

    fn is_set(self, event: &Event) -> bool {
        match self {
            Field::Timestamp => event.event_timestamp.is_some(),
            Field::AccessGranted => event.access_granted.is_some(),
            Field::RequestId => event.request_id.is_some(),
            Field::UserId => event.user_id.is_some(),
            Field::ImpersonatorId => event.impersonator_id.is_some(),
            Field::Protocol => event.protocol.is_some(),
            Field::SourceIp => event.source_ip.is_some(),
            Field::Scope => event.scope.is_some(),
            Field::RuleId => event.rule_id.is_some(),
        }
    }
}

fn duplicate<E: de::Error>(name: &str) -> E {
    E::custom(format!("`{name}` appears twice"))
}

/// An event object: its known members, each once; `null` is the member left out.
struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Event<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event<'de>, A::Error> {
        let mut event = Event::default();
        let mut seen = [false; Field::COUNT];
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let Some(field) = Field::named(&name) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[field as usize], true) {
                return Err(duplicate(&name));
            }
            let context = |error: A::Error| de::Error::custom(format!("`{name}`: {error}"));
            match field {
                Field::Timestamp => {
                    event.event_timestamp = map.next_value::<Option<Millis>>().map_err(context)?.map(|m| m.0)
                }
                Field::AccessGranted => {
                    event.access_granted = map.next_value::<Option<Granted>>().map_err(context)?.map(|g| g.0)
                }
                _ => {
                    let value = map.next_value::<Option<Text<'de>>>().map_err(context)?.map(|t| t.0);
                    if let Some(slot) = field.text(&mut event) {
                        *slot = value;
                    }
                }
            }
        }
        Ok(event)
    }
}

/// A `filter-log-events` element: its `message`, the event as JSON text.
struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an element of `events`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Cow<'de, str>, A::Error> {
        let mut message = None;
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            if name == "message" {
                if message.is_some() {
                    return Err(duplicate("message"));
                }
                let Text(text) = map.next_value().map_err(|e| de::Error::custom(format!("`message`: {e}")))?;
                message = Some(text);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        message.ok_or_else(|| de::Error::custom("`message` is missing"))
    }
}

/// A Logs Insights row: its fields, or its `@message` when the query kept the whole event.
struct Row<'a> {
    event: Event<'a>,
    message: Option<Cow<'a, str>>,
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Row<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row of `results`: a list of {\"field\", \"value\"}")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Row<'de>, A::Error> {
        let mut row = Row { event: Event::default(), message: None };
        while let Some(FieldValue { field, value }) = seq.next_element::<FieldValue<'de>>()? {
            if field == "@message" {
                if row.message.is_some() {
                    return Err(duplicate("@message"));
                }
                row.message = Some(value);
                continue;
            }
            let Some(known) = Field::named(&field) else { continue };
            if known.is_set(&row.event) {
                return Err(duplicate(&field));
            }
            match known {
                Field::Timestamp => {
                    let millis = millis_of_text(&value).ok_or_else(|| {
                        de::Error::custom(format!("`{field}`: `{}` is not a number", shorten(&value)))
                    })?;
                    row.event.event_timestamp = Some(millis);
                }
                Field::AccessGranted => {
                    let granted = granted_of_text(&value).ok_or_else(|| {
                        de::Error::custom(format!("`{field}`: `{}` is neither true nor false", shorten(&value)))
                    })?;
                    row.event.access_granted = Some(granted);
                }
                _ => {
                    if let Some(slot) = known.text(&mut row.event) {
                        *slot = Some(value);
                    }
                }
            }
        }
        Ok(row)
    }
}

/// One `{"field": …, "value": …}` of a Logs Insights row.
struct FieldValue<'a> {
    field: Cow<'a, str>,
    value: Cow<'a, str>,
}

impl<'de> de::Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldValueVisitor;
        impl<'de> Visitor<'de> for FieldValueVisitor {
            type Value = FieldValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("{\"field\": …, \"value\": …}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldValue<'de>, A::Error> {
                let (mut field, mut value) = (None, None);
                while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
                    let slot = match &*name {
                        "field" => &mut field,
                        "value" => &mut value,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    if slot.is_some() {
                        return Err(duplicate(&name));
                    }
                    let Text(text) = map.next_value().map_err(|e| de::Error::custom(format!("`{name}`: {e}")))?;
                    *slot = Some(text);
                }
                let field = field.ok_or_else(|| de::Error::custom("`field` is missing"))?;
                let value = value.ok_or_else(|| de::Error::custom(format!("`{field}` has no `value`")))?;
                Ok(FieldValue { field, value })
            }
        }
        deserializer.deserialize_map(FieldValueVisitor)
    }
}
