// The rule editor end to end, in Debian's Chromium driven by playwright-core: wasm/www served from localhost by a
// tiny static server, the example opened, a rule edited until a test request flips from ALLOW to DENY, the
// verdict and the "what changed" panel checked, the organization downloaded and opened again; then an audit log
// generated here replayed in the page (plain and gzipped), a rule added that denies some of its traffic, and a
// 20 MB log replayed while the page keeps painting; then "Effective access" checked against the access module in
// Node, and the cells that removing a rule changes.
//
//   node --test wasm/e2e/e2e.test.mjs      (after wasm/build.sh; Chromium at /usr/bin/chromium)
//
// Leaves wasm/e2e/screenshot.png (the page after the edit), wasm/e2e/screenshot-replay.png (the replay's impact
// after its edit), wasm/e2e/output/screenshot-effective.png (effective access after its edit) and
// wasm/e2e/output/downloaded-acme.json (the download, which .ci/run also feeds to
// `wmpolicy validate`).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const site = join(here, "..", "www");
const output = join(here, "output");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = 60_000;
/** axe-core, the npm package, injected into the page to check it against WCAG 2.1 A and AA. */
const AXE = join(here, "node_modules", "axe-core", "axe.min.js");
const AXE_VERSION = JSON.parse(readFileSync(join(here, "node_modules", "axe-core", "package.json"), "utf8")).version;
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * Runs axe-core on the whole page for WCAG 2.1 A and AA, and fails on any violation, each listed with the elements
 * it was found on and why. `where`: the page's state, for the message.
 */
