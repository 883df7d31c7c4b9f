//! Pass 2: every member of every document against its shape's table ([`super::schema`]), streaming.
//!
//! The check reports every problem at once, each with its path: an unknown member (with the nearest known one
//! suggested), a value of the wrong JSON type, a member written twice in one object, and counts over the
//! [`Limits`]. What the shapes allow is kept as it is read, in the small intermediate form of [`Node`]; values
//! the shapes do not allow are skipped without being stored.

use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::schema::{Kind, Shape};
use super::{describe, drain_map, drain_seq, Limits, Value};
use crate::diagnostic::{nearest, Finding, Findings, Problem};

/// The check pass's state: where it is, what it found, and the counts held to the limits.
pub(super) struct Context {
    /// The path of the value being read, prefixed with `(document N) ` when the input holds several.
    pub(super) path: String,
    pub(super) findings: Findings,
    limits: Limits,
    records: usize,
    list_items: usize,
}

impl Context {
    /// A context that continues `findings` (pass 1's, empty when it got this far).
    pub(super) fn new(findings: Findings, limits: Limits) -> Context {
        Context { path: String::new(), findings, limits, records: 0, list_items: 0 }
    }

    fn type_error(&mut self, found: Value, kind: Kind) {
        let expected = match kind {
            Kind::Record(_) => "an object",
            Kind::Text => "a string",
            Kind::Timestamp => "a timestamp (epoch seconds or ISO-8601 text)",
            Kind::TextList | Kind::RecordList(_) => "a list",
        };
        self.findings.push_error_with(|| {
            let message = format!("is {}; expected {expected}", describe(found));
            Finding::error(self.path.clone(), Problem::WrongType, message)
        });
    }

    /// Counts one more record or list item; false (with a finding, once) when that goes over its limit.
    fn count(&mut self, record: bool) -> bool {
        let (count, limit, what, field) = if record {
            (&mut self.records, self.limits.max_records, "records (rules, overrides, roles and users)", "max_records")
        } else {
            (&mut self.list_items, self.limits.max_list_items, "list entries", "max_list_items")
        };
        *count += 1;
        if *count == limit + 1 {
            let message = format!("the input holds more than {limit} {what}; this is as many as one input may hold (load::Limits::{field})");
            self.findings.push(Finding::error(self.path.clone(), Problem::InputLimit, message));
        }
        *count <= limit
    }
}

/// The second pass over one value: checks it against `kind`, reporting into the context, and keeps it when it is
/// what `kind` allows (`None` when it is not; the context then holds a finding about it).
pub(super) struct Check<'c> {
    pub(super) context: &'c mut Context,
    pub(super) kind: Kind,
}

/// A value the check pass kept: JSON reduced to what the shapes hold.
pub(super) enum Node {
    /// A string, or a timestamp written as ISO-8601 text.
    Text(String),
    /// A timestamp written as epoch seconds.
    Epoch(serde_json::Number),
    /// A list of strings.
    TextList(Vec<String>),
    /// An object of a known shape.
    Record(Object),
    /// A list of objects of one shape.
    RecordList(Vec<Object>),
}

