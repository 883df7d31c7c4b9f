// The npm package's example, as a user runs it: in a project that ran `npm install workmail-policy-0.1.0.tgz`,
// `node example.mjs path/to/acme.json`. CI (.ci/run) runs it in an empty project with the package packed from
// wasm/pkg and compares what it prints with expected.txt beside it.
import { readFileSync } from "node:fs";
import { initSync, compile } from "workmail-policy";
import * as access from "workmail-policy/access";

// `--target web` modules fetch their .wasm, which Node's fetch cannot read from disk: hand them the bytes.
const wasm = (name) => readFileSync(new URL(import.meta.resolve(`workmail-policy/${name}`)));
initSync({ module: wasm("workmail_policy_wasm_bg.wasm") });
access.initSync({ module: wasm("workmail_policy_access_bg.wasm") });

const file = process.argv[2] ?? "acme.json";
const org = readFileSync(file, "utf8");

// The engine: one GetAccessControlEffect, as `aws workmail get-access-control-effect` would answer it.
const { Policy: policy, Error: error } = compile(org);
if (error) {
  console.error(`${file}: ${error.Code}: ${error.Message}`);
  process.exit(1);
}
const request = { IpAddress: "198.51.100.20", Action: "IMAP", UserId: "alice@acme.example.com" };
console.log(`GetAccessControlEffect ${JSON.stringify(request)}`);
console.log(`  ${JSON.stringify(policy.getAccessControlEffect(request))}`);

// The access module: where each user can reach WebMail from.
const { Policy: matrix } = access.compile(org);
console.log("WebMail allowed from:");
for (const row of matrix.effectiveAccess().Rows) {
  if (row.Kind === "User") console.log(`  ${row.Label}: ${row.Protocols.WebMail.Allowed.join(", ") || "nowhere"}`);
}
policy.free();
matrix.free();
