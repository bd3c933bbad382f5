// Uses every import of the SDK so that `scripts/lang/assemblyscript.sh check`
// sees all of the hand-written glue in one core module (asc drops unused
// imports). Never deployed.

import { Actor, ActorRef, JsonValue, Reply, Request, actors, alarms, context, log, register, state } from "microlith";

class All extends Actor {
  handle(req: Request): Reply {
    const me = context.selfRef();
    const caller = context.caller();
    const from = context.callerActor();
    const now = context.turnTimeMs();
    const v = state.get("k");
    const err = state.set("k", req.payload);
    state.remove("k");
    const page = state.scan("p", caller, 1);
    const r = actors.callWithTimeout(me, "m", req.payload, 5);
    const e = actors.send(from != null ? from : new ActorRef("c", "k"), "m", req.payload);
    const a = alarms.set("a", now);
    alarms.cancel("a");
    const due = alarms.get("a");
    log.info("all");
    const ok = v != null && err == null && page.length > 0 && r.ok && e == null && a == null && due >= 0;
    return Reply.json(JsonValue.bool(ok));
  }
}

register(new All());
