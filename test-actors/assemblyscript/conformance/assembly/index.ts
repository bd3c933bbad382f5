// `conformance`: the AssemblyScript implementation of the actor every guest
// language implements for the conformance suite (see conformance/README.md).

import {
  Actor, ActorRef, JsonValue, Reply, Request, actors, alarms, context, log, register, state,
} from "microlith";

function ok(): Reply {
  return Reply.json(JsonValue.object().set("ok", JsonValue.bool(true)));
}

function utf8(bytes: Uint8Array): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart, bytes.byteLength);
}

function text(s: string): Uint8Array {
  return Uint8Array.wrap(String.UTF8.encode(s));
}

// Memory kept by `alloc`, so nothing can be collected or optimised away.
const kept: Uint8Array[] = [];
let spins: u64 = 0;

class Conformance extends Actor {
  handle(req: Request): Reply {
    const m = req.method;
    if (m == "set" || m == "set-then-fail") {
      const a = req.args();
      const key = a.string("key");
      const value = a.string("value");
      const bad = a.check();
      if (bad) return bad;
      const err = state.set(key, text(value));
      if (err) return Reply.error(err);
      return m == "set" ? ok() : Reply.failed("failing after a write");
    }
    if (m == "get") {
      const a = req.args();
      const key = a.string("key");
      const bad = a.check();
      if (bad) return bad;
      return Reply.json(JsonValue.object().set("value", JsonValue.stringOrNull(state.getString(key))));
    }
    if (m == "delete") {
      const a = req.args();
      const key = a.string("key");
      const bad = a.check();
      if (bad) return bad;
      state.remove(key);
      return ok();
    }
    if (m == "scan") {
      const a = req.args();
      const prefix = a.string("prefix");
      const bad = a.check();
      if (bad) return bad;
      const entries = state.scanAll(prefix);
      const out = JsonValue.array();
      for (let i = 0; i < entries.length; i++) {
        out.push(
          JsonValue.object().set("key", JsonValue.string(entries[i].key)).set("value", JsonValue.string(entries[i].text())),
        );
      }
      return Reply.json(out);
    }
    if (m == "fail") {
      const a = req.args();
      const message = a.string("message");
      const bad = a.check();
      if (bad) return bad;
      return Reply.failed(message);
    }
    if (m == "bad") return Reply.badRequest("this method always rejects its input");
    if (m == "trap") unreachable();
    if (m == "spin") {
      while (true) spins++;
    }
    if (m == "alloc") {
      while (true) {
        const chunk = new Uint8Array(1 << 20);
        for (let i = 0; i < chunk.length; i += 4096) chunk[i] = 1;
        kept.push(chunk);
      }
    }
    if (m == "echo") return Reply.bytes(req.payload);
    if (m == "whoami") {
      const me = context.selfRef();
      return Reply.json(
        JsonValue.object()
          .set("class", JsonValue.string(me.className))
          .set("key", JsonValue.string(me.key))
          .set("caller", JsonValue.stringOrNull(context.caller())),
      );
    }
    if (m == "call" || m == "send") {
      const a = req.args();
      const target = new ActorRef(a.string("class"), a.string("key"));
      const method = a.string("method");
      const payload = a.any("payload");
      const bad = a.check();
      if (bad) return bad;
      if (m == "send") {
        const err = actors.sendJson(target, method, payload);
        if (err) return Reply.error(err.toActorError());
        return ok();
      }
      const r = actors.callJson(target, method, payload);
      const e = r.error;
      if (e) return Reply.json(JsonValue.object().set("error", JsonValue.string(e.name)));
      const reply = r.json();
      return Reply.json(JsonValue.object().set("ok", reply.isInvalid ? JsonValue.null() : reply));
    }
    if (m == "set-alarm") {
      const a = req.args();
      const name = a.string("name");
      const inMs = a.u64("in_ms");
      const bad = a.check();
      if (bad) return bad;
      const due = context.turnTimeMs() + inMs;
      const err = alarms.set(name, due);
      if (err) return Reply.error(err);
      return Reply.json(JsonValue.object().set("due", JsonValue.u64(due)));
    }
    if (m == "fired") {
      const a = req.args();
      const name = a.string("name");
      const bad = a.check();
      if (bad) return bad;
      const v = state.getJson("fired/" + name);
      return Reply.json(JsonValue.object().set("count", JsonValue.u64(v != null ? v.toU64() : 0)));
    }
    if (m == "log") {
      const a = req.args();
      const message = a.string("message");
      const bad = a.check();
      if (bad) return bad;
      log.info(message);
      return ok();
    }
    if (m == "ambient") return Reply.json(JsonValue.object().set("wasi", JsonValue.bool(false)));
    return req.unknownMethod();
  }

  onAlarm(name: string): Reply {
    const key = "fired/" + name;
    const v = state.getJson(key);
    const count: u64 = v != null ? v.toU64() : 0;
    const err = state.setJson(key, JsonValue.u64(count + 1));
    return err ? Reply.error(err) : Reply.empty();
  }

  view(viewer: string | null): Reply {
    if (viewer == "refused") return Reply.failed("viewer refused");
    if (viewer == "trap") unreachable();
    return Reply.json(
      JsonValue.object()
        .set("viewer", JsonValue.stringOrNull(viewer))
        .set("shown", JsonValue.stringOrNull(state.getString("shown"))),
    );
  }
}

register(new Conformance());
