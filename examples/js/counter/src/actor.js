// `counter`: a durable counter, one per actor key (examples/README.md).
//
// | method  | payload                     | reply          |
// |---------|-----------------------------|----------------|
// | `incr`  | empty, `{}` or `{"by": n}`  | `{"value": n}` |
// | `get`   | ignored                     | `{"value": n}` |
// | `reset` | ignored                     | `{"value": 0}` |
//
// JavaScript numbers are exact up to 2^53 - 1, so this counter refuses
// (`failed`) to go past that instead of the Rust one's u64 limit.
import { defineActor, state, Failed } from 'microlith-actor';

const KEY = 'value';

function current() {
  return state.getJson(KEY) ?? 0;
}

export default defineActor({
  incr(req) {
    const { by = 1 } = req.json({ by: 'uint?' });
    const value = current() + by;
    if (!Number.isSafeInteger(value)) throw new Failed('counter would overflow');
    state.setJson(KEY, value);
    return { value };
  },

  get() {
    return { value: current() };
  },

  reset() {
    state.delete(KEY);
    return { value: 0 };
  },
});
