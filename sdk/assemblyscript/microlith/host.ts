// The host imports of the world microlith:actor/actor@0.1.0, lowered by hand
// to the canonical ABI (there is no wit-bindgen for AssemblyScript), and
// the API over them: `state`, `context`, `actors`, `alarms`, `log`.
//
// Flat signatures: strings and lists are (ptr, len) of UTF-8 / bytes;
// option<T> is (tag, T...); results too large for one core value are
// written by the host to a return area whose address is the last argument.
// Memory the host allocates for results comes from `cabi_realloc` (abi.ts)
// and is copied into managed objects and freed at once.
// `scripts/lang/assemblyscript.sh check` compares these signatures with the
// ones `wasm-tools component embed --dummy-names legacy` derives from wit/.

import { ActorError } from "./actor";
import { JsonValue, Json } from "./json";

// ---- raw imports -----------------------------------------------------------

// state.get(key: string) -> option<list<u8>>: ret {tag u8 @0, ptr @4, len @8}
@external("microlith:actor/state@0.1.0", "get")
declare function state_get(keyPtr: usize, keyLen: usize, ret: usize): void;
// state.set(key, value) -> result<_, state-error>:
// ret {tag u8 @0, state-error {case u8 @8, u32|u64 @16}}
@external("microlith:actor/state@0.1.0", "set")
declare function state_set(keyPtr: usize, keyLen: usize, valPtr: usize, valLen: usize, ret: usize): void;
@external("microlith:actor/state@0.1.0", "delete")
declare function state_delete(keyPtr: usize, keyLen: usize): void;
// state.scan(prefix, start-after: option<string>, limit) -> list<entry>:
// ret {ptr @0, len @4}; entry = {key ptr @0, key len @4, value ptr @8, value len @12}
@external("microlith:actor/state@0.1.0", "scan")
declare function state_scan(
  prefixPtr: usize, prefixLen: usize, afterTag: u32, afterPtr: usize, afterLen: usize, limit: u32, ret: usize,
): void;

// context.self-ref() -> actor-ref: ret {class ptr @0, len @4, key ptr @8, len @12}
@external("microlith:actor/context@0.1.0", "self-ref")
declare function context_self_ref(ret: usize): void;
// context.caller() -> option<string>: ret {tag @0, ptr @4, len @8}
@external("microlith:actor/context@0.1.0", "caller")
declare function context_caller(ret: usize): void;
@external("microlith:actor/context@0.1.0", "turn-time")
declare function context_turn_time(): u64;
// context.caller-actor() -> option<actor-ref>: ret {tag @0, actor-ref @4..@20}
@external("microlith:actor/context@0.1.0", "caller-actor")
declare function context_caller_actor(ret: usize): void;

// actors.call(target, method, payload, timeout-ms: option<u32>) -> result<list<u8>, call-error>:
// ret {tag @0, ok: list {ptr @4, len @8} | err: call-error {case u8 @4, payload @8..@16}}
@external("microlith:actor/actors@0.1.0", "call")
declare function actors_call(
  classPtr: usize, classLen: usize, keyPtr: usize, keyLen: usize, methodPtr: usize, methodLen: usize,
  payloadPtr: usize, payloadLen: usize, timeoutTag: u32, timeout: u32, ret: usize,
): void;
// actors.send(target, method, payload) -> result<_, call-error>: ret as for call
@external("microlith:actor/actors@0.1.0", "send")
declare function actors_send(
  classPtr: usize, classLen: usize, keyPtr: usize, keyLen: usize, methodPtr: usize, methodLen: usize,
  payloadPtr: usize, payloadLen: usize, ret: usize,
): void;

// alarms.set-alarm(name, at-ms: u64) -> result<_, alarm-error>: ret {tag @0, case u8 @4, u32 @8}
@external("microlith:actor/alarms@0.1.0", "set-alarm")
declare function alarms_set(namePtr: usize, nameLen: usize, atMs: u64, ret: usize): void;
@external("microlith:actor/alarms@0.1.0", "cancel-alarm")
declare function alarms_cancel(namePtr: usize, nameLen: usize): void;
// alarms.get-alarm(name) -> option<u64>: ret {tag @0, u64 @8}
@external("microlith:actor/alarms@0.1.0", "get-alarm")
declare function alarms_get(namePtr: usize, nameLen: usize, ret: usize): void;

// log.write(level: enum as i32, message)
@external("microlith:actor/log@0.1.0", "write")
declare function log_write(level: u32, msgPtr: usize, msgLen: usize): void;

