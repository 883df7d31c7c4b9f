//! Users as the compiled policy sees them: every identifier mapped once to a small integer, its slot.
//!
//! With a user directory, a slot is a user: their ID, email and user name all map to it (SEMANTICS 3.3), and an
//! identifier the directory lacks is an error in a request. Without one, every distinct identifier a rule or
//! override names gets its own slot, and any other identifier is simply "not named by any rule".
//!
//! [`Identities`] is the index of the user directory that validation resolves the identifiers rules name through
//! and the analyses see users through; a compiled policy's [`Users`] is built by the same rules, and the tests
//! hold the two to the same slot for every identifier, so that all three agree on which user an identifier names
//! (the first in directory order, as [`Organization::resolve_user`] scans). The reference evaluator keeps its own
//! scan.
//!
//! Costs: building is one hash entry per distinct identifier (the identifier borrowed from the organization, and
//! its request shapes checked once); a lookup is one hash of the identifier and allocates nothing.
//!
//! The hasher of [`Identities`] is a parameter because its users face different inputs. The analyses take the
//! crate's fast [`IdBuildHasher`](crate::hash::IdBuildHasher) (see [`crate::hash`] for the trade-off). Validation
//! runs on files straight from users and editors, before anything else, so it takes the standard library's keyed
//! SipHash: a directory crafted to collide cannot make it quadratic. Compiling takes neither: [`Users::new`]
//! builds straight into the [`StringTable`](super::string_table::StringTable) that queries read, which hashes with
//! `FxHasher` (the file has passed validation by then).

use std::collections::HashMap;
use std::hash::BuildHasher;

use super::string_table::StringTable;
use crate::constraints as c;
use crate::hash::IdBuildHasher;
use crate::organization::{DirectoryUser, Organization};
use crate::uncertain;

/// Every identifier the directory or a rule names, to its slot; see the module documentation.
#[derive(Debug, Clone, Default)]
pub(crate) struct Identities<'a, S = IdBuildHasher> {
    directory: bool,
    /// Borrowed: copying each of a directory's identifiers cost a tenth of compiling an organization.
    slots: HashMap<&'a str, Entry, S>,
    /// Per slot, whether the user may be impersonated (SEMANTICS 3.4); always true without a directory.
    enabled: Vec<bool>,
}

/// One identifier: its slot, and which request members' shapes it satisfies, decided once at compile time so
/// that the fast query paths need not check the shape of an identifier they find here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Entry {
    pub(crate) slot: u32,
    /// A valid `UserId` of `GetAccessControlEffect` (`WorkMailIdentifier`).
    pub(crate) workmail_identifier: bool,
    /// A valid `TargetUser` or override `UserId` (`EntityIdentifier`).
    pub(crate) entity_identifier: bool,
}

impl Entry {
    fn new(identifier: &str, slot: u32) -> Entry {
        Entry {
            slot,
            workmail_identifier: c::WORKMAIL_IDENTIFIER.check(identifier).is_ok(),
            entity_identifier: c::ENTITY_IDENTIFIER.check(identifier).is_ok(),
        }
    }
}

/// What a request's user identifier is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A user with a slot.
    Slot(u32),
    /// No directory is loaded and no rule names this identifier.
    Unlisted,
    /// A directory is loaded and holds no such user.
    Unknown,
}

impl Lookup {
    /// An identifier's slot, if it has one; else unknown when a directory is loaded (it must name a user), and
    /// unlisted when none is.
    #[inline]
    fn of(slot: Option<u32>, directory: bool) -> Lookup {
        match slot {
            Some(slot) => Lookup::Slot(slot),
            None if directory => Lookup::Unknown,
            None => Lookup::Unlisted,
        }
    }
}

impl<'a> Identities<'a> {
    /// The organization's directory, when it has one; identifiers that rules name are added by [`Self::rule_side`].
    pub(crate) fn new(org: &'a Organization) -> Self {
        Identities::of_directory(org.users.as_deref())
    }
}

/// The users of a compiled policy: the same slots as [`Identities`] gives, in a [`StringTable`] that queries read.
#[derive(Debug, Clone)]
pub(crate) struct Users {
    directory: bool,
    table: StringTable<Entry>,
    enabled: Box<[bool]>,
}

