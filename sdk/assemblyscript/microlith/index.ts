// Microlith's AssemblyScript SDK. An actor class extends `Actor`, overrides
// `handle(req: Request): Reply`, and registers one instance:
//
//   import { Actor, Reply, Request, JsonValue, register, state } from "microlith";
//
//   class Counter extends Actor {
//     handle(req: Request): Reply {
//       if (req.method != "incr") return req.unknownMethod();
//       const v = state.getJson("n");
//       const n: u64 = (v != null && v.isU64() ? v.toU64() : 0) + 1;
//       const err = state.setJson("n", JsonValue.u64(n));
//       if (err) return Reply.error(err);
//       return Reply.json(JsonValue.u64(n));
//     }
//   }
//   register(new Counter());

export { Actor, ActorError, Args, ErrorKind, Reply, Request, register } from "./actor";
export { JsonKind, JsonValue, Json, quote } from "./json";
export { ActorRef, CallError, CallErrorKind, CallResult, Entry, actors, alarms, context, log, state } from "./host";
