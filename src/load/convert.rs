//! What the check pass kept, into the [`crate::model`] types.
//!
//! The conversion of each record shape is generated with its table in [`super::schema`]; this module holds what
//! those conversions share (taking a member out of a kept [`Object`] by its JSON name) and the conversion of whole
//! documents. It runs only when the check found nothing, so every member is of the kind its table says, and a
//! conversion cannot fail.

use super::check::{Node, Object};
use super::schema::Record;
use super::{Document, DocumentKind};
use crate::model::{ImpersonationRole, OrganizationFile, Page, Timestamp};

impl Object {
    /// Takes the member `name` of the shape, when written.
    fn take(&mut self, name: &str) -> Option<Node> {
        let index = self.shape.members.iter().position(|member| member.name == name);
        debug_assert!(index.is_some(), "`{name}` is not a member of {}", self.shape.name);
        let at = self.members.iter().position(|(i, _)| Some(*i) == index)?;
        Some(self.members.swap_remove(at).1)
    }

    pub(crate) fn text(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Node::Text(text) => Some(text),
            _ => None,
        }
    }

    pub(crate) fn list(&mut self, name: &str) -> Option<Vec<String>> {
        match self.take(name)? {
            Node::TextList(list) => Some(list),
            _ => None,
        }
    }

    pub(crate) fn timestamp(&mut self, name: &str) -> Option<Timestamp> {
        match self.take(name)? {
            Node::Text(text) => Some(Timestamp::Text(text)),
            Node::Epoch(seconds) => Some(Timestamp::Epoch(seconds)),
            _ => None,
        }
    }

    /// A page of an aws CLI list output, by its shape's two members (the list, then `NextToken`).
    fn page<T: Record>(&mut self) -> Page<T> {
        let [list, next_token] = [self.shape.members[0].name, self.shape.members[1].name];
        Page { items: self.records(list, T::from_object).unwrap_or_default(), next_token: self.text(next_token) }
    }

    pub(crate) fn records<T>(&mut self, name: &str, convert: fn(&mut Object) -> T) -> Option<Vec<T>> {
        match self.take(name)? {
            Node::RecordList(records) => Some(records.into_iter().map(|record| record.convert(convert)).collect()),
            _ => None,
        }
    }

    /// Converts this object with `build`, checking (in tests) that it took every member the object wrote: one it
    /// forgot would be dropped.
    fn convert<T>(mut self, build: impl FnOnce(&mut Object) -> T) -> T {
        let converted = build(&mut self);
        debug_assert!(
            self.members.is_empty(),
            "members not converted: {:?}",
            self.members.iter().map(|&(i, _)| self.shape.members[i].name).collect::<Vec<_>>()
        );
        converted
    }
}

impl Document {
    /// Converts one document of `kind` that the check pass kept.
    pub(super) fn convert(kind: DocumentKind, top: Object) -> Document {
        top.convert(|top| match kind {
            DocumentKind::OrganizationFile => Document::OrganizationFile(OrganizationFile::from_object(top)),
            DocumentKind::AccessControlRules => Document::AccessControlRules(top.page()),
            DocumentKind::MobileDeviceAccessRules => Document::MobileDeviceAccessRules(top.page()),
            DocumentKind::MobileDeviceAccessOverrides => Document::MobileDeviceAccessOverrides(top.page()),
            DocumentKind::Users => Document::Users(top.page()),
            DocumentKind::ImpersonationRole => Document::ImpersonationRole(ImpersonationRole::from_object(top)),
        })
    }
}
