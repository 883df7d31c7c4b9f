// Compiled with `tsc --noEmit` (wasm/e2e/tsconfig.json), never run: the package's TypeScript declarations accept what
// the README says and reject what the service would not take.
import init, {
  compile,
  load,
  validate,
  type BatchAnswer,
  type Effect,
  type ErrorCode,
  type Finding,
  type GetAccessControlEffectResponse,
  type OrganizationFile,
  type Policy,
} from "../pkg/workmail_policy_wasm.js";

await init();

const file: OrganizationFile = {
  AccessControlRules: [{ Name: "no-imap", Effect: "DENY", Description: "", Actions: ["IMAP"], DateCreated: 1614704932 }],
};
const loaded = load(JSON.stringify(file));
const findings: Finding[] = loaded.Findings.concat(validate(file).Findings, validate(file, { RelaxQuotas: true }).Findings);
const codes: ErrorCode[] = findings.map((f) => f.Code);
const severity: "error" | "warning" | undefined = findings[0]?.Severity;

const compiled = compile([{ Name: "a.json", Content: new TextEncoder().encode("{}") }]);
if (compiled.Policy) {
  const policy: Policy = compiled.Policy;
  const access = policy.getAccessControlEffect({ IpAddress: "192.0.2.1", Action: "IMAP", UserId: "S-1-5-18-0001" });
  if ("Error" in access) {
    const message: string = access.Error.Message;
  } else {
    const answer: GetAccessControlEffectResponse = access;
    const rules: string[] = answer.MatchedRules;
  }
  const mobile = policy.getMobileDeviceAccessEffect({ DeviceType: "iPhone", UserId: "u", DeviceId: "D1" });
  if (!("Error" in mobile)) {
    const id: string | undefined = mobile.MatchedRules[0]?.MobileDeviceAccessRuleId;
    const overridden: string | undefined = mobile.MatchedOverride?.DeviceId;
  }
  const impersonation = policy.getImpersonationRoleEffect({ ImpersonationRoleId: "r", TargetUser: "bob" });
  if (!("Error" in impersonation)) {
    const type: "FULL_ACCESS" | "READ_ONLY" = impersonation.Type;
  }
  const answers = policy.batch([
    { Operation: "GetAccessControlEffect", IpAddress: "192.0.2.1", Action: "EWS", ImpersonationRoleId: "r" },
    { Operation: "GetMobileDeviceAccessEffect" },
    { Operation: "GetImpersonationRoleEffect", ImpersonationRoleId: "r", TargetUser: "bob" },
  ]);
  if (Array.isArray(answers)) {
    const first: BatchAnswer | undefined = answers[0];
  }
  // @ts-expect-error: the service's member is IpAddress
  policy.getAccessControlEffect({ IpAdress: "192.0.2.1", Action: "IMAP", UserId: "u" });
  // @ts-expect-error: TargetUser is required
  policy.getImpersonationRoleEffect({ ImpersonationRoleId: "r" });
  // @ts-expect-error: batch requests name their operation
  policy.batch([{ IpAddress: "192.0.2.1", Action: "IMAP", UserId: "u" }]);
  policy.free();
} else {
  const code: ErrorCode = compiled.Error.Code;
}

// The analyses' module declares them, and only them: its handle explains, and does not answer.
import initAnalyses, * as full from "../pkg/workmail_policy_analysis.js";
import type { Diff, Explanation } from "../pkg/workmail_policy_analysis.js";

await initAnalyses();
const both = full.compile(file);
if (both.Policy) {
  const explained: Explanation | full.ErrorResponse = both.Policy.explain({
    Operation: "GetAccessControlEffect", IpAddress: "192.0.2.1", Action: "IMAP", UserId: "u",
  });
  if (!("Error" in explained)) {
    const kind: string = explained.Decision.Kind;
    const failed: string | undefined = explained.Rules[0]?.Failed?.Reason;
  }
  // @ts-expect-error: lint is the access module's
  both.Policy.lint();
  // @ts-expect-error: the simulate calls are the engine's
  both.Policy.getAccessControlEffect({ IpAddress: "192.0.2.1", Action: "IMAP", UserId: "u" });
}
// @ts-expect-error: validate is the engine's
full.validate(file);
const compared = full.diff(file, "{}", undefined, ["Access"]);
if (!("Error" in compared)) {
  const diffed: Diff = compared;
  const example = diffed.Access?.[0]?.Example.IpAddress;
}
// @ts-expect-error: the kinds are Access, Mobile and Impersonation
full.diff(file, file, {}, ["Everything"]);