// The return area of an import call: read right after the call returns.
const RET: usize = memory.data(24, 8);

// ---- moving values across ------------------------------------------------

/** UTF-8 bytes of `s`; `ptr(b)`/`b.byteLength` are what imports take. */
function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

function ptr(b: ArrayBuffer): usize {
  return changetype<usize>(b);
}

/** Copies a host-allocated string out of linear memory and frees it. */
function takeString(p: usize, len: usize): string {
  const s = String.UTF8.decodeUnsafe(p, len);
  if (len > 0) heap.free(p);
  return s;
}

/** Copies a host-allocated byte list out of linear memory and frees it. */
function takeBytes(p: usize, len: usize): Uint8Array {
  const out = new Uint8Array(<i32>len);
  if (len > 0) {
    memory.copy(out.dataStart, p, len);
    heap.free(p);
  }
  return out;
}

/** Reads an actor-ref record at `at` (4 words), taking its strings. */
function takeRef(at: usize): ActorRef {
  const cls = takeString(load<u32>(at), load<u32>(at + 4));
  const key = takeString(load<u32>(at + 8), load<u32>(at + 12));
  return new ActorRef(cls, key);
}

// ---- API -------------------------------------------------------------------

/** The address of an actor: its class (service name) and key. */
export class ActorRef {
  constructor(public className: string, public key: string) {}

  toString(): string {
    return this.className + "/" + this.key;
  }
}

/** One key and its value, as `state.scan` returns them. */
export class Entry {
  constructor(public key: string, public value: Uint8Array) {}

  /** The value as UTF-8 text. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.value.dataStart, this.value.byteLength);
  }
}

/** Transactional per-actor key-value state. Reads see the turn's own writes;
 * a turn's writes commit together when it succeeds, and not at all when it fails. */
export namespace state {
  /** Page size `scanAll` asks for; the host may cap it lower. */
  export const SCAN_PAGE: u32 = 256;

  /** The value under `key`, or null. */
  export function get(key: string): Uint8Array | null {
    const k = utf8(key);
    state_get(ptr(k), k.byteLength, RET);
    if (load<u8>(RET) == 0) return null;
    return takeBytes(load<u32>(RET + 4), load<u32>(RET + 8));
  }

  /** The value under `key` as UTF-8 text, or null. */
  export function getString(key: string): string | null {
    const v = get(key);
    if (v == null) return null;
    return String.UTF8.decodeUnsafe(v.dataStart, v.byteLength);
  }

  /** The value under `key` as JSON: null if there is none, a value of kind
   * `Invalid` if the stored bytes are not JSON. */
  export function getJson(key: string): JsonValue | null {
    const v = get(key);
    if (v == null) return null;
    return Json.parseBytes(v);
  }

  /** Stores `value` under `key`. A host refusal (key or value too large,
   * turn write budget spent) is returned as a `failed` error. */
  export function set(key: string, value: Uint8Array): ActorError | null {
    const k = utf8(key);
    state_set(ptr(k), k.byteLength, value.dataStart, value.byteLength, RET);
    if (load<u8>(RET) == 0) return null;
    const kind = load<u8>(RET + 8);
    if (kind == 0) {
      const max = load<u32>(RET + 16);
      return ActorError.failed(
        "state key of " + k.byteLength.toString() + " bytes exceeds the host limit of " + max.toString() + " bytes",
      );
    }
    if (kind == 1) {
      const max = load<u32>(RET + 16);
      return ActorError.failed(
        "state value of " + value.byteLength.toString() + " bytes for key \"" + key +
          "\" exceeds the host limit of " + max.toString() + " bytes",
      );
    }
    const max = load<u64>(RET + 16);
    return ActorError.failed(
      "writing key \"" + key + "\" would exceed the turn's write budget of " + max.toString() + " bytes",
    );
  }

  /** Stores UTF-8 text under `key`. */
  export function setString(key: string, value: string): ActorError | null {
    return set(key, Uint8Array.wrap(utf8(value)));
  }

  /** Stores `value` as JSON under `key`. */
  export function setJson(key: string, value: JsonValue): ActorError | null {
    return set(key, value.toBytes());
  }

  /** Removes `key`; removing a missing key is not an error. */
  export function remove(key: string): void {
    const k = utf8(key);
    state_delete(ptr(k), k.byteLength);
  }

