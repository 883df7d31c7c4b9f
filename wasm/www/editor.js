// The rule editor: forms over an organization file, validated and evaluated by the WebAssembly package as the user
// types. Plain DOM, no framework, no network beyond the page's own files, so it works offline from any static
// server.
//
// The organization is kept as the JSON objects that were loaded, and every form edits those objects in place:
// members the forms do not show (DateCreated, Users, anything else the file had) are never touched, so
// load → edit → download loses nothing the user wrote. Forms re-render only when the structure changes (a rule
// added, removed or moved); typing changes one member and re-runs validation, the tests and the change list.
//
// The package's modules serve it: the engine (load, validate, compile, the simulate calls), loaded first, and
// the analyses (explain, diff) and the access module (effective access), fetched in the background. Once the
// second is ready, the test panel explains each answer and "What changed" compares every request; once the third
// is, "Effective access" shows who reaches mail. A handle belongs to the module that made it, so the edited
// organization is compiled in each: `state.policy` answers, `state.explainer` explains, `state.accessPolicy` tells
// who reaches mail. The fourth module, the audit-log replay, is fetched when a log is first chosen ("Replay a
// log").

import initEngine, { compile, load, validate } from "./pkg/workmail_policy_wasm.js";

/** The analyses' module, once it has loaded. */
let analyses = null;
/** Why the analyses are not there, once loading them has failed. */
let analysesMissing = null;
/** The access module (effective access), once it has loaded. */
let accessModule = null;
/** Why the access module is not there, once loading it has failed. */
let accessMissing = null;

const $ = (selector, root = document) => root.querySelector(selector);

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
  }
  return node;
}

// ---- What each kind of rule looks like -------------------------------------------------------------------------

const EFFECTS = ["ALLOW", "DENY"];

/**
 * Each kind: where its list lives, what one is called (`noun` in prose, `short` in the names screen readers say:
 * "Move rule contractors-office-only up"), its members as form fields (scalars; `required` ones stay in the object
 * even when emptied, so that validation names them; optional ones are removed when emptied), its condition lists
 * (with the datalist that suggests their values), and a new rule's members.
 */
const ACCESS = {
  key: "AccessControlRules",
  title: "Access-control rules",
  noun: "access rule",
  short: "rule",
  absent: "Absent: a new organization's single `default` rule, which allows everything.",
  label: (r) => r.Name || "(no name)",
  scalars: [
    { key: "Name", required: true },
    { key: "Effect", required: true, options: EFFECTS },
    { key: "Description", required: true, wide: true },
  ],
  lists: [
    ["IpRanges", null], ["NotIpRanges", null], ["Actions", "actions"], ["NotActions", "actions"],
    ["UserIds", "users"], ["NotUserIds", "users"], ["ImpersonationRoleIds", "roles"], ["NotImpersonationRoleIds", "roles"],
  ],
  fresh: (list) => ({ Name: unique(list, "Name", "new-rule"), Effect: "DENY", Description: "" }),
};

const MOBILE = {
  key: "MobileDeviceAccessRules",
  title: "Mobile-device access rules",
  noun: "mobile rule",
  short: "mobile rule",
  absent: "Absent: a new organization's default rule, which allows every device.",
  label: (r) => r.Name || r.MobileDeviceAccessRuleId || "(no name)",
  scalars: [
    { key: "MobileDeviceAccessRuleId" },
    { key: "Name", required: true },
    { key: "Effect", required: true, options: EFFECTS },
    { key: "Description", wide: true },
  ],
  lists: [
    ["DeviceTypes", "device-types"], ["NotDeviceTypes", "device-types"], ["DeviceModels", null], ["NotDeviceModels", null],
    ["DeviceOperatingSystems", null], ["NotDeviceOperatingSystems", null], ["DeviceUserAgents", null],
    ["NotDeviceUserAgents", null],
  ],
  fresh: (list) => ({
    MobileDeviceAccessRuleId: unique(list, "MobileDeviceAccessRuleId", "mdar-new"),
    Name: unique(list, "Name", "New rule"),
    Effect: "DENY",
  }),
};

const OVERRIDE = {
  key: "MobileDeviceAccessOverrides",
  title: "Mobile-device access overrides",
  noun: "override",
  short: "override",
  absent: "None.",
  label: (o) => `${o.UserId ?? "?"} / ${o.DeviceId ?? "?"}`,
  scalars: [
    { key: "UserId", required: true, list: "users" },
    { key: "DeviceId", required: true },
    { key: "Effect", required: true, options: EFFECTS },
    { key: "Description", wide: true },
  ],
  lists: [],
  fresh: () => ({ UserId: "", DeviceId: "", Effect: "DENY" }),
};

const IMPERSONATION_RULE = {
  key: "Rules",
  title: "Rules",
  noun: "impersonation rule",
  short: "impersonation rule",
  absent: "No rules: the role matches nothing.",
  label: (r) => r.Name || r.ImpersonationRuleId || "(no name)",
  scalars: [
    { key: "ImpersonationRuleId", required: true },
    { key: "Name" },
    { key: "Effect", required: true, options: EFFECTS },
    { key: "Description", wide: true },
  ],
  lists: [["TargetUsers", "users"], ["NotTargetUsers", "users"]],
  fresh: (list) => ({ ImpersonationRuleId: unique(list, "ImpersonationRuleId", "rule-new"), Name: "New rule", Effect: "DENY" }),
};

const ROLE = {
  key: "ImpersonationRoles",
  title: "Impersonation roles",
  noun: "impersonation role",
  short: "role",
  absent: "Absent: roles are not checked (any role id is accepted in access requests).",
  label: (r) => r.Name || r.ImpersonationRoleId || "(no name)",
  scalars: [
    { key: "ImpersonationRoleId", required: true },
    { key: "Name", required: true },
    { key: "Type", required: true, options: ["FULL_ACCESS", "READ_ONLY"] },
    { key: "Description", wide: true },
  ],
  lists: [],
  children: IMPERSONATION_RULE,
  fresh: (list) => ({
    ImpersonationRoleId: unique(list, "ImpersonationRoleId", "role-new"),
    Name: "New role",
    Type: "READ_ONLY",
    Rules: [],
  }),
};

const KINDS = [ACCESS, MOBILE, OVERRIDE, ROLE];

/** `base`, or `base-2`, `base-3`… whichever no item of `list` has as `key`. */
function unique(list, key, base) {
  const taken = new Set((list ?? []).map((item) => item[key]));
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

// ---- State -------------------------------------------------------------------------------------------------------

const state = {
  /** The organization as loaded, never edited: what "what changed" compares with. */
  original: null,
  /** The organization being edited: the loaded objects, changed in place. */
  org: null,
  name: "organization.json",
  originalPolicy: null,
  policy: null,
  /** The edited organization compiled by the analyses' module, for explanations. */
  explainer: null,
  /** The edited organization compiled by the access module, for effective access. */
  accessPolicy: null,
  findings: [],
  /** The organization as loaded or last downloaded, as text: edits since then are unsaved. */
  saved: null,
  /** The field typed in last: `{path, list, index, key}`, for the findings about it (a duplicate name). */
  editing: null,
};

/**
 * Each edited object's counterpart in `state.original`: a rule keeps its identity whatever its name becomes, so a
 * renamed rule, or two rules that share a name for a moment, are "changed", never "removed" and "added".
 */
let origins = new WeakMap();

/** Pairs each item of `org` with the item of its clone `original` at the same place, nested rules too. */
function pairOrigins(org, original) {
  origins = new WeakMap();
  const pair = (kind, after, before) => (after ?? []).forEach((item, i) => {
    origins.set(item, before[i]);
    if (kind.children) pair(kind.children, item[kind.children.key], before[i][kind.children.key]);
  });
  for (const kind of KINDS) pair(kind, org[kind.key], original[kind.key]);
}

/** Whether there are edits that neither came from a file nor went into a download. */
function unsaved() {
  return state.org !== null && JSON.stringify(state.org) !== state.saved;
}

/**
 * Asks before `action` replaces unsaved edits (an in-page dialog, so that it reads and works like the page);
 * resolves to whether to go on.
 */
function confirmDiscard(action) {
  if (!unsaved()) return Promise.resolve(true);
  const dialog = $("#discard-dialog");
  $("#discard-text").textContent = `${state.name} has edits that were not downloaded. ${action} replaces them.`;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "discard"), { once: true });
  });
}

/** Tells screen readers what a move, addition or removal did (the focus moves with the rule, silently). */
function announce(text) {
  $("#announce").textContent = text;
}

// ---- The directory: ids with the names people know ---------------------------------------------------------------

