//! The TypeScript types of every input, request, answer and finding, with the service's member names.
//!
//! The organization file's shapes are written by `build.rs` from the library's own description of them
//! (`workmail_policy::load::schema`), the one the loader reads by, so the declarations and the loader cannot
//! disagree about a member. The rest (inputs, answers, findings) is hand-written rather than derived (tsify), to
//! keep the dependencies at wasm-bindgen and js-sys. `tests/node.rs` checks that the values the bindings return
//! have exactly these members for the bundled example.

use wasm_bindgen::prelude::*;

/// The organization file's shapes (`Timestamp`, `AccessControlRule`, …, `OrganizationFile`), written by
/// `build.rs` from the library's description of them.
#[wasm_bindgen(typescript_custom_section)]
const SHAPES: &'static str = include_str!(concat!(env!("OUT_DIR"), "/shapes.d.ts"));

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/**
 * What `wmpolicy` takes as a file: an organization file or aws CLI output (one page or several concatenated),
 * as text, UTF-8 bytes or an already parsed object.
 */
export type InputContent = string | Uint8Array | ArrayBuffer | OrganizationFile | Record<string, unknown>;

/** One of several inputs merged in order, like `wmpolicy`'s `FILE...`; paths of findings start with `Name: `. */
export interface NamedInput {
  Name: string;
  Content: InputContent;
}

/** One input, or several merged in order. */
export type OrganizationInput = InputContent | NamedInput[];

/** How strictly to validate. */
export interface Options {
  /** Rule counts over the per-organization quota are warnings instead of errors (`--relax-quotas`). */
  RelaxQuotas?: boolean;
}

/** The service's error names. */
export type ErrorCode =
  | "InvalidParameterException"
  | "LimitExceededException"
  | "EntityNotFoundException"
  | "EntityStateException"
  | "ResourceNotFoundException"
  | "SerializationException";

/** Which check found a finding (one per kind of mistake; SARIF's rule ids). */
export type Problem =
  | "NotJson"
  | "InputLimit"
  | "UnknownShape"
  | "UnknownMember"
  | "WrongType"
  | "DuplicateMember"
  | "MissingMember"
  | "InvalidValue"
  | "OverQuota"
  | "OverEngineLimit"
  | "UnknownUser"
  | "UnknownRole"
  | "DuplicateIdentifier"
  | "DuplicateRule"
  | "DuplicateOverride"
  | "HostBitsSet"
  | "UndocumentedAction"
  | "GlobInDeviceValue"
  | "NoRuleId"
  | "InvalidRequest"
  | "MoreFindings";

/**
 * One problem with an organization: where (`AccessControlRules[3].IpRanges[7]`), which check found it, the
 * service's error, a sentence. With several named inputs, `File` names the input and `Path` is the path there.
 * (Lines and columns, which `wmpolicy` adds, are left out of these modules to keep them small.)
 */
export interface Finding {
  Path: string;
  Problem: Problem;
  Code: ErrorCode;
  Severity: "error" | "warning";
  Message: string;
  File?: string;
}

export interface ErrorBody {
  Code: ErrorCode;
  Message: string;
}

/** The service's error response: what a bad request, or bad input to any function here, returns. */
export interface ErrorResponse {
  Error: ErrorBody;
}

/** `load`'s result: the inputs as one organization file, or the findings that stopped reading them. */
export interface LoadResult {
  File?: OrganizationFile;
  Findings: Finding[];
}

/** `validate`'s result: every finding, errors first; `Valid` when none is an error. */
export interface Validation {
  Valid: boolean;
  Findings: Finding[];
}

export type Effect = "ALLOW" | "DENY";

/** `GetAccessControlEffect`'s request (`OrganizationId`, when given, must be an organization ID such as `m-0123456789abcdef0123456789abcdef`; it is otherwise ignored). */
export interface GetAccessControlEffectRequest {
  OrganizationId?: string;
  IpAddress: string;
  Action: string;
  UserId?: string;
  ImpersonationRoleId?: string;
}

export interface GetAccessControlEffectResponse {
  Effect: Effect;
  MatchedRules: string[];
}

