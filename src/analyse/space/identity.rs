//! Users as the analyses see them: one organization's directory lookups, resolved rule lists, and the grouping of
//! identifiers into users that both organizations resolve alike.

use crate::hash::IdHashMap;
use crate::organization::{DirectoryUser, Organization};
use crate::policy::identity::{Identities, Lookup};
use crate::uncertain;

use super::sets::Pair;

/// How one organization sees a user identifier: SEMANTICS 3.3, through the engine's directory index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Identity<'s> {
    /// A directory is loaded and holds no such user.
    Unknown,
    /// The directory user at this index.
    User(usize),
    /// No directory: the identifier itself, compared exactly.
    Plain(&'s str),
}

/// One organization's lookups for an analysis: the organization, and its directory indexed as the engine
/// indexes it (no rule-side identifiers are registered, so a slot is always a directory user).
#[derive(Debug)]
pub(crate) struct Directory<'o> {
    pub(crate) org: &'o Organization,
    index: Identities<'o>,
}

impl<'o> Directory<'o> {
    /// Indexes the organization's directory, when it has one.
    pub(crate) fn new(org: &'o Organization) -> Self {
        Directory { org, index: Identities::new(org) }
    }

    /// The user `identifier` names in this organization.
    pub(crate) fn identity<'s>(&self, identifier: &'s str) -> Identity<'s> {
        match self.index.lookup(identifier) {
            Lookup::Slot(slot) => Identity::User(slot as usize),
            Lookup::Unknown => Identity::Unknown,
            Lookup::Unlisted => Identity::Plain(identifier),
        }
    }

    /// The directory user at index `i`.
    pub(crate) fn user(&self, i: usize) -> Option<&'o DirectoryUser> {
        self.org.users.as_ref()?.get(i)
    }

    /// A rule's user list, resolved once.
    pub(crate) fn resolve_list(&self, list: &'o [String]) -> UserList<'o> {
        let mut resolved = UserList { present: !list.is_empty(), users: Vec::new(), plain: Vec::new() };
        for identifier in list {
            match self.identity(identifier) {
                Identity::User(i) => resolved.users.push(i),
                Identity::Plain(s) => resolved.plain.push(s),
                // Validation rejects such an entry; it names no one.
                Identity::Unknown => {}
            }
        }
        resolved
    }

    /// Every identifier of every directory user, in directory order.
    pub(super) fn directory_keys(&self) -> impl Iterator<Item = &'o str> + 'o {
        let org: &'o Organization = self.org;
        org.users.iter().flatten().flat_map(|u| uncertain::USER_NAMED_BY.iter().filter_map(move |&key| u.key(key)))
    }
}

/// A resolved `UserIds`-style list.
#[derive(Debug, Clone)]
pub(crate) struct UserList<'o> {
    /// Whether the condition is present (a non-empty list).
    pub(crate) present: bool,
    users: Vec<usize>,
    plain: Vec<&'o str>,
}

impl UserList<'_> {
    /// Whether the list names the user `identity` is (SEMANTICS 3.3's `same_user`).
    pub(crate) fn names(&self, identity: Identity) -> bool {
        match identity {
            Identity::User(i) => self.users.contains(&i),
            Identity::Plain(s) => self.plain.contains(&s),
            Identity::Unknown => false,
        }
    }

    /// A positive list condition (`UserIds`, `TargetUsers`).
    pub(crate) fn holds(&self, identity: Identity) -> bool {
        !self.present || self.names(identity)
    }

    /// A negative list condition (`NotUserIds`, `NotTargetUsers`).
    pub(crate) fn not_holds(&self, identity: Identity) -> bool {
        !self.present || !self.names(identity)
    }
}

/// Groups user identifiers into users: identifiers that both organizations resolve alike are one user. Returns,
/// per user, its identifiers in first-seen order.
pub(super) fn group_users<'s>(
    identifiers: &[&'s str],
    dirs: &Pair<Directory>,
) -> Vec<(Pair<Identity<'s>>, Vec<&'s str>)> {
    let mut users: Vec<(Pair<Identity<'s>>, Vec<&'s str>)> = Vec::new();
    let mut index: IdHashMap<Pair<Identity<'s>>, usize> = IdHashMap::default();
    for &identifier in identifiers {
        let key = [dirs[0].identity(identifier), dirs[1].identity(identifier)];
        match index.get(&key) {
            Some(&i) => users[i].1.push(identifier),
            None => {
                index.insert(key, users.len());
                users.push((key, vec![identifier]));
            }
        }
    }
    users
}

/// How to show a user made of `identifiers`: the email, else the user name, else the ID of the directory user
/// they name, else the identifier itself.
pub(super) fn user_label(identities: &Pair<Identity>, identifiers: &[&str], dirs: &Pair<Directory>) -> String {
    for (identity, dir) in identities.iter().zip(dirs) {
        if let Identity::User(i) = identity {
            if let Some(user) = dir.user(*i) {
                let keys = [user.email.as_deref(), user.name.as_deref(), Some(user.id.as_str())];
                if let Some(key) = keys.into_iter().flatten().find(|key| identifiers.contains(key)) {
                    return key.to_string();
                }
            }
        }
    }
    identifiers.first().map(|s| s.to_string()).unwrap_or_default()
}
