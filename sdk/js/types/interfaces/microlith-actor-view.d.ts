/// <reference path="./microlith-actor-types.d.ts" />
declare module 'microlith:actor/view@0.1.0' {
  /**
   * Returns the actor's view for `viewer` (the subscriber's principal,
   * `none` for anonymous subscribers) as UTF-8 JSON, or `none` when this
   * actor has nothing to show. An error refuses the viewer: its
   * subscription fails with the message, which is how an actor keeps one
   * viewer from another's data.
   * 
   * `render` runs as a read-only turn: it may read state and the context,
   * but a write, a call, a send or an alarm change traps it.
   */
  export function render(viewer: string | undefined): Uint8Array | undefined;
  export type HandleError = import('microlith:actor/types@0.1.0').HandleError;
}