/**
 * `GetMobileDeviceAccessEffect`'s request, plus this engine's extension: `UserId` with `DeviceId` consults
 * `MobileDeviceAccessOverrides`.
 */
export interface GetMobileDeviceAccessEffectRequest {
  OrganizationId?: string;
  DeviceType?: string;
  DeviceModel?: string;
  DeviceOperatingSystem?: string;
  DeviceUserAgent?: string;
  UserId?: string;
  DeviceId?: string;
}

export interface MobileDeviceAccessMatchedRule {
  MobileDeviceAccessRuleId?: string;
  Name: string;
}

export interface GetMobileDeviceAccessEffectResponse {
  Effect: Effect;
  MatchedRules: MobileDeviceAccessMatchedRule[];
  /** This engine's extension: the override that decided, as the organization lists it. */
  MatchedOverride?: { UserId: string; DeviceId: string };
}

/** `GetImpersonationRoleEffect`'s request (`OrganizationId`, when given, must be an organization ID such as `m-0123456789abcdef0123456789abcdef`; it is otherwise ignored). */
export interface GetImpersonationRoleEffectRequest {
  OrganizationId?: string;
  ImpersonationRoleId: string;
  TargetUser: string;
}

export interface ImpersonationMatchedRule {
  ImpersonationRuleId: string;
  Name?: string;
}

export interface GetImpersonationRoleEffectResponse {
  Type: "FULL_ACCESS" | "READ_ONLY";
  Effect: Effect;
  MatchedRules: ImpersonationMatchedRule[];
}

/** One request of a batch: an operation's request members and its name, as `wmpolicy batch` reads a line. */
export type BatchRequest =
  | ({ Operation: "GetAccessControlEffect" } & GetAccessControlEffectRequest)
  | ({ Operation: "GetMobileDeviceAccessEffect" } & GetMobileDeviceAccessEffectRequest)
  | ({ Operation: "GetImpersonationRoleEffect" } & GetImpersonationRoleEffectRequest);

/**
 * One answer of a batch: the operation's response, or the error the service would refuse the request with.
 * Equal answers in one batch are one shared, frozen object.
 */
export type BatchAnswer = Readonly<
  | GetAccessControlEffectResponse
  | GetMobileDeviceAccessEffectResponse
  | GetImpersonationRoleEffectResponse
  | ErrorResponse
>;
"#;

/// `compile`, which the engine's, the analyses' and the access modules have, each handle with its module's methods.
#[cfg(any(feature = "engine", feature = "analysis", feature = "access"))]
#[wasm_bindgen(typescript_custom_section)]
const COMPILE: &'static str = r#"
/**
 * Validates and compiles an organization into a `Policy` to query: `{Policy, Findings}` (the findings are
 * warnings), or `{Error, Findings}` when it has errors, the error's code the first error's.
 */
export function compile(input: OrganizationInput, options?: Options): CompileResult;

/** `compile`'s result: the compiled policy and any warnings, or the error that stopped it and every finding. */
export type CompileResult =
  | { Policy: Policy; Findings: Finding[]; Error?: undefined }
  | { Policy?: undefined; Findings: Finding[]; Error: ErrorBody };
"#;

/// `validate`, which only the engine's module has (feature `engine`).
#[cfg(feature = "engine")]
#[wasm_bindgen(typescript_custom_section)]
const ENGINE_FUNCTIONS: &'static str = r#"
/**
 * Validates an organization against everything the service would reject: `{Valid, Findings}`, errors first, then
 * warnings, each with its path and the service's error name.
 */
export function validate(input: OrganizationInput, options?: Options): Validation;

"#;

/// The analyses' types, in the module built with them (feature `analysis`, `workmail_policy_analysis.js`).
#[cfg(feature = "analysis")]
#[wasm_bindgen(typescript_custom_section)]
const ANALYSIS_TYPES: &'static str = r#"

/** How the verdict of an explained request followed from the rules. */
export type DecisionKind =
  | "DenyRuleMatched"
  | "AllowRuleMatched"
  | "NoRuleMatched"
  | "OverrideDecided"
  | "RequestRejected";

