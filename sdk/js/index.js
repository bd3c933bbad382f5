// Guest SDK for Microlith actors written in JavaScript (or TypeScript).
//
// An actor class is a WebAssembly component implementing the
// `microlith:actor@0.1.0` world, built by `microlith build` with
// componentize-js. Your `src/actor.js` (or `.ts`) default-exports the actor:
// a plain object or a class with one method per actor method.
//
//     import { defineActor, state, BadRequest } from 'microlith-actor';
//
//     export default defineActor({
//       incr(req) {
//         const { by = 1 } = req.json({ by: 'uint?' });
//         const value = (state.getJson('value') ?? 0) + by;
//         state.setJson('value', value);
//         return { value };
//       },
//       'clear-done'(req) { ... },          // any method name, quoted
//       onAlarm(name) { ... },              // optional: alarms
//       view(viewer) { ... },               // optional: the live view
//       schema: 2,                          // optional: the state layout (default 0)
//       migrate(fromSchema) { ... },        // optional: rewrite older state
//       selfCheck() { ... },                // optional: throw to refuse a deploy
//     });
//
// A method gets a `Request` and returns the reply: a `Uint8Array` is sent as
// it is, `undefined` as an empty reply, anything else as JSON. Throw
// `BadRequest`, `Failed` or `UnknownMethod` to fail the turn with that
// `handle-error`; the host then commits none of the turn's writes. Any other
// exception (a `TypeError`, `new Error(...)`, ...) is a bug: it is logged and
// the turn traps (`trapped` for a caller, 500 `guest_trap` over HTTP), which
// also commits nothing.
//
// `view(viewer)`, when present, renders the actor's live view for the
// subscriber `viewer` (its principal, or `null` when anonymous): return a
// JSON-able value (or `Uint8Array` JSON bytes), `null`/`undefined` for no
// view (also what an actor without `view` shows), or throw `Failed` (or
// `BadRequest`, `UnknownMethod`) to refuse that viewer.
//
// Live upgrades: `schema` (a number property, or `static schema` on a
// class) numbers the layout of state this code reads and writes (default 0).
// When a deploy switches an actor whose state was written under another
// schema, `migrate(fromSchema)` runs first as a turn of its own and rewrites
// the state with `state`; throwing `Failed` (or any error) commits nothing
// and keeps the actor on the version it ran. Without `migrate`, older state
// is accepted as it is and newer state (after a rollback) is refused.
// `selfCheck()` runs once per deploy in a fresh instance with no state
// (writes discarded); throwing refuses the deploy with the message.
//
// The imports are wrapped in `state`, `context`, `actors`, `alarms` and `log`.
// The typings are in index.d.ts (and types/ for the raw WIT interfaces).

import * as hostState from 'microlith:actor/state@0.1.0';
import * as hostContext from 'microlith:actor/context@0.1.0';
import * as hostActors from 'microlith:actor/actors@0.1.0';
import * as hostAlarms from 'microlith:actor/alarms@0.1.0';
import * as hostLog from 'microlith:actor/log@0.1.0';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** Encodes a string as UTF-8 bytes. */
export function utf8(text) {
  return encoder.encode(text);
}

/** Decodes UTF-8 bytes (invalid sequences become U+FFFD). */
export function text(bytes) {
  return decoder.decode(bytes);
}

function isBlank(bytes) {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return false;
  }
  return true;
}

function toBytes(value, what) {
  if (value === undefined || value === null) return EMPTY;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return encoder.encode(value);
  throw new TypeError(`${what} must be a Uint8Array or a string, not ${typeof value}`);
}

function describe(e) {
  if (e instanceof Error) return e.message;
  return String(e);
}

// ---------------------------------------------------------------- errors

/** A turn's failure, mapped onto the WIT `handle-error`. */
export class ActorError extends Error {
  /**
   * @param {'unknown-method'|'bad-request'|'failed'} kind
   * @param {string} message
   */
  constructor(kind, message) {
    super(message);
    this.name = new.target.name;
    this.kind = kind;
  }
}

