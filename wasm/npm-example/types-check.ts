// The npm package's TypeScript declarations as an installed package's user sees them: each of the four imports
// resolves through package.json's "exports" (Node's resolution, "nodenext") to its .d.ts. CI (.ci/run) compiles this
// in the empty project where it installed the packed tarball; nothing runs it.
import init, { initSync, compile, type CompileResult } from "workmail-policy";
import * as analysis from "workmail-policy/analysis";
import * as access from "workmail-policy/access";
import * as logs from "workmail-policy/replay";

declare const bytes: Uint8Array;
initSync({ module: bytes });
void init;

const compiled: CompileResult = compile("{}");
if (compiled.Policy) {
  const answer = compiled.Policy.getAccessControlEffect({ IpAddress: "198.51.100.20", Action: "IMAP", UserId: "alice" });
  void answer;
  // @ts-expect-error: the engine's handle has no effectiveAccess; that is the access module's
  compiled.Policy.effectiveAccess();
}

analysis.initSync({ module: bytes });
const diffed = analysis.diff("{}", "{}");
void diffed;

access.initSync({ module: bytes });
const matrix = access.compile("{}").Policy;
const allowed: string[] | undefined = matrix?.effectiveAccess().Rows[0]?.Protocols.WebMail.Allowed;
void allowed;

logs.initSync({ module: bytes });
const started = logs.replay("{}");
void started;