/** One rule of an explained request. */
export interface RuleExplanation {
  /** Where the rule is: `AccessControlRules[2]`, `ImpersonationRoles[0].Rules[1]`. */
  Path: string;
  Id?: string;
  Name?: string;
  Effect: Effect;
  Matched: boolean;
  /** When it did not match, the first condition that failed, in the order the reference evaluator tests them. */
  Failed?: { Condition: string; Reason: string };
}

/** `policy.explain`'s result (`wmpolicy explain`): the verdict, every rule, and how the one followed. */
export interface Explanation {
  Verdict:
    | GetAccessControlEffectResponse
    | GetMobileDeviceAccessEffectResponse
    | GetImpersonationRoleEffectResponse
    | ErrorResponse;
  /** Every rule consulted, in order; empty when the request is refused. */
  Rules: RuleExplanation[];
  Decision: { Kind: DecisionKind; Text: string };
}

/** The values of one request member a region covers. */
export interface Selection {
  /** Every value: nothing sets the region apart on this member. */
  All: boolean;
  /** The values named one by one. */
  Listed: string[];
  /** Also every value no organization names ("any other user"). */
  AnyOther: boolean;
}

/** `GetAccessControlEffect` requests the two organizations answer differently. */
export interface AccessChange {
  PrincipalKind: "User" | "ImpersonationRole";
  Principals: Selection;
  Actions: Selection;
  /** `a.b.c.d/n`, `a.b.c.d` or `first-last`; ascending, disjoint. */
  Addresses: string[];
  Old: GetAccessControlEffectResponse | ErrorCodeOnly;
  New: GetAccessControlEffectResponse | ErrorCodeOnly;
  /** A request of the region. */
  Example: GetAccessControlEffectRequest;
}

/** `GetMobileDeviceAccessEffect` requests the two organizations answer differently. */
export interface MobileChange {
  OverrideKeys: Selection;
  DeviceType: Selection;
  DeviceModel: Selection;
  DeviceOperatingSystem: Selection;
  DeviceUserAgent: Selection;
  Old: GetMobileDeviceAccessEffectResponse | ErrorCodeOnly;
  New: GetMobileDeviceAccessEffectResponse | ErrorCodeOnly;
  Example: GetMobileDeviceAccessEffectRequest;
}

/** Target users of one impersonation role answered differently. */
export interface TargetChange {
  Targets: Selection;
  Old: GetImpersonationRoleEffectResponse | ErrorCodeOnly;
  New: GetImpersonationRoleEffectResponse | ErrorCodeOnly;
  Example: GetImpersonationRoleEffectRequest;
}

export interface RoleChange {
  ImpersonationRoleId: string;
  Name: string;
  Status: "Added" | "Removed" | "Changed";
  Changes: TargetChange[];
}

/** `diff`'s result (`wmpolicy diff`): per call compared, every region of requests answered differently. */
export interface Diff {
  /** No compared request is answered differently. */
  Equivalent: boolean;
  Access?: AccessChange[];
  Mobile?: MobileChange[];
  Impersonation?: RoleChange[];
}

/** The simulate calls `diff` can compare. */
export type DiffKind = "Access" | "Mobile" | "Impersonation";

/**
 * Compares two organizations over every request of the calls in `kinds` (all three when absent); `{Error,
 * Findings}` when either has errors (paths start with `old: ` or `new: `).
 */
export function diff(
  old: OrganizationInput,
  new_: OrganizationInput,
  options?: Options,
  kinds?: DiffKind[],
): Diff | { Error: ErrorBody; Findings: Finding[] };
"#;

/// The service's error without its message, as the analyses of both modules report an outcome.
#[cfg(any(feature = "analysis", feature = "access"))]
#[wasm_bindgen(typescript_custom_section)]
const ERROR_CODE_ONLY: &'static str = r#"
/** The service's error without its message, as an analysis reports an outcome. */
export interface ErrorCodeOnly {
  Error: { Code: ErrorCode };
}
"#;

