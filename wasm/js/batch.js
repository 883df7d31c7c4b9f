// The JavaScript half of `Policy.batch`: packs an array of request objects into flat arrays that cross into
// WebAssembly at once, and spreads the deduplicated answers back into an array.
//
// Why this exists: reading a million JS objects from Rust member by member costs a boundary crossing per member,
// and JSON text costs a stringify, a UTF-8 encode and a parse per request, several times the evaluation itself.
// Here each request becomes a few integers: its operation, an IPv4 address as a number, and indexes into a table of
// distinct strings (batches repeat the same users, actions and roles). Anything outside that common shape (an
// unknown member, a value that is not a string, a missing required member, an unknown operation, something that is
// not an object) travels as its JSON text instead and is answered by the core's own request-line reader, so every
// error is the one `wmpolicy batch` gives for the same line.
//
// The record layout is shared with `wasm/src/batch.rs`; change both together.

/** Operation codes, the first slot of each record. */
const FALLBACK = 0; // [0, json string id]: answer the JSON text with the core's line reader
const ACCESS = 1; // [1, ip kind, ip, Action, UserId, ImpersonationRoleId]
const MOBILE = 2; // [2, DeviceType, DeviceModel, DeviceOperatingSystem, DeviceUserAgent, UserId, DeviceId]
const IMPERSONATION = 3; // [3, ImpersonationRoleId, TargetUser]
const UNSERIALIZABLE = 4; // [4, message string id]: not even JSON.stringify can read it

/** A member that is missing (or null, which the service's JSON reading treats alike). */
const ABSENT = 0xffffffff;
/** The longest record is 7 slots (`MAX_RECORD` in batch.rs). */
/** IP kinds: a canonical dotted quad sent as its number, or anything else sent as a string id. */
const IP_NUMBER = 0;
const IP_STRING = 1;

/**
 * Writes the number a canonical dotted quad (`0`-`255` without leading zeros, as the service's `IpAddress` pattern
 * and the core's parser accept it) stands for at `records[m]` and returns true, or returns false. Rust formats the
 * number back into exactly the same text before the core sees it, so this only has to recognise canonical text,
 * never to judge what else is valid. The arithmetic stays in 32-bit integers, which the JIT keeps unboxed.
 */
function dottedQuad(s, records, m) {
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return false;
      value = (value << 8) | octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return false; // a leading zero
      octet = octet * 10 + (c - 48);
      digits++;
      if (octet > 255) return false;
    } else {
      return false;
    }
  }
  if (dots !== 3 || digits === 0) return false;
  records[m] = (value << 8) | octet; // the Uint32Array stores the 32 bits, whatever their sign as an int32
  return true;
}

/**
 * Writes the record of one request in the common shape at `m` and returns the new end, or returns `m` unchanged
 * when the request is not in that shape.
 */
function encodeOne(r, records, m, intern, slot) {
  let operation;
  let ip, action, user, role, type, model, os, agent, device, target;
  let shape = typeof r === "object" && r !== null && !Array.isArray(r);
  // One pass over the members finds each and notices any that no operation has. `OrganizationId` is accepted
  // and ignored, as by the service's own SDKs and `wmpolicy batch`.
  if (shape) {
    for (const key in r) {
      const v = r[key];
      switch (key) {
        case "Operation": operation = v; break;
        case "OrganizationId": break;
        case "IpAddress": ip = v; break;
        case "Action": action = v; break;
        case "UserId": user = v; break;
        case "ImpersonationRoleId": role = v; break;
        case "DeviceType": type = v; break;
        case "DeviceModel": model = v; break;
        case "DeviceOperatingSystem": os = v; break;
        case "DeviceUserAgent": agent = v; break;
        case "DeviceId": device = v; break;
        case "TargetUser": target = v; break;
        default: shape = false;
      }
    }
    if (shape && r.OrganizationId !== undefined && r.OrganizationId !== null && typeof r.OrganizationId !== "string") {
      shape = false;
    }
  }
  if (shape && operation === "GetAccessControlEffect" && typeof ip === "string" && typeof action === "string" &&
      type === undefined && model === undefined && os === undefined && agent === undefined &&
      device === undefined && target === undefined) {
    const u = slot(user);
    const ro = slot(role);
    if (u !== -1 && ro !== -1) {
      records[m++] = ACCESS;
      if (dottedQuad(ip, records, m + 1)) {
        records[m++] = IP_NUMBER;
        m++;
      } else {
        records[m++] = IP_STRING;
        records[m++] = intern(ip);
      }
      records[m++] = intern(action);
      records[m++] = u;
      records[m++] = ro;
    }
  } else if (shape && operation === "GetMobileDeviceAccessEffect" && ip === undefined && action === undefined &&
      role === undefined && target === undefined) {
    const fields = [slot(type), slot(model), slot(os), slot(agent), slot(user), slot(device)];
    if (!fields.includes(-1)) {
      records[m++] = MOBILE;
      for (const f of fields) records[m++] = f;
    }
  } else if (shape && operation === "GetImpersonationRoleEffect" && typeof role === "string" &&
      typeof target === "string" && ip === undefined && action === undefined && user === undefined &&
      type === undefined && model === undefined && os === undefined && agent === undefined && device === undefined) {
    records[m++] = IMPERSONATION;
    records[m++] = intern(role);
    records[m++] = intern(target);
  }
  return m;
}

/**
 * Packs `requests` (an array; the caller checked) into `records`, a view of WebAssembly memory with room for
 * `MAX_RECORD` slots a request (writing there directly saves a copy of tens of megabytes per million requests),
 * and returns `{used, strings, lengths}`: `used` the slots written, `strings` the distinct strings joined,
 * `lengths` their lengths in UTF-16 code units. Nothing here calls into WebAssembly, so memory cannot grow and
 * the view stays valid throughout.
 */
export function encodeBatch(requests, records) {
  const count = requests.length;
  const ids = new Map();
  const table = [];
  const intern = (s) => {
    let id = ids.get(s);
    if (id === undefined) {
      id = table.length;
      table.push(s);
      ids.set(s, id);
    }
    return id;
  };
  // A member's slot: its string id, ABSENT, or -1 for a value of the wrong type (the request falls back).
  const slot = (v) => (typeof v === "string" ? intern(v) : v === undefined || v === null ? ABSENT : -1);
  let m = 0;
  for (let i = 0; i < count; i++) {
    const r = requests[i];
    const start = m;
    try {
      m = encodeOne(r, records, m, intern, slot);
    } catch (e) {
      // A getter that throws, a proxy: this request only is refused.
      m = start;
      records[m++] = UNSERIALIZABLE;
      records[m++] = intern(`request ${i} cannot be read: ${e}`);
    }
    if (m === start) {
      // Not the common shape: the core reads the JSON text and gives its own answer or error.
      let json;
      try {
        json = JSON.stringify(r);
      } catch (e) {
        json = undefined;
        records[m++] = UNSERIALIZABLE;
        records[m++] = intern(`request ${i} cannot be written as JSON: ${e}`);
      }
      if (m === start) {
        if (json === undefined) {
          records[m++] = UNSERIALIZABLE;
          records[m++] = intern(`request ${i} is ${r === undefined ? "undefined" : typeof r}, not a JSON value`);
        } else {
          records[m++] = FALLBACK;
          records[m++] = intern(json);
        }
      }
    }
  }
  const lengths = new Uint32Array(table.length);
  for (let i = 0; i < table.length; i++) lengths[i] = table[i].length;
  return { used: m, strings: table.join(""), lengths };
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
