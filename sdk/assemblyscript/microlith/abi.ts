// The exports of the world microlith:actor/actor-full@0.1.0, lifted by
// hand with the canonical ABI: `handle`, `on-alarm`,
// `microlith:actor/view@0.1.0#render` and the three functions of
// `microlith:actor/upgrade@0.1.0` (renamed from `on_alarm`, `view_render`
// and `upgrade_*` by transform.mjs), their post-return functions, and
// `cabi_realloc`.
//
// Memory: the SDK is built with `--runtime minimal`, whose collector runs
// only when asked. Each export call collects garbage once it has stored its
// result (not while a reentrant call is in flight); the result's bytes stay
// reachable from `pending` until the host calls the post-return function.

import { ActorError, Reply, Request, current } from "./actor";

/** Allocates memory for the host (arguments and results it hands over). */
export function cabi_realloc(old: usize, oldSize: usize, align: usize, newSize: usize): usize {
  if (newSize == 0) return align;
  if (old == 0 || oldSize == 0) return heap.alloc(newSize);
  return heap.realloc(old, newSize);
}

// The return area of an export: {tag u8 @0, payload @4..@16}.
const OUT: usize = memory.data(16, 8);

// What the last result points at, kept alive until post-return.
let pending: ArrayBuffer | null = null;
let depth: i32 = 0;

function takeString(p: usize, len: usize): string {
  const s = String.UTF8.decodeUnsafe(p, len);
  if (len > 0) heap.free(p);
  return s;
}

function takeBytes(p: usize, len: usize): Uint8Array {
  const out = new Uint8Array(<i32>len);
  if (len > 0) {
    memory.copy(out.dataStart, p, len);
    heap.free(p);
  }
  return out;
}

function keep(bytes: ArrayBuffer): usize {
  pending = bytes;
  return changetype<usize>(bytes);
}

/** Writes `result<list<u8>, handle-error>` or `result<_, handle-error>`. */
function lower(reply: Reply, withBytes: bool): usize {
  const error = reply.error;
  if (error == null) {
    store<u8>(OUT, 0);
    if (withBytes) {
      const b = reply.bytes;
      // A view may not start at its buffer's start: copy to an exact buffer.
      const buf = b.byteOffset == 0 && b.byteLength == b.buffer.byteLength ? b.buffer : b.slice().buffer;
      store<u32>(OUT + 4, <u32>keep(buf));
      store<u32>(OUT + 8, <u32>buf.byteLength);
    }
  } else {
    lowerError(error);
  }
  return OUT;
}

function lowerError(error: ActorError): void {
  store<u8>(OUT, 1);
  store<u8>(OUT + 4, <u8>error.kind);
  lowerString(error.message, OUT + 8);
}

/** Writes `s` as a canonical-ABI string (pointer, length) at `at`. */
function lowerString(s: string, at: usize): void {
  const m = String.UTF8.encode(s);
  store<u32>(at, <u32>keep(m));
  store<u32>(at + 4, <u32>m.byteLength);
}

function noActor(): Reply {
  return Reply.failed("no actor registered: call register(new MyActor()) at the top level");
}

function done(): void {
  depth--;
  if (depth == 0) __collect();
}

/** handle: func(method: string, payload: list<u8>) -> result<list<u8>, handle-error> */
export function handle(methodPtr: usize, methodLen: usize, payloadPtr: usize, payloadLen: usize): usize {
  depth++;
  const req = new Request(takeString(methodPtr, methodLen), takeBytes(payloadPtr, payloadLen));
  const actor = current();
  const out = lower(actor == null ? noActor() : actor.handle(req), true);
  done();
  return out;
}

/** on-alarm: func(name: string) -> result<_, handle-error> */
export function on_alarm(namePtr: usize, nameLen: usize): usize {
  depth++;
  const name = takeString(namePtr, nameLen);
  const actor = current();
  const out = lower(actor == null ? noActor() : actor.onAlarm(name), false);
  done();
  return out;
}

export function cabi_post_handle(ret: usize): void {
  pending = null;
}

export function cabi_post_on_alarm(ret: usize): void {
  pending = null;
}

/** Writes `result<option<list<u8>>, handle-error>`: an empty reply is `none`. */
function lowerView(reply: Reply): usize {
  const error = reply.error;
  if (error != null) {
    lowerError(error);
    return OUT;
  }
  store<u8>(OUT, 0);
  const b = reply.bytes;
  if (b.byteLength == 0) {
    store<u8>(OUT + 4, 0);
    return OUT;
  }
  const buf = b.byteOffset == 0 && b.byteLength == b.buffer.byteLength ? b.buffer : b.slice().buffer;
  store<u8>(OUT + 4, 1);
  store<u32>(OUT + 8, <u32>keep(buf));
  store<u32>(OUT + 12, <u32>buf.byteLength);
  return OUT;
}

/** view.render: func(viewer: option<string>) -> result<option<list<u8>>, handle-error> */
export function view_render(isSome: u32, viewerPtr: usize, viewerLen: usize): usize {
  depth++;
  const viewer: string | null = (isSome & 0xff) != 0 ? takeString(viewerPtr, viewerLen) : null;
  const actor = current();
  const out = lowerView(actor == null ? noActor() : actor.view(viewer));
  done();
  return out;
}

export function cabi_post_view_render(ret: usize): void {
  pending = null;
}

/** upgrade.schema-version: func() -> u32 */
export function upgrade_schema_version(): u32 {
  const actor = current();
  return actor == null ? 0 : actor.schema();
}

export function cabi_post_upgrade_schema_version(ret: u32): void {}

/** upgrade.migrate: func(old-schema: u32) -> result<_, handle-error> */
export function upgrade_migrate(oldSchema: u32): usize {
  depth++;
  const actor = current();
  const out = lower(actor == null ? noActor() : actor.migrate(oldSchema), false);
  done();
  return out;
}

export function cabi_post_upgrade_migrate(ret: usize): void {
  pending = null;
}

/** upgrade.self-check: func() -> result<_, string>; the error is the
 * reply's message. */
export function upgrade_self_check(): usize {
  depth++;
  const actor = current();
  const reply = actor == null ? noActor() : actor.selfCheck();
  const error = reply.error;
  if (error == null) {
    store<u8>(OUT, 0);
  } else {
    store<u8>(OUT, 1);
    lowerString(error.message, OUT + 4);
  }
  done();
  return OUT;
}

export function cabi_post_upgrade_self_check(ret: usize): void {
  pending = null;
}