/// `lint` and the effective-access matrix, in the module built with them (feature `access`,
/// `workmail_policy_access.js`).
#[cfg(feature = "access")]
#[wasm_bindgen(typescript_custom_section)]
const ACCESS_TYPES: &'static str = r#"
/** One finding of `policy.lint()` (`wmpolicy lint`). */
export interface LintFinding {
  Category: "DeadRule" | "Lockout" | "LikelyMistake";
  Check:
    | "DeadRule"
    | "UserLockedOut"
    | "ReachableOnlyFrom"
    | "ActiveSyncDenied"
    | "MustReach"
    | "NoDeviceAllowed"
    | "NoRules"
    | "RoleAllowsNoOne"
    | "OutlookIncomplete"
    | "OverQuota"
    | "ValidationWarning";
  /** A rule (`AccessControlRules[3]`), a list, or a user. */
  Path: string;
  Message: string;
  /** For a dead rule, the rules that shadow it. */
  ShadowedBy?: string[];
  /** For a validation warning, which check of validation made it. */
  Problem?: Problem;
  /** For a lockout of users: who, how far (over the seven protocols), and the rules that cause it. */
  Lockout?: Lockout;
}

/** A lockout of users, as `wmpolicy lint --json` gives it. */
export interface Lockout {
  Who: { Users: string[] } | "EveryUser" | { EveryUserBut: string[] };
  Extent: "EveryProtocolEverywhere" | { EveryProtocolOutside: string[] } | { ProtocolsEverywhere: Protocol[] };
  /** The rules that decide the DENY, in rule order. */
  Rules: string[];
  /** Somewhere no rule matches at all, which denies too. */
  NoRuleMatches?: boolean;
}

/** `policy.lint(options)`: accounts that must keep access, `"USER"` or `"USER:PROTOCOL"`. */
export interface LintOptions {
  MustReach?: string[];
}

export interface LintReport {
  Findings: LintFinding[];
}

/** The seven protocols (`Action`s) clients connect with: the columns of the effective-access matrix. */
export type Protocol = "ActiveSync" | "AutoDiscover" | "EWS" | "IMAP" | "SMTP" | "WindowsOutlook" | "WebMail";

/** Addresses answered alike: `a.b.c.d/n`, `a.b.c.d` or `first-last`; ascending, disjoint. */
export interface EffectiveRegion {
  /** The service's response (the rules that decide are its `MatchedRules`), or its error. */
  Answer: GetAccessControlEffectResponse | ErrorCodeOnly;
  Ranges: string[];
}

/** One principal's answers for one protocol, over every IPv4 address. */
export interface EffectiveCell {
  /** The addresses from which the answer is `ALLOW`; empty when none, `["0.0.0.0/0"]` from anywhere. */
  Allowed: string[];
  /** Each distinct answer with its addresses, in the order of their first address; together every address once. */
  Regions: EffectiveRegion[];
}

/** Who a row or a changed cell is about. */
export interface EffectivePrincipal {
  Kind: "User" | "ImpersonationRole";
  /** The user's email, else name, else ID; the role's name and ID; or "any other user". */
  Label: string;
  /** The `UserId` or `ImpersonationRoleId` to ask with. */
  Id: string;
  /** The directory entry (`Users[3]`), when a directory is loaded. */
  Path?: string;
  /** The directory user's `State`, when listed. */
  State?: string;
  /** It stands for every user (or role) no rule names and no directory lists. */
  AnyOther?: boolean;
}

export interface EffectiveRow extends EffectivePrincipal {
  Protocols: Record<Protocol, EffectiveCell>;
}

/** `policy.effectiveAccess()`'s result (`wmpolicy effective-access --json`): users first, then roles. */
export interface EffectiveAccess {
  Rows: EffectiveRow[];
}

/** One cell of the matrix that two organizations answer differently. */
export interface EffectiveCellChange extends EffectivePrincipal {
  Protocol: Protocol;
  Old: EffectiveCell;
  New: EffectiveCell;
}

/** `effectiveAccessChanges`' result: every changed cell, row by row, protocols in column order. */
export interface EffectiveAccessChanges {
  Changes: EffectiveCellChange[];
}

/**
 * The cells of the effective-access matrix that differ between two organizations (the allowed addresses, or the
 * rules that decide); `{Error, Findings}` when either has errors (paths start with `old: ` or `new: `).
 */
export function effectiveAccessChanges(
  old: OrganizationInput,
  new_: OrganizationInput,
  options?: Options,
): EffectiveAccessChanges | { Error: ErrorBody; Findings: Finding[] };
"#;