/** The directory user `value` names (an ID, email or user name), if the organization has a directory. */
function directoryUser(value) {
  if (!value) return null;
  const users = state.org?.Users ?? state.original?.Users ?? [];
  return users.find((u) => u.Id === value || u.Email === value || u.Name === value) ?? null;
}

/** A directory user as people know them: `alice@acme.example.com (Alice Admin)`. */
function userLabel(user) {
  const main = user.Email ?? user.Name ?? user.Id;
  return user.DisplayName && user.DisplayName !== main ? `${main} (${user.DisplayName})` : main;
}

/**
 * Who or what an id in a rule or a request is, in words, or "" when nothing loaded says: a user of the directory
 * (`suggestions` "users") or an impersonation role ("roles").
 */
function whoIs(value, suggestions = "users") {
  if (!value) return "";
  if (suggestions === "roles") {
    const role = (state.org?.ImpersonationRoles ?? []).find((r) => r.ImpersonationRoleId === value);
    return role?.Name ? `role ${role.Name}` : "";
  }
  if (suggestions !== "users") return "";
  const user = directoryUser(value);
  if (!user) return "";
  return value === user.Id ? userLabel(user) : `${user.DisplayName ?? user.Name}, ID ${user.Id}`;
}

/** `S-1-…`, or `S-1-… (alice@acme.example.com)` when the directory knows the id. */
function withName(value, suggestions = "users") {
  const who = whoIs(value, suggestions);
  return `${value}${who ? ` (${who})` : ""}`;
}

/** `"S-1-…"`, or `"S-1-…" (alice@acme.example.com)` when the directory knows the id: for the change lists. */
function quoted(value, suggestions = "users") {
  const who = typeof value === "string" ? whoIs(value, suggestions) : "";
  return `${JSON.stringify(value)}${who ? ` (${who})` : ""}`;
}

function setStatus(text, kind = "") {
  const status = $("#status");
  status.textContent = text;
  status.className = kind;
}

// ---- Loading -----------------------------------------------------------------------------------------------------

const ORGANIZATION_KEYS = new Set(KINDS.map((k) => k.key).concat("Users"));

/**
 * Reads inputs (`[{Name, Content}]`) as `wmpolicy` reads its files. A single organization file is kept exactly as
 * parsed (its objects are the ones edited); anything else (aws CLI output, several files) goes through the core's
 * loader, which merges it into one organization file with every member as written.
 */
function readInputs(inputs) {
  if (inputs.length === 1) {
    try {
      const parsed = JSON.parse(inputs[0].Content);
      const isFile = parsed && typeof parsed === "object" && !Array.isArray(parsed) &&
        Object.keys(parsed).every((key) => ORGANIZATION_KEYS.has(key));
      if (isFile) {
        // The core still checks it (unknown members inside rules, wrong JSON types) before it is used.
        const checked = load(inputs[0].Content);
        return checked.File ? { file: parsed } : { findings: checked.Findings };
      }
    } catch {
      // Not one JSON document: the core reports what is wrong, or reads several documents.
    }
  }
  const loaded = load(inputs.length === 1 ? inputs[0].Content : inputs);
  return loaded.File ? { file: loaded.File } : { findings: loaded.Findings };
}

function open(inputs, name) {
  const box = $("#load-findings");
  box.replaceChildren();
  const { file, findings } = readInputs(inputs);
  if (!file) {
    box.append(el("h3", {}, `Could not read ${name}`), ...findings.map((finding) => findingNode(finding)));
    setStatus(`${name}: not loaded (${findings.length} problem${findings.length === 1 ? "" : "s"})`, "bad");
    return false;
  }
  state.org = file;
  state.original = structuredClone(file);
  state.saved = JSON.stringify(file);
  state.editing = null;
  pairOrigins(state.org, state.original);
  state.name = name;
  state.originalPolicy?.free();
  const compiled = compile(state.original, options());
  state.originalPolicy = compiled.Policy ?? null;
  $("#download").disabled = false;
  updateSuggestions();
  render();
  return true;
}

function options() {
  return { RelaxQuotas: $("#relax").checked };
}

async function openExample() {
  if (!await confirmDiscard("Opening the example")) return;
  const response = await fetch("examples/acme.json");
  open([{ Name: "acme.json", Content: await response.text() }], "acme.json");
}

async function openFiles(files) {
  const inputs = [];
  for (const file of files) inputs.push({ Name: file.name, Content: await file.text() });
  if (inputs.length) open(inputs, inputs.length === 1 ? inputs[0].Name : "organization.json");
}