async function checkAccessibility(page, where) {
  if (!await page.evaluate(() => "axe" in window)) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }), WCAG_21_AA);
  const violations = result.violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n` +
    v.nodes.map((node) => `    ${node.target.join(" ")}: ${node.failureSummary.replaceAll("\n", " ")}`).join("\n")).join("\n");
  assert.equal(result.violations.length, 0, `axe-core ${AXE_VERSION} (WCAG 2.1 AA), ${where}:\n${violations}`);
  // The contrast rule ran (and passed): it is the one that found the empty lists' labels at 2.9:1.
  assert.ok(result.passes.some((rule) => rule.id === "color-contrast"), `${where}: color-contrast did not run`);
  console.log(`axe-core ${AXE_VERSION}, ${where}: ${result.passes.length} rules passed, ${result.incomplete.length} to review by hand, 0 violations`);
}

/** The text of the "who is this" line under the input `selector`, the input's description. */
function whoOf(page, selector) {
  return page.locator(selector).evaluate((input) => document.getElementById(input.getAttribute("aria-describedby")).textContent);
}

/**
 * Checks "What changed"'s regions: those whose verdict changed (ALLOW ↔ DENY) first, then those whose verdict is the
 * same (only MatchedRules differ), each group headed by its count. Returns the counts.
 */
async function assertDiffGroups(page) {
  const groups = await page.locator("#changes-body .diff > ul").evaluateAll((lists) => lists.map((ul) => ({
    group: ul.dataset.group,
    heading: ul.previousElementSibling.textContent,
    answers: [...ul.querySelectorAll(":scope > li.region > div:nth-child(2)")].map((div) => div.textContent),
  })));
  assert.ok(groups.length >= 1, "no region listed");
  const order = groups.map((g) => g.group);
  assert.ok(["verdict,matched", "verdict", "matched"].includes(order.join()), `groups in the order ${order}`);
  const titles = { verdict: "Verdict changed (ALLOW ↔ DENY)", matched: "Same verdict, other MatchedRules only" };
  const counts = { flips: 0, others: 0 };
  for (const { group, heading, answers } of groups) {
    const n = answers.length;
    assert.equal(heading, `${titles[group]}: ${n} region${n === 1 ? "" : "s"}`);
    for (const answer of answers) {
      const [old, now] = answer.split(" → ").map((side) => side.split(" ")[0]);
      assert.equal(old !== now, group === "verdict", `${answer} in the ${group} group`);
    }
    counts[group === "verdict" ? "flips" : "others"] = n;
  }
  return counts;
}

/** The accessible name of the focused element, as far as these controls need: aria-label, else its text. */
function focusedName(page) {
  return page.evaluate(() => {
    const node = document.activeElement;
    return node.getAttribute("aria-label") ?? node.textContent.trim();
  });
}

/**
 * Presses Tab (Shift+Tab with `back`) until the focused element's name is `name`; fails after `limit` presses.
 * Returns how many it took.
 */
async function tabTo(page, name, { back = false, limit = 200 } = {}) {
  for (let presses = 1; presses <= limit; presses++) {
    await page.keyboard.press(back ? "Shift+Tab" : "Tab");
    if (await focusedName(page) === name) return presses;
  }
  assert.fail(`"${name}" not reached in ${limit} presses of ${back ? "Shift+Tab" : "Tab"}`);
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
};

/** Serves `root` on a free port of 127.0.0.1; nothing outside `root` is reachable. */
function serve(root) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
    const file = normalize(join(root, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end("not found");
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

// ---- Audit logs for "Replay a log" ------------------------------------------------------------------------------

const ACME = JSON.parse(readFileSync(join(here, "..", "..", "examples", "acme.json"), "utf8"));
const CAROL = "carol@acme.example.com";
/** The rule the replay test adds in the editor, as acme-proposed.json has it (WebMail from the offices only). */
const WEBMAIL_RULE = {
  Name: "webmail-from-offices-only",
  Effect: "DENY",
  Description: "",
  Actions: ["WebMail"],
  NotIpRanges: ["198.51.100.0/24", "203.0.113.0/26"],
  NotUserIds: [CAROL],
};

/** The engine's module in Node, to work out what the replay should find. */
async function engine() {
  const module = await import(join(here, "../pkg/workmail_policy_wasm.js"));
  module.initSync({ module: readFileSync(join(here, "../pkg/workmail_policy_wasm_bg.wasm")) });
  return module;
}

/**
 * A day of sign-ins for acme.json's enabled users, from a fixed seed: every protocol, from both offices, the
 * datacenter and elsewhere, each event logged as the engine answers it with acme.json's rules except every 37th
 * (a disagreement), with mail flow, a DeviceAccessControl event and one line that is not an event. Returns the
 * log's text, the access events replayed, how many of them disagree, and how many mail-flow events there are.
 */
function auditLog(policy) {
  let seed = 0x2545f491;
  const random = (n) => {
    seed ^= seed << 13; seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5; seed >>>= 0;
    return seed % n;
  };
  const users = ACME.Users.filter((u) => u.State === "ENABLED");
  const protocols = ["WebMail", "WebMail", "WebMail", "IMAP", "EWS", "ActiveSync", "AutoDiscover", "WindowsOutlook", "SMTP"];
  const addresses = [
    () => `198.51.100.${random(256)}`, // the first office
    () => `203.0.113.${random(64)}`, // the second office, as acme-proposed.json has it (/26)
    () => `203.0.113.${64 + random(64)}`, // the rest of the second office's /25 in acme.json
    () => `192.0.2.${random(256)}`, // the datacenter
    () => `100.64.${random(4)}.${random(256)}`, // home, hotels, phones
    () => `233.252.0.${random(256)}`,
  ];
  const lines = [];
  const events = [];
  let disagreed = 0;
  for (let i = 0; i < 400; i++) {
    const user = users[random(users.length)];
    const base = { event_timestamp: 1764547200000 + i * 60_000, request_id: `r${i}`, organization_arn:
      "arn:aws:workmail:us-east-1:111122223333:organization/m-0123456789abcdef0123456789abcdef", user_id: user.Id };
    if (i % 50 === 7) {
      lines.push(JSON.stringify({ ...base, protocol: "IncomingEmail", source_ip: "192.0.2.25", scope: "AccessControl", access_granted: true }));
      continue;
    }
    const event = { ...base, protocol: protocols[random(protocols.length)], source_ip: addresses[random(addresses.length)](), scope: "AccessControl" };
    const answer = policy.getAccessControlEffect({ IpAddress: event.source_ip, Action: event.protocol, UserId: event.user_id });
    assert.ok(answer.Effect, JSON.stringify(answer));
    const granted = (answer.Effect === "ALLOW") !== (i % 37 === 36);
    if (i % 37 === 36) disagreed++;
    lines.push(JSON.stringify({ ...event, rule_id: answer.MatchedRules[0], access_granted: granted }));
    events.push(event);
  }
  lines.push(JSON.stringify({ event_timestamp: 1764547200000, scope: "DeviceAccessControl", user_id: users[0].Id, protocol: "ActiveSync", access_granted: true }));
  lines.push("this line is not an event");
  return { text: `${lines.join("\n")}\n`, events, disagreed, mailFlow: 400 - events.length, records: lines.length };
}

/** What the replay of `events` against `before`, then `after`, must report. */
function expectedImpact(events, before, after) {
  let changed = 0;
  let denied = 0;
  let allowed = 0;
  const deniedUsers = new Set();
  const byUser = new Map();
  for (const event of events) {
    const request = { IpAddress: event.source_ip, Action: event.protocol, UserId: event.user_id };
    const [a, b] = [before.getAccessControlEffect(request), after.getAccessControlEffect(request)];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    changed++;
    byUser.set(event.user_id, (byUser.get(event.user_id) ?? 0) + 1);
    if (a.Effect === "ALLOW" && b.Effect === "DENY") {
      denied++;
      deniedUsers.add(event.user_id);
    }
    if (a.Effect === "DENY" && b.Effect === "ALLOW") allowed++;
  }
  const users = deniedUsers.size;
  return { changed, denied, allowed, users, byUser, summary: sentence(denied, events.length, users, allowed) };
}

/** The report's one-line impact, as the library words it. */
function sentence(denied, logins, users, allowed) {
  const n = (x) => x.toLocaleString("en-US");
  return `${n(denied)} of ${n(logins)} login${logins === 1 ? "" : "s"} by ${n(users)} user${users === 1 ? "" : "s"} ` +
    `would now be denied; ${n(allowed)} would now be allowed`;
}

describe("rule editor in Chromium", { timeout: 5 * TIMEOUT }, () => {
  let server;
  let context;
  let page;
  let base;
  let profile;
  const problems = [];

  before(async () => {
    await mkdir(output, { recursive: true });
    server = await serve(site);
    base = `http://127.0.0.1:${server.address().port}`;
    profile = await mkdtemp(join(tmpdir(), "wm-editor-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
      ],
      acceptDownloads: true,
      viewport: { width: 1440, height: 1000 },
    });
    page = context.pages()[0] ?? await context.newPage();
    page.setDefaultTimeout(15_000);
    watch(page);
  });

  /** Collects `tab`'s uncaught errors and console errors into `problems`, which the tests expect empty. */
  function watch(tab) {
    tab.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    tab.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
  }

  after(async () => {
    await context?.close();
    server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  const badge = () => page.locator("#test-access output .badge");
  const changes = () => page.locator("#changes-body");

  it("opens the bundled example and answers the access test request", { timeout: TIMEOUT }, async () => {
    await page.goto(`${base}/index.html`);
    await page.waitForSelector("body[data-ready]");
    await page.click("#open-example");
    await page.waitForSelector('[data-path="AccessControlRules[4]"]');
    // The analyses' module loads in the background; then answers are explained and every request compared.
    await page.waitForSelector("body[data-analyses]");
    assert.equal(await page.locator('[data-path="AccessControlRules[0].Name"] input').inputValue(), "deny-imap-except-archiver");
    assert.equal(await page.locator('[data-path="ImpersonationRoles[0].Rules[1].TargetUsers[0]"] input').inputValue(),
      "carol@acme.example.com");
    await assert.doesNotReject(page.waitForFunction(() => document.querySelector("#status").textContent.includes("valid")));
    // The form's default request: alice reads WebMail from an office address.
    assert.equal(await badge().textContent(), "ALLOW");
    assert.match(await page.locator("#test-access output .matched").textContent(), /default/);
    assert.match(await page.locator("#test-access output .explanation").textContent(),
      /no DENY rule matched.*✗ deny-imap-except-archiver DENY Actions: WebMail is not one of "IMAP".*✓ default ALLOW/s);
    assert.match(await changes().textContent(), /Every request is answered as before \(all compared\)/);
    assert.match(await changes().textContent(), /No rule changed since loading/);
    await checkAccessibility(page, "the example open");
    // The other two calls, on their tabs: the README's iPhone, and the archiver reading the CEO's mailbox.
    await page.click('[data-tab="mobile"]');
    assert.equal(await page.locator("#test-mobile output .badge").textContent(), "ALLOW");
    assert.match(await page.locator("#test-mobile output .matched").textContent(), /Allow phones and tablets/);
    await page.click('[data-tab="impersonation"]');
    assert.equal(await page.locator("#test-impersonation output .badge").textContent(), "DENY");
    assert.match(await page.locator("#test-impersonation output").textContent(), /READ_ONLY.*Not the CEO/s);
    // Tabs as ARIA has them: each tab controls its panel, the panel is labelled by its tab, one tab is tabbable.
    const tabs = page.locator('[role="tablist"] [role="tab"]');
    assert.equal(await tabs.count(), 3);
    for (const tab of await tabs.all()) {
      const panel = page.locator(`#${await tab.getAttribute("aria-controls")}`);
      assert.equal(await panel.getAttribute("role"), "tabpanel");
      assert.equal(await panel.getAttribute("aria-labelledby"), await tab.getAttribute("id"));
      const selected = await tab.getAttribute("aria-selected") === "true";
      assert.equal(await tab.getAttribute("tabindex"), selected ? "0" : "-1");
      assert.equal(await panel.isVisible(), selected);
    }
    // The impersonation answer names the target user by the directory's name too.
    assert.equal(await whoOf(page, '#test-impersonation input[name="TargetUser"]'),
      "Carol CEO, ID S-1-1-11-4012345678-1000000003-2000000003-1003");
    assert.equal(await whoOf(page, '#test-impersonation input[name="ImpersonationRoleId"]'), "role Archiver");
    await checkAccessibility(page, "the test panel (Impersonation tab, an answer explained)");
    await page.click('[data-tab="access"]');
  });

  it("shows findings at the field as the user types", { timeout: TIMEOUT }, async () => {
    const field = '[data-path="AccessControlRules[1].NotIpRanges[0]"]';
    await page.fill(`${field} input`, "198.51.100.0/33");
    const finding = page.locator(`${field} .finding.error`);
    await finding.waitFor();
    // In words, for people: no regular expression, the service's error name last.
    const text = await finding.textContent();
    assert.equal(text, 'Error (InvalidParameterException): "198.51.100.0/33" is not an IPv4 range in CIDR form such as 192.0.2.0/24 (IpRange)');
    assert.doesNotMatch(text, /pattern|\[0-9\]|\^|\\/);
    assert.match(await page.locator("#status").textContent(), /1 error/);
    assert.match(await page.locator("#test-access output").textContent(), /Fix the organization's errors/);
    // The field says it is invalid, and points at the finding (its first description), besides its name.
    const input = page.locator(`${field} input`);
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    const described = (await input.getAttribute("aria-describedby")).split(" ");
    assert.equal(await page.locator(`#${described[0]}`).textContent(), text);
    assert.equal(await input.getAttribute("aria-label"), "NotIpRanges 1 of rule contractors-office-only");
    await checkAccessibility(page, "a finding shown");
    await page.fill(`${field} input`, "198.51.100.0/24");
    await finding.waitFor({ state: "detached" });
    assert.equal(await input.getAttribute("aria-invalid"), null);
    assert.equal(await input.getAttribute("aria-describedby"), null);
    assert.equal(await badge().textContent(), "ALLOW");
  });

  it("labels a warning as a warning, not as the service's error", { timeout: TIMEOUT }, async () => {
    // `Imap` is valid (the service takes any action name) but matches no IMAP request.
    const field = '[data-path="AccessControlRules[0].Actions[0]"]';
    await page.fill(`${field} input`, "Imap");
    const finding = page.locator(`${field} .finding`);
    await finding.waitFor();
    assert.equal(await finding.getAttribute("class"), "finding warning");
    const text = await finding.textContent();
    assert.match(text, /^Warning: .*\(the service accepts this\)$/);
    assert.doesNotMatch(text, /Exception/);
    assert.match(await page.locator("#status").textContent(), /valid, 1 warning/);
    // Described by the warning, but not invalid.
    const input = page.locator(`${field} input`);
    assert.equal(await input.getAttribute("aria-invalid"), null);
    assert.equal(await page.locator(`#${await input.getAttribute("aria-describedby")}`).textContent(), text);
    await page.fill(`${field} input`, "IMAP");
    await finding.waitFor({ state: "detached" });
  });

  it("a rule edit flips the test request from ALLOW to DENY, and what changed says so", { timeout: TIMEOUT }, async () => {
    // Add WebMail to the IMAP rule's Actions: alice is not the archiver, so her WebMail is now denied.
    await page.click('[data-path="AccessControlRules[0].Actions"] button.add');
    const entry = page.locator('[data-path="AccessControlRules[0].Actions[1]"] input');
    await entry.fill("WebMail");
    await page.waitForFunction(() => document.querySelector("#test-access output .badge")?.textContent === "DENY");
    assert.equal(await badge().textContent(), "DENY");
    assert.match(await page.locator("#test-access output .matched").textContent(), /deny-imap-except-archiver/);
    assert.match(await page.locator("#test-access output .before").textContent(), /Before your edits: ALLOW \(default\)/);

    assert.match(await page.locator("#test-access output .explanation").textContent(), /✓ deny-imap-except-archiver DENY/);

    // The core's diff: the requests answered differently, each region with a request to try.
    const text = await changes().textContent();
    assert.match(text, /Requests answered differently/);
    const regions = page.locator("#changes-body li.region");
    assert.ok(await regions.count() >= 1);
    for (const region of await regions.all()) {
      assert.match(await region.textContent(), /GetAccessControlEffect.*actions "WebMail".*→ DENY \(deny-imap-except-archiver/s);
    }
    // Those that turn ALLOW into DENY come first, counted; then those that were DENY already, counted.
    await assertDiffGroups(page);
    // Trying a counterexample fills the access form with it, and it is answered as the diff says.
    const example = JSON.parse(await regions.first().locator("code.request").textContent());
    await regions.first().locator("button.try").click();
    assert.equal(await page.locator('#test-access input[name="IpAddress"]').inputValue(), example.IpAddress);
    assert.equal(await page.locator('#test-access input[name="Action"]').inputValue(), "WebMail");
    assert.equal(await badge().textContent(), "DENY");
    await page.fill('#test-access input[name="IpAddress"]', "198.51.100.20");
    await page.fill('#test-access input[name="UserId"]', "alice@acme.example.com");
    await page.fill('#test-access input[name="ImpersonationRoleId"]', "");
    await page.waitForFunction(() => document.querySelector("#test-access output .before"));

    // The rules edited, from the JSON, and the test request whose answer flipped.
    assert.match(text, /changed.*deny-imap-except-archiver: Actions: \+"WebMail"/);
    assert.match(await changes().textContent(),
      /GetAccessControlEffect.*"WebMail".*ALLOW \(default\) → DENY \(deny-imap-except-archiver\)/);
    await checkAccessibility(page, "the changes listed, a test answer changed");

    // Reordering is a change too; moving back undoes it.
    await page.click('[data-path="MobileDeviceAccessRules[0]"] button[title="Move down"]');
    assert.match(await changes().textContent(), /Block Android 4 and 5: moved from #1 to #2/);
    await page.click('[data-path="MobileDeviceAccessRules[1]"] button[title="Move up"]');
    assert.doesNotMatch(await changes().textContent(), /moved/);
    // Mobile requests are answered as before: the diff lists access regions only.
    assert.doesNotMatch(await changes().textContent(), /GetMobileDeviceAccessEffect/);

    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(here, "screenshot.png") });
  });

  it("downloads JSON that keeps every member, and opens it again", { timeout: TIMEOUT }, async () => {
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
    assert.equal(download.suggestedFilename(), "acme.json");
    const file = join(output, "downloaded-acme.json");
    await download.saveAs(file);
    const saved = JSON.parse(await readFile(file, "utf8"));

    // Exactly the example with the one edit: descriptions, timestamps as written, users, everything else kept.
    const expected = JSON.parse(await readFile(join(here, "..", "..", "examples", "acme.json"), "utf8"));
    expected.AccessControlRules[0].Actions.push("WebMail");
    assert.deepEqual(saved, expected);
    assert.equal(saved.AccessControlRules[1].DateCreated, "2024-02-01T09:30:00+01:00");

    await page.setInputFiles("#upload", file);
    await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("downloaded-acme.json"));
    assert.equal(await page.locator('[data-path="AccessControlRules[0].Actions[1]"] input').inputValue(), "WebMail");
    assert.equal(await badge().textContent(), "DENY");
    assert.match(await changes().textContent(), /No rule changed since loading/);
  });

  it("reads pasted aws CLI output, and says why it cannot read a bad paste", { timeout: TIMEOUT }, async () => {
    await page.click("#show-paste");
    await page.fill("#paste-text", 'Not JSON at all');
    await page.click("#load-paste");
    await page.locator("#load-findings .finding.error").waitFor();
    assert.match(await page.locator("#load-findings").textContent(), /SerializationException/);
    // The editor keeps what it had.
    assert.equal(await page.locator('[data-path="AccessControlRules[0].Actions[1]"] input').inputValue(), "WebMail");

    // Two outputs of the aws CLI, one after the other, as `wmpolicy` reads them.
    const rules = { Rules: [{ Name: "office-only", Effect: "DENY", Description: "", NotIpRanges: ["10.0.0.0/8"], DateCreated: 1700000000.5 }] };
    const overrides = { Overrides: [{ UserId: "S-1-5-18-0001", DeviceId: "PHONE1", Effect: "ALLOW" }], NextToken: "t" };
    await page.fill("#paste-text", `${JSON.stringify(rules)}\n${JSON.stringify(overrides)}`);
    await page.click("#load-paste");
    await page.waitForSelector('[data-path="MobileDeviceAccessOverrides[0]"]');
    assert.equal(await page.locator('[data-path="AccessControlRules[0].Name"] input').inputValue(), "office-only");
    assert.equal(await page.locator("#load-findings").textContent(), "");
    assert.equal(await badge().textContent(), "DENY");
    assert.match(await page.locator("#test-access output .matched").textContent(), /office-only/);

    // A misspelt member is reported at its path, numbered as the cards are (from 1), with the member meant.
    await page.click("#show-paste");
    // The paste box is named by its label, not only by its placeholder.
    assert.equal(await page.getByLabel("Organization file or aws CLI output").getAttribute("id"), "paste-text");
    assert.equal(await page.locator("#show-paste").getAttribute("aria-expanded"), "true");
    await page.fill("#paste-text", '{"AccessControlRules": [{"Name": "x", "Effect": "DENY", "NotIpRange": ["10.0.0.0/8"]}]}');
    await page.click("#load-paste");
    await page.locator("#load-findings .finding.error").waitFor();
    assert.equal(await page.locator("#load-findings .finding").textContent(),
      "Error (InvalidParameterException): access rule #1 › NotIpRange: unknown member `NotIpRange`; did you mean `NotIpRanges`?");
    assert.deepEqual(problems, []);
  });

  describe("Replay a log", () => {
    let logs;
    let log;
    let expected;
    let acme;

    before(async () => {
      logs = await mkdtemp(join(tmpdir(), "wm-editor-logs-"));
      const wasm = await engine();
      acme = wasm.compile(ACME).Policy;
      log = auditLog(acme);
      const edited = wasm.compile({ ...ACME, AccessControlRules: [...ACME.AccessControlRules, WEBMAIL_RULE] }).Policy;
      expected = { unchanged: expectedImpact(log.events, acme, acme), edited: expectedImpact(log.events, acme, edited) };
      // The edit must deny some of the log's traffic, and not all of it, for the test to mean something.
      assert.ok(expected.edited.denied > 10 && expected.edited.denied < log.events.length / 2, expected.edited.summary);
      await writeFile(join(logs, "acme-access.log"), log.text);
      await writeFile(join(logs, "acme-access.log.gz"), gzipSync(log.text));
    });

    after(async () => {
      if (logs) await rm(logs, { recursive: true, force: true });
    });

    const impact = () => page.locator("#replay-impact");
    const replayed = (name) => page.waitForFunction(
      (name) => document.querySelector("#replay-status").textContent.startsWith(`${name}:`), name, { timeout: TIMEOUT });

    it("replays a chosen log against the rules as loaded", { timeout: TIMEOUT }, async () => {
      await page.click("#open-example");
      await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("acme.json: valid"));
      // The control is labelled and reachable from the keyboard: the file input itself takes the focus.
      assert.equal(await page.locator("#replay-file").getAttribute("type"), "file");
      assert.equal(await page.getByLabel("Choose a log…").count(), 1);
      await page.focus("#replay-file");
      assert.equal(await page.evaluate(() => document.activeElement.id), "replay-file");

      await page.setInputFiles("#replay-file", join(logs, "acme-access.log"));
      await replayed("acme-access.log");
      // Nothing edited: the same rules twice, so nothing changes.
      assert.equal(await impact().textContent(), `${expected.unchanged.summary}.`);
      assert.match(expected.unchanged.summary, new RegExp(`^0 of ${log.events.length} logins by 0 users`));
      const { events, disagreed } = log;
      assert.ok(disagreed > 5);
      assert.equal(await page.locator("#replay-agreement").textContent(),
        `Replayed ${events.length} of ${log.records} events: ${events.length - disagreed} agree with the log, ${disagreed} disagree.`);
      assert.equal(await page.locator("#replay-skipped").textContent(),
        `Not judged: ${log.mailFlow} mail flow, 1 DeviceAccessControl, 1 unreadable, 0 unreplayable.`);
      assert.match(await page.locator("#replay-problems").textContent(), /^1 problem /);
      assert.match(await page.locator("#replay-body .problems").textContent(), new RegExp(`^line ${log.records}: unreadable`));
      assert.equal(await page.locator('[data-groups="disagreement"] li').count(), 5);
      assert.equal(await page.locator("#replay-progress-box").isHidden(), true);
    });

    it("replays it again when an edit denies some of its traffic", { timeout: 2 * TIMEOUT }, async () => {
      // Add acme-proposed.json's rule in the editor: WebMail only from the offices, except for the CEO.
      await page.click('section[data-path="AccessControlRules"] > button.add');
      const rule = "AccessControlRules[5]";
      await page.fill(`[data-path="${rule}.Name"] input`, WEBMAIL_RULE.Name);
      for (const [list, values] of [["Actions", WEBMAIL_RULE.Actions], ["NotIpRanges", WEBMAIL_RULE.NotIpRanges],
        ["NotUserIds", WEBMAIL_RULE.NotUserIds]]) {
        for (const [i, value] of values.entries()) {
          await page.click(`[data-path="${rule}.${list}"] button.add`);
          await page.fill(`[data-path="${rule}.${list}[${i}]"] input`, value);
        }
      }
      const want = expected.edited;
      await page.waitForFunction((text) => document.querySelector("#replay-impact")?.textContent === text,
        `${want.summary}.`, { timeout: TIMEOUT });
      assert.equal(await page.locator("#replay-changed").textContent(),
        `Changed by the edits: ${want.changed} events (${want.denied} now denied, ${want.allowed} now allowed, ` +
        `${want.changed - want.denied - want.allowed} with other MatchedRules only).`);
      // By user, most events first, each user named as the directory names them; the CEO is excepted.
      const shown = await page.locator('[data-groups="user"] > li[data-key]')
        .evaluateAll((items) => items.map((li) => [li.dataset.key, li.textContent]));
      assert.equal(shown.length, Math.min(want.byUser.size, 5));
      let most = Infinity;
      for (const [id, text] of shown) {
        const changed = want.byUser.get(id);
        assert.ok(changed <= most, "most events first");
        most = changed;
        const email = ACME.Users.find((u) => u.Id === id).Email;
        assert.ok(text.startsWith(`${email}: ${changed} event${changed === 1 ? "" : "s"} `), text);
        assert.notEqual(email, CAROL);
      }
      assert.match(await page.locator('[data-groups="protocol"]').textContent(), /^WebMail: /);
      assert.match(await page.locator('[data-groups="network"]').textContent(), /\.0\/24: \d+ events/);
      const alice = page.locator(`[data-groups="user"] > li[data-key="${ACME.Users[0].Id}"]`);
      assert.match(await alice.locator(".example").textContent(), /ALLOW \(default\) → DENY \(webmail-from-offices-only\)/);
      // Its example request, tried, is denied by the edited rules.
      await alice.locator("button.try").click();
      assert.equal(await page.locator('#test-access input[name="Action"]').inputValue(), "WebMail");
      assert.equal(await badge().textContent(), "DENY");
      assert.match(await page.locator("#test-access output .matched").textContent(), /webmail-from-offices-only/);
      await page.evaluate(() => document.querySelector("#replay").scrollIntoView());
      await page.screenshot({ path: join(here, "screenshot-replay.png") });
    });

    it("reads a gzipped copy of the log, dropped on the control, to the same report", { timeout: TIMEOUT }, async () => {
      const before = await page.locator("#replay-body").textContent();
      const bytes = [...await readFile(join(logs, "acme-access.log.gz"))];
      const dropped = await page.evaluateHandle((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "acme-access.log.gz", { type: "application/gzip" }));
        return transfer;
      }, bytes);
      await page.dispatchEvent("#replay-drop", "dragover", { dataTransfer: dropped });
      assert.equal(await page.locator("#replay-drop.over").count(), 1);
      await page.dispatchEvent("#replay-drop", "drop", { dataTransfer: dropped });
      await replayed("acme-access.log.gz");
      assert.match(await page.locator("#replay-status").textContent(), /gzipped/);
      assert.equal(await impact().textContent(), `${expected.edited.summary}.`);
      assert.equal(await page.locator("#replay-body").textContent(), before);
      assert.deepEqual(problems, []);
    });

    it("keeps the page painting while it replays a 20 MB log", { timeout: 3 * TIMEOUT }, async () => {
      // The same day over and over: every count is the small log's times the copies.
      const copies = Math.ceil(20e6 / log.text.length);
      await writeFile(join(logs, "big.log"), log.text.repeat(copies));
      await page.evaluate(() => {
        window.frames_ = [];
        const tick = (time) => {
          window.frames_.push([time, document.querySelector("#replay-progress").value]);
          if (!window.stopFrames_) requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      });
      const start = Date.now();
      await page.setInputFiles("#replay-file", join(logs, "big.log"));
      await replayed("big.log");
      const elapsed = Date.now() - start;
      const frames = await page.evaluate(() => {
        window.stopFrames_ = true;
        return window.frames_;
      });
      const want = expected.edited;
      assert.equal(await impact().textContent(),
        `${sentence(want.denied * copies, log.events.length * copies, want.users, want.allowed * copies)}.`);
      // Frames kept coming (a page that did not yield would show one gap as long as the replay), and the bar moved.
      let gap = 0;
      for (let i = 1; i < frames.length; i++) gap = Math.max(gap, frames[i][0] - frames[i - 1][0]);
      const moving = frames.filter(([, value]) => value > 0 && value < 20e6).length;
      console.log(`20 MB log: replayed in ${elapsed} ms, ${frames.length} frames, longest gap ${gap.toFixed(0)} ms, ${moving} with the bar part-way`);
      assert.ok(frames.length >= 10, `${frames.length} frames in ${elapsed} ms`);
      assert.ok(gap < 250, `a ${gap} ms gap between frames in a ${elapsed} ms replay`);
      assert.ok(moving >= 3, `the progress bar was part-way in ${moving} frames`);
      assert.deepEqual(problems, []);
    });
  });

  it("shows effective access, and marks the cells an edit changes", { timeout: TIMEOUT }, async () => {
    // What the access module computes in Node for the example, and for it without the contractors' rule.
    const access = await import(join(here, "../pkg/workmail_policy_access.js"));
    access.initSync({ module: readFileSync(join(here, "../pkg/workmail_policy_access_bg.wasm")) });
    const compiled = access.compile(ACME);
    const matrix = compiled.Policy.effectiveAccess();
    compiled.Policy.free();
    const edited = structuredClone(ACME);
    edited.AccessControlRules = edited.AccessControlRules.filter((rule) => rule.Name !== "contractors-office-only");
    const expectedChanges = access.effectiveAccessChanges(ACME, edited).Changes;
    assert.equal(expectedChanges.length, 7);
    // The example's cells are anywhere, nowhere, n/a or a short list of ranges ("anywhere but" shows in none).
    const words = (cell) => cell.Regions.every((r) => r.Answer.Error) ? "n/a"
      : !cell.Allowed.length ? "nowhere"
        : cell.Allowed.join(", ") === "0.0.0.0/0" ? "anywhere" : cell.Allowed.join(", ");
    const cell = (id, protocol) => page.locator(`#effective-table td[data-id="${id}"][data-protocol="${protocol}"]`);

    // The replay's rule is an unsaved edit: the editor asks before the example replaces it.
    await page.click("#open-example");
    await page.click('#discard-dialog button[value="discard"]');
    await page.waitForSelector("body[data-access]");
    await page.waitForFunction(() => document.querySelector("#effective-status")?.textContent === "No cell changed since loading.");
    // A real table: a column header per protocol, a row header per user and role.
    assert.equal(await page.locator('#effective-table thead th[scope="col"]').count(), 8);
    assert.equal(await page.locator('#effective-table tbody th[scope="row"]').count(), matrix.Rows.length);
    assert.equal(matrix.Rows.length, 8);
    for (const row of matrix.Rows) {
      for (const [protocol, expected] of Object.entries(row.Protocols)) {
        assert.equal(await cell(row.Id, protocol).getAttribute("data-text"), words(expected), `${row.Label} ${protocol}`);
      }
    }
    const dave = matrix.Rows.find((row) => row.Label === "dave@acme.example.com");
    const role = matrix.Rows.find((row) => row.Kind === "ImpersonationRole");
    assert.equal(await cell(dave.Id, "WebMail").getAttribute("data-text"), "198.51.100.0/24, 203.0.113.0/25");
    assert.equal(await cell(dave.Id, "IMAP").getAttribute("data-text"), "nowhere");
    assert.equal(await cell(role.Id, "EWS").getAttribute("data-text"), "192.0.2.0/24");
    assert.equal(await cell(role.Id, "IMAP").getAttribute("data-text"), "n/a");
    // The row header names dave and shows his directory ID.
    const header = page.locator(`#effective-table tr[data-id="${dave.Id}"] th`);
    assert.match(await header.textContent(), new RegExp(`dave@acme\\.example\\.com.*${dave.Id}`));

    // The deciding rules, from the keyboard: focus a cell's summary and press Enter.
    const summary = cell(dave.Id, "ActiveSync").locator("summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    const regions = cell(dave.Id, "ActiveSync").locator(".cell-regions");
    await regions.waitFor();
    assert.match(await regions.textContent(),
      /DENY \(contractors-office-only\) from anywhere but 198\.51\.100\.0\/24, 203\.0\.113\.0\/25.*ALLOW \(default\) from 198\.51\.100\.0\/24, 203\.0\.113\.0\/25/s);

    // Remove the contractors' rule: dave's cells change, and only his.
    const rules = await page.locator('[data-path^="AccessControlRules["][data-path$=".Name"] input').all();
    const names = await Promise.all(rules.map((input) => input.inputValue()));
    const index = names.indexOf("contractors-office-only");
    assert.ok(index >= 0, names.join(", "));
    await page.click(`article[data-path="AccessControlRules[${index}]"] > header button.remove`);
    await page.waitForFunction(() => document.querySelector("#effective-status")?.textContent === "7 cells changed by your edits.");
    const changed = page.locator("#effective-table td.changed");
    assert.equal(await changed.count(), expectedChanges.length);
    for (const change of expectedChanges) {
      const td = cell(change.Id, change.Protocol);
      assert.equal(await td.getAttribute("data-changed"), "true");
      assert.equal(await td.getAttribute("data-was"), words(change.Old));
      assert.equal(await td.getAttribute("data-text"), words(change.New));
    }
    assert.equal(await cell(dave.Id, "WebMail").getAttribute("data-was"), "198.51.100.0/24, 203.0.113.0/25");
    assert.equal(await cell(dave.Id, "WebMail").getAttribute("data-text"), "anywhere");
    assert.match(await cell(dave.Id, "WebMail").locator("summary").textContent(), /198\.51\.100\.0\/24, 203\.0\.113\.0\/25 → anywhere/);
    assert.equal(await cell(matrix.Rows[0].Id, "WebMail").getAttribute("data-changed"), null);
    await cell(dave.Id, "WebMail").locator("summary").scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(output, "screenshot-effective.png") });
    assert.deepEqual(problems, []);
  });

  describe("for every admin: edits kept, changes that lead, ids with names, keyboard and screen readers", () => {
    const accessCards = () => page.locator('section[data-path="AccessControlRules"] > article.card');
    const ruleNames = () => page.locator('section[data-path="AccessControlRules"] > article.card > header .title .label').allTextContents();
    const DAVE = ACME.Users.find((u) => u.Name === "dave");
    const ARCHIVE = ACME.Users.find((u) => u.Name === "archive");

    it("asks before Open example, Upload or Paste replace unsaved edits, and before the page is left", { timeout: TIMEOUT }, async () => {
      // The effective-access test removed the contractors' rule and downloaded nothing.
      assert.equal(await accessCards().count(), 4);
      const dialog = page.locator("#discard-dialog");
      await page.click("#open-example");
      await dialog.waitFor();
      assert.equal(await page.locator("#discard-text").textContent(),
        "acme.json has edits that were not downloaded. Opening the example replaces them.");
      // The safe answer has the focus; Escape keeps the edits.
      assert.equal(await focusedName(page), "Keep editing");
      await checkAccessibility(page, "the dialog before edits are replaced");
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      assert.equal(await accessCards().count(), 4);

      await page.click("#upload-button");
      await dialog.waitFor();
      assert.match(await page.locator("#discard-text").textContent(), /Uploading files replaces them\.$/);
      await page.click('#discard-dialog button[value="keep"]');
      await dialog.waitFor({ state: "hidden" });

      if (await page.locator("#paste-box").isHidden()) await page.click("#show-paste");
      await page.fill("#paste-text", JSON.stringify({ AccessControlRules: [] }));
      await page.click("#load-paste");
      await dialog.waitFor();
      assert.match(await page.locator("#discard-text").textContent(), /Loading the pasted text replaces them\.$/);
      await page.click('#discard-dialog button[value="keep"]');
      await dialog.waitFor({ state: "hidden" });
      await page.click("#show-paste");
      assert.equal(await accessCards().count(), 4);

      // Leaving the page: the browser's own "leave site?" question, here answered "stay".
      const asked = page.waitForEvent("dialog");
      await page.evaluate(() => setTimeout(() => location.reload(), 0));
      const leave = await asked;
      assert.equal(leave.type(), "beforeunload");
      await leave.dismiss();
      assert.equal(await accessCards().count(), 4);

      // "Upload files…" from the keyboard: the button takes the focus, Enter asks, then opens the file chooser.
      await page.focus("#open-example");
      await page.keyboard.press("Tab");
      assert.equal(await focusedName(page), "Upload files…");
      await page.keyboard.press("Enter");
      await dialog.waitFor();
      const chooser = page.waitForEvent("filechooser");
      await page.keyboard.press("Tab");
      assert.equal(await focusedName(page), "Discard edits");
      await page.keyboard.press("Enter");
      await (await chooser).setFiles(join(here, "..", "..", "examples", "acme.json"));
      await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("acme.json: valid"));
      assert.equal(await accessCards().count(), 5);
      // Nothing edited since: opening the example asks nothing.
      await page.click("#open-example");
      await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("acme.json: valid"));
      assert.equal(await dialog.isVisible(), false);
      assert.deepEqual(problems, []);
    });

    it("keeps each rule's identity while a name is duplicated, with the error at the field typed in", { timeout: TIMEOUT }, async () => {
      const name = (i) => page.locator(`[data-path="AccessControlRules[${i}].Name"]`);
      const ruleChanges = page.locator("#changes-body .rule-changes > li");
      for (const [other, value] of [[1, "contractors-office-only"], [4, "default"]]) {
        await name(0).locator("input").fill(value);
        const finding = name(0).locator(".finding.error");
        await finding.waitFor();
        assert.equal(await finding.textContent(),
          `Error (InvalidParameterException): access rule #${other + 1} has this Name too; PutAccessControlRule with an existing name replaces that rule, so an organization cannot hold two`);
        // Not at the other rule (for `default`, #5, off screen).
        assert.equal(await name(other).locator(".finding").count(), 0);
        assert.equal(await name(0).locator("input").getAttribute("aria-invalid"), "true");
        assert.equal(await name(other).locator("input").getAttribute("aria-invalid"), null);
        // One rule renamed: not five removed and five added.
        assert.equal(await ruleChanges.count(), 1);
        assert.equal(await ruleChanges.first().textContent(), `changed Access-control rules ${value}: Name: "deny-imap-except-archiver" → "${value}"`);
        assert.deepEqual(await ruleNames(), ACME.AccessControlRules.map((r, i) => (i === 0 ? value : r.Name)));
        // The card's controls say the rule's name as it is now.
        assert.equal(await page.locator('article[data-path="AccessControlRules[0]"] > header button.down').getAttribute("aria-label"),
          `Move rule ${value} down`);
      }
      await name(0).locator("input").fill("deny-imap-except-archiver");
      await name(0).locator(".finding").waitFor({ state: "detached" });
      assert.match(await changes().textContent(), /No rule changed since loading/);
    });

    it("lists verdict changes (ALLOW ↔ DENY) first, then MatchedRules-only changes, each group counted", { timeout: TIMEOUT }, async () => {
      // A new rule is DENY with no conditions: it turns every ALLOW into DENY, and joins the MatchedRules of every DENY.
      await page.click('section[data-path="AccessControlRules"] > button.add');
      // The focus is on the new rule's first field.
      assert.equal(await focusedName(page), "Name of rule new-rule");
      await page.waitForFunction(() => document.querySelectorAll("#changes-body .diff > h4").length === 2);
      const verdict = page.locator('#changes-body ul[data-group="verdict"] > li.region');
      const matched = page.locator('#changes-body ul[data-group="matched"] > li.region');
      const { flips, others } = await assertDiffGroups(page);
      assert.ok(flips > 0 && others > 0, `${flips} verdict changes, ${others} MatchedRules-only`);
      for (const li of await verdict.all()) assert.match(await li.textContent(), /→ DENY \([^)]*new-rule\)/);
      for (const li of await matched.all()) assert.match(await li.textContent(), /→ DENY \([^)]*new-rule\)/);
      // Removing the rule puts the focus on the rule that is now last.
      await page.click('article[data-path="AccessControlRules[5]"] > header button.remove');
      assert.equal(await page.evaluate(() => document.activeElement.closest("article")?.dataset.path), "AccessControlRules[4]");
      assert.equal(await page.locator("#announce").textContent(), "Removed rule new-rule.");
      assert.match(await changes().textContent(), /No rule changed since loading/);
    });

    it("shows ids with the directory's names, and suggests ids, labelled, to the test form", { timeout: TIMEOUT }, async () => {
      // The archiver excepted from the IMAP rule: the id whole, its email and name under it.
      const entry = page.locator('[data-path="AccessControlRules[0].NotUserIds[0]"]');
      assert.equal(await entry.locator("input").inputValue(), ARCHIVE.Id);
      assert.equal(await entry.locator(".who").textContent(), "archive@acme.example.com (Archiving service)");
      assert.ok(await entry.locator("input").evaluate((input) => input.scrollWidth <= input.clientWidth), "the id is cut short");
      assert.equal(await entry.locator("input").getAttribute("aria-describedby"), await entry.locator(".who").getAttribute("id"));
      // The suggestions are the directory's ids, each labelled with who it is.
      const options = await page.locator("#users option").evaluateAll((list) => list.map((o) => [o.value, o.label]));
      assert.deepEqual(options, ACME.Users.map((u) => [u.Id, `${u.Email} (${u.DisplayName})`]));
      // Chosen in the test form, the archiver's id is answered (a user name there is refused as too short an id).
      await page.fill('#test-access input[name="UserId"]', ARCHIVE.Id);
      assert.equal(await whoOf(page, '#test-access input[name="UserId"]'), "archive@acme.example.com (Archiving service)");
      assert.equal(await badge().textContent(), "ALLOW");
      assert.doesNotMatch(await page.locator("#test-access output").textContent(), /at least 12 characters/);
      await page.fill('#test-access input[name="UserId"]', "alice@acme.example.com");
      // An id added to a rule: "What changed" names the user too.
      await page.click('[data-path="AccessControlRules[0].NotUserIds"] button.add');
      await page.locator('[data-path="AccessControlRules[0].NotUserIds[1]"] input').fill(DAVE.Id);
      assert.match(await changes().textContent(),
        new RegExp(`deny-imap-except-archiver: NotUserIds: \\+"${DAVE.Id}" \\(dave@acme\\.example\\.com \\(Dave Contractor\\)\\)`));
      assert.match(await page.locator("#changes-body li.region").first().textContent(), /dave@acme\.example\.com/);
      // Removing the last entry puts the focus on the entry before it.
      await page.click('[data-path="AccessControlRules[0].NotUserIds[1]"] button.remove');
      assert.equal(await focusedName(page), "NotUserIds 1 of rule deny-imap-except-archiver");
      assert.match(await changes().textContent(), /No rule changed since loading/);
    });

    it("names every control with what it does and to which rule", { timeout: TIMEOUT }, async () => {
      const button = (name) => page.getByRole("button", { name, exact: true });
      assert.equal(await button("Move rule contractors-office-only up").count(), 1);
      assert.equal(await button("Move rule contractors-office-only down").count(), 1);
      assert.equal(await button("Remove rule default").count(), 1);
      assert.equal(await button("Add to Actions of rule deny-imap-except-archiver").count(), 1);
      assert.equal(await button("Remove Actions 1 from rule deny-imap-except-archiver").count(), 1);
      assert.equal(await button("Move mobile rule Block Android 4 and 5 down").count(), 1);
      assert.equal(await button("Add impersonation rule to role Archiver").count(), 1);
      // Inputs with suggestions (a datalist) and selects are comboboxes; plain inputs are text boxes.
      const field = (role, name) => page.getByRole(role, { name, exact: true });
      assert.equal(await field("combobox", "Actions 1 of rule deny-imap-except-archiver").count(), 1);
      assert.equal(await field("combobox", "Effect of rule default").count(), 1);
      assert.equal(await field("textbox", "Description of rule default").count(), 1);
      assert.equal(await field("textbox", "NotIpRanges 2 of rule contractors-office-only").count(), 1);
      assert.equal(await field("combobox", "TargetUsers 1 of impersonation rule Not the CEO").count(), 1);
      assert.equal(await field("textbox", "Description of override alice@acme.example.com / LOSTPHONE01 (optional)").count(), 1);
      // No control is named by an arrow or a cross alone.
      const bare = await page.locator("#editor button").evaluateAll((buttons) => buttons
        .filter((b) => !b.getAttribute("aria-label") && /^[↑↓✕+]$/.test(b.textContent.trim())).length);
      assert.equal(bare, 0);
      // The skip links come first, to the rules, the test panel and the changes, and take the focus there.
      assert.deepEqual(await page.locator("#skip a").evaluateAll((links) => links.map((a) => [a.textContent, a.getAttribute("href")])),
        [["Rules", "#editor"], ["Test a request", "#tests"], ["What changed", "#changes"]]);
      for (const [link, target] of [["Rules", "editor"], ["What changed", "changes"]]) {
        await page.getByRole("link", { name: link, exact: true }).focus();
        await page.keyboard.press("Enter");
        assert.equal(await page.evaluate(() => document.activeElement.id), target);
        assert.ok(await page.locator(`#${target}`).evaluate((node) => node.getBoundingClientRect().top < innerHeight));
      }
    });

    /**
     * One whole task with the keyboard alone: open the example, move the contractors' rule to the top, add WebMail
     * to its Actions, test dave's EWS request from outside the offices (now ALLOW, was DENY), download.
     */
    async function keyboardTask(tab, phone) {
      const keys = tab.keyboard;
      await tab.goto(`${base}/index.html`);
      await tab.waitForSelector("body[data-ready]");
      await keys.press("Tab");
      assert.equal(await focusedName(tab), "Rules");
      await tabTo(tab, "Open example", { limit: 5 });
      await keys.press("Enter");
      await tab.waitForSelector('[data-path="AccessControlRules[4]"]');
      await tab.waitForSelector("body[data-analyses]");

      const moves = [];
      moves.push(await tabTo(tab, "Move rule contractors-office-only up"));
      await keys.press("Space");
      // At the top: the focus is on the moved rule (its title; Move up is disabled there).
      assert.deepEqual(await tab.evaluate(() => [document.activeElement.className, document.activeElement.closest("article").dataset.path]),
        ["title", "AccessControlRules[0]"]);
      assert.equal(await tab.locator('[data-path="AccessControlRules[0].Name"] input').inputValue(), "contractors-office-only");
      assert.equal(await tab.locator("#announce").textContent(), "Moved rule contractors-office-only to #1.");

      moves.push(await tabTo(tab, "Add to Actions of rule contractors-office-only"));
      await keys.press("Enter");
      assert.equal(await focusedName(tab), "Actions 1 of rule contractors-office-only");
      await keys.type("WebMail");

      // Back to the skip links (the rule is first now), then the test panel.
      moves.push(await tabTo(tab, "Test a request", { back: true }));
      await keys.press("Enter");
      assert.equal(await tab.evaluate(() => document.activeElement.id), "tests");
      await keys.press("Tab");
      assert.equal(await focusedName(tab), "Access");
      // The arrow keys move between the tabs, and select them.
      await keys.press("ArrowRight");
      assert.equal(await focusedName(tab), "Mobile device");
      assert.equal(await tab.locator("#test-mobile").isVisible(), true);
      await keys.press("ArrowLeft");
      assert.equal(await focusedName(tab), "Access");
      assert.equal(await tab.locator("#test-access").isVisible(), true);
      for (const [field, value] of [["IpAddress", "100.64.0.1"], ["Action", "EWS"], ["UserId", DAVE.Id]]) {
        await keys.press("Tab");
        assert.equal(await tab.evaluate(() => document.activeElement.name), field);
        await keys.press("Control+A");
        await keys.type(value);
      }
      await keys.press("Escape"); // closes the datalist's suggestions
      const answer = tab.locator("#test-access output");
      await tab.waitForFunction(() => document.querySelector("#test-access output .badge")?.textContent === "ALLOW");
      assert.equal(await answer.locator(".before").textContent(), "Before your edits: DENY (contractors-office-only)");
      assert.equal(await whoOf(tab, '#test-access input[name="UserId"]'), "dave@acme.example.com (Dave Contractor)");

      let download;
      if (phone) {
        // On a phone the test panel is before the rules: the Download button is a few steps back.
        moves.push(await tabTo(tab, "Download JSON", { back: true, limit: 20 }));
        [download] = await Promise.all([tab.waitForEvent("download"), keys.press("Enter")]);
      } else {
        [download] = await Promise.all([tab.waitForEvent("download"), keys.press("Control+s")]);
      }
      const saved = JSON.parse(await readFile(await download.path(), "utf8"));
      const [imap, contractors, ...rest] = ACME.AccessControlRules;
      assert.deepEqual(saved.AccessControlRules, [{ ...contractors, Actions: ["WebMail"] }, imap, ...rest]);
      return moves;
    }

    it("does a whole task by keyboard alone", { timeout: TIMEOUT }, async () => {
      const tab = await context.newPage();
      watch(tab);
      try {
        const moves = await keyboardTask(tab, false);
        console.log(`keyboard task at 1440×1000: Tab presses between steps ${moves.join(", ")}`);
      } finally {
        await tab.close();
      }
      assert.deepEqual(problems, []);
    });

    it("does the same task on a phone (390×844): a small sticky bar, the test panel early, 44×44 targets", { timeout: TIMEOUT }, async () => {
      const tab = await context.newPage();
      watch(tab);
      try {
        await tab.setViewportSize({ width: 390, height: 844 });
        const moves = await keyboardTask(tab, true);
        console.log(`keyboard task at 390×844: Tab presses between steps ${moves.join(", ")}`);
        // The test panel comes before the first rule, within the first screens.
        const tests = await tab.locator("#tests").boundingBox();
        const firstRule = await tab.locator('article[data-path="AccessControlRules[0]"]').boundingBox();
        await tab.evaluate(() => window.scrollTo(0, 0));
        const top = await tab.evaluate(() => document.querySelector("#tests").getBoundingClientRect().top + window.scrollY);
        assert.ok(tests.y < firstRule.y, "the test panel is above the rules");
        assert.ok(top < 2 * 844, `the test panel starts ${top} px down`);
        // Scrolled down, only the skip bar stays at the top, and it is small.
        await tab.evaluate(() => window.scrollTo(0, 3000));
        const bar = await tab.locator("#skip").boundingBox();
        assert.ok(bar.y === 0 && bar.height <= 0.08 * 844, `the sticky bar: ${JSON.stringify(bar)}`);
        assert.equal(await tab.evaluate(() => document.querySelector("#top").getBoundingClientRect().bottom <= 0), true);
        assert.equal(await tab.evaluate(() => document.elementFromPoint(195, 100).closest("#skip, header")), null);
        // Every visible button and button-like control is at least 44×44 px.
        const small = await tab.locator("button, .button, #skip a").evaluateAll((nodes) => nodes
          .filter((node) => node.getClientRects().length)
          .map((node) => [node.getAttribute("aria-label") ?? node.textContent.trim(), node.getBoundingClientRect()])
          .filter(([, box]) => box.width < 44 || box.height < 44)
          .map(([name, box]) => `${name}: ${box.width.toFixed(0)}×${box.height.toFixed(0)}`));
        assert.deepEqual(small, []);
        assert.ok(await tab.locator("#editor button").count() > 100);
        await tab.evaluate(() => window.scrollTo(0, 0));
        await tab.screenshot({ path: join(output, "screenshot-phone.png") });
        await checkAccessibility(tab, "a phone, 390×844, after the keyboard task");
      } finally {
        await tab.close();
      }
      assert.deepEqual(problems, []);
    });
  });
});