/// `replay` and its report, in the module built with them (feature `replay`, `workmail_policy_replay.js`).
#[cfg(feature = "replay")]
#[wasm_bindgen(typescript_custom_section)]
const REPLAY_TYPES: &'static str = r#"
/**
 * Starts replaying an audit log (`wmpolicy replay`): `rules` judge the log (does the engine agree with what the
 * service did), `against`, when given, is asked too (whose logins would it deny or allow). `{Replay}`, or
 * `{Error, Findings}` when either organization has errors (paths start with `rules: ` or `against: `).
 */
export function replay(rules: OrganizationInput, against?: OrganizationInput | null, options?: Options): ReplayStart;

/** `replay`'s result: the replay to push the log into, or the errors that stopped it. */
export type ReplayStart =
  | { Replay: Replay; Error?: undefined; Findings?: undefined }
  | { Replay?: undefined; Error: ErrorBody; Findings: Finding[] };

/** A replayed verdict: `Effect` and `MatchedRules` (rule names, or impersonation rule ids). */
export interface ReplayVerdict {
  Effect: Effect;
  MatchedRules: string[];
}

/** Replayed events that share a request and a logged verdict, and disagree with the engine. */
export interface ReplayDisagreement {
  Events: number;
  /** The first event's place. */
  File: string;
  Line: number;
  /** The earliest and latest `event_timestamp`, as ISO-8601 UTC. */
  FirstSeen: string | null;
  LastSeen: string | null;
  Class: "AccessControl" | "ImpersonatedAccessControl" | "ImpersonationAccessControl";
  /** The request the events map to, as a batch request. */
  Request: BatchRequest;
  Logged: { AccessGranted: boolean; RuleId: string | null };
  Engine: ReplayVerdict;
}

/** A record that could not be read or replayed. */
export interface ReplayProblem {
  File: string;
  Line: number;
  /** For input skipped as broken, the last line skipped. */
  ToLine?: number;
  Kind: "Unreadable" | "Unreplayable";
  Message: string;
}

/** Changed events that share a user, a protocol or a source network (the address's `/24`). */
export interface ReplayChange {
  Key: string;
  Events: number;
  NowDenied: number;
  NowAllowed: number;
  FirstSeen: string | null;
  LastSeen: string | null;
  /** The first event's place, request and answers. */
  File: string;
  Line: number;
  Example: BatchRequest;
  Before: ReplayVerdict;
  /** `null` when the second organization refuses the request. */
  After: ReplayVerdict | null;
}

/** What a replay found in every case: counts, disagreements, problems. */
export interface ReplayCounts {
  /** Every record read. */
  Events: number;
  Replayed: number;
  Agreed: number;
  Disagreed: number;
  ReplayedByClass: { AccessControl: number; ImpersonatedAccessControl: number; ImpersonationAccessControl: number };
  Skipped: { DeviceAccessControl: number; MailFlow: number; Unreadable: number; Unreplayable: number };
  /** Replayed events whose `rule_id` names no rule, so only their effect was compared. */
  RuleIdsNotCompared: number;
  /** Most events first. */
  Disagreements: ReplayDisagreement[];
  DisagreementsNotListed: number;
  /** In input order. */
  Problems: ReplayProblem[];
  ProblemsNotListed: number;
}

/** What changes against the second organization. */
export interface ReplayImpact {
  /** "3 of 120 logins by 2 users would now be denied; 0 would now be allowed". */
  Summary: string;
  Changed: number;
  NowDenied: number;
  NowAllowed: number;
  UsersNowDenied: number;
  UsersNowAllowed: number;
  /** Each most events first. */
  ChangesByUser: ReplayChange[];
  ChangesByProtocol: ReplayChange[];
  ChangesBySourceNetwork: ReplayChange[];
}

/**
 * `replay.finish()`'s report, the JSON of `wmpolicy replay --json` (without the disagreements' reasons): the
 * impact's members are there exactly when the replay has a second organization.
 */
export type ReplayReport = ReplayCounts & (ReplayImpact | { [K in keyof ReplayImpact]?: undefined });
"#;
