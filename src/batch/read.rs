//! The request-line reader: JSON bytes to one operation's borrowed request, or the service's error response.
//!
//! Every shell reads requests here: `wmpolicy batch`, fixtures' `Request`s, the WebAssembly package's simulate
//! calls, `batch` and `explain`, and [`Call`](super::Call)'s `Deserialize`. So a request one of them answers, the
//! others answer, and a request one refuses, the others refuse with the same code and message.
//!
//! # Design
//!
//! One pass of serde_json over the line, with a hand-written visitor rather than a derived struct: the derive
//! can only say serde's words (`unknown field`, `expected struct Line`, `duplicate field`), while this visitor
//! knows which member it is reading, so a message names the member, the nearest known member for a typo, and the
//! JSON type a member should have. It keeps reading after the first problem (without keeping anything), so that
//! a line that is not JSON at all is always a `SerializationException`, whatever else is wrong with it; of the
//! rest, the first problem in the line is the one reported.
//!
//! A member written twice is refused, naming it: the service's JSON reader would keep one of the two silently,
//! and a request whose meaning depends on which is not answered. `null` is the same as an absent member, as the
//! service's SDKs send it. An `OrganizationId`, when present, is held to its shape in the service model and
//! otherwise ignored: this engine answers for one organization, whichever it is.
//!
//! # Costs
//!
//! Strings are borrowed from the line unless they hold JSON escapes, and a member name is matched without
//! copying it, so reading a well-formed line allocates nothing; only an error's message (and the name of an
//! unknown member) is allocated. The line is read once; checking which members belong to the operation is a
//! pass over twelve slots.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::ErrorResponse;
use crate::constraints::ORGANIZATION_ID;
use crate::diagnostic::{nearest, ErrorCode};
use crate::load::drain_seq;
use crate::request::{AccessRequest, ImpersonationRequest, MobileRequest, RequestError};

/// A member of some request line, as the API names it; the discriminant indexes [`RequestLine`]'s slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Member {
    Operation,
    OrganizationId,
    IpAddress,
    Action,
    UserId,
    ImpersonationRoleId,
    DeviceType,
    DeviceModel,
    DeviceOperatingSystem,
    DeviceUserAgent,
    DeviceId,
    TargetUser,
}

use Member as M;

/// Every member, in slot order, which is also the order in which a request's members are checked.
pub(super) const MEMBERS: [Member; 12] = [
    M::Operation,
    M::OrganizationId,
    M::IpAddress,
    M::Action,
    M::UserId,
    M::ImpersonationRoleId,
    M::DeviceType,
    M::DeviceModel,
    M::DeviceOperatingSystem,
    M::DeviceUserAgent,
    M::DeviceId,
    M::TargetUser,
];

impl Member {
    pub(super) fn name(self) -> &'static str {
        match self {
            M::Operation => "Operation",
            M::OrganizationId => "OrganizationId",
            M::IpAddress => "IpAddress",
            M::Action => "Action",
            M::UserId => "UserId",
            M::ImpersonationRoleId => "ImpersonationRoleId",
            M::DeviceType => "DeviceType",
            M::DeviceModel => "DeviceModel",
            M::DeviceOperatingSystem => "DeviceOperatingSystem",
            M::DeviceUserAgent => "DeviceUserAgent",
            M::DeviceId => "DeviceId",
            M::TargetUser => "TargetUser",
        }
    }

    /// The member of this name; a `match` on the text, as serde's derive would write it.
    fn named(name: &str) -> Option<Member> {
        Some(match name {
            "Operation" => M::Operation,
            "OrganizationId" => M::OrganizationId,
            "IpAddress" => M::IpAddress,
            "Action" => M::Action,
            "UserId" => M::UserId,
            "ImpersonationRoleId" => M::ImpersonationRoleId,
            "DeviceType" => M::DeviceType,
            "DeviceModel" => M::DeviceModel,
            "DeviceOperatingSystem" => M::DeviceOperatingSystem,
            "DeviceUserAgent" => M::DeviceUserAgent,
            "DeviceId" => M::DeviceId,
            "TargetUser" => M::TargetUser,
            _ => return None,
        })
    }
}

