// The rule editor end to end, in Debian's Chromium driven by playwright-core: wasm/www served from localhost by a
// tiny static server, the example opened, a rule edited until a test request flips from ALLOW to DENY, the
// verdict and the "what changed" panel checked, the organization downloaded and opened again.
//
//   node --test wasm/e2e/e2e.test.mjs      (after wasm/build.sh; Chromium at /usr/bin/chromium)
//
// Leaves wasm/e2e/screenshot.png (the page after the edit) and wasm/e2e/output/downloaded-acme.json (the
// download, which .ci/run also feeds to `wmpolicy validate`).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const site = join(here, "..", "www");
const output = join(here, "output");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TIMEOUT = 60_000;

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
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
  });

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
    // The other two calls, on their tabs: the README's iPhone, and the archiver reading the CEO's mailbox.
    await page.click('[data-tab="mobile"]');
    assert.equal(await page.locator("#test-mobile output .badge").textContent(), "ALLOW");
    assert.match(await page.locator("#test-mobile output .matched").textContent(), /Allow phones and tablets/);
    await page.click('[data-tab="impersonation"]');
    assert.equal(await page.locator("#test-impersonation output .badge").textContent(), "DENY");
    assert.match(await page.locator("#test-impersonation output").textContent(), /READ_ONLY.*Not the CEO/s);
    await page.click('[data-tab="access"]');
  });

  it("shows findings at the field as the user types", { timeout: TIMEOUT }, async () => {
    const field = '[data-path="AccessControlRules[1].NotIpRanges[0]"]';
    await page.fill(`${field} input`, "198.51.100.0/33");
    const finding = page.locator(`${field} .finding.error`);
    await finding.waitFor();
    assert.match(await finding.textContent(), /InvalidParameterException/);
    assert.match(await page.locator("#status").textContent(), /1 error/);
    assert.match(await page.locator("#test-access output").textContent(), /Fix the organization's errors/);
    await page.fill(`${field} input`, "198.51.100.0/24");
    await finding.waitFor({ state: "detached" });
    assert.equal(await badge().textContent(), "ALLOW");
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

    // A misspelt member is reported at its path, with the member meant.
    await page.click("#show-paste");
    await page.fill("#paste-text", '{"AccessControlRules": [{"Name": "x", "Effect": "DENY", "NotIpRange": ["10.0.0.0/8"]}]}');
    await page.click("#load-paste");
    await page.locator("#load-findings .finding.error").waitFor();
    assert.match(await page.locator("#load-findings").textContent(),
      /InvalidParameterException AccessControlRules\[0\]\.NotIpRange: unknown member `NotIpRange`; did you mean `NotIpRanges`\?/);
    assert.deepEqual(problems, []);
  });
});