/// An object of one shape: the members it wrote, by their index in the shape's table.
pub(crate) struct Object {
    pub(super) shape: &'static Shape,
    pub(super) members: Vec<(usize, Node)>,
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = Option<Node>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Option<Node>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = Option<Node>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member of the service's shapes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Node>, A::Error> {
        let Kind::Record(shape) = self.kind else {
            self.context.type_error(Value::Object, self.kind);
            return drain_map(map).map(|()| None);
        };
        let mut members = Vec::new();
        // Which known members this object has written; no shape has more than 64.
        let mut seen = 0u64;
        while let Some(key) = map.next_key::<String>()? {
            let mark = self.context.path.len();
            if !self.context.path.is_empty() && !self.context.path.ends_with(' ') {
                self.context.path.push('.');
            }
            self.context.path.push_str(&key);
            match shape.members.iter().position(|member| member.name == key) {
                Some(index) => {
                    let twice = seen & (1 << index) != 0;
                    if twice {
                        let path = &self.context.path;
                        self.context.findings.push_error_with(|| {
                            let message = format!(
                                "`{key}` is written twice in one object; a JSON reader keeps one and silently drops \
                                 the other, so remove the one you do not mean"
                            );
                            Finding::error(path.clone(), Problem::DuplicateMember, message)
                        });
                    }
                    seen |= 1 << index;
                    let kind = shape.members[index].kind;
                    // The second of a member written twice is checked (and reported above), not kept.
                    match map.next_value_seed(Check { context: self.context, kind })? {
                        Some(node) if !twice => members.push((index, node)),
                        _ => {}
                    }
                }
                None => {
                    let path = &self.context.path;
                    self.context.findings.push_error_with(|| {
                        Finding::error(path.clone(), Problem::UnknownMember, unknown_member(&key, shape))
                    });
                    map.next_value::<IgnoredAny>()?;
                }
            }
            self.context.path.truncate(mark);
        }
        Ok(Some(Node::Record(Object { shape, members })))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Node>, A::Error> {
        let (item, record) = match self.kind {
            Kind::TextList => (Kind::Text, false),
            Kind::RecordList(shape) => (Kind::Record(shape), true),
            _ => {
                self.context.type_error(Value::List, self.kind);
                return drain_seq(seq).map(|()| None);
            }
        };
        let (mut texts, mut records) = (Vec::new(), Vec::new());
        let mark = self.context.path.len();
        for i in 0.. {
            let _ = write!(self.context.path, "[{i}]");
            let element = seq.next_element_seed(Check { context: self.context, kind: item })?;
            let more = element.is_some();
            // Counted as soon as it is read, so that nothing past the limit is looked at.
            let within = !more || self.context.count(record);
            self.context.path.truncate(mark);
            match element.flatten() {
                Some(Node::Text(text)) if within => texts.push(text),
                Some(Node::Record(kept)) if within => records.push(kept),
                _ => {}
            }
            if !more {
                break;
            }
            if !within {
                return drain_seq(seq).map(|()| None);
            }
        }
        Ok(Some(if record { Node::RecordList(records) } else { Node::TextList(texts) }))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Option<Node>, E> {
        if !matches!(self.kind, Kind::Text | Kind::Timestamp) {
            self.context.type_error(Value::Str(value), self.kind);
            return Ok(None);
        }
        Ok(Some(Node::Text(value.to_owned())))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Option<Node>, E> {
        Ok(self.number(Value::Number(&value), Some(value.into())))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Option<Node>, E> {
        Ok(self.number(Value::Number(&value), Some(value.into())))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Option<Node>, E> {
        Ok(self.number(Value::Number(&value), serde_json::Number::from_f64(value)))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Option<Node>, E> {
        self.context.type_error(Value::Bool(value), self.kind);
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Node>, E> {
        self.context.type_error(Value::Null, self.kind);
        Ok(None)
    }
}

impl Check<'_> {
    /// A number is only ever a timestamp, in epoch seconds.
    fn number(self, value: Value, number: Option<serde_json::Number>) -> Option<Node> {
        if !matches!(self.kind, Kind::Timestamp) {
            self.context.type_error(value, self.kind);
            return None;
        }
        match number {
            Some(number) => Some(Node::Epoch(number)),
            // serde_json reads no number that is not finite; were it to, it is refused, not dropped.
            None => {
                self.context.type_error(value, self.kind);
                None
            }
        }
    }
}

fn unknown_member(key: &str, shape: &Shape) -> String {
    let mut message = format!("unknown member `{}`", key.chars().take(100).collect::<String>());
    match nearest(key, shape.members.iter().map(|member| member.name)) {
        Some(near) => message.push_str(&format!("; did you mean `{near}`?")),
        None => {
            let known: Vec<&str> = shape.members.iter().map(|member| member.name).collect();
            message.push_str(&format!("; the members here are {}", known.join(", ")));
        }
    }
    message
}