// The access module: lint, and who reaches mail, by protocol, from where.
import initAccess, * as reach from "../pkg/workmail_policy_access.js";
import type { EffectiveAccess, EffectiveCell, LintReport, Lockout, Protocol } from "../pkg/workmail_policy_access.js";

await initAccess();
const reaching = reach.compile(file);
if (reaching.Policy) {
  const linted = reaching.Policy.lint({ MustReach: ["alice@example.com:IMAP"] });
  if ("Findings" in linted) {
    const report: LintReport = linted;
    const dead: string[] | undefined = report.Findings[0]?.ShadowedBy;
    const lockout: Lockout | undefined = report.Findings[0]?.Lockout;
    const rules: string[] | undefined = lockout?.Rules;
  }
  // @ts-expect-error: MustReach is a list of "USER[:PROTOCOL]"
  reaching.Policy.lint({ MustReach: "alice" });
  const matrix: EffectiveAccess = reaching.Policy.effectiveAccess();
  const row = matrix.Rows[0];
  if (row) {
    const kind: "User" | "ImpersonationRole" = row.Kind;
    const imap: EffectiveCell = row.Protocols.IMAP;
    const allowed: string[] = imap.Allowed;
    const answer = imap.Regions[0]?.Answer;
    const rules: string[] | undefined = answer && !("Error" in answer) ? answer.MatchedRules : undefined;
    // @ts-expect-error: the protocols are the seven documented actions
    row.Protocols.Imap;
  }
  // @ts-expect-error: explain is the analyses' module's
  reaching.Policy.explain({ Operation: "GetAccessControlEffect", IpAddress: "192.0.2.1", Action: "IMAP", UserId: "u" });
}
const cells = reach.effectiveAccessChanges(file, "{}", { RelaxQuotas: true });
if (!("Error" in cells)) {
  const protocol: Protocol | undefined = cells.Changes[0]?.Protocol;
  const before: string[] | undefined = cells.Changes[0]?.Old.Allowed;
  const label: string | undefined = cells.Changes[0]?.Label;
} else {
  const path: string | undefined = cells.Findings[0]?.Path;
}
// @ts-expect-error: diff is the analyses' module's
reach.diff(file, file);

// The replay's module: a log pushed a chunk at a time, and its report; nothing of the engine's.
import initReplay, * as logs from "../pkg/workmail_policy_replay.js";
import type { Replay, ReplayReport } from "../pkg/workmail_policy_replay.js";

await initReplay();
const started = logs.replay(file, [{ Name: "proposed.json", Content: "{}" }], { RelaxQuotas: true });
if (started.Replay) {
  const log: Replay = started.Replay;
  log.push(new TextEncoder().encode('{"scope": "AccessControl"}\n'));
  const progress: number = log.bytes + log.events;
  const report: ReplayReport = log.finish("access.log");
  const counted: number = report.Replayed + report.Agreed + report.Skipped.MailFlow + report.ReplayedByClass.AccessControl;
  const line: number | undefined = report.Problems[0]?.ToLine;
  const logged: boolean | undefined = report.Disagreements[0]?.Logged.AccessGranted;
  if (report.Summary !== undefined) {
    const denied: number = report.NowDenied + report.UsersNowDenied;
    const example: string | undefined = report.ChangesByUser[0]?.Example.Operation;
    const after: Effect | undefined = report.ChangesBySourceNetwork[0]?.After?.Effect;
  }
  // @ts-expect-error: the impact is there only with a second organization
  const denied: number = report.NowDenied;
  // @ts-expect-error: a log is pushed as bytes
  log.push("{}");
  log.free();
} else {
  const path: string | undefined = started.Findings[0]?.Path;
}
logs.replay("{}");
// @ts-expect-error: compile is the engine's and the analyses'
logs.compile(file);
