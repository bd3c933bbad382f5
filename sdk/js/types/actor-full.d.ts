/// <reference path="./interfaces/microlith-actor-actors.d.ts" />
/// <reference path="./interfaces/microlith-actor-alarms.d.ts" />
/// <reference path="./interfaces/microlith-actor-context.d.ts" />
/// <reference path="./interfaces/microlith-actor-log.d.ts" />
/// <reference path="./interfaces/microlith-actor-state.d.ts" />
/// <reference path="./interfaces/microlith-actor-types.d.ts" />
/// <reference path="./interfaces/microlith-actor-upgrade.d.ts" />
/// <reference path="./interfaces/microlith-actor-view.d.ts" />
declare module 'microlith:actor/actor-full@0.1.0' {
  export type HandleError = import('microlith:actor/types@0.1.0').HandleError;
  export type * as MicrolithActorActors010 from 'microlith:actor/actors@0.1.0'; // import microlith:actor/actors@0.1.0
  export type * as MicrolithActorAlarms010 from 'microlith:actor/alarms@0.1.0'; // import microlith:actor/alarms@0.1.0
  export type * as MicrolithActorContext010 from 'microlith:actor/context@0.1.0'; // import microlith:actor/context@0.1.0
  export type * as MicrolithActorLog010 from 'microlith:actor/log@0.1.0'; // import microlith:actor/log@0.1.0
  export type * as MicrolithActorState010 from 'microlith:actor/state@0.1.0'; // import microlith:actor/state@0.1.0
  export type * as MicrolithActorTypes010 from 'microlith:actor/types@0.1.0'; // import microlith:actor/types@0.1.0
  export * as view from 'microlith:actor/view@0.1.0'; // export microlith:actor/view@0.1.0
  export * as upgrade from 'microlith:actor/upgrade@0.1.0'; // export microlith:actor/upgrade@0.1.0
  /**
  * Handles one message: `method` names the operation and `payload` is its
  * argument (JSON by convention). The returned bytes are the reply.
  */
  export function handle(method: string, payload: Uint8Array): Uint8Array;
  /**
  * Runs when the alarm `name` fires, as a turn of its own. The alarm is
  * cleared when this turn commits (unless the turn set it again); an
  * error or trap commits nothing and the alarm is retried with backoff.
  * SDKs provide a default that ignores alarms.
  */
  export function onAlarm(name: string): void;
  export type Result<T, E> = { tag: 'ok', val: T } | { tag: 'err', val: E };
}