  /** Up to `limit` entries under `prefix` in key order, after `startAfter`
   * when given. A short page does not mean the end; an empty one does. */
  export function scan(prefix: string, startAfter: string | null, limit: u32): Entry[] {
    const p = utf8(prefix);
    let after = new ArrayBuffer(0);
    let tag: u32 = 0;
    if (startAfter != null) {
      after = utf8(startAfter);
      tag = 1;
    }
    state_scan(ptr(p), p.byteLength, tag, ptr(after), tag ? <usize>after.byteLength : 0, limit, RET);
    const base = <usize>load<u32>(RET);
    const n = <i32>load<u32>(RET + 4);
    const out = new Array<Entry>(n);
    for (let i = 0; i < n; i++) {
      const at = base + <usize>i * 16;
      const key = takeString(load<u32>(at), load<u32>(at + 4));
      out[i] = new Entry(key, takeBytes(load<u32>(at + 8), load<u32>(at + 12)));
    }
    if (n > 0) heap.free(base);
    return out;
  }

  /** Every entry under `prefix`, in key order, paging through `scan`. */
  export function scanAll(prefix: string): Entry[] {
    const all: Entry[] = [];
    while (true) {
      const after: string | null = all.length > 0 ? all[all.length - 1].key : null;
      const page = scan(prefix, after, SCAN_PAGE);
      if (page.length == 0) return all;
      for (let i = 0; i < page.length; i++) all.push(page[i]);
    }
  }
}

/** Facts about the current turn. */
export namespace context {
  /** The actor this instance serves. */
  export function selfRef(): ActorRef {
    context_self_ref(RET);
    return takeRef(RET);
  }

  /** The principal that sent the current message, if known. */
  export function caller(): string | null {
    context_caller(RET);
    if (load<u8>(RET) == 0) return null;
    return takeString(load<u32>(RET + 4), load<u32>(RET + 8));
  }

  /** The actor that sent the current message, when it came from another actor. */
  export function callerActor(): ActorRef | null {
    context_caller_actor(RET);
    if (load<u8>(RET) == 0) return null;
    return takeRef(RET + 4);
  }

  /** The turn's start time in ms since the Unix epoch; the guest's only clock. */
  export function turnTimeMs(): u64 {
    return context_turn_time();
  }
}

/** The WIT `call-error` cases (values are the case indices). */
export enum CallErrorKind {
  UnknownClass = 0,
  UnknownMethod = 1,
  BadRequest = 2,
  Failed = 3,
  Trapped = 4,
  Cycle = 5,
  Timeout = 6,
  Unavailable = 7,
  Invalid = 8,
}

const CALL_ERROR_NAMES: string[] = [
  "unknown-class", "unknown-method", "bad-request", "failed", "trapped", "cycle", "timeout", "unavailable", "invalid",
];

/** Why a call or send failed. `message` is set for the string cases,
 * `cycle` for `Cycle`, `timeoutMs` for `Timeout`. */
export class CallError {
  message: string = "";
  cycle: ActorRef[] = [];
  timeoutMs: u32 = 0;

  constructor(public kind: CallErrorKind) {}

  /** The WIT case name, e.g. `unknown-class`. */
  get name(): string {
    return CALL_ERROR_NAMES[<i32>this.kind];
  }

  toString(): string {
    if (this.kind == CallErrorKind.Cycle) return "deadlock cycle: " + this.cycle.join(" -> ");
    if (this.kind == CallErrorKind.Timeout) return "no reply within " + this.timeoutMs.toString() + " ms";
    return this.name + ": " + this.message;
  }

  /** This error as the caller's turn error: the callee's refusal of the
   * input stays a bad request, anything else fails this turn. */
  toActorError(): ActorError {
    if (this.kind == CallErrorKind.BadRequest) return ActorError.badRequest(this.message);
    return ActorError.failed(this.toString());
  }
}

/** A call's outcome: `reply` when `error` is null. */
export class CallResult {
  constructor(public reply: Uint8Array, public error: CallError | null) {}

  get ok(): bool {
    return this.error == null;
  }

  /** The reply as JSON (kind `Invalid` if it is not). */
  json(): JsonValue {
    return Json.parseBytes(this.reply);
  }
}

/** Reads a call-error variant at `at` (case u8, payload at +4). */
function takeCallError(at: usize): CallError {
  const kind = <CallErrorKind>load<u8>(at);
  const e = new CallError(kind);
  if (kind == CallErrorKind.Timeout) {
    e.timeoutMs = load<u32>(at + 4);
  } else if (kind == CallErrorKind.Cycle) {
    const base = <usize>load<u32>(at + 4);
    const n = <i32>load<u32>(at + 8);
    for (let i = 0; i < n; i++) e.cycle.push(takeRef(base + <usize>i * 16));
    if (n > 0) heap.free(base);
  } else {
    e.message = takeString(load<u32>(at + 4), load<u32>(at + 8));
  }
  return e;
}

/** Calls and one-way messages to other actors, in the same process. */
export namespace actors {
  /** Calls `method` on `target` and waits for its reply (host default timeout). */
  export function call(target: ActorRef, method: string, payload: Uint8Array): CallResult {
    return callWithTimeout(target, method, payload, -1);
  }

