/// <reference path="./microlith-actor-types.d.ts" />
declare module 'microlith:actor/alarms@0.1.0' {
  /**
   * Sets (or moves) the alarm `name` to fire at `at-ms` milliseconds since
   * the Unix epoch. A time in the past fires as soon as possible.
   */
  export function setAlarm(name: string, atMs: bigint): void;
  /**
   * Cancels the alarm `name`; cancelling a missing alarm is not an error.
   */
  export function cancelAlarm(name: string): void;
  /**
   * When the alarm `name` is due, if it is set.
   */
  export function getAlarm(name: string): bigint | undefined;
  export type AlarmError = import('microlith:actor/types@0.1.0').AlarmError;
}
