/// <reference path="./microlith-actor-types.d.ts" />
declare module 'microlith:actor/actors@0.1.0' {
  /**
   * Calls `method` on `target` and waits for its reply. This instance is
   * suspended meanwhile; other actors keep running. The callee runs the
   * message as its own turn and commits on its own: an error in either
   * turn does not undo the other (see docs/design/0003-calls-and-alarms.md).
   * 
   * A call back into an actor that is waiting in the same call chain
   * (A calls B, B calls A) is allowed: it runs as part of A's waiting
   * turn. A call that would deadlock with another chain fails with
   * `cycle`. `timeout-ms` defaults to the host's call timeout.
   */
  export function call(target: ActorRef, method: string, payload: Uint8Array, timeoutMs: number | undefined): Uint8Array;
  /**
   * Sends `method(payload)` to `target` without waiting for it. The
   * message is recorded with this turn's writes and delivered only once
   * they are durable; if this turn fails, it is never sent. Delivery is
   * at-least-once across crashes, and each message is run at most once by
   * its target. Only refusals known at once (invalid address, unknown
   * class, too large, too many messages in one turn) are returned here.
   */
  export function send(target: ActorRef, method: string, payload: Uint8Array): void;
  export type ActorRef = import('microlith:actor/types@0.1.0').ActorRef;
  export type CallError = import('microlith:actor/types@0.1.0').CallError;
}