function download() {
  if (!state.org) return;
  const text = `${JSON.stringify(state.org, null, 2)}\n`;
  state.saved = JSON.stringify(state.org);
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const link = el("a", { href: url, download: state.name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The datalists the forms offer: the directory's user IDs and the organization's role IDs, each labelled with the
 * name people know. IDs, not emails or user names: the access call and the rules' user lists take IDs (a user name
 * such as `archive` is too short to be one, and the service says so).
 */
function updateSuggestions() {
  const users = (state.org.Users ?? []).filter((u) => u.Id);
  $("#users").replaceChildren(...users.map((u) => el("option", { value: u.Id, label: userLabel(u) })));
  const roles = (state.org.ImpersonationRoles ?? []).filter((r) => r.ImpersonationRoleId);
  $("#roles").replaceChildren(...roles.map((r) => el("option", { value: r.ImpersonationRoleId, label: r.Name ?? r.ImpersonationRoleId })));
  showTestWho();
}

// ---- The forms ---------------------------------------------------------------------------------------------------
//
// Every control a screen reader announces says what it does and to which rule ("Move rule contractors-office-only
// up", "Actions 1 of rule deny-imap-except-archiver"): a card keeps its controls' names current as its name is typed.
// A move, an addition or a removal re-renders the forms, so the focus is put back on the rule it concerned (the
// browser would drop it to the page's body), and the change is announced.

let lastId = 0;
/** An element id no other element has. */
const freshId = (prefix) => `${prefix}-${++lastId}`;

/** The card of the rule at `path` (`AccessControlRules[2]`). */
const cardAt = (path) => document.querySelector(`article[data-path="${path}"]`);

function render() {
  // Its list and index may name another rule after a move or a removal.
  state.editing = null;
  const editor = $("#editor");
  editor.replaceChildren(...KINDS.map((kind) => renderSection(kind, state.org, kind.key)));
  const users = state.org.Users;
  editor.append(el("section", { class: "kind", dataset: { path: "Users" }, "aria-labelledby": "users-title" },
    el("h2", { id: "users-title" }, "Users"),
    el("p", { class: "muted" }, users
      ? `${users.length} user${users.length === 1 ? "" : "s"} in the directory (kept as loaded; rules may name them by ID, email or user name).`
      : "No directory: user identifiers in rules are not checked."),
    el("div", { class: "findings" })));
  changed();
}

/**
 * A kind's list (`owner[kind.key]`) with its rules and an add button. `parent`: the card the list is inside (a
 * role's rules), whose name the add button's name says.
 */
function renderSection(kind, owner, path, parent = null) {
  const list = owner[kind.key];
  const nested = kind === IMPERSONATION_RULE;
  const titleId = freshId("title");
  const section = el(nested ? "div" : "section", {
    class: nested ? "kind nested" : "kind", dataset: { path }, role: nested ? "group" : null, "aria-labelledby": titleId,
  }, el(nested ? "h4" : "h2", { id: titleId }, kind.title, " ", el("span", { class: "count" }, list ? `(${list.length})` : "")));
  section.append(el("div", { class: "findings" }));
  if (!list) section.append(el("p", { class: "muted" }, kind.absent));
  else if (!list.length) section.append(el("p", { class: "muted" }, "An empty list: nothing matches."));
  (list ?? []).forEach((item, i) => section.append(renderCard(kind, list, i, `${path}[${i}]`, nested ? 5 : 3)));
  const add = el("button", {
    type: "button",
    class: "add",
    onclick: () => {
      const target = owner[kind.key] ?? (owner[kind.key] = []);
      const item = kind.fresh(target);
      target.push(item);
      render();
      // The new rule's first field takes the focus: adding is one key press, then typing.
      $(`article[data-path="${path}[${target.length - 1}]"] .fields :is(input, select)`)?.focus();
      announce(`Added ${kind.short} ${kind.label(item)} as #${target.length}.`);
    },
  }, `+ Add ${kind.noun}`);
  if (parent) parent.label(add, (name) => `Add ${kind.noun} to ${name}`);
  section.append(add);
  return section;
}

/** The card header's badge: a rule's effect, or a role's type. */
function badgeClass(item) {
  if (item.Effect === undefined) return "effect type";
  return `effect ${item.Effect === "DENY" ? "deny" : "allow"}`;
}

/** One rule (override, role) of `list`, at `path`, its title a heading of `level`. */
function renderCard(kind, list, index, path, level) {
  const item = list[index];
  const listPath = path.slice(0, path.lastIndexOf("["));
  const labels = [];
  /** Names `node` with `make(rule)` ("Move rule x up"), now and whenever the rule's name changes. */
  const label = (node, make) => {
    labels.push([node, make]);
    return node;
  };
  const relabel = () => {
    const name = `${kind.short} ${kind.label(item)}`;
    for (const [node, make] of labels) node.setAttribute("aria-label", make(name));
  };
  const move = (by) => () => {
    const to = index + by;
    list.splice(to, 0, ...list.splice(index, 1));
    render();
    // The same button again (so that Enter moves it on), or the rule's title once it is at either end.
    const card = cardAt(`${listPath}[${to}]`);
    const again = $(`:scope > header button.${by < 0 ? "up" : "down"}`, card);
    (again.disabled ? $(":scope > header .title", card) : again).focus();
    announce(`Moved ${kind.short} ${kind.label(item)} to #${to + 1}.`);
  };
  const remove = () => {
    list.splice(index, 1);
    render();
    // The rule that took its place, else the one before it, else the list's add button.
    const next = list.length ? cardAt(`${listPath}[${Math.min(index, list.length - 1)}]`) : null;
    (next ? $(":scope > header .title", next) : $(`[data-path="${listPath}"] > button.add`)).focus();
    announce(`Removed ${kind.short} ${kind.label(item)}.`);
  };
  const titleId = freshId("title");
  const icon = (text) => el("span", { "aria-hidden": "true" }, text);
  const card = el("article", { class: "card", dataset: { path }, "aria-labelledby": titleId },
    el("header", {},
      el(`h${level}`, { class: "title", id: titleId, tabindex: "-1" },
        el("span", { class: "index" }, `#${index + 1}`), " ", el("span", { class: "label" }, kind.label(item))),
      el("span", { class: badgeClass(item) }, item.Effect ?? item.Type ?? ""),
      el("span", { class: "spacer" }),
      label(el("button", { type: "button", class: "up", title: "Move up", disabled: index === 0, onclick: move(-1) }, icon("↑")),
        (name) => `Move ${name} up`),
      label(el("button", { type: "button", class: "down", title: "Move down", disabled: index === list.length - 1, onclick: move(1) },
        icon("↓")), (name) => `Move ${name} down`),
      label(el("button", { type: "button", class: "remove", title: `Remove this ${kind.noun}`, onclick: remove }, icon("✕")),
        (name) => `Remove ${name}`)),
    el("div", { class: "findings" }));
  const context = { kind, item, list, index, card, label, relabel };
  const fields = el("div", { class: "fields" });
  for (const scalar of kind.scalars) fields.append(renderScalar(context, scalar, `${path}.${scalar.key}`));
  card.append(fields);
  const lists = el("div", { class: "lists" });
  for (const [key, suggestions] of kind.lists) lists.append(renderList(context, key, suggestions, `${path}.${key}`));
  card.append(lists);
  if (kind.children) card.append(renderSection(kind.children, item, `${path}.${kind.children.key}`, context));
  relabel();
  return card;
}

/** A "who is this" line under an id field, which the field's description points to. */
function whoLine(value, suggestions) {
  return el("span", { class: "who", id: freshId("who") }, whoIs(value, suggestions));
}

function renderScalar({ kind, item, list, index, card, label, relabel }, scalar, path) {
  const { key, required, options: choices } = scalar;
  const who = scalar.list ? whoLine(item[key], scalar.list) : null;
  const set = (value) => {
    if (value === "" && !required) delete item[key];
    else item[key] = value;
    state.editing = { path, list, index, key };
    // The card's header shows the name and effect, and its controls' names say the name.
    $(".title .label", card).textContent = kind.label(item);
    const badge = $(".effect", card);
    badge.textContent = item.Effect ?? item.Type ?? "";
    badge.className = badgeClass(item);
    if (who) who.textContent = whoIs(value, scalar.list);
    relabel();
    changed();
  };
  let input;
  const described = who?.id;
  if (choices) {
    const current = item[key];
    const values = choices.includes(current) || current === undefined ? choices : [current, ...choices];
    input = el("select", { name: key, onchange: (e) => set(e.target.value) },
      current === undefined ? el("option", { value: "" }, "(missing)") : null,
      values.map((value) => el("option", { value, selected: value === current }, value)));
  } else {
    input = el("input", {
      name: key,
      value: item[key] ?? "",
      list: scalar.list,
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": described,
      dataset: described ? { describedby: described } : {},
      oninput: (e) => set(e.target.value),
    });
  }
  label(input, (name) => `${key} of ${name}${required ? "" : " (optional)"}`);
  return el("label", { class: scalar.wide ? "field wide" : "field", dataset: { path } },
    el("span", { class: "name" }, key, required ? "" : el("small", {}, " optional")), input, who,
    el("div", { class: "findings" }));
}

/**
 * One condition list: its entries, each editable and removable, and an add button. A missing list and an empty
 * one differ for the service (an empty list is an error), so removing the last entry removes the member. Lists of
 * user and role ids take the card's whole width, so that an id is read whole, with its name under it.
 */
function renderList({ item, label }, key, suggestions, path) {
  const values = item[key];
  const ids = suggestions === "users" || suggestions === "roles";
  const nameId = freshId("list");
  const box = el("div", {
    class: `list${values ? "" : " absent"}${ids ? " ids" : ""}`, dataset: { path }, role: "group", "aria-labelledby": nameId,
  }, el("span", { class: "name", id: nameId }, key, values ? "" : el("small", {}, " (none)")));
  const entries = el("div", { class: "entries" });
  (values ?? []).forEach((value, i) => {
    const who = ids ? whoLine(value, suggestions) : null;
    const input = label(el("input", {
      value,
      list: suggestions,
      autocomplete: "off",
      spellcheck: "false",
      "aria-describedby": who?.id,
      dataset: who ? { describedby: who.id } : {},
      oninput: (e) => {
        values[i] = e.target.value;
        if (who) who.textContent = whoIs(e.target.value, suggestions);
        state.editing = { path: `${path}[${i}]` };
        changed();
      },
    }), (name) => `${key} ${i + 1} of ${name}`);
    const remove = () => {
      const [gone] = values.splice(i, 1);
      if (!values.length) delete item[key];
      render();
      // The entry that took its place, else the list's add button.
      const inputs = document.querySelectorAll(`[data-path="${path}"] .entry input`);
      (inputs[Math.min(i, inputs.length - 1)] ?? $(`[data-path="${path}"] button.add`)).focus();
      announce(`Removed ${gone === "" ? "an empty entry" : JSON.stringify(gone)} from ${key}.`);
    };
    entries.append(el("span", { class: "entry", dataset: { path: `${path}[${i}]` } }, input,
      label(el("button", { type: "button", class: "remove", title: `Remove from ${key}`, onclick: remove },
        el("span", { "aria-hidden": "true" }, "✕")), (name) => `Remove ${key} ${i + 1} from ${name}`),
      who, el("div", { class: "findings" })));
  });
  entries.append(label(el("button", {
    type: "button",
    class: "add small",
    title: `Add to ${key}`,
    onclick: () => {
      (item[key] ?? (item[key] = [])).push("");
      render();
      // Focus the new entry, so adding is one key press and typing.
      const inputs = document.querySelectorAll(`[data-path="${path}"] .entry input`);
      inputs[inputs.length - 1]?.focus();
    },
  }, el("span", { "aria-hidden": "true" }, "+")), (name) => `Add to ${key} of ${name}`));
  box.append(entries, el("div", { class: "findings" }));
  return box;
}

// ---- Validation, evaluation, changes -----------------------------------------------------------------------------

let pending = false;

/** Something changed: validate, compile, test and compare once the current event is handled. */
function changed() {
  if (pending) return;
  pending = true;
  queueMicrotask(() => {
    pending = false;
    refresh();
  });
}

function refresh() {
  if (!state.org) return;
  const validation = validate(state.org, options());
  state.findings = validation.Findings;
  showFindings(validation.Findings);
  state.policy?.free();
  state.policy = null;
  state.explainer?.free();
  state.explainer = null;
  state.accessPolicy?.free();
  state.accessPolicy = null;
  if (validation.Valid) {
    state.policy = compile(state.org, options()).Policy ?? null;
    if (analyses) state.explainer = analyses.compile(state.org, options()).Policy ?? null;
    if (accessModule) state.accessPolicy = accessModule.compile(state.org, options()).Policy ?? null;
  }
  const errors = validation.Findings.filter((f) => f.Severity === "error").length;
  const warnings = validation.Findings.length - errors;
  const counts = KINDS.map((kind) => `${state.org[kind.key]?.length ?? "default"} ${kind.title.toLowerCase()}`);
  const verdict = errors ? `${errors} error${errors === 1 ? "" : "s"}` : "valid";
  setStatus(`${state.name}: ${verdict}${warnings ? `, ${warnings} warning${warnings === 1 ? "" : "s"}` : ""} · ${counts.join(" · ")}`,
    errors ? "bad" : "good");
  runTests();
  showChanges();
  showEffective();
  scheduleReplay();
}

/** What the paths' lists hold, as the cards call them. */
const PATH_NOUNS = {
  AccessControlRules: "access rule",
  MobileDeviceAccessRules: "mobile rule",
  MobileDeviceAccessOverrides: "override",
  ImpersonationRoles: "impersonation role",
  Rules: "impersonation rule",
  Users: "user",
};

/**
 * A member path as the cards number things, from 1: `AccessControlRules[1].NotIpRanges[0]` is
 * `access rule #2 › NotIpRanges 1`. An input's name before it (`acme.json: `) stays.
 */
function pathWords(path) {
  return path
    .replace(/([A-Za-z]+)\[(\d+)\]/g, (_, key, n) => (PATH_NOUNS[key] ? `${PATH_NOUNS[key]} #${Number(n) + 1}` : `${key} ${Number(n) + 1}`))
    .replace(/\.(?=[A-Z])/g, " › ");
}

const MESSAGE_PATH = /\b(?:AccessControlRules|MobileDeviceAccessRules|MobileDeviceAccessOverrides|ImpersonationRoles)\[\d+\](?:\.[A-Za-z]+(?:\[\d+\])?)*/g;
/**
 * A finding's message for people: the paths in it numbered as the cards are. (The library says constraints in
 * words, never as the service's regular expression.)
 */
function messageWords(message) {
  return message.replace(MESSAGE_PATH, pathWords);
}

/**
 * A finding as a line: "Error" with the service's error name, or "Warning" (the service would accept the file, so
 * no error name), then where it is when that is not the field it is shown at (`at`), and the message.
 */
function findingNode(finding, at = "") {
  const warning = finding.Severity === "warning";
  return el("div", { class: `finding ${finding.Severity}` },
    el("strong", { class: "severity" }, warning ? "Warning" : "Error"),
    warning ? "" : [" (", el("code", {}, finding.Code), ")"], ": ",
    finding.Path && finding.Path !== at ? el("span", { class: "path" }, pathWords(finding.Path), ": ") : "",
    messageWords(finding.Message),
    warning ? " (the service accepts this)" : "");
}

/**
 * The service reports a name or id given twice at one of the two rules; when the person is typing in the other,
 * the finding belongs at the field being typed in (else it lands on a rule that may be off screen). Returns the
 * finding to show there, or null.
 */
function atEditedField(finding) {
  const editing = state.editing;
  if (!editing?.key || finding.Path === editing.path) return null;
  const match = /^(.*)\[(\d+)\]\.([A-Za-z]+)$/.exec(finding.Path);
  if (!match || match[3] !== editing.key || editing.list[editing.index]?.[editing.key] === undefined) return null;
  const other = Number(match[2]);
  const value = editing.list[editing.index][editing.key];
  const sameList = match[1] === editing.path.slice(0, editing.path.lastIndexOf("["));
  if (!sameList || other === editing.index || editing.list[other]?.[editing.key] !== value) return null;
  const noun = PATH_NOUNS[match[1].split(".").pop()] ?? "item";
  // The service's reason stays (after the first `;`); the rule it names is the other one now.
  const reason = finding.Message.includes(";") ? finding.Message.slice(finding.Message.indexOf(";")) : "";
  return { ...finding, Path: editing.path, Message: `${noun} #${other + 1} has this ${editing.key} too${reason}` };
}

/**
 * Shows each finding at its field (the element whose path is the finding's, or the nearest enclosing one), and
 * marks the field's control: `aria-invalid` for an error, `aria-describedby` pointing at the findings.
 */
function showFindings(findings) {
  for (const box of document.querySelectorAll("#editor .findings")) box.replaceChildren();
  for (const control of document.querySelectorAll("#editor [data-findings]")) {
    control.removeAttribute("aria-invalid");
    delete control.dataset.findings;
    if (control.dataset.describedby) control.setAttribute("aria-describedby", control.dataset.describedby);
    else control.removeAttribute("aria-describedby");
  }
  const global = $("#load-findings");
  global.replaceChildren();
  const byPath = new Map();
  for (const node of document.querySelectorAll("#editor [data-path]")) byPath.set(node.dataset.path, node);
  for (const reported of findings) {
    const finding = atEditedField(reported) ?? reported;
    let path = finding.Path;
    let target = byPath.get(path);
    while (!target && path) {
      path = path.replace(/(\[\d+\]|\.?[A-Za-z]+)$/, "");
      target = byPath.get(path);
    }
    const box = target?.querySelector(":scope > .findings") ?? global;
    box.append(findingNode(finding, target ? path : ""));
    const control = target?.querySelector(":scope > :is(input, select)");
    if (control) {
      box.id ||= freshId("findings");
      control.dataset.findings = "true";
      control.setAttribute("aria-describedby", [box.id, control.dataset.describedby].filter(Boolean).join(" "));
      if (finding.Severity === "error") control.setAttribute("aria-invalid", "true");
    }
  }
}

const TEST_FORMS = ["#test-access", "#test-mobile", "#test-impersonation"];
const CALLS = {
  GetAccessControlEffect: "getAccessControlEffect",
  GetMobileDeviceAccessEffect: "getMobileDeviceAccessEffect",
  GetImpersonationRoleEffect: "getImpersonationRoleEffect",
};

/** The form's request: its filled-in members (an empty field is an absent member). */
function requestOf(form) {
  const request = {};
  for (const input of form.querySelectorAll("input")) if (input.value !== "") request[input.name] = input.value;
  return request;
}

function ask(policy, operation, request) {
  return policy ? policy[CALLS[operation]](request) : null;
}

function describe(answer) {
  if (!answer) return "not evaluated";
  if (answer.Error) return `${answer.Error.Code}`;
  const rules = answer.MatchedRules.map((r) => (typeof r === "string" ? r : r.Name ?? r.ImpersonationRuleId));
  return `${answer.Effect}${rules.length ? ` (${rules.join(", ")})` : ""}${answer.MatchedOverride ? " (override)" : ""}`;
}

function renderAnswer(answer) {
  if (answer.Error) {
    return el("div", { class: "verdict error" },
      el("span", { class: "badge error" }, "ERROR"), el("code", {}, answer.Error.Code), el("p", {}, answer.Error.Message));
  }
  const effect = answer.Effect;
  return el("div", { class: "verdict" },
    el("div", {}, el("span", { class: `badge ${effect === "DENY" ? "deny" : "allow"}`, "data-effect": effect }, effect),
      answer.Type ? el("span", { class: "muted" }, ` role type ${answer.Type}`) : ""),
    el("div", { class: "matched" }, el("span", { class: "name" }, "MatchedRules"),
      answer.MatchedRules.length
        ? el("ol", {}, answer.MatchedRules.map((rule) => el("li", {}, typeof rule === "string"
          ? rule : `${rule.Name ?? ""}${rule.MobileDeviceAccessRuleId ? ` (${rule.MobileDeviceAccessRuleId})` : ""}${rule.ImpersonationRuleId ? ` (${rule.ImpersonationRuleId})` : ""}`)))
        : el("span", { class: "muted" }, " none")),
    answer.MatchedOverride
      ? el("div", {}, el("span", { class: "name" }, "MatchedOverride "), `${withName(answer.MatchedOverride.UserId)} / ${answer.MatchedOverride.DeviceId}`)
      : "");
}

/** `policy.explain`'s answer: the decision in a sentence, then each rule, matched or the condition that failed. */
function renderExplanation(explanation) {
  if (explanation.Error) return el("p", { class: "muted small" }, `Not explained: ${explanation.Error.Message}`);
  return el("details", { class: "explanation", open: true },
    el("summary", {}, "Explanation: ", explanation.Decision.Text),
    explanation.Rules.length
      ? el("ol", {}, explanation.Rules.map((rule) => el("li", { class: rule.Matched ? "hit" : "miss" },
        el("span", { class: "mark" }, rule.Matched ? "✓" : "✗"), " ",
        el("strong", {}, rule.Name ?? rule.Id ?? rule.Path), " ",
        el("span", { class: `effect ${rule.Effect === "DENY" ? "deny" : "allow"}` }, rule.Effect), " ",
        rule.Failed ? el("span", { class: "muted" }, `${rule.Failed.Condition}: ${rule.Failed.Reason}`) : "")))
      : "");
}

/** Evaluates each test form against the edited organization, and against the loaded one for comparison. */
function runTests() {
  for (const selector of TEST_FORMS) {
    const form = $(selector);
    const output = $("output", form);
    const operation = form.dataset.operation;
    const request = requestOf(form);
    if (!state.org) continue;
    if (!state.policy) {
      output.replaceChildren(el("p", { class: "muted" }, "Fix the organization's errors to evaluate."));
      continue;
    }
    const answer = ask(state.policy, operation, request);
    const before = ask(state.originalPolicy, operation, request);
    const parts = [renderAnswer(answer)];
    if (before && describe(before) !== describe(answer)) {
      parts.push(el("p", { class: "before" }, "Before your edits: ", el("strong", {}, describe(before))));
    }
    if (state.explainer) {
      parts.push(renderExplanation(state.explainer.explain({ Operation: operation, ...request })));
    } else {
      parts.push(el("p", { class: "muted small" }, analysesMissing ?? "Rule-by-rule explanation: loading the analyses…"));
    }
    output.replaceChildren(...parts);
  }
}

// ---- What changed ------------------------------------------------------------------------------------------------

/** The members of `before` and `after` that differ, as short sentences; ids of `kind`'s lists with their names. */
function memberChanges(kind, before, after, skip = []) {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const suggestions = new Map(kind.lists);
  const out = [];
  for (const key of keys) {
    if (skip.includes(key)) continue;
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    if (Array.isArray(a) || Array.isArray(b)) {
      const added = (b ?? []).filter((v) => !(a ?? []).includes(v));
      const removed = (a ?? []).filter((v) => !(b ?? []).includes(v));
      const word = (v) => quoted(v, suggestions.get(key));
      const bits = [...added.map((v) => `+${word(v)}`), ...removed.map((v) => `−${word(v)}`)];
      if (a === undefined) bits.unshift("(new list)");
      if (b === undefined) bits.push("(list removed)");
      out.push(`${key}: ${bits.length ? bits.join(" ") : "reordered"}`);
    } else {
      out.push(`${key}: ${a === undefined ? "(none)" : JSON.stringify(a)} → ${b === undefined ? "(none)" : JSON.stringify(b)}`);
    }
  }
  return out;
}

/**
 * The rules added, removed, changed or moved between two lists of one kind: an edited rule is the loaded rule it
 * was opened as (`origins`), whatever its name now, so renaming a rule, even to another rule's name, changes it.
 */
function listChanges(kind, before, after, where = "") {
  const out = [];
  const title = `${where}${kind.title}`;
  if (before === undefined && after === undefined) return out;
  if (before === undefined) out.push({ what: "list", title, text: "now listed explicitly (was absent: the default)" });
  if (after === undefined) {
    out.push({ what: "list", title, text: "removed: back to a new organization's default" });
    return out;
  }
  before ??= [];
  // Where each edited rule was: its index in `before`, or -1 for a rule added since.
  const was = after.map((item) => before.indexOf(origins.get(item)));
  const kept = was.filter((j) => j >= 0);
  const inOrder = [...kept].sort((x, y) => x - y);
  after.forEach((item, i) => {
    const j = was[i];
    if (j < 0) {
      out.push({ what: "added", title, rule: kind.label(item), text: `added at #${i + 1}` });
      return;
    }
    const old = before[j];
    const details = memberChanges(kind, old, item, kind.children ? [kind.children.key] : []);
    if (inOrder.indexOf(j) !== kept.indexOf(j)) details.unshift(`moved from #${j + 1} to #${i + 1}`);
    if (details.length) out.push({ what: "changed", title, rule: kind.label(item), text: details.join("; ") });
    if (kind.children) {
      out.push(...listChanges(kind.children, old[kind.children.key], item[kind.children.key], `${kind.label(item)} › `));
    }
  });
  before.forEach((item, j) => {
    if (!was.includes(j)) out.push({ what: "removed", title, rule: kind.label(item), text: `removed (was #${j + 1})` });
  });
  return out;
}

/** At most this many regions of each call are listed; the rest are counted. */
const REGIONS_SHOWN = 12;

/** A selection of values (`{All, Listed, AnyOther}`) in words; ids of `suggestions` with their names. */
function selection(values, thing, suggestions = null) {
  if (values.All) return `any ${thing}`;
  const listed = values.Listed.map((v) => quoted(v, suggestions));
  if (values.AnyOther) listed.push(`any other ${thing}`);
  return listed.join(", ");
}

/** An answer's verdict: ALLOW, DENY, or the error the service answers with. */
function verdictOf(answer) {
  return answer?.Error ? `error ${answer.Error.Code}` : answer?.Effect;
}

/**
 * The core's diff: each region of requests answered differently, with a request of it to try. Verdict changes
 * (ALLOW ↔ DENY) come first, then the regions whose answer only names other MatchedRules, each group counted: an
 * edit that adds a rule usually changes many of the second kind and few of the first, and those few matter.
 */
function renderDiff(diff) {
  if (diff.Error) {
    return el("p", { class: "muted" }, "Not compared: ", diff.Error.Message, ".");
  }
  if (diff.Equivalent) return el("p", { class: "muted" }, "Every request is answered as before (all compared).");
  const found = [];
  const region = (operation, words, old, now, example) => found.push({ operation, words, old, now, example });
  for (const c of diff.Access ?? []) {
    const users = c.PrincipalKind === "User";
    region("GetAccessControlEffect",
      `${users ? "users" : "roles"} ${selection(c.Principals, users ? "user" : "role", users ? "users" : "roles")}; ` +
      `actions ${selection(c.Actions, "action")}; from ${c.Addresses.length === 1 && c.Addresses[0] === "0.0.0.0/0" ? "any address" : c.Addresses.join(", ")}`,
      c.Old, c.New, c.Example);
  }
  for (const c of diff.Mobile ?? []) {
    region("GetMobileDeviceAccessEffect",
      ["DeviceType", "DeviceModel", "DeviceOperatingSystem", "DeviceUserAgent"].filter((p) => !c[p].All)
        .map((p) => `${p} ${selection(c[p], "value")}`).concat(c.OverrideKeys.All ? [] : [`overrides ${selection(c.OverrideKeys, "key")}`])
        .join("; ") || "every device", c.Old, c.New, c.Example);
  }
  for (const role of diff.Impersonation ?? []) {
    for (const c of role.Changes) {
      region("GetImpersonationRoleEffect",
        `role ${role.Name} (${role.Status.toLowerCase()}); targets ${selection(c.Targets, "user", "users")}`, c.Old, c.New, c.Example);
    }
  }
  const item = ({ operation, words, old, now, example }) => el("li", { class: "region" },
    el("div", {}, el("code", {}, operation), " ", words),
    el("div", {}, el("strong", {}, describe(old)), " → ", el("strong", {}, describe(now))),
    el("div", { class: "example" }, "e.g. ", el("code", { class: "request" }, JSON.stringify(example)), " ",
      el("button", { type: "button", class: "small try", onclick: () => tryRequest(operation, example) }, "Try")));
  const group = (name, title, regions) => {
    if (!regions.length) return [];
    const shown = regions.slice(0, REGIONS_SHOWN).map(item);
    if (regions.length > REGIONS_SHOWN) shown.push(el("li", { class: "muted" }, `and ${regions.length - REGIONS_SHOWN} more regions`));
    const id = freshId("group");
    return [
      el("h4", { id, dataset: { count: String(regions.length) } },
        title, ": ", `${regions.length} region${regions.length === 1 ? "" : "s"}`),
      el("ul", { class: "regions", dataset: { group: name }, "aria-labelledby": id }, shown),
    ];
  };
  const flips = found.filter((r) => verdictOf(r.old) !== verdictOf(r.now));
  const others = found.filter((r) => verdictOf(r.old) === verdictOf(r.now));
  return el("div", { class: "diff" },
    group("verdict", "Verdict changed (ALLOW ↔ DENY)", flips),
    group("matched", "Same verdict, other MatchedRules only", others));
}

/** Fills the test form of `operation` with `request` and shows it. */
function tryRequest(operation, request) {
  const form = document.querySelector(`form[data-operation="${operation}"]`);
  for (const input of form.querySelectorAll("input")) input.value = request[input.name] ?? "";
  selectTab(form.id.replace("test-", ""));
  showTestWho();
  runTests();
  showChanges();
}

function showChanges() {
  const body = $("#changes-body");
  const parts = [];
  // Test requests whose answer the edits changed: concrete requests, as a diff's counterexamples would be.
  const flipped = [];
  for (const selector of TEST_FORMS) {
    const form = $(selector);
    if (!state.policy || !state.originalPolicy) break;
    const request = requestOf(form);
    const before = ask(state.originalPolicy, form.dataset.operation, request);
    const after = ask(state.policy, form.dataset.operation, request);
    if (describe(before) !== describe(after)) {
      flipped.push({
        verdict: verdictOf(before) !== verdictOf(after),
        node: el("li", { class: "flip" }, el("code", {}, form.dataset.operation), " ",
          el("code", { class: "request" }, JSON.stringify(request)), ": ",
          el("strong", {}, describe(before)), " → ", el("strong", {}, describe(after))),
      });
    }
  }
  // Verdict changes first, as in the diff.
  flipped.sort((a, b) => Number(b.verdict) - Number(a.verdict));
  if (analyses && state.original) {
    parts.push(el("h3", {}, "Requests answered differently"), renderDiff(analyses.diff(state.original, state.org, options())));
  } else {
    parts.push(el("p", { class: "note" }, analysesMissing ?? "Comparing every request: loading the analyses…"));
  }
  const rules = KINDS.flatMap((kind) => listChanges(kind, state.original?.[kind.key], state.org?.[kind.key]));
  parts.push(el("h3", {}, "Rules edited"),
    el("p", { class: "muted small" }, "Computed in this page from the JSON, rule by rule."));
  parts.push(rules.length
    ? el("ul", { class: "rule-changes" }, rules.map((c) => el("li", { class: c.what },
      el("span", { class: `tag ${c.what}` }, c.what), " ", el("span", { class: "muted" }, c.title), " ",
      c.rule ? el("strong", {}, c.rule) : "", c.rule ? ": " : "", c.text)))
    : el("p", { class: "muted" }, "No rule changed since loading."));
  parts.push(el("h3", {}, "Test requests answered differently"),
    flipped.length ? el("ul", { class: "flips" }, flipped.map((flip) => flip.node))
      : el("p", { class: "muted" }, state.policy ? "None of the test requests changed its answer." : "Not evaluated: the organization has errors."));
  body.replaceChildren(...parts);
}

// ---- Effective access --------------------------------------------------------------------------------------------
//
// The access module's matrix for the rules as edited: a row per directory user (or per user a rule names, and any
// other user) and per impersonation role, a column per protocol, each cell the addresses from which the answer is
// ALLOW. `effectiveAccessChanges` compares it with the rules as loaded; the cells it lists are marked old → new.

const PROTOCOLS = ["ActiveSync", "AutoDiscover", "EWS", "IMAP", "SMTP", "WindowsOutlook", "WebMail"];
/** A cell shows at most this many ranges; its title and its details have them all. */
const RANGES_SHOWN = 2;

/** `a.b.c.d` as a number. */
function ipNumber(text) {
  return text.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function ipText(n) {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** `a.b.c.d/n`, `a.b.c.d` or `first-last` as `[first, last]`. */
function rangeBounds(text) {
  if (text.includes("-")) return text.split("-").map(ipNumber);
  const [address, bits = "32"] = text.split("/");
  const first = ipNumber(address);
  return [first, first + 2 ** (32 - Number(bits)) - 1];
}

/** A range as the core writes one: the address, the CIDR block it is, or `first-last`. */
function rangeText(first, last) {
  if (first === last) return ipText(first);
  const size = last - first + 1;
  const bits = 32 - Math.log2(size);
  if (Number.isInteger(bits) && first % size === 0) return `${ipText(first)}/${bits}`;
  return `${ipText(first)}-${ipText(last)}`;
}

/** The addresses outside `ranges` (ascending, disjoint). */
function complement(ranges) {
  const out = [];
  let next = 0;
  for (const range of ranges) {
    const [first, last] = rangeBounds(range);
    if (first > next) out.push(rangeText(next, first - 1));
    next = last + 1;
  }
  if (next <= 2 ** 32 - 1) out.push(rangeText(next, 2 ** 32 - 1));
  return out;
}

/**
 * Addresses in a few words, as `wmpolicy effective-access` writes them: `anywhere`, `nowhere`, the ranges, or
 * `anywhere but` the ranges outside when those are fewer. `{prefix, shown}`: the words before the list, the list.
 */
function addressWords(ranges) {
  if (!ranges.length) return { prefix: "nowhere", shown: [] };
  if (ranges.length === 1 && ranges[0] === "0.0.0.0/0") return { prefix: "anywhere", shown: [] };
  const outside = complement(ranges);
  return outside.length < ranges.length ? { prefix: "anywhere but ", shown: outside } : { prefix: "", shown: ranges };
}

function addressesText(ranges, limit = Infinity) {
  const { prefix, shown } = addressWords(ranges);
  const listed = shown.slice(0, limit).join(", ");
  return `${prefix}${listed}${shown.length > limit ? ` +${shown.length - limit} more` : ""}`;
}

/** Every address is refused (an impersonation role with a protocol other than EWS). */
function isRefused(cell) {
  return cell.Regions.every((region) => region.Answer.Error);
}

/** A cell in a few words (`short`: at most RANGES_SHOWN ranges), and which of anywhere/nowhere/n-a/ranges it is. */
function cellWords(cell, short = false) {
  if (isRefused(cell)) return { text: "n/a", kind: "na" };
  const text = addressesText(cell.Allowed, short ? RANGES_SHOWN : Infinity);
  return { text, kind: text === "anywhere" ? "anywhere" : text === "nowhere" ? "nowhere" : "ranges" };
}

/** Each answer of a cell with the rules that decide it and its addresses. */
function regionList(cell) {
  return el("ul", { class: "cell-regions" }, cell.Regions.map((region) => el("li", {},
    el("strong", {}, describe(region.Answer)), region.Answer.MatchedRules?.length === 0 ? " (no rule matched)" : "",
    " from ", addressesText(region.Ranges))));
}

function cellKey(principal, protocol) {
  return `${principal.Kind}\u0000${principal.Id}\u0000${protocol}`;
}

function renderMatrixCell(row, protocol, change) {
  const cell = row.Protocols[protocol];
  const now = cellWords(cell);
  const attributes = {
    class: `${now.kind}${change ? " changed" : ""}`,
    title: change ? `${cellWords(change.Old).text} → ${now.text}` : now.text,
    dataset: { protocol, id: row.Id, text: now.text, ...(change ? { changed: "true", was: cellWords(change.Old).text } : {}) },
  };
  const summary = change
    ? el("summary", {}, el("span", { class: "was" }, cellWords(change.Old, true).text), " → ", cellWords(cell, true).text)
    : el("summary", {}, cellWords(cell, true).text);
  const details = change
    ? [el("div", {}, "Before your edits:"), regionList(change.Old), el("div", {}, "Now:"), regionList(cell)]
    : [regionList(cell)];
  return el("td", attributes, el("details", {}, summary, ...details));
}

function rowHeader(row) {
  const role = row.Kind === "ImpersonationRole";
  const state = row.State && row.State !== "ENABLED" ? ` (${row.State})` : "";
  const showId = !row.AnyOther && !row.Label.includes(row.Id);
  return el("th", { scope: "row", title: `${role ? "ImpersonationRoleId" : "UserId"} ${row.Id}` },
    role ? "role " : "", row.Label, state, showId ? el("span", { class: "id" }, row.Id) : "");
}

function setEffectiveStatus(text) {
  $("#effective-status").textContent = text;
}

function showEffective() {
  const body = $("#effective-body");
  if (!state.org) return;
  if (!accessModule) {
    setEffectiveStatus("");
    body.replaceChildren(el("p", { class: "muted" }, accessMissing ?? "Loading the effective-access analysis…"));
    return;
  }
  if (!state.accessPolicy) {
    setEffectiveStatus("");
    body.replaceChildren(el("p", { class: "muted" }, "Fix the organization's errors to see who reaches mail."));
    return;
  }
  const matrix = state.accessPolicy.effectiveAccess();
  const compared = accessModule.effectiveAccessChanges(state.original, state.org, options());
  const changes = new Map((compared.Changes ?? []).map((change) => [cellKey(change, change.Protocol), change]));
  const shown = new Set();
  const rows = matrix.Rows.map((row) => el("tr", { dataset: { id: row.Id, kind: row.Kind } }, rowHeader(row),
    PROTOCOLS.map((protocol) => {
      const change = changes.get(cellKey(row, protocol));
      if (change) shown.add(change);
      return renderMatrixCell(row, protocol, change);
    })));
  const table = el("table", { class: "matrix", id: "effective-table" },
    el("caption", {}, "Where each user and role can reach mail from (ALLOW), by protocol"),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "User or role"),
      PROTOCOLS.map((protocol) => el("th", { scope: "col" }, protocol)))),
    el("tbody", {}, rows));
  const parts = [el("div", { class: "matrix-scroll" }, table),
    el("p", { class: "muted small" }, "n/a: the service refuses the request (an impersonation role can only be used with EWS).")];
  // A changed cell of a user or role the edited rules no longer have a row for.
  const gone = [...changes.values()].filter((change) => !shown.has(change));
  if (gone.length) {
    parts.push(el("ul", { class: "small" }, gone.map((change) => el("li", {},
      `${change.Label} ${change.Protocol}: ${cellWords(change.Old).text} → ${cellWords(change.New).text}`))));
  }
  const count = changes.size;
  setEffectiveStatus(compared.Error
    ? `Not compared with the rules as loaded: ${compared.Error.Message}.`
    : count ? `${count} cell${count === 1 ? "" : "s"} changed by your edits.` : "No cell changed since loading.");
  body.replaceChildren(...parts);
}

// ---- Replay a log ------------------------------------------------------------------------------------------------
//
// The log is read as a stream (`file.stream()`, through `DecompressionStream("gzip")` when it starts with gzip's
// magic bytes) and pushed a chunk at a time into the replay module's `Replay`, which keeps only a chunk and one
// event: a log of any size is read in bounded memory. Between chunks the loop yields to the event loop every few
// milliseconds, so the page keeps painting and answering input. The File is kept (not its bytes): an edit replays
// it again from the start, once the typing stops.

/** At most this much of a decompressed chunk is pushed in one call, so that no call runs long. */
const PUSH_BYTES = 256 * 1024;
/** How long the reading loop runs before it yields to the event loop, in milliseconds. */
const SLICE_MS = 12;
/** How long after the last edit the log is replayed again. */
const REPLAY_DEBOUNCE_MS = 400;
/** Groups of each kind shown. */
const GROUPS_SHOWN = 5;

const logReplay = {
  /** The log chosen, kept to replay again after edits. */
  file: null,
  /** Each run's number; a run that is no longer the latest stops at its next chunk. */
  run: 0,
  /** What the last finished (or running) replay was of: the file and both organizations, as text. */
  key: null,
  timer: null,
  /** The replay module, once asked for: a promise of it. */
  module: null,
};

function replayModule() {
  logReplay.module ??= import("./pkg/workmail_policy_replay.js").then(async (module) => {
    await module.default();
    return module;
  });
  return logReplay.module;
}

function setReplayStatus(text, kind = "") {
  const status = $("#replay-status");
  status.textContent = text;
  status.className = `small ${kind}`;
}

/** `12.3 MB`. */
function megabytes(bytes) {
  return `${(bytes / 1e6).toLocaleString("en-US", { maximumFractionDigits: bytes < 1e7 ? 1 : 0 })} MB`;
}

function count(n) {
  return n.toLocaleString("en-US");
}

/**
 * Lets the browser paint and handle input: a task posted to a message channel, which runs as soon as the browser
 * has done what was due. (`scheduler.yield()` resumes ahead of rendering, so Chromium paints only when it starves,
 * about every 100 ms; `setTimeout(0)` is held to 4 ms once nested.)
 */
const yieldChannel = new MessageChannel();
const yieldWaiting = [];
yieldChannel.port1.onmessage = () => yieldWaiting.shift()?.();
function yieldToEventLoop() {
  return new Promise((resolve) => {
    yieldWaiting.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}

/** The log as a stream of bytes, ungzipped when it is gzip, and a counter of the file's own bytes read so far. */
async function logStream(file) {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const read = { bytes: 0, gzip };
  let stream = file.stream().pipeThrough(new TransformStream({
    transform(chunk, controller) {
      read.bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  }));
  if (gzip) stream = stream.pipeThrough(new DecompressionStream("gzip"));
  return { stream, read };
}

/** The log is chosen or dropped: replay it now. */
function chooseLog(file) {
  if (!file) return;
  logReplay.file = file;
  logReplay.key = null;
  replayLog();
}

/** The rules changed: replay the log again once the edits pause (nothing to do if they came back to the last). */
function scheduleReplay() {
  if (!logReplay.file) return;
  clearTimeout(logReplay.timer);
  logReplay.timer = setTimeout(replayLog, REPLAY_DEBOUNCE_MS);
}

/** Replays the chosen log against the organization as loaded and as edited, and shows the report. */
async function replayLog() {
  clearTimeout(logReplay.timer);
  const file = logReplay.file;
  if (!file) return;
  if (!state.original) {
    setReplayStatus("Open an organization first: the log is replayed against its rules.");
    return;
  }
  const key = JSON.stringify([file.name, file.size, file.lastModified, state.original, state.org, options()]);
  if (key === logReplay.key) return;
  logReplay.key = key;
  const run = ++logReplay.run;
  const current = () => run === logReplay.run;

  let module;
  try {
    setReplayStatus(`Replaying ${file.name}…`);
    module = await replayModule();
  } catch (error) {
    logReplay.module = null;
    logReplay.key = null;
    if (current()) setReplayStatus(`The replay could not be loaded (${error}).`, "bad");
    return;
  }
  if (!current()) return;
  const started = module.replay(state.original, state.org, options());
  if (!started.Replay) {
    const edited = started.Findings.some((f) => f.Path.startsWith("against: "));
    setReplayStatus(edited
      ? "Fix the organization's errors to replay the log against the edits; the figures below are from before."
      : `The organization as loaded has errors; the log cannot be replayed against it (${started.Error.Message}).`, "bad");
    return;
  }
  const replay = started.Replay;
  const box = $("#replay-progress-box");
  const bar = $("#replay-progress");
  const progressText = $("#replay-progress-text");
  const total = file.size;
  const started_at = performance.now();
  let reader;
  try {
    const { stream, read } = await logStream(file);
    reader = stream.getReader();
    bar.max = Math.max(total, 1);
    bar.value = 0;
    box.hidden = false;
    const showProgress = () => {
      bar.value = read.bytes;
      progressText.textContent = `${megabytes(read.bytes)} of ${megabytes(total)} read${read.gzip ? " (gzip)" : ""} · ` +
        `${count(replay.events)} events`;
    };
    let slice = performance.now();
    for (;;) {
      const { done, value } = await reader.read();
      if (!current()) return;
      if (done) break;
      for (let at = 0; at < value.length; at += PUSH_BYTES) {
        replay.push(value.subarray(at, Math.min(at + PUSH_BYTES, value.length)));
        if (performance.now() - slice > SLICE_MS) {
          showProgress();
          await yieldToEventLoop();
          if (!current()) return;
          slice = performance.now();
        }
      }
    }
    showProgress();
    const report = replay.finish(file.name);
    const seconds = (performance.now() - started_at) / 1000;
    setReplayStatus(`${file.name}: ${megabytes(total)}${read.gzip ? " gzipped" : ""}, ${count(report.Events)} events, ` +
      `replayed in ${seconds.toFixed(1)} s.`);
    renderReplay(report);
  } catch (error) {
    if (current()) {
      logReplay.key = null;
      setReplayStatus(`${file.name} could not be read: ${error.message ?? error}.`, "bad");
    }
  } finally {
    reader?.cancel().catch(() => {});
    replay.free();
    if (current()) box.hidden = true;
  }
}

/** A user as the directory names them, the logged id otherwise. */
function userName(id) {
  const user = (state.original?.Users ?? []).find((u) => u.Id === id);
  return user ? (user.Email ?? user.Name ?? id) : id;
}

function verdictText(verdict) {
  if (!verdict) return "refused";
  return `${verdict.Effect}${verdict.MatchedRules.length ? ` (${verdict.MatchedRules.join(", ")})` : ""}`;
}

/** One kind of group (by user, protocol, source network): the first few, each with its example request to try. */
function renderGroups(title, kind, groups, name = (key) => key) {
  if (!groups.length) return [];
  const shown = groups.slice(0, GROUPS_SHOWN).map((group) => el("li", { dataset: { key: group.Key } },
    el("div", {}, el("strong", { title: group.Key }, name(group.Key)), `: ${count(group.Events)} event${group.Events === 1 ? "" : "s"} `,
      el("span", { class: "muted" }, `(${count(group.NowDenied)} now denied, ${count(group.NowAllowed)} now allowed)`)),
    el("div", { class: "example" }, `e.g. line ${count(group.Line)}: `, el("code", { class: "request" }, JSON.stringify(group.Example)), " ",
      el("strong", {}, verdictText(group.Before)), " → ", el("strong", {}, verdictText(group.After)), " ",
      el("button", { type: "button", class: "small try", onclick: () => tryRequest(group.Example.Operation, group.Example) }, "Try"))));
  if (groups.length > GROUPS_SHOWN) shown.push(el("li", { class: "muted" }, `and ${count(groups.length - GROUPS_SHOWN)} more`));
  return [el("h4", {}, title), el("ul", { class: "groups", dataset: { groups: kind } }, shown)];
}

function renderReplay(report) {
  const parts = [];
  const impactClass = report.NowDenied ? "impact denied" : report.Changed ? "impact" : "impact none";
  parts.push(el("p", { class: impactClass, id: "replay-impact" }, `${report.Summary}.`));
  const other = report.Changed - report.NowDenied - report.NowAllowed;
  parts.push(el("p", { class: "counts", id: "replay-changed" },
    `Changed by the edits: ${count(report.Changed)} event${report.Changed === 1 ? "" : "s"} (${count(report.NowDenied)} now denied, ` +
    `${count(report.NowAllowed)} now allowed, ${count(other)} with other MatchedRules only).`));
  parts.push(...renderGroups("By user", "user", report.ChangesByUser, userName),
    ...renderGroups("By protocol", "protocol", report.ChangesByProtocol),
    ...renderGroups("By source network", "network", report.ChangesBySourceNetwork));
  const skipped = report.Skipped;
  parts.push(el("h3", {}, "The rules as loaded, against the log"),
    el("p", { class: "counts", id: "replay-agreement" },
      `Replayed ${count(report.Replayed)} of ${count(report.Events)} events: ${count(report.Agreed)} agree with the log, ` +
      `${count(report.Disagreed)} disagree.`),
    el("p", { class: "counts muted small", id: "replay-skipped" },
      `Not judged: ${count(skipped.MailFlow)} mail flow, ${count(skipped.DeviceAccessControl)} DeviceAccessControl, ` +
      `${count(skipped.Unreadable)} unreadable, ${count(skipped.Unreplayable)} unreplayable.`));
  if (report.Disagreements.length) {
    parts.push(el("ul", { class: "groups", dataset: { groups: "disagreement" } },
      report.Disagreements.slice(0, GROUPS_SHOWN).map((group) => el("li", {},
        `${count(group.Events)} event${group.Events === 1 ? "" : "s"} from line ${count(group.Line)}: the log says `,
        el("strong", {}, group.Logged.AccessGranted ? "granted" : "denied"), ", the engine ",
        el("strong", {}, verdictText(group.Engine)), " ",
        el("code", { class: "request" }, JSON.stringify(group.Request))))));
  }
  const problems = report.Problems.length + report.ProblemsNotListed;
  parts.push(el("p", { class: "counts", id: "replay-problems" },
    `${count(problems)} problem${problems === 1 ? "" : "s"} (records that could not be read or replayed)${problems ? ":" : "."}`));
  if (problems) {
    parts.push(el("ul", { class: "problems" }, report.Problems.slice(0, GROUPS_SHOWN).map((problem) => el("li", {},
      `line ${count(problem.Line)}${problem.ToLine > problem.Line ? `–${count(problem.ToLine)}` : ""}: ${problem.Kind.toLowerCase()}: ${problem.Message}`))));
  }
  $("#replay-body").replaceChildren(...parts);
}

function wireReplay() {
  const input = $("#replay-file");
  input.addEventListener("change", () => {
    chooseLog(input.files[0]);
    input.value = "";
  });
  const zone = $("#replay-drop");
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes("Files");
  zone.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    chooseLog(event.dataTransfer.files[0]);
  });
  // A file dropped beside the zone would make the browser open it in place of the editor, edits and all.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => {
      if (hasFiles(event) && !zone.contains(event.target)) event.preventDefault();
    });
  }
}

