// The actor's side of a turn: the request, the reply, errors, and the
// class an actor extends.

import { JsonKind, JsonValue, Json } from "./json";

/** Which WIT `handle-error` case a failed turn reports (values are the case indices). */
export enum ErrorKind {
  /** The method name is not one this class understands. */
  UnknownMethod = 0,
  /** The payload could not be decoded or was invalid for the method. */
  BadRequest = 1,
  /** The request was understood but the actor refused or failed it. */
  Failed = 2,
}

/** Why a turn failed; the host commits nothing for a failed turn. */
export class ActorError {
  constructor(public kind: ErrorKind, public message: string) {}

  static unknownMethod(method: string): ActorError {
    return new ActorError(ErrorKind.UnknownMethod, method);
  }
  static badRequest(message: string): ActorError {
    return new ActorError(ErrorKind.BadRequest, message);
  }
  static failed(message: string): ActorError {
    return new ActorError(ErrorKind.Failed, message);
  }

  toString(): string {
    if (this.kind == ErrorKind.UnknownMethod) return "unknown method `" + this.message + "`";
    if (this.kind == ErrorKind.BadRequest) return "bad request: " + this.message;
    return "failed: " + this.message;
  }
}

/** What a turn returns: reply bytes, or an error (then nothing commits). */
export class Reply {
  constructor(public bytes: Uint8Array, public error: ActorError | null) {}

  /** The reply `bytes`, as they are. */
  static bytes(bytes: Uint8Array): Reply {
    return new Reply(bytes, null);
  }
  /** A UTF-8 text reply. */
  static text(text: string): Reply {
    return new Reply(Uint8Array.wrap(String.UTF8.encode(text)), null);
  }
  /** A JSON reply. */
  static json(value: JsonValue): Reply {
    return new Reply(value.toBytes(), null);
  }
  /** An empty reply (also the success of `onAlarm`). */
  static empty(): Reply {
    return new Reply(new Uint8Array(0), null);
  }
  /** A failed turn. */
  static error(error: ActorError): Reply {
    return new Reply(new Uint8Array(0), error);
  }
  /** Fails the turn with `unknown-method(method)`. */
  static unknownMethod(method: string): Reply {
    return Reply.error(ActorError.unknownMethod(method));
  }
  /** Fails the turn with `bad-request(message)`. */
  static badRequest(message: string): Reply {
    return Reply.error(ActorError.badRequest(message));
  }
  /** Fails the turn with `failed(message)`. */
  static failed(message: string): Reply {
    return Reply.error(ActorError.failed(message));
  }

  /** Whether this reply is a success. */
  get ok(): bool {
    return this.error == null;
  }
}

/** The fields of a JSON object payload, read one by one.
 *
 * Every read records the field as known; the first problem (missing field,
 * wrong type) is kept, and `check()` turns it, or any field that was never
 * read, into a `bad-request` reply:
 *
 * ```ts
 * const args = req.args();
 * const by = args.u64Or("by", 1);
 * const bad = args.check();
 * if (bad) return bad;
 * ```
 */
export class Args {
  private known: string[] = [];
  private problem: string | null = null;

  constructor(public method: string, public value: JsonValue) {
    if (value.isInvalid) this.problem = value.error;
    else if (!value.isObject) this.problem = "expected a JSON object";
  }

  private fail(why: string): void {
    if (this.problem == null) this.problem = why;
  }

  private field(name: string): JsonValue | null {
    if (!this.known.includes(name)) this.known.push(name);
    return this.value.get(name);
  }

  /** Whether the payload has field `name` (null counts as absent). */
  has(name: string): bool {
    const v = this.field(name);
    return v != null && !v.isNull;
  }

  /** Required string field. */
  string(name: string): string {
    const v = this.field(name);
    if (v == null) {
      this.fail("missing field `" + name + "`");
      return "";
    }
    if (!v.isString) {
      this.fail("field `" + name + "` must be a string");
      return "";
    }
    return v.text;
  }

  /** Optional string field: `fallback` when absent (but `null` is a wrong type). */
  stringOr(name: string, fallback: string): string {
    return this.field(name) != null ? this.string(name) : fallback;
  }

  /** Required unsigned integer field. */
  u64(name: string): u64 {
    const v = this.field(name);
    if (v == null) {
      this.fail("missing field `" + name + "`");
      return 0;
    }
    if (!v.isU64()) {
      this.fail("field `" + name + "` must be a non-negative integer");
      return 0;
    }
    return v.toU64();
  }

