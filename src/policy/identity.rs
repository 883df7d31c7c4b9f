//! Users as the compiled policy sees them: every identifier mapped once to a small integer, its slot.
//!
//! With a user directory, a slot is a user: their ID, email and user name all map to it (SEMANTICS 3.3), and an
//! identifier the directory lacks is an error in a request. Without one, every distinct identifier a rule or
//! override names gets its own slot, and any other identifier is simply "not named by any rule".
//!
//! This is the crate's one index of the user directory: validation resolves the identifiers rules name through
//! it, and the analyses see users through it, so that all three agree on which user an identifier names (the
//! first in directory order, as [`Organization::resolve_user`] scans). The reference evaluator keeps its own scan.
//!
//! Costs: building is one hash entry per distinct identifier (the identifier borrowed from the organization, and
//! its request shapes checked once); a lookup is one hash of the identifier and allocates nothing.
//!
//! The hasher is a parameter because the users of the index face different inputs. Compiling and the analyses
//! take the crate's fast [`IdBuildHasher`](crate::hash::IdBuildHasher) (see [`crate::hash`] for the trade-off).
//! Validation runs on files straight from users and editors, before anything else, so it takes the standard
//! library's keyed SipHash: a directory crafted to collide cannot make it quadratic. A compiled policy keeps
//! neither: [`Identities::freeze`] turns the index into a [`Users`] over a frozen
//! [`StringTable`](super::string_table::StringTable), which queries read.

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

    /// The index as a compiled policy keeps it, once every identifier has its slot. `None` when the identifiers
    /// together pass 4 GiB (see [`StringTable::new`]).
    pub(crate) fn freeze(&self) -> Option<Users> {
        let table = StringTable::new(self.slots.iter().map(|(identifier, entry)| (*identifier, *entry)))?;
        Some(Users { directory: self.directory, table, enabled: self.enabled.clone().into_boxed_slice() })
    }
}

/// The users of a compiled policy: [`Identities`] frozen for queries.
#[derive(Debug, Clone)]
pub(crate) struct Users {
    directory: bool,
    table: StringTable<Entry>,
    enabled: Box<[bool]>,
}

impl Users {
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

    /// The slot of an identifier a rule names: through the directory when loaded (`None` when it lacks the user,
    /// which validation reports), else the identifier's own slot, made on first sight.
    pub(crate) fn rule_side(&mut self, identifier: &'a str) -> Option<u32> {
        if let Some(entry) = self.slots.get(identifier) {
            return Some(entry.slot);
        }
        if self.directory {
            return None;
        }
        let slot = self.enabled.len() as u32;
        self.slots.insert(identifier, Entry::new(identifier, slot));
        self.enabled.push(true);
        Some(slot)
    }

    #[inline]
    /// What a request's identifier is: a slot, unknown to the directory, or named by no one.
    pub(crate) fn lookup(&self, identifier: &str) -> Lookup {
        Lookup::of(self.slots.get(identifier).map(|entry| entry.slot), self.directory)
    }

    /// How many slots there are (users, or identifiers rules name).
    pub(crate) fn slots(&self) -> usize {
        self.enabled.len()
    }
}