/** `unknown-method`: the method name is not one this class understands. */
export class UnknownMethod extends ActorError {
  constructor(method) {
    super('unknown-method', String(method));
  }
}

/** `bad-request`: the payload could not be decoded or was invalid. */
export class BadRequest extends ActorError {
  constructor(message) {
    super('bad-request', String(message));
  }
}

/** `failed`: the request was understood but the actor refused or failed it. */
export class Failed extends ActorError {
  constructor(message) {
    super('failed', String(message));
  }
}

/** A state write refused by the host; fails the turn as `failed` unless caught. */
export class StateError extends Failed {
  constructor(message, reason, limit) {
    super(message);
    /** `key-too-large`, `value-too-large` or `turn-quota-exceeded`. */
    this.reason = reason;
    /** The host's limit, in bytes. */
    this.limit = limit;
  }
}

const CALL_ERROR_KINDS = [
  'unknown-class', 'unknown-method', 'bad-request', 'failed', 'trapped',
  'cycle', 'timeout', 'unavailable', 'invalid',
];

/**
 * Why a call or a send to another actor failed: `kind` is the WIT
 * `call-error` case name, `detail` its payload (a message, the timeout in
 * ms, or for `cycle` the actors of the cycle). Uncaught, it fails the turn:
 * as `bad-request` when the callee rejected the payload, else as `failed`.
 */
export class CallError extends Error {
  constructor(kind, detail) {
    super(CallError.describe(kind, detail));
    this.name = 'CallError';
    this.kind = kind;
    this.detail = detail;
  }

  static describe(kind, detail) {
    switch (kind) {
      case 'cycle':
        return `deadlock cycle: ${(detail || []).map((a) => `${a.class}/${a.key}`).join(' -> ')}`;
      case 'timeout':
        return `no reply within ${detail} ms`;
      default:
        return `${kind}: ${detail}`;
    }
  }
}

// ------------------------------------------------------------- requests

const SCHEMA_TYPES = {
  any: () => true,
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  integer: (v) => Number.isSafeInteger(v),
  uint: (v) => Number.isSafeInteger(v) && v >= 0,
  boolean: (v) => typeof v === 'boolean',
  bool: (v) => typeof v === 'boolean',
  object: (v) => v !== null && typeof v === 'object' && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Checks `value` against `shape`, an object naming each allowed field and
 * its type: `'string'`, `'number'`, `'integer'` (a safe integer), `'uint'`
 * (a safe integer >= 0), `'boolean'`, `'object'`, `'array'` or `'any'`,
 * with a trailing `?` when the field may be missing (or `null`), or a
 * function `(value, field) => checkedValue` that throws `BadRequest`.
 * Unknown fields are rejected. `null` counts as `{}`. Returns a new object
 * with the fields that are present. Failures throw `BadRequest`.
 */
export function decode(value, shape, what = 'payload') {
  if (value === null || value === undefined) value = {};
  if (!isPlainObject(value)) throw new BadRequest(`${what} must be a JSON object`);
  for (const field of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(shape, field)) {
      throw new BadRequest(`${what}: unknown field \`${field}\``);
    }
  }
  const out = {};
  for (const [field, type] of Object.entries(shape)) {
    const present = Object.prototype.hasOwnProperty.call(value, field) && value[field] !== null;
    if (typeof type === 'function') {
      const checked = type(present ? value[field] : undefined, field);
      if (checked !== undefined) out[field] = checked;
      continue;
    }
    const optional = type.endsWith('?');
    const base = optional ? type.slice(0, -1) : type;
    const check = SCHEMA_TYPES[base];
    if (!check) throw new TypeError(`decode: unknown type ${JSON.stringify(type)} for \`${field}\``);
    if (!present) {
      if (optional) continue;
      throw new BadRequest(`${what}: missing field \`${field}\``);
    }
    if (!check(value[field])) {
      throw new BadRequest(`${what}: \`${field}\` must be ${base === 'uint' ? 'a non-negative integer' : `of type ${base}`}`);
    }
    out[field] = value[field];
  }
  return out;
}

