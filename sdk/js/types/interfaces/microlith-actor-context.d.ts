/// <reference path="./microlith-actor-types.d.ts" />
declare module 'microlith:actor/context@0.1.0' {
  /**
   * The actor this instance serves.
   */
  export function selfRef(): ActorRef;
  /**
   * The principal that sent the current message, if it is known.
   */
  export function caller(): string | undefined;
  /**
   * The turn's start time in milliseconds since the Unix epoch. Constant
   * during a turn.
   */
  export function turnTime(): bigint;
  /**
   * The actor that sent the current message, when it came from another
   * actor (by `call` or `send`) rather than from a client or an alarm.
   */
  export function callerActor(): ActorRef | undefined;
  export type ActorRef = import('microlith:actor/types@0.1.0').ActorRef;
}
