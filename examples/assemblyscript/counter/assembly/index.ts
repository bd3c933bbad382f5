// `counter`: a durable counter, one per actor key (see examples/README.md).
//
// | method  | payload              | reply            |
// |---------|----------------------|------------------|
// | `incr`  | empty or `{"by": n}` | `{"value": n}`   |
// | `get`   | ignored              | `{"value": n}`   |
// | `reset` | ignored              | `{"value": 0}`   |

import { Actor, JsonValue, Reply, Request, register, state } from "microlith";

const KEY = "value";

class Counter extends Actor {
  handle(req: Request): Reply {
    const stored = state.getJson(KEY);
    if (stored != null && !stored.isU64()) return Reply.failed("state value under \"value\" is not a u64");
    const current: u64 = stored == null ? 0 : stored.toU64();
    let value: u64 = 0;
    if (req.method == "incr") {
      const args = req.args();
      const by = args.u64Or("by", 1);
      const bad = args.check();
      if (bad) return bad;
      if (current > U64.MAX_VALUE - by) return Reply.failed("counter would overflow u64");
      value = current + by;
      const err = state.setJson(KEY, JsonValue.u64(value));
      if (err) return Reply.error(err);
    } else if (req.method == "get") {
      value = current;
    } else if (req.method == "reset") {
      state.remove(KEY);
    } else {
      return req.unknownMethod();
    }
    return Reply.json(JsonValue.object().set("value", JsonValue.u64(value)));
  }
}

register(new Counter());