// ---- Wiring ------------------------------------------------------------------------------------------------------

function selectTab(name) {
  for (const tab of document.querySelectorAll("[data-tab]")) {
    const selected = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", String(selected));
    // One tab in the Tab order, the selected one; the arrow keys reach the others.
    tab.tabIndex = selected ? 0 : -1;
  }
  for (const selector of TEST_FORMS) $(selector).hidden = selector !== `#test-${name}`;
}

/** The tab list's keys: Left and Right move to the previous and next tab (round), Home and End to the ends. */
function tabKeys(event) {
  const tabs = [...document.querySelectorAll("[data-tab]")];
  const at = tabs.indexOf(document.activeElement);
  const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[event.key];
  if (at < 0 || to === undefined) return;
  event.preventDefault();
  const tab = tabs[(to + tabs.length) % tabs.length];
  selectTab(tab.dataset.tab);
  tab.focus();
}

/** Who the test forms' user and role ids are, under each (the directory's names). */
function showTestWho() {
  for (const input of document.querySelectorAll("form.test :is(input[list='users'], input[list='roles'])")) {
    const who = document.getElementById(input.getAttribute("aria-describedby"));
    if (who) who.textContent = whoIs(input.value, input.getAttribute("list"));
  }
}

/**
 * On a narrow screen the test panel comes before the rules (in the page, not only on screen, so that the Tab order
 * is the order seen), so that it is not below every rule; on a wide one it heads the side column.
 */