/** One message: the method name and its payload bytes. */
export class Request {
  /**
   * @param {string} method
   * @param {Uint8Array} payload
   */
  constructor(method, payload = EMPTY) {
    /** The method name. */
    this.method = method;
    /** The raw payload bytes. */
    this.payload = toBytes(payload, 'payload');
  }

  /** The payload as UTF-8 text. */
  text() {
    return decoder.decode(this.payload);
  }

  /**
   * The payload decoded as JSON; an empty (or all-whitespace) payload is
   * `null`. With a `shape`, the payload must be an object with those fields
   * (see `decode`). Undecodable input throws `BadRequest`.
   */
  json(shape) {
    let value = null;
    if (!isBlank(this.payload)) {
      try {
        value = JSON.parse(decoder.decode(this.payload));
      } catch (e) {
        throw new BadRequest(`invalid payload for \`${this.method}\`: ${describe(e)}`);
      }
    }
    return shape === undefined ? value : decode(value, shape, `payload of \`${this.method}\``);
  }

  /** The error to throw for a method this class does not know. */
  unknownMethod() {
    return new UnknownMethod(this.method);
  }
}

// ----------------------------------------------------------------- JSON

function toJson(value, what) {
  let s;
  try {
    s = JSON.stringify(value);
  } catch (e) {
    throw new Failed(`cannot encode ${what} as JSON: ${describe(e)}`);
  }
  if (s === undefined) throw new Failed(`cannot encode ${what} as JSON: ${typeof value}`);
  return encoder.encode(s);
}

function fromJson(bytes, what) {
  if (isBlank(bytes)) return null;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new Failed(`${what} is not valid JSON: ${describe(e)}`);
  }
}

// ---------------------------------------------------------------- state

/** Page size `scanAll` asks for; the host may cap it lower. */
export const SCAN_PAGE = 256;

function refused(key, valueLen, e) {
  const err = e && e.payload;
  if (!err || typeof err.tag !== 'string') throw e;
  switch (err.tag) {
    case 'key-too-large':
      return new StateError(`state key of ${encoder.encode(key).length} bytes exceeds the host limit of ${err.val} bytes`, err.tag, err.val);
    case 'value-too-large':
      return new StateError(`state value of ${valueLen} bytes for key ${JSON.stringify(key)} exceeds the host limit of ${err.val} bytes`, err.tag, err.val);
    default:
      return new StateError(`writing key ${JSON.stringify(key)} would exceed the turn's write budget of ${err.val} bytes`, err.tag, Number(err.val));
  }
}

/**
 * Transactional per-actor key-value state. Keys are strings ordered by their
 * UTF-8 bytes; values are bytes. Reads see the turn's own earlier writes;
 * all writes of a turn commit when it succeeds, none when it fails.
 */