impl Users {
    /// The organization's users: its directory's, when it has one, with the slots [`Identities::new`] gives (the
    /// tests hold them to it); else each identifier of `rule_side` (every identifier a rule or override names), a
    /// slot each in order of first sight. Built straight into the table that queries read rather than through a
    /// hash map and a copy, which cost a tenth of compiling a service-maximum organization.
    /// `None` when the identifiers together pass 4 GiB (see [`StringTable::new`]).
    pub(crate) fn new<'a>(org: &'a Organization, rule_side: impl IntoIterator<Item = &'a String>) -> Option<Users> {
        let Some(users) = org.users.as_deref() else {
            let mut table = StringTable::with_capacity(0, 0);
            let mut slots = 0u32;
            for identifier in rule_side {
                table.get_or_insert(identifier, || {
                    slots += 1;
                    Entry::new(identifier, slots - 1)
                })?;
            }
            return Some(Users { directory: false, table, enabled: vec![true; slots as usize].into_boxed_slice() });
        };
        let named = |user: &'a DirectoryUser| uncertain::USER_NAMED_BY.into_iter().filter_map(|key| user.key(key));
        // Sized once: growing would move every identifier already in.
        let bytes = users.iter().flat_map(named).map(str::len).sum();
        let mut table = StringTable::with_capacity(users.len() * uncertain::USER_NAMED_BY.len(), bytes);
        for (slot, user) in users.iter().enumerate() {
            for identifier in named(user) {
                // The first user an identifier names wins, as in a scan of the directory.
                table.get_or_insert(identifier, || Entry::new(identifier, slot as u32))?;
            }
        }
        let enabled = users.iter().map(|user| uncertain::can_be_impersonated(user.state.as_deref())).collect();
        Some(Users { directory: true, table, enabled })
    }

    /// How many slots there are (users, or identifiers rules name).
    pub(crate) fn slots(&self) -> usize {
        self.enabled.len()
    }

    /// What a request's identifier is: a slot, unknown to the directory, or named by no one.
    #[inline]
    pub(crate) fn lookup(&self, identifier: &str) -> Lookup {
        Lookup::of(self.table.get(identifier).map(|entry| entry.slot), self.directory)
    }

    /// The identifier's entry, if any rule or the directory names it.
    #[inline]
    pub(crate) fn entry(&self, identifier: &str) -> Option<Entry> {
        self.table.get(identifier)
    }

    /// Whether a directory is loaded.
    #[inline]
    pub(crate) fn has_directory(&self) -> bool {
        self.directory
    }

    /// Whether the user in `slot` may be impersonated (SEMANTICS 3.4).
    #[inline]
    pub(crate) fn enabled(&self, slot: u32) -> bool {
        self.enabled.get(slot as usize).copied().unwrap_or(true)
    }

    /// The heap memory the users take, in bytes.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.table.heap_bytes() + self.enabled.len()
    }
}

impl<'a, S: BuildHasher + Default> Identities<'a, S> {
    /// A directory (`None`: none is loaded), before any organization is built around it.
    pub(crate) fn of_directory(users: Option<&'a [DirectoryUser]>) -> Self {
        let mut identities = Identities { directory: false, slots: HashMap::default(), enabled: Vec::new() };
        if let Some(users) = users {
            // Sized once: growing the table rehashes every identifier already in it.
            identities.slots.reserve(users.len() * uncertain::USER_NAMED_BY.len());
            identities.enabled.reserve(users.len());
            identities.directory = true;
            for (slot, user) in users.iter().enumerate() {
                for key in uncertain::USER_NAMED_BY {
                    if let Some(identifier) = user.key(key) {
                        // The first user an identifier names wins, as in a scan of the directory.
                        identities.slots.entry(identifier).or_insert_with(|| Entry::new(identifier, slot as u32));
                    }
                }
                identities.enabled.push(uncertain::can_be_impersonated(user.state.as_deref()));
            }
        }
        identities
    }

    #[inline]
    /// What a request's identifier is: a slot, unknown to the directory, or named by no one.
    pub(crate) fn lookup(&self, identifier: &str) -> Lookup {
        Lookup::of(self.slots.get(identifier).map(|entry| entry.slot), self.directory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{organization, Shape};
    use crate::validate::{validate, Options};

    fn generated(seed: u64, shape: &Shape) -> Organization {
        let file = organization(seed, shape).file;
        validate(&file, &Options { enforce_quotas: false }).organization.expect("generated organizations validate")
    }

    fn rule_side(org: &Organization) -> Vec<&String> {
        let access = org.access_control_rules.iter().flat_map(|r| r.user_ids.iter().chain(&r.not_user_ids));
        let roles = org.impersonation_roles.iter().flatten().flat_map(|role| &role.rules);
        let targets = roles.flat_map(|r| r.target_users.iter().chain(&r.not_target_users));
        access.chain(targets).chain(org.mobile_device_access_overrides.iter().map(|o| &o.user_id)).collect()
    }

    #[test]
    fn a_compiled_directory_gives_every_identifier_the_slot_validation_and_the_analyses_give() {
        for seed in 0..20 {
            let org = generated(seed, &Shape::typical());
            let directory = org.users.as_deref().expect("the typical shape has a directory");
            let (users, index) = (Users::new(&org, rule_side(&org)).expect("fits"), Identities::new(&org));
            let strangers = ["stranger@example.com", "S-1-1-11-0000000000-0000", ""].map(String::from);
            let named =
                directory.iter().flat_map(|u| uncertain::USER_NAMED_BY.map(|key| u.key(key)).into_iter().flatten());
            for identifier in
                named.chain(rule_side(&org).into_iter().map(String::as_str)).chain(strangers.iter().map(String::as_str))
            {
                assert_eq!(users.lookup(identifier), index.lookup(identifier), "seed {seed}: {identifier:?}");
            }
            assert_eq!(users.slots(), directory.len());
            for (slot, user) in directory.iter().enumerate() {
                assert_eq!(users.enabled(slot as u32), uncertain::can_be_impersonated(user.state.as_deref()));
            }
        }
    }

    #[test]
    fn without_a_directory_each_identifier_a_rule_names_gets_a_slot_in_order_of_first_sight() {
        for seed in 0..20 {
            let mut org = generated(seed, &Shape::typical());
            org.users = None;
            let named = rule_side(&org);
            let users = Users::new(&org, named.iter().copied()).expect("fits");
            let mut first_sight: Vec<&str> = Vec::new();
            for identifier in &named {
                if !first_sight.contains(&identifier.as_str()) {
                    first_sight.push(identifier);
                }
            }
            assert_eq!(users.slots(), first_sight.len());
            for (slot, identifier) in first_sight.iter().enumerate() {
                assert_eq!(users.lookup(identifier), Lookup::Slot(slot as u32), "seed {seed}: {identifier:?}");
                assert!(users.enabled(slot as u32));
            }
            assert_eq!(users.lookup("stranger@example.com"), Lookup::Unlisted);
        }
    }
}