  /** Like `call` with a timeout in ms (a negative one means the host default). */
  export function callWithTimeout(target: ActorRef, method: string, payload: Uint8Array, timeoutMs: i64): CallResult {
    const c = utf8(target.className);
    const k = utf8(target.key);
    const m = utf8(method);
    const hasTimeout: u32 = timeoutMs >= 0 ? 1 : 0;
    actors_call(
      ptr(c), c.byteLength, ptr(k), k.byteLength, ptr(m), m.byteLength,
      payload.dataStart, payload.byteLength, hasTimeout, hasTimeout ? <u32>timeoutMs : 0, RET,
    );
    if (load<u8>(RET) == 0) return new CallResult(takeBytes(load<u32>(RET + 4), load<u32>(RET + 8)), null);
    return new CallResult(new Uint8Array(0), takeCallError(RET + 4));
  }

  /** Calls with a JSON argument (`null` is sent as an empty payload). */
  export function callJson(target: ActorRef, method: string, arg: JsonValue): CallResult {
    return call(target, method, arg.isNull ? new Uint8Array(0) : arg.toBytes());
  }

  /** Sends `method(payload)` to `target` once this turn commits; does not
   * wait. Returns null, or the refusal known at once. */
  export function send(target: ActorRef, method: string, payload: Uint8Array): CallError | null {
    const c = utf8(target.className);
    const k = utf8(target.key);
    const m = utf8(method);
    actors_send(
      ptr(c), c.byteLength, ptr(k), k.byteLength, ptr(m), m.byteLength, payload.dataStart, payload.byteLength, RET,
    );
    if (load<u8>(RET) == 0) return null;
    return takeCallError(RET + 4);
  }

  /** `send` with a JSON argument (`null` is sent as an empty payload). */
  export function sendJson(target: ActorRef, method: string, arg: JsonValue): CallError | null {
    return send(target, method, arg.isNull ? new Uint8Array(0) : arg.toBytes());
  }
}

/** Durable named alarms; a fired alarm runs `Actor.onAlarm(name)`. */
export namespace alarms {
  /** Sets (or moves) alarm `name` to `atMs` (ms since the Unix epoch). */
  export function set(name: string, atMs: u64): ActorError | null {
    const n = utf8(name);
    alarms_set(ptr(n), n.byteLength, atMs, RET);
    if (load<u8>(RET) == 0) return null;
    const max = load<u32>(RET + 8);
    if (load<u8>(RET + 4) == 0) return ActorError.badRequest("alarm names are 1 to " + max.toString() + " bytes");
    return ActorError.failed("an actor may have at most " + max.toString() + " alarms");
  }

  /** Sets alarm `name` to fire `delayMs` after this turn's start time. */
  export function setIn(name: string, delayMs: u64): ActorError | null {
    const now = context.turnTimeMs();
    const at = now + delayMs < now ? U64.MAX_VALUE : now + delayMs;
    return set(name, at);
  }

  /** Cancels alarm `name` (a missing alarm is fine). */
  export function cancel(name: string): void {
    const n = utf8(name);
    alarms_cancel(ptr(n), n.byteLength);
  }

  /** When alarm `name` is due, or -1 if it is not set. */
  export function get(name: string): i64 {
    const n = utf8(name);
    alarms_get(ptr(n), n.byteLength, RET);
    if (load<u8>(RET) == 0) return -1;
    return <i64>load<u64>(RET + 8);
  }
}

/** Logging into the host's log (tagged with class, key and turn). */
export namespace log {
  export enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
  }

  export function write(level: Level, message: string): void {
    const m = utf8(message);
    log_write(<u32>level, ptr(m), m.byteLength);
  }
  export function trace(message: string): void {
    write(Level.Trace, message);
  }
  export function debug(message: string): void {
    write(Level.Debug, message);
  }
  export function info(message: string): void {
    write(Level.Info, message);
  }
  export function warn(message: string): void {
    write(Level.Warn, message);
  }
  export function error(message: string): void {
    write(Level.Error, message);
  }
}