export const state = {
  /** The value under `key`, or `null`. */
  get(key) {
    const v = hostState.get(key);
    return v === undefined ? null : v;
  },
  /** Stores `value` (bytes, or a string as UTF-8) under `key`; a host refusal throws `StateError`. */
  set(key, value) {
    const bytes = toBytes(value, 'a state value');
    try {
      hostState.set(key, bytes);
    } catch (e) {
      throw refused(key, bytes.length, e);
    }
  },
  /** Removes `key` (a missing key is fine). */
  delete(key) {
    hostState.delete(key);
  },
  /**
   * Up to `limit` entries `{key, value}` whose keys start with `prefix`, in
   * key order, after `startAfter` when given. Only an empty page means the
   * scan is complete (the host caps `limit`); `scanAll` pages for you.
   */
  scan(prefix, { startAfter, limit = SCAN_PAGE } = {}) {
    return hostState.scan(prefix, startAfter ?? undefined, limit);
  },
  /** Every entry `{key, value}` under `prefix`, in key order. */
  scanAll(prefix) {
    const all = [];
    for (;;) {
      const startAfter = all.length ? all[all.length - 1].key : undefined;
      const page = hostState.scan(prefix, startAfter, SCAN_PAGE);
      if (page.length === 0) return all;
      for (const e of page) all.push(e);
    }
  },
  /** The value under `key` as UTF-8 text, or `null`. */
  getText(key) {
    const v = state.get(key);
    return v === null ? null : decoder.decode(v);
  },
  /** The JSON value under `key`, or `null` when unset; invalid JSON throws `Failed`. */
  getJson(key) {
    const v = state.get(key);
    return v === null ? null : fromJson(v, `state value under key ${JSON.stringify(key)}`);
  },
  /** Stores `value` as JSON under `key`. */
  setJson(key, value) {
    state.set(key, toJson(value, `state value for key ${JSON.stringify(key)}`));
  },
  /** Like `scan`, with each value decoded from JSON. */
  scanJson(prefix, options) {
    return state.scan(prefix, options).map(decodeEntry);
  },
  /** Like `scanAll`, with each value decoded from JSON. */
  scanAllJson(prefix) {
    return state.scanAll(prefix).map(decodeEntry);
  },
};

function decodeEntry({ key, value }) {
  return { key, value: fromJson(value, `state value under key ${JSON.stringify(key)}`) };
}

// -------------------------------------------------------------- context

/** The address `{class, key}` of an actor. */
export function ref(cls, key) {
  return { class: String(cls), key: String(key) };
}

/** Facts about the current turn. */
export const context = {
  /** The actor this instance serves: `{class, key}`. */
  self() {
    const r = hostContext.selfRef();
    return { class: r.class, key: r.key };
  },
  /** The principal that sent the current message, or `null`. */
  caller() {
    return hostContext.caller() ?? null;
  },
  /** The actor that sent the current message (`call`/`send`), or `null`. */
  callerActor() {
    const r = hostContext.callerActor();
    return r ? { class: r.class, key: r.key } : null;
  },
  /** The turn's start time in ms since the Unix epoch; constant in a turn. */
  turnTime() {
    return Number(hostContext.turnTime());
  },
};

// --------------------------------------------------------------- actors

function target(to) {
  if (typeof to === 'string') {
    const slash = to.indexOf('/');
    if (slash < 0) throw new TypeError(`actor address ${JSON.stringify(to)} is not "class/key"`);
    return ref(to.slice(0, slash), to.slice(slash + 1));
  }
  if (!to || typeof to.class !== 'string' || typeof to.key !== 'string') {
    throw new TypeError('an actor address is {class, key} or "class/key"');
  }
  return { class: to.class, key: to.key };
}

function callError(e) {
  const err = e && e.payload;
  if (!err || !CALL_ERROR_KINDS.includes(err.tag)) throw e;
  let detail = err.val;
  if (err.tag === 'cycle') detail = detail.map((a) => ({ class: a.class, key: a.key }));
  return new CallError(err.tag, detail);
}

function jsonArg(arg, what) {
  return arg === undefined || arg === null ? EMPTY : toJson(arg, what);
}

