// The JavaScript half of `Policy.batch`: packs an array of request objects, a chunk at a time, into flat arrays in
// WebAssembly memory, and spreads the deduplicated answers back into an array.
//
// Why this exists: reading a million JS objects from Rust member by member costs a boundary crossing per member,
// and JSON text costs a stringify, a UTF-8 encode and a parse per request, several times the evaluation itself.
// Here each request becomes a few integers: its operation, where its address's bytes are (addresses are nearly all
// distinct, so they are copied as bytes, not looked up), and indexes into a table of distinct strings (batches
// repeat the same users, actions, roles and organization). Anything outside that common shape (an unknown member,
// a value that is not a string or is one with a lone surrogate, a missing required member, an unknown operation,
// something that is not an object) travels as its JSON text instead and is answered by the core's own
// request-line reader, so every error is the one `wmpolicy batch` gives for the same line.
//
// The record layout is shared with `wasm/src/batch.rs`; change both together.

/** Operation codes, the first slot of each record. */
// The three request records start with their operation and `OrganizationId` (nearly always one id for the whole
// batch, so one string in the table), which Rust holds to its shape with the core's own check.
const FALLBACK = 0; // [0, json string id]: answer the JSON text with the core's line reader
const ACCESS = 1; // [1, OrganizationId, address length, address offset, Action, UserId, ImpersonationRoleId]
const MOBILE = 2; // [2, OrganizationId, DeviceType, DeviceModel, DeviceOperatingSystem, DeviceUserAgent, UserId, DeviceId]
const IMPERSONATION = 3; // [3, OrganizationId, ImpersonationRoleId, TargetUser]
const UNSERIALIZABLE = 4; // [4, message string id]: not even JSON.stringify can read it

/** A member that is missing (or null, which the service's JSON reading treats alike). */
const ABSENT = 0xffffffff;
/** The longest record, in slots (`MAX_RECORD` in batch.rs). */
const MAX_RECORD = 8;
/**
 * The longest address copied as bytes: the longest IPv4 address in dotted form. Longer ones, and any with a
 * character outside ASCII, go in the string table instead, where a length of 0 in the record says to look.
 */
const MAX_ADDRESS = 15;

/**
 * Copies `s` into `bytes` at `at` when it is 1 to `MAX_ADDRESS` ASCII characters, returning its length, else 0.
 * ASCII characters are their own UTF-8 bytes, so Rust reads back exactly the request's string.
 */
function copyAscii(s, bytes, at) {
  const n = s.length;
  if (n > MAX_ADDRESS) return 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return 0;
    bytes[at + i] = c;
  }
  return n;
}

/** Whether `s` is well-formed UTF-16: no lone surrogate. `isWellFormed` where the engine has it (2023 on). */
const wellFormed = typeof String.prototype.isWellFormed === "function"
  ? (s) => s.isWellFormed()
  : (s) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/**
 * Writes the record of one request in the common shape at `m` and returns the new end, or returns `m` unchanged
 * when the request is not in that shape.
 */
function encodeOne(r, records, m, intern, slot, addresses) {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return m;
  // The members every operation may have, read directly (the request objects of one batch share a shape, so
  // these are cached loads); then one pass counts the members present, which differs from the known ones counted
  // here exactly when the request has a member no operation has. An `OrganizationId` string is packed like the
  // other members and checked in Rust by the core's reader's own check (one description of its shape, not a
  // second copy here); null is absent, as everywhere, and any other value falls back to the JSON text.
  const operation = r.Operation;
  const organization = r.OrganizationId;
  const ip = r.IpAddress;
  const action = r.Action;
  const user = r.UserId;
  const role = r.ImpersonationRoleId;
  const type = r.DeviceType;
  const model = r.DeviceModel;
  const os = r.DeviceOperatingSystem;
  const agent = r.DeviceUserAgent;
  const device = r.DeviceId;
  const target = r.TargetUser;
  const known = (operation !== undefined) + (organization !== undefined) + (ip !== undefined) +
    (action !== undefined) + (user !== undefined) + (role !== undefined) + (type !== undefined) +
    (model !== undefined) + (os !== undefined) + (agent !== undefined) + (device !== undefined) +
    (target !== undefined);
  let present = 0;
  for (const key in r) present++;
  if (present !== known) return m;
  const org = slot(organization);
  if (org === -1) return m;
  if (operation === "GetAccessControlEffect" && typeof ip === "string" && typeof action === "string" &&
      type === undefined && model === undefined && os === undefined && agent === undefined &&
      device === undefined && target === undefined) {
    const u = slot(user);
    const ro = slot(role);
    const a = intern(action);
    // The address's bytes, or (length 0) its string id; bytes written past `addresses.at` are only kept when it
    // moves on.
    const length = copyAscii(ip, addresses.bytes, addresses.at);
    const where = length > 0 ? addresses.at : intern(ip);
    if (u !== -1 && ro !== -1 && a !== -1 && where !== -1) {
      records[m++] = ACCESS;
      records[m++] = org;
      records[m++] = length;
      records[m++] = where;
      records[m++] = a;
      records[m++] = u;
      records[m++] = ro;
      addresses.at += length;
    }
  } else if (operation === "GetMobileDeviceAccessEffect" && ip === undefined && action === undefined &&
      role === undefined && target === undefined) {
    const fields = [slot(type), slot(model), slot(os), slot(agent), slot(user), slot(device)];
    if (!fields.includes(-1)) {
      records[m++] = MOBILE;
      records[m++] = org;
      for (const f of fields) records[m++] = f;
    }
  } else if (operation === "GetImpersonationRoleEffect" && typeof role === "string" &&
      typeof target === "string" && ip === undefined && action === undefined && user === undefined &&
      type === undefined && model === undefined && os === undefined && agent === undefined && device === undefined) {
    const ro = intern(role);
    const t = intern(target);
    if (ro !== -1 && t !== -1) {
      records[m++] = IMPERSONATION;
      records[m++] = org;
      records[m++] = ro;
      records[m++] = t;
    }
  }
  return m;
}