  /** Optional unsigned integer field: `fallback` when absent (but `null` is a wrong type). */
  u64Or(name: string, fallback: u64): u64 {
    return this.field(name) != null ? this.u64(name) : fallback;
  }

  /** Required boolean field. */
  bool(name: string): bool {
    const v = this.field(name);
    if (v == null || !v.isBool) {
      this.fail("field `" + name + "` must be true or false");
      return false;
    }
    return v.bool;
  }

  /** Any JSON value (null when absent). */
  any(name: string): JsonValue {
    const v = this.field(name);
    return v == null ? JsonValue.null() : v;
  }

  /** `null` if every read succeeded and the payload has no other fields; else a bad-request reply. */
  check(): Reply | null {
    if (this.problem == null && this.value.isObject) {
      const keys = this.value.keys;
      for (let i = 0; i < keys.length; i++) {
        if (!this.known.includes(keys[i])) this.fail("unknown field `" + keys[i] + "`");
      }
    }
    const problem = this.problem;
    if (problem == null) return null;
    return Reply.badRequest("invalid payload for `" + this.method + "`: " + problem);
  }
}

/** One message: the method name and its payload bytes. */
export class Request {
  constructor(public method: string, public payload: Uint8Array) {}

  /** The payload as UTF-8 text. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.payload.dataStart, this.payload.byteLength);
  }

  /** The payload as JSON; an empty (or all-whitespace) payload is `null`.
   * Bad JSON gives a value of kind `Invalid`. */
  json(): JsonValue {
    const text = this.text();
    if (text.trim().length == 0) return JsonValue.null();
    return Json.parse(text);
  }

  /** The payload as an object's fields (empty or `null` counts as `{}`). */
  args(): Args {
    let v = this.json();
    if (v.kind == JsonKind.Null) v = JsonValue.object();
    return new Args(this.method, v);
  }

  /** The reply for a method this class does not know. */
  unknownMethod(): Reply {
    return Reply.unknownMethod(this.method);
  }
}

/** An actor class: extend it, override `handle` (and `onAlarm` if it sets
 * alarms, `view` if it shows a live view, `schema` and `migrate` when a new
 * version changes the state layout), and pass one instance to `register`
 * at the top level. */
export abstract class Actor {
  /** Handles one message per turn. */
  abstract handle(req: Request): Reply;

  /** Runs when alarm `name` fires; an error reply commits nothing and
   * the alarm is retried. The default ignores alarms. */
  onAlarm(name: string): Reply {
    return Reply.empty();
  }

  /** The live view for the subscriber `viewer` (its principal, `null` when
   * anonymous), as a JSON reply (`Reply.json(...)`); an empty reply is no
   * view, an error reply refuses this viewer. It runs as a read-only turn:
   * a state write traps it. The default shows no view. */
  view(viewer: string | null): Reply {
    return Reply.empty();
  }

  /** The version of the state layout this code reads and writes. The
   * default, 0, is the layout of code that never migrates. */
  schema(): u32 {
    return 0;
  }

  /** Rewrites this actor's state from the layout of schema `oldSchema` to
   * `schema()`. The host runs it as a turn of its own before the actor's
   * first turn on this code whenever its state was last written under
   * another schema (an older one after a deploy, a newer one after a
   * rollback). It may read and write state and set or cancel alarms; a call
   * or a send traps. An error reply (or a trap) commits nothing and keeps
   * the actor on the code it ran before. The default accepts older state as
   * it is and refuses state of a newer schema, which keeps such actors on
   * the newer code. */
  migrate(oldSchema: u32): Reply {
    const mine = this.schema();
    if (oldSchema <= mine) return Reply.empty();
    return Reply.failed(
      "state has schema " + oldSchema.toString() + ", newer than this code's " + mine.toString() +
        "; override migrate to read it",
    );
  }

  /** Checks a newly deployed version before it serves anything, in a fresh
   * instance whose actor has no state (its writes are discarded); an error
   * reply refuses the deploy with its message. The default passes. */
  selfCheck(): Reply {
    return Reply.empty();
  }
}

let registered: Actor | null = null;

/** Makes `actor` the one that serves this component's turns. */
export function register(actor: Actor): void {
  registered = actor;
}

/** The registered actor (the glue calls it). */
export function current(): Actor | null {
  return registered;
}