/** Messages to other actors, in-process. */
export const actors = {
  /**
   * Calls `method` on `to` (`{class, key}` or `"class/key"`) with raw
   * `payload` bytes (or a string) and returns the reply bytes. Throws
   * `CallError`. `timeoutMs` defaults to the host's call timeout.
   */
  call(to, method, payload, { timeoutMs } = {}) {
    try {
      return hostActors.call(target(to), method, toBytes(payload, 'a call payload'), timeoutMs ?? undefined);
    } catch (e) {
      throw callError(e);
    }
  },
  /**
   * Calls with `arg` as JSON (`undefined`/`null`: an empty payload) and
   * returns the reply decoded from JSON (an empty reply: `null`).
   */
  callJson(to, method, arg, options) {
    const reply = actors.call(to, method, jsonArg(arg, 'a call payload'), options);
    const t = target(to);
    return fromJson(reply, `the reply of ${t.class}/${t.key} \`${method}\``);
  },
  /**
   * Sends `method(payload)` to `to` once this turn commits; does not wait.
   * Throws `CallError` for refusals known at once.
   */
  send(to, method, payload) {
    try {
      hostActors.send(target(to), method, toBytes(payload, 'a message payload'));
    } catch (e) {
      throw callError(e);
    }
  },
  /** `send` with `arg` as JSON (`undefined`/`null`: an empty payload). */
  sendJson(to, method, arg) {
    actors.send(to, method, jsonArg(arg, 'a message payload'));
  },
};

// --------------------------------------------------------------- alarms

function alarmRefused(e) {
  const err = e && e.payload;
  if (!err || typeof err.tag !== 'string') throw e;
  if (err.tag === 'invalid-name') return new BadRequest(`alarm names are 1 to ${err.val} bytes`);
  return new Failed(`an actor may have at most ${err.val} alarms`);
}

/** Durable named alarms; each runs the actor's `onAlarm(name)` at or after its time. */
export const alarms = {
  /** Sets (or moves) alarm `name` to `atMs` (ms since the Unix epoch). */
  set(name, atMs) {
    if (!Number.isSafeInteger(atMs) || atMs < 0) throw new TypeError('alarm time must be a non-negative integer (ms)');
    try {
      hostAlarms.setAlarm(name, BigInt(atMs));
    } catch (e) {
      throw alarmRefused(e);
    }
  },
  /** Sets alarm `name` to fire `delayMs` after this turn's start time; returns the due time. */
  setIn(name, delayMs) {
    const at = context.turnTime() + Math.max(0, delayMs);
    alarms.set(name, at);
    return at;
  },
  /** Cancels alarm `name` (a missing alarm is fine). */
  cancel(name) {
    hostAlarms.cancelAlarm(name);
  },
  /** When alarm `name` is due (ms since the epoch), or `null`. */
  get(name) {
    const at = hostAlarms.getAlarm(name);
    return at === undefined || at === null ? null : Number(at);
  },
};

// ------------------------------------------------------------------ log

function write(level, message) {
  hostLog.write(level, String(message));
}

/** Logging into the host's log, tagged with class, key and turn. */
export const log = {
  write,
  trace: (message) => write('trace', message),
  debug: (message) => write('debug', message),
  info: (message) => write('info', message),
  warn: (message) => write('warn', message),
  error: (message) => write('error', message),
};

// stdout and stderr go nowhere in the host: send `console` to the log.
function consoleTo(level) {
  return (...args) => {
    const parts = args.map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.stack ? `${a}\n${a.stack}` : String(a);
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    });
    write(level, parts.join(' '));
  };
}
if (globalThis.console) {
  for (const [name, level] of [['log', 'info'], ['info', 'info'], ['debug', 'debug'], ['trace', 'trace'], ['warn', 'warn'], ['error', 'error']]) {
    try {
      globalThis.console[name] = consoleTo(level);
    } catch {
      // a read-only console keeps its own (discarded) output
    }
  }
}

// ------------------------------------------------------------- dispatch

const RESERVED = new Set(['constructor', 'onAlarm', 'view', 'schema', 'migrate', 'selfCheck']);

/** The function serving `method` on `target`, or undefined. */
function lookup(target, method) {
  if (RESERVED.has(method) || method.startsWith('_')) return undefined;
  for (let o = target; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, method);
    if (d) return typeof d.value === 'function' ? d.value : undefined;
  }
  return undefined;
}

function encodeReply(value) {
  if (value === undefined) return EMPTY;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBytes(value, 'a reply');
  return toJson(value, 'the reply');
}

function encodeView(value) {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBytes(value, 'a view');
  return toJson(value, 'the view');
}