/**
 * Packs an array of requests (the caller checked it is one) a chunk at a time into views of WebAssembly memory:
 * `fill(records, bytes)` writes the next requests' records and address bytes (room for 8 slots and
 * `MAX_ADDRESS` bytes a request) and returns how many it packed, 0 at the end; `newStrings()` and `newLengths()`
 * then give the strings interned since the last call, joined, and their lengths in UTF-16 code units. Chunks keep
 * the buffers small enough to stay in the processor's cache and to be reused, rather than tens of megabytes of
 * fresh memory per million requests. Nothing here calls into WebAssembly, so its memory cannot grow while the
 * views are in use.
 */
export class BatchEncoder {
  /** `count`: the array's length when the batch began; a getter that changes it cannot change the batch. */
  constructor(requests, count) {
    this.requests = requests;
    this.count = count;
    this.next = 0;
    this.ids = new Map();
    this.table = [];
    this.sent = 0;
    this.used = 0;
  }

  /**
   * A request member's string id, the same for equal strings; -1 for a string with a lone surrogate, which Rust
   * would receive with U+FFFD in its place while its JSON text keeps the escape, which the core's reader refuses:
   * such a request travels as that text, so that it gets the reader's answer. Decided once per distinct string.
   */
  intern(s) {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = wellFormed(s) ? this.add(s) : -1;
      this.ids.set(s, id);
    }
    return id;
  }

  /** A string's new id: for the encoder's own messages, which need not be well-formed. */
  add(s) {
    this.table.push(s);
    return this.table.length - 1;
  }

  fill(records, bytes) {
    const requests = this.requests;
    const room = Math.min(Math.floor(records.length / MAX_RECORD), Math.floor(bytes.length / MAX_ADDRESS));
    const end = Math.min(this.count, this.next + room);
    const intern = (s) => this.intern(s);
    // A member's slot: its string id, ABSENT, or -1 for a value of the wrong type or a string with a lone surrogate
    // (the request falls back).
    const slot = (v) => (typeof v === "string" ? intern(v) : v === undefined || v === null ? ABSENT : -1);
    const addresses = { bytes, at: 0 };
    let m = 0;
    const first = this.next;
    for (let i = first; i < end; i++) {
      const r = requests[i];
      const start = m;
      try {
        m = encodeOne(r, records, m, intern, slot, addresses);
      } catch (e) {
        // A getter that throws, a proxy: this request only is refused.
        m = start;
        records[m++] = UNSERIALIZABLE;
        records[m++] = this.add(`request ${i} cannot be read: ${e}`);
      }
      if (m === start) {
        // Not the common shape: the core reads the JSON text and gives its own answer or error.
        let json;
        try {
          json = JSON.stringify(r);
        } catch (e) {
          json = undefined;
          records[m++] = UNSERIALIZABLE;
          records[m++] = this.add(`request ${i} cannot be written as JSON: ${e}`);
        }
        if (m === start) {
          if (json === undefined) {
            records[m++] = UNSERIALIZABLE;
            records[m++] = this.add(`request ${i} is ${r === undefined ? "undefined" : typeof r}, not a JSON value`);
          } else {
            records[m++] = FALLBACK;
            records[m++] = intern(json);
          }
        }
      }
    }
    this.next = end;
    this.used = m;
    return end - first;
  }

  /** The strings interned since the last `newLengths()`, joined; call it first. */
  newStrings() {
    return this.table.slice(this.sent).join("");
  }

  /** Their lengths, and they count as sent. */
  newLengths() {
    const fresh = this.table.length - this.sent;
    const lengths = new Uint32Array(fresh);
    for (let i = 0; i < fresh; i++) lengths[i] = this.table[this.sent + i].length;
    this.sent = this.table.length;
    return lengths;
  }
}

function deepFreeze(value) {
  if (typeof value === "object" && value !== null) {
    for (const key in value) deepFreeze(value[key]);
    Object.freeze(value);
  }
  return value;
}

/**
 * The answers array: `table` is a JSON array of the distinct answers, `indices` each request's entry in it.
 * Equal answers are one shared object, frozen so that no caller can change another request's answer through it.
 */
export function expandAnswers(table, indices) {
  const answers = JSON.parse(table).map(deepFreeze);
  const n = indices.length;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = answers[indices[i]];
  return out;
}