const narrowScreen = matchMedia("(max-width: 1000px)");
function placeTests() {
  const tests = $("#tests");
  if (narrowScreen.matches) $("main").prepend(tests);
  else $("aside").prepend(tests);
}

/** Fetches the analyses' module; the page works without it meanwhile. */
async function loadAnalyses() {
  const module = await import("./pkg/workmail_policy_analysis.js");
  await module.default();
  analyses = module;
  if (state.org) refresh();
  document.body.dataset.analyses = "true";
}

/** Fetches the access module; "Effective access" waits for it. */
async function loadAccess() {
  const module = await import("./pkg/workmail_policy_access.js");
  await module.default();
  accessModule = module;
  if (state.org) refresh();
  document.body.dataset.access = "true";
}

async function main() {
  await initEngine();
  $("#open-example").addEventListener("click", openExample);
  $("#upload-button").addEventListener("click", async () => {
    if (await confirmDiscard("Uploading files")) $("#upload").click();
  });
  $("#upload").addEventListener("change", (e) => openFiles([...e.target.files]).finally(() => { e.target.value = ""; }));
  const showPaste = (shown) => {
    $("#paste-box").hidden = !shown;
    $("#show-paste").setAttribute("aria-expanded", String(shown));
  };
  $("#show-paste").addEventListener("click", () => {
    showPaste($("#paste-box").hidden);
    if (!$("#paste-box").hidden) $("#paste-text").focus();
  });
  $("#load-paste").addEventListener("click", async () => {
    if (!await confirmDiscard("Loading the pasted text")) return;
    if (open([{ Name: "pasted", Content: $("#paste-text").value }], "organization.json")) showPaste(false);
  });
  $("#download").addEventListener("click", download);
  // Ctrl+S (⌘S) downloads, as saving does elsewhere, from wherever the focus is.
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "s") {
      event.preventDefault();
      download();
    }
  });
  // Leaving the page (reload, close, another address) asks first while there are unsaved edits.
  window.addEventListener("beforeunload", (event) => {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = "";
  });
  // The skip links move the focus too (a link to an id only scrolls in some browsers), to the section itself.
  for (const link of document.querySelectorAll("#skip a")) {
    link.addEventListener("click", (event) => {
      const target = document.querySelector(link.getAttribute("href"));
      event.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "start" });
    });
  }
  placeTests();
  narrowScreen.addEventListener("change", placeTests);
  for (const input of document.querySelectorAll("form.test :is(input[list='users'], input[list='roles'])")) {
    const who = el("span", { class: "who", id: freshId("who") });
    input.closest("label").after(who);
    input.setAttribute("aria-describedby", who.id);
  }
  $("#relax").addEventListener("change", () => {
    if (!state.org) return;
    state.originalPolicy?.free();
    state.originalPolicy = compile(state.original, options()).Policy ?? null;
    changed();
  });
  for (const selector of TEST_FORMS) {
    const form = $(selector);
    form.addEventListener("input", () => { runTests(); showChanges(); showTestWho(); });
    form.addEventListener("submit", (e) => e.preventDefault());
  }
  for (const tab of document.querySelectorAll("[data-tab]")) tab.addEventListener("click", () => selectTab(tab.dataset.tab));
  $(".tabs").addEventListener("keydown", tabKeys);
  wireReplay();
  setStatus("Ready: open the example, upload files or paste an organization.");
  document.body.dataset.ready = "true";
  loadAnalyses().catch((error) => {
    // The page works on without them: answers, findings and the rules edited.
    analysesMissing = `The analyses could not be loaded (${error}).`;
    console.warn(analysesMissing);
    changed();
  });
  loadAccess().catch((error) => {
    accessMissing = `The effective-access analysis could not be loaded (${error}).`;
    console.warn(accessMissing);
    changed();
  });
}

main().catch((error) => {
  setStatus(`The engine could not start: ${error}`, "bad");
  throw error;
});