function asHandleError(e) {
  if (e instanceof ActorError) return { tag: e.kind, val: e.message };
  if (e instanceof CallError) return { tag: e.kind === 'bad-request' ? 'bad-request' : 'failed', val: e.message };
  return null;
}

function uncaught(e) {
  // Not an actor error: a bug. Log it, then let it escape so the turn traps.
  try {
    write('error', `uncaught exception: ${e instanceof Error && e.stack ? `${e}\n${e.stack}` : String(e)}`);
  } catch {
    // logging must not hide the trap
  }
  if (e instanceof Error) throw e;
  throw new Error(String(e));
}

/**
 * Returns `methods` unchanged: `export default defineActor({ ... })` only
 * lets TypeScript (or `checkJs`) type each method's `req` (index.d.ts).
 */
export function defineActor(methods) {
  return methods;
}

/** The actor's `schema`: a property of the object, or a static of the class. */
function schemaOf(actor) {
  const schema = actor.schema ?? 0;
  if (!Number.isInteger(schema) || schema < 0 || schema > 0xffffffff) {
    throw new TypeError(`the actor's schema must be an integer 0 to 4294967295, not ${String(schema)}`);
  }
  return schema;
}

/**
 * Makes the component exports `handle`, `onAlarm`, `view.render` and
 * `upgrade` (`schemaVersion`, `migrate`, `selfCheck`) for
 * `actor`: an object whose function-valued properties are its methods, or a
 * class (a new instance serves each turn, so fields never outlive a turn:
 * keep durable data in `state`). `constructor`, `onAlarm`, `view`,
 * `schema`, `migrate`, `selfCheck` and names starting with `_` are not
 * methods. `onAlarm(name)`, when present, runs for
 * each alarm. `view(viewer)`, when present, renders the live view for
 * `viewer` (a principal, or `null` for anonymous subscribers); without it
 * the actor shows no view. `microlith build` calls this for the default
 * export of `src/actor.js`.
 */
export function serve(actor) {
  if (actor === null || (typeof actor !== 'object' && typeof actor !== 'function')) {
    throw new TypeError('the actor module must `export default` an object or a class with one method per actor method');
  }
  const isClass = typeof actor === 'function';
  const instance = () => (isClass ? new actor() : actor);

  async function run(body) {
    try {
      return { tag: 'ok', val: await body() };
    } catch (e) {
      const err = asHandleError(e);
      if (err) return { tag: 'err', val: err };
      return uncaught(e);
    }
  }

  return {
    handle(method, payload) {
      return run(async () => {
        const target = instance();
        const req = new Request(method, payload);
        const f = lookup(target, method);
        if (!f) throw req.unknownMethod();
        return encodeReply(await f.call(target, req));
      });
    },
    onAlarm(name) {
      return run(async () => {
        const target = instance();
        const f = target.onAlarm;
        if (typeof f === 'function') await f.call(target, name);
      });
    },
    view: {
      render(viewer) {
        return run(async () => {
          const target = instance();
          const f = target.view;
          if (typeof f !== 'function') return undefined;
          return encodeView(await f.call(target, viewer ?? null));
        });
      },
    },
    upgrade: {
      schemaVersion() {
        return schemaOf(actor);
      },
      migrate(oldSchema) {
        return run(async () => {
          const target = instance();
          if (typeof target.migrate === 'function') {
            await target.migrate(oldSchema);
            return;
          }
          const schema = schemaOf(actor);
          if (oldSchema > schema) {
            throw new Failed(`state has schema ${oldSchema}, newer than this code's ${schema}; write \`migrate\` to read it`);
          }
        });
      },
      async selfCheck() {
        try {
          const target = instance();
          if (typeof target.selfCheck === 'function') await target.selfCheck();
          return { tag: 'ok', val: undefined };
        } catch (e) {
          return { tag: 'err', val: e instanceof Error ? e.message : String(e) };
        }
      },
    },
  };
}