/// One of the three simulate calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GetAccessControlEffect`.
    Access,
    /// `GetMobileDeviceAccessEffect`, with this engine's override extension (`UserId` with `DeviceId`).
    Mobile,
    /// `GetImpersonationRoleEffect`.
    Impersonation,
}

impl Operation {
    /// The three operations, in the order messages list them.
    pub const ALL: [Operation; 3] = [Operation::Access, Operation::Mobile, Operation::Impersonation];

    /// The API operation's name, as a line's `Operation` member gives it.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Access => "GetAccessControlEffect",
            Operation::Mobile => "GetMobileDeviceAccessEffect",
            Operation::Impersonation => "GetImpersonationRoleEffect",
        }
    }

    /// The operation of this name.
    pub fn named(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|operation| operation.name() == name)
    }

    /// The request members of the operation, besides `Operation` and `OrganizationId`, which every line may have.
    fn members(self) -> &'static [Member] {
        match self {
            Operation::Access => &[M::IpAddress, M::Action, M::UserId, M::ImpersonationRoleId],
            Operation::Mobile => {
                &[M::DeviceType, M::DeviceModel, M::DeviceOperatingSystem, M::DeviceUserAgent, M::UserId, M::DeviceId]
            }
            Operation::Impersonation => &[M::ImpersonationRoleId, M::TargetUser],
        }
    }

    /// The members the operation cannot do without.
    fn required(self) -> &'static [Member] {
        match self {
            Operation::Access => &[M::IpAddress, M::Action],
            Operation::Mobile => &[],
            Operation::Impersonation => &[M::ImpersonationRoleId, M::TargetUser],
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A request line's operation and its request, borrowing from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request<'a> {
    /// A `GetAccessControlEffect` request.
    Access(AccessRequest<'a>),
    /// A `GetMobileDeviceAccessEffect` request.
    Mobile(MobileRequest<'a>),
    /// A `GetImpersonationRoleEffect` request.
    Impersonation(ImpersonationRequest<'a>),
}

impl Request<'_> {
    /// The request's operation.
    pub fn operation(&self) -> Operation {
        match self {
            Request::Access(_) => Operation::Access,
            Request::Mobile(_) => Operation::Mobile,
            Request::Impersonation(_) => Operation::Impersonation,
        }
    }
}

/// A request line once read and checked: one operation and exactly its members. Its strings are borrowed from
/// the line, or owned where the line escapes them; [`request`](Self::request) borrows them as the engine takes
/// them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine<'a> {
    operation: Operation,
    values: [Option<Cow<'a, str>>; 12],
}

impl RequestLine<'_> {
    /// The line's operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }

    /// The operation's request. The required members are present: [`read`] checked them.
    pub fn request(&self) -> Request<'_> {
        let value = |member: Member| self.values[member as usize].as_deref();
        let required = |member: Member| value(member).unwrap_or_default();
        match self.operation {
            Operation::Access => Request::Access(AccessRequest {
                ip_address: required(M::IpAddress),
                action: required(M::Action),
                user_id: value(M::UserId),
                impersonation_role_id: value(M::ImpersonationRoleId),
            }),
            Operation::Mobile => Request::Mobile(MobileRequest {
                device_type: value(M::DeviceType),
                device_model: value(M::DeviceModel),
                device_operating_system: value(M::DeviceOperatingSystem),
                device_user_agent: value(M::DeviceUserAgent),
                user_id: value(M::UserId),
                device_id: value(M::DeviceId),
            }),
            Operation::Impersonation => Request::Impersonation(ImpersonationRequest {
                impersonation_role_id: required(M::ImpersonationRoleId),
                target_user: required(M::TargetUser),
            }),
        }
    }
}

/// Reads one request line: a JSON object with an `Operation` and exactly that operation's members (without a line
/// end; [`answer_line`](super::answer_line) strips it). Anything else is the error response the service would
/// give: `SerializationException` for a line that is not JSON, `InvalidParameterException` for JSON that is not
/// such a request (not an object, an unknown or repeated member, a value that is not a string, a member of another
/// operation, a missing required member, an unknown `Operation`, an `OrganizationId` of the wrong shape).
///
/// ```
/// use workmail_policy::batch::{self, Request};
///
/// let line = batch::read(br#"{"Operation": "GetImpersonationRoleEffect", "ImpersonationRoleId": "r-1", "TargetUser": "bob"}"#).unwrap();
/// assert!(matches!(line.request(), Request::Impersonation(r) if r.target_user == "bob"));
///
/// let typo = batch::read(br#"{"Operation": "GetAccessControlEffect", "IpAdress": "192.0.2.1"}"#).unwrap_err();
/// assert_eq!(typo.error.message, "unknown member `IpAdress`; did you mean `IpAddress`?");
/// ```
pub fn read(line: &[u8]) -> Result<RequestLine<'_>, ErrorResponse<'static>> {
    let mut deserializer = serde_json::Deserializer::from_slice(line);
    let read = deserializer.deserialize_any(LineVisitor).and_then(|read| deserializer.end().map(|()| read));
    match read {
        Ok(read) => check(read),
        // Every value is accepted by the visitors, so what serde_json refuses itself is the JSON text (syntax, an
        // unfinished line, a number beyond any float); a value out of range is the only data error left.
        Err(e) if e.is_data() => {
            Err(ErrorResponse::new(ErrorCode::InvalidParameterException, format!("not a request: {e}")))
        }
        Err(e) => {
            let message = format!("not a JSON request object: {e}");
            Err(ErrorResponse::new(ErrorCode::SerializationException, message))
        }
    }
}

/// The line as read, before the operation's checks: the members' values, and the first problem in the line.
pub(super) struct Read<'a> {
    values: [Option<Cow<'a, str>>; 12],
    problem: Option<Problem>,
}

impl<'a> Read<'a> {
    /// A line read without a problem: these values, in [`Member`] slot order (a shortcut reader's result, for
    /// [`check`]).
    pub(super) fn without_problems(values: [Option<Cow<'a, str>>; 12]) -> Read<'a> {
        Read { values, problem: None }
    }
}

/// What makes a JSON value not a request line, found while reading it.
enum Problem {
    /// The line is a JSON value other than an object: what it is.
    NotAnObject(&'static str),
    /// A member no request has; its name, cut short if long.
    Unknown(String),
    /// A member whose value is not a string (or null): what it is.
    WrongType(Member, &'static str),
    /// A member written twice.
    Twice(Member),
}

/// The operation's checks on a line as read, in the order the messages have always come: reading problems,
/// `Operation`, members of another operation, missing members, then the organization's id.
pub(super) fn check(read: Read<'_>) -> Result<RequestLine<'_>, ErrorResponse<'static>> {
    let invalid = |message: String| ErrorResponse::new(ErrorCode::InvalidParameterException, message);
    let Read { values, problem } = read;
    let operation = values[M::Operation as usize].as_deref().map(|name| Operation::named(name).ok_or(name));
    if let Some(problem) = problem {
        return Err(invalid(match problem {
            Problem::NotAnObject(found) => format!("the request is {found}; expected a JSON object of request members"),
            Problem::Unknown(name) => {
                // The operation's own members are the likeliest meant; without a known operation, any member.
                let members: Vec<&str> = match operation {
                    Some(Ok(operation)) => {
                        [M::Operation, M::OrganizationId].iter().chain(operation.members()).map(|m| m.name()).collect()
                    }
                    _ => MEMBERS.iter().map(|m| m.name()).collect(),
                };
                match nearest(&name, members.iter().copied()) {
                    Some(near) => format!("unknown member `{name}`; did you mean `{near}`?"),
                    None => format!("unknown member `{name}`; a request's members are {}", members.join(", ")),
                }
            }
            Problem::WrongType(member, found) => format!("`{}` is {found}; expected a string", member.name()),
            Problem::Twice(member) => format!(
                "`{}` is written twice; a JSON reader would keep one and silently drop the other, so remove the one \
                 you do not mean",
                member.name()
            ),
        }));
    }
    let operation = match operation {
        Some(Ok(operation)) => operation,
        Some(Err(name)) => {
            let names = Operation::ALL.map(Operation::name);
            let mut message =
                format!("unknown Operation {name:?}; expected {}, {} or {}", names[0], names[1], names[2]);
            if let Some(near) = nearest(name, names) {
                message.push_str(&format!(" (did you mean {near}?)"));
            }
            return Err(invalid(message));
        }
        None => return Err(invalid("the request has no Operation member".to_string())),
    };
    let allowed = operation.members();
    for member in &MEMBERS[2..] {
        if values[*member as usize].is_some() && !allowed.contains(member) {
            return Err(invalid(format!("{} is not a member of {operation}'s request", member.name())));
        }
    }
    for member in operation.required() {
        if values[*member as usize].is_none() {
            return Err(invalid(format!("{operation} requires {}", member.name())));
        }
    }
    if let Some(id) = values[M::OrganizationId as usize].as_deref() {
        check_organization_id(id).map_err(|error| ErrorResponse::from(&error))?;
    }
    Ok(RequestLine { operation, values })
}

/// The check [`read`] holds a line's `OrganizationId` to, when the line has one: its shape in the service model.
/// It is the reader's last check, after the operation's members; an id that passes is ignored. Public for a shell
/// that takes requests apart some other way (the WebAssembly package's batch packs them into slots), so that it
/// refuses exactly the ids the reader refuses, with the same error.
///
/// ```
/// use workmail_policy::batch::{self, ErrorResponse};
///
/// assert!(batch::check_organization_id("m-0123456789abcdef0123456789abcdef").is_ok());
/// let error = batch::check_organization_id("m-1").unwrap_err();
/// assert!(ErrorResponse::from(&error).error.message.starts_with("OrganizationId \"m-1\" "));
/// ```
#[inline]
pub fn check_organization_id(id: &str) -> Result<(), RequestError<'_>> {
    // Nearly every id given is well formed; the shape's own check only says what is wrong with one that is not.
    if is_organization_id(id.as_bytes()) {
        return Ok(());
    }
    ORGANIZATION_ID.check(id).map_err(|violation| RequestError::InvalidMember {
        member: "OrganizationId",
        value: id,
        violation,
    })
}

/// Whether `id` matches `^m-[0-9a-f]{32}$`, the model's `OrganizationId` pattern (and so its length, 34): the
/// 32 digits are checked eight at a time. Every line that names an organization pays for this check, and the
/// general one (characters counted, then the pattern matched) cost several times as much.
fn is_organization_id(id: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // For bytes below 0x80, `byte + (0x80 - bound)` reaches the high bit exactly when `byte >= bound`, and never
    // carries into the next byte.
    let at_least = |word: u64, bound: u8| word + ONES * u64::from(0x80 - bound);
    let Some((b"m-", digits)) = id.split_first_chunk::<2>() else { return false };
    digits.len() == 32
        && digits.chunks_exact(8).all(|word| {
            let Ok(word) = word.try_into().map(u64::from_le_bytes) else { return false };
            let low = word & !HIGHS;
            let digit = at_least(low, b'0') & !at_least(low, b'9' + 1);
            let letter = at_least(low, b'a') & !at_least(low, b'f' + 1);
            word & HIGHS == 0 && (digit | letter) & HIGHS == HIGHS
        })
}

/// Reads a line's one JSON value: an object into its members, anything else into [`Problem::NotAnObject`].
pub(super) struct LineVisitor;

impl<'de> Visitor<'de> for LineVisitor {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of request members")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut read = Read { values: Default::default(), problem: None };
        // Members seen, null ones too: a member written twice is refused whatever its values.
        let mut seen = 0u16;
        while let Some(key) = map.next_key_seed(KeySeed { keep_unknown: read.problem.is_none() })? {
            let member = match key {
                Key::Known(member) => member,
                Key::Unknown(name) => {
                    map.next_value::<IgnoredAny>()?;
                    read.problem.get_or_insert(Problem::Unknown(name));
                    continue;
                }
                Key::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let value = map.next_value_seed(TextSeed)?;
            let bit = 1 << member as u16;
            if seen & bit != 0 {
                read.problem.get_or_insert(Problem::Twice(member));
                continue;
            }
            seen |= bit;
            match value {
                Text::Str(text) => read.values[member as usize] = Some(text),
                Text::Null => {}
                Text::Other(found) => {
                    read.problem.get_or_insert(Problem::WrongType(member, found));
                }
            }
        }
        Ok(read)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(not_an_object("a list"))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(not_an_object("a string"))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(not_an_object("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(not_an_object("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(not_an_object("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(not_an_object("a number"))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(not_an_object("null"))
    }
}

fn not_an_object<'a>(found: &'static str) -> Read<'a> {
    Read { values: Default::default(), problem: Some(Problem::NotAnObject(found)) }
}

/// A member name: one of [`MEMBERS`], or another (kept, cut to 100 characters, only when it will be reported).
enum Key {
    Known(Member),
    Unknown(String),
    Ignored,
}

struct KeySeed {
    keep_unknown: bool,
}

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Key, E> {
        Ok(match Member::named(name) {
            Some(member) => Key::Known(member),
            None if self.keep_unknown => Key::Unknown(name.chars().take(100).collect()),
            None => Key::Ignored,
        })
    }
}

/// A member's value: its text, `null`, or what else it is.
enum Text<'a> {
    Str(Cow<'a, str>),
    Null,
    Other(&'static str),
}

struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Text<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextSeed {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
        Ok(Text::Str(Cow::Borrowed(text)))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
        Ok(Text::Str(Cow::Owned(text.to_owned())))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
        Ok(Text::Str(Cow::Owned(text)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Text<'de>, E> {
        Ok(Text::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Text<'de>, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Text<'de>, E> {
        Ok(Text::Other("a boolean"))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Text<'de>, E> {
        Ok(Text::Other("a number"))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Text<'de>, E> {
        Ok(Text::Other("a number"))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Text<'de>, E> {
        Ok(Text::Other("a number"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text<'de>, A::Error> {
        drain_seq(seq)?;
        Ok(Text::Other("a list"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Text::Other("an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "m-0123456789abcdef0123456789abcdef";

    /// The error a line is refused with, as `(code, message)`.
    fn refused(line: &str) -> (ErrorCode, String) {
        match read(line.as_bytes()) {
            Ok(read) => panic!("{line} was read: {read:?}"),
            Err(e) => (e.error.code, e.error.message.into_owned()),
        }
    }

    fn invalid(line: &str) -> String {
        let (code, message) = refused(line);
        assert_eq!(code, ErrorCode::InvalidParameterException, "{line}: {message}");
        message
    }

    #[test]
    fn a_line_is_read_into_its_operations_request_borrowing_its_strings() {
        let text = r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","Action":"EWS","UserId":"u-1"}"#;
        let line = read(text.as_bytes()).unwrap();
        assert_eq!(line.operation(), Operation::Access);
        let Request::Access(request) = line.request() else { panic!("{line:?}") };
        assert_eq!((request.ip_address, request.action, request.user_id), ("192.0.2.1", "EWS", Some("u-1")));
        assert!(text.as_bytes().as_ptr_range().contains(&request.action.as_ptr()), "borrowed from the line");
        // Escapes are decoded; null is absent.
        let escaped = r#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"i\u0050hone","DeviceModel":null}"#;
        let line = read(escaped.as_bytes()).unwrap();
        let Request::Mobile(request) = line.request() else { panic!("{line:?}") };
        assert_eq!((request.device_type, request.device_model), (Some("iPhone"), None));
    }

    #[test]
    fn an_organization_id_is_held_to_the_models_shape_when_present() {
        let line = |id: &str| {
            format!(
                r#"{{"Operation":"GetImpersonationRoleEffect","OrganizationId":{id},"ImpersonationRoleId":"r","TargetUser":"u"}}"#
            )
        };
        assert!(read(line(&format!("{ORG:?}")).as_bytes()).is_ok());
        assert!(read(line("null").as_bytes()).is_ok(), "null is absent");
        for bad in ["m-XYZ", "", "M-0123456789ABCDEF0123456789ABCDEF", "m-0123456789abcdef0123456789abcdeg"] {
            let message = invalid(&line(&format!("{bad:?}")));
            assert!(message.starts_with(&format!("OrganizationId {bad:?} ")), "{message}");
        }
        assert!(invalid(&line(r#""m-XYZ""#)).contains("at least 34"));
        let message = invalid(&line(r#""m-0123456789ABCDEF0123456789abcdef""#));
        // In words, not as the service's regular expression.
        assert!(message.contains("32 lowercase hex digits"), "{message}");
    }

    #[test]
    fn the_organization_id_shortcut_accepts_exactly_the_models_ids() {
        let general = |id: &str| ORGANIZATION_ID.check(id).is_ok();
        assert!(is_organization_id(ORG.as_bytes()));
        // Every byte at every place of a well-formed id, and ids a byte short or long.
        for place in 0..ORG.len() {
            for byte in 0..=255u8 {
                let mut id = ORG.as_bytes().to_vec();
                id[place] = byte;
                let text = String::from_utf8_lossy(&id);
                assert_eq!(is_organization_id(&id), general(&text) && text.len() == id.len(), "{id:?}");
                id.insert(place, byte);
                assert!(!is_organization_id(&id), "{id:?}");
            }
            let short = [&ORG[..place], &ORG[place + 1..]].concat();
            assert!(!is_organization_id(short.as_bytes()) && !general(&short), "{short}");
        }
        for id in ["", "m-", "m", "M-0123456789abcdef0123456789abcdef", "m-0123456789abcdef0123456789abcdef\n"] {
            assert!(!is_organization_id(id.as_bytes()) && !general(id), "{id:?}");
        }
    }

    #[test]
    fn unknown_members_are_named_with_the_nearest_member() {
        let message = invalid(r#"{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","UserID":"u"}"#);
        assert_eq!(message, "unknown member `UserID`; did you mean `UserId`?");
        // The operation's own members are suggested first, wherever `Operation` is in the line.
        let message =
            invalid(r#"{"TargetUsr":"u","Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"r"}"#);
        assert_eq!(message, "unknown member `TargetUsr`; did you mean `TargetUser`?");
        let message = invalid(r#"{"Operation":"GetImpersonationRoleEffect","Zebra":1}"#);
        assert_eq!(
            message,
            "unknown member `Zebra`; a request's members are Operation, OrganizationId, ImpersonationRoleId, TargetUser"
        );
        let message = invalid(r#"{"Operation":"GetAccessEffect"}"#);
        assert!(message.ends_with("(did you mean GetAccessControlEffect?)"), "{message}");
    }

    #[test]
    fn wrong_json_types_name_the_member_and_the_type_it_should_be() {
        for (value, found) in [("1", "a number"), ("-1.5e3", "a number"), ("true", "a boolean"), ("[\"x\"]", "a list")]
        {
            let message = invalid(&format!(r#"{{"Operation":"GetAccessControlEffect","IpAddress":{value}}}"#));
            assert_eq!(message, format!("`IpAddress` is {found}; expected a string"));
        }
        let message = invalid(r#"{"Operation":{"Name":"GetAccessControlEffect"}}"#);
        assert_eq!(message, "`Operation` is an object; expected a string");
        for (line, found) in
            [("[]", "a list"), ("\"GetAccessControlEffect\"", "a string"), ("null", "null"), ("7", "a number")]
        {
            assert_eq!(invalid(line), format!("the request is {found}; expected a JSON object of request members"));
        }
    }

    #[test]
    fn a_member_written_twice_is_refused_naming_it() {
        for second in [r#""10.0.0.1""#, r#""192.0.2.1""#, "null"] {
            let message = invalid(&format!(
                r#"{{"Operation":"GetAccessControlEffect","IpAddress":"192.0.2.1","IpAddress":{second},"Action":"EWS","UserId":"u"}}"#
            ));
            assert!(message.starts_with("`IpAddress` is written twice"), "{message}");
        }
        let message =
            invalid(r#"{"Operation":"GetMobileDeviceAccessEffect","Operation":"GetMobileDeviceAccessEffect"}"#);
        assert!(message.starts_with("`Operation` is written twice"), "{message}");
    }

    #[test]
    fn text_that_is_not_json_is_a_serialization_error_whatever_else_is_wrong() {
        for line in
            ["", " ", "{", "{\"Operation\":", "{\"Zebra\":1,}", "{\"Zebra\":1} x", "{'a':1}", "\u{FEFF}{}", "[1,]"]
        {
            let (code, message) = refused(line);
            assert_eq!(code, ErrorCode::SerializationException, "{line:?}: {message}");
            assert!(message.starts_with("not a JSON request object: "), "{message}");
        }
        // Bytes that are not UTF-8, inside a string and outside one.
        for line in [&b"{\"Operation\":\"Get\xFF\"}"[..], b"\xC3\x28", b"{\"\xF0\x9F\":1}"] {
            let error = read(line).unwrap_err().error;
            assert_eq!(error.code, ErrorCode::SerializationException, "{line:?}: {}", error.message);
        }
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        // serde_json skips a value it is not asked to keep with a loop, so depth costs no stack.
        let (open, close) = ("[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(invalid(&format!(r#"{{"Operation":{open}1{close}}}"#)), "`Operation` is a list; expected a string");
        assert!(invalid(&format!("{open}{close}")).starts_with("the request is a list"));
        assert_eq!(refused(&format!("{open}{close}]")).0, ErrorCode::SerializationException);
    }

    #[test]
    fn non_ascii_and_huge_values_are_read_and_left_to_the_engines_checks() {
        let line =
            r#"{"Operation":"GetMobileDeviceAccessEffect","DeviceType":"Téléphone 😀","DeviceModel":"\ud83d\ude00"}"#;
        let read_line = read(line.as_bytes()).unwrap();
        let Request::Mobile(request) = read_line.request() else { panic!() };
        assert_eq!((request.device_type, request.device_model), (Some("Téléphone 😀"), Some("😀")));
        // A non-ASCII member name is unknown like any other, and a huge one is cut short in the message.
        assert_eq!(invalid(r#"{"Opération":"x"}"#), "unknown member `Opération`; did you mean `Operation`?");
        let long = "Z".repeat(100_000);
        let message = invalid(&format!(r#"{{"{long}":1}}"#));
        assert!(message.len() < 400 && message.contains(&"Z".repeat(100)), "{}", message.len());
        let huge = "a".repeat(1 << 20);
        let line =
            format!(r#"{{"Operation":"GetImpersonationRoleEffect","ImpersonationRoleId":"{huge}","TargetUser":"u"}}"#);
        assert!(read(line.as_bytes()).is_ok(), "the reader has no length limits; the request's shapes do");
        // A number beyond any float is not JSON serde_json reads.
        assert_eq!(
            refused(r#"{"Operation":"GetAccessControlEffect","IpAddress":1e400}"#).0,
            ErrorCode::SerializationException
        );
    }

    #[test]
    fn the_first_problem_in_the_line_is_reported() {
        let line = r#"{"Operation":"GetAccessControlEffect","IpAddress":1,"Zebra":2,"IpAddress":"x"}"#;
        assert_eq!(invalid(line), "`IpAddress` is a number; expected a string");
        // Reading problems come before the operation's own checks.
        assert!(invalid(r#"{"Operation":"Nope","Zebra":1}"#).starts_with("unknown member `Zebra`"));
        let message = invalid(r#"{"Operation":"GetImpersonationRoleEffect","OrganizationId":"m-1","IpAddress":"x"}"#);
        assert_eq!(message, "IpAddress is not a member of GetImpersonationRoleEffect's request");
        let message = invalid(r#"{"Operation":"GetImpersonationRoleEffect","OrganizationId":"m-1","TargetUser":"x"}"#);
        assert_eq!(message, "GetImpersonationRoleEffect requires ImpersonationRoleId");
    }
}
