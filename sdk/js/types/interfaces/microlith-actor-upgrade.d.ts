/// <reference path="./microlith-actor-types.d.ts" />
declare module 'microlith:actor/upgrade@0.1.0' {
  /**
   * The version of the state layout this code reads and writes. The host
   * records it beside each actor's state whenever the actor's state is
   * migrated or first written, and compares it on every version switch.
   */
  export function schemaVersion(): number;
  /**
   * Rewrites this actor's state from the layout of schema `old-schema` to this
   * code's `schema-version`. The host runs it as a turn of its own before
   * the actor's first turn on this code whenever the actor's state was last
   * written under another schema: an older one after a deploy, a newer one
   * after a rollback. Its writes commit atomically with the new schema
   * number. An error or a trap commits nothing: the actor keeps running
   * the version it ran before, its state untouched, and the failure counts
   * against the deploy (past a threshold, the deploy rolls back).
   * 
   * It may read and write state and set or cancel alarms; calls and sends
   * trap. SDKs provide a default that accepts any older schema as is and
   * refuses a newer one.
   */
  export function migrate(oldSchema: number): void;
  /**
   * Checks a newly deployed version before it serves anything, in a fresh
   * instance serving an actor with no state. Writes are discarded; calls
   * and sends trap. An error (or a trap) refuses the deploy with its
   * message. SDKs provide a default that passes.
   */
  export function selfCheck(): void;
  export type HandleError = import('microlith:actor/types@0.1.0').HandleError;
}
