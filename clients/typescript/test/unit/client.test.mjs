import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, MicrolithError } from "../../dist/index.js";
import { FakeServer, sleep, until } from "./fake-server.mjs";

const FAST = { initialMs: 5, maxMs: 20, factor: 2, jitter: 0.5 };

function setup(extra = {}) {
  const server = new FakeServer();
  const statuses = [];
  const client = connect({ url: "ws://fake/v1/ws", WebSocket: server.WebSocket, backoff: FAST, heartbeatMs: 0, ...extra });
  client.on("status", (s, d) => statuses.push([s, d]));
  return { server, client, statuses };
}

/** Answers calls with a function of the frame. */
function answerCalls(server, fn) {
  server.handler = (sock, f) => {
    if (f.op === "call") {
      try {
        sock.deliver({ op: "result", id: f.id, payload: fn(f) });
      } catch (e) {
        sock.deliver({ op: "error", id: f.id, code: e.code ?? "guest_error", message: e.message });
      }
    }
  };
}

test("hello carries protocol 1 and the token; welcome opens; status events", async () => {
  const { server, client, statuses } = setup({ token: "tok" });
  await client.whenOpen();
  assert.deepEqual(server.framesOf("hello"), [{ op: "hello", protocol: 1, token: "tok" }]);
  assert.equal(client.status, "open");
  assert.equal(client.principal, null);
  assert.deepEqual(statuses.map((s) => s[0]), ["open"]); // "connecting" was emitted before the listener was attached
  client.close();
  assert.equal(client.status, "closed");
  assert.equal(statuses.at(-1)[1].final, true);
});

test("http URLs become ws URLs; getToken runs before every connection", async () => {
  let n = 0;
  const { server, client } = setup({ url: "http://h:1/v1/ws", getToken: async () => `t${++n}` });
  await client.whenOpen();
  assert.equal(server.current.url, "ws://h:1/v1/ws");
  server.current.kill();
  await until(() => server.framesOf("hello").length === 2);
  assert.deepEqual(server.framesOf("hello").map((h) => h.token), ["t1", "t2"]);
  client.close();
});

test("anonymous hello has no token", async () => {
  const { server, client } = setup({ getToken: () => null });
  await client.whenOpen();
  assert.deepEqual(server.framesOf("hello"), [{ op: "hello", protocol: 1 }]);
  client.close();
});

test("calls: results, typed errors, distinct ids and idempotency keys", async () => {
  const { server, client } = setup();
  answerCalls(server, (f) => {
    if (f.method === "bad") throw Object.assign(new Error('todo has no method "bad"'), { code: "unknown_method" });
    return { echo: f.payload ?? null, method: f.method };
  });
  const [a, b] = await Promise.all([client.call("todo/x", "add", { title: "t" }), client.call("todo/x", "list")]);
  assert.deepEqual(a, { echo: { title: "t" }, method: "add" });
  assert.deepEqual(b, { echo: null, method: "list" });
  await assert.rejects(client.call("todo/x", "bad"), (e) => e instanceof MicrolithError && e.code === "unknown_method" && /no method/.test(e.message));
  await client.call("todo/x", "mine", 1, { idempotencyKey: "my-key" });
  await client.call("todo/x", "none", 1, { idempotencyKey: false });
  const calls = server.framesOf("call");
  assert.equal(new Set(calls.map((c) => c.id)).size, calls.length);
  assert.ok(calls.slice(0, 3).every((c) => typeof c.idempotency_key === "string" && c.idempotency_key.length > 8));
  assert.equal(new Set(calls.slice(0, 3).map((c) => c.idempotency_key)).size, 3);
  assert.equal(calls[3].idempotency_key, "my-key");
  assert.equal("idempotency_key" in calls[4], false);
  assert.equal("payload" in calls[1], false); // an omitted payload is omitted
  client.close();
});

test("a call times out", async () => {
  const { client } = setup();
  await assert.rejects(client.call("todo/x", "slow", null, { timeoutMs: 30 }), (e) => e.code === "timeout");
  client.close();
});

test("calls made before the connection opens are sent once it does", async () => {
  const { server, client } = setup();
  answerCalls(server, () => 7);
  const p = client.call("counter/a", "incr", null, { idempotencyKey: false });
  assert.equal(await p, 7);
  client.close();
});

test("close() rejects pending calls and ends subscriptions", async () => {
  const { client } = setup();
  await client.whenOpen();
  const p = client.call("todo/x", "slow");
  const sub = client.subscribe("todo/x");
  client.close();
  await assert.rejects(p, (e) => e.code === "closed");
  await assert.rejects(sub.ready, (e) => e.code === "closed");
  assert.equal(sub.state, "ended");
  await assert.rejects(client.call("todo/x", "after"), (e) => e.code === "closed");
});

/** A server-side view with a delta log; answers subscribe/unsubscribe like the real one. */
function viewServer(server, { epoch = "e1", view = { items: [] } } = {}) {
  const state = { epoch, seq: 0, view, log: [], subs: new Map(), sendDeltas: true };
  server.handler = (sock, f) => {
    if (f.op === "subscribe") {
      const r = f.resume;
      if (r && r.epoch === state.epoch && r.seq <= state.seq && state.log.filter((d) => d.base >= r.seq).length === state.seq - r.seq) {
        sock.deliver({ op: "resumed", sub: f.id, epoch: state.epoch, seq: r.seq });
        for (const d of state.log.filter((d) => d.base >= r.seq)) sock.deliver({ op: "delta", sub: f.id, epoch: state.epoch, ...d });
      } else {
        sock.deliver({ op: "snapshot", sub: f.id, epoch: state.epoch, seq: state.seq, view: state.view });
      }
      state.subs.set(f.id, sock);
    } else if (f.op === "unsubscribe") {
      state.subs.delete(f.sub);
      sock.deliver({ op: "result", id: f.id, payload: null });
    }
  };
  /** Changes the view: `patch` from seq to seq+1, broadcast to live subscribers. */
  state.change = (patch, next) => {
    const d = { base: state.seq, seq: state.seq + 1, patch };
    state.seq += 1;
    state.view = next;
    state.log.push(d);
    if (state.sendDeltas) for (const [sub, sock] of state.subs) sock.deliver({ op: "delta", sub, epoch: state.epoch, ...d });
  };
  return state;
}

test("subscribe: snapshot, then deltas applied in order", async () => {
  const { server, client } = setup();
  const vs = viewServer(server);
  const seen = [];
  const sub = client.subscribe("todo/board", (v, info) => seen.push([v, info.kind, info.seq]));
  assert.deepEqual(await sub.ready, { items: [] });
  vs.change([{ op: "add", path: "/items/0", value: { id: 1, title: "a", done: false } }], { items: [{ id: 1, title: "a", done: false }] });
  vs.change([{ op: "replace", path: "/items/0/done", value: true }], { items: [{ id: 1, title: "a", done: true }] });
  await until(() => sub.seq === 2);
  assert.deepEqual(sub.view, { items: [{ id: 1, title: "a", done: true }] });
  assert.deepEqual(seen.map((s) => [s[1], s[2]]), [["snapshot", 0], ["delta", 1], ["delta", 2]]);
  assert.equal(sub.state, "live");
  assert.equal(sub.epoch, "e1");
  client.close();
});

test("a delta whose base is not the current seq triggers a resume; duplicates are ignored", async () => {
  const { server, client } = setup();
  const vs = viewServer(server);
  const sub = client.subscribe("todo/board");
  await sub.ready;
  const firstId = server.framesOf("subscribe")[0].id;
  vs.sendDeltas = false;
  vs.change([{ op: "add", path: "/items/-", value: 1 }], { items: [1] });
  vs.change([{ op: "add", path: "/items/-", value: 2 }], { items: [1, 2] });
  // deliver only the second delta: a gap
  server.current.deliver({ op: "delta", sub: firstId, epoch: "e1", ...vs.log[1] });
  const { frame } = await server.next((f) => f.op === "subscribe" && f.id !== firstId, { past: true });
  assert.deepEqual(frame.resume, { epoch: "e1", seq: 0 });
  assert.ok(server.framesOf("unsubscribe").some((u) => u.sub === firstId), "the gapped subscription is dropped");
  await until(() => sub.seq === 2);
  assert.deepEqual(sub.view, { items: [1, 2] });
  // a stale delta is ignored, and deltas for the old subscription id too
  server.current.deliver({ op: "delta", sub: frame.id, epoch: "e1", ...vs.log[0] });
  server.current.deliver({ op: "delta", sub: firstId, epoch: "e1", base: 2, seq: 3, patch: [{ op: "add", path: "/items/-", value: 99 }] });
  await sleep(10);
  assert.deepEqual(sub.view, { items: [1, 2] });
  assert.equal(server.framesOf("subscribe").length, 2);
  client.close();
});

test("a combined delta (seq > base + 1) applies", async () => {
  const { server, client } = setup();
  viewServer(server);
  const sub = client.subscribe("todo/board");
  await sub.ready;
  const id = server.framesOf("subscribe")[0].id;
  server.current.deliver({ op: "delta", sub: id, epoch: "e1", base: 0, seq: 5, patch: [{ op: "add", path: "/items/-", value: "x" }] });
  await until(() => sub.seq === 5);
  assert.deepEqual(sub.view, { items: ["x"] });
  client.close();
});

test("a delta that does not apply, or from another epoch, fetches a fresh snapshot", async () => {
  const { server, client } = setup();
  const vs = viewServer(server);
  const errors = [];
  client.on("error", (e) => errors.push(e));
  const sub = client.subscribe("todo/board");
  await sub.ready;
  const id = server.framesOf("subscribe")[0].id;
  server.current.deliver({ op: "delta", sub: id, epoch: "e1", base: 0, seq: 1, patch: [{ op: "remove", path: "/nope" }] });
  const { frame } = await server.next((f) => f.op === "subscribe" && f.id !== id, { past: true });
  assert.equal(frame.resume, undefined);
  assert.equal(errors[0].code, "protocol_error");
  await until(() => sub.state === "live");
  vs.epoch = "e2";
  vs.seq = 9;
  vs.view = { items: ["new"] };
  server.current.deliver({ op: "delta", sub: frame.id, epoch: "e2", base: 8, seq: 9, patch: [] });
  await until(() => sub.epoch === "e2");
  assert.deepEqual(sub.view, { items: ["new"] });
  assert.equal(server.framesOf("subscribe").at(-1).resume, undefined);
  client.close();
});

test("reconnect resumes subscriptions: resumed + missed deltas", async () => {
  const { server, client, statuses } = setup();
  const vs = viewServer(server);
  const sub = client.subscribe("todo/board");
  await sub.ready;
  vs.change([{ op: "add", path: "/items/-", value: "a" }], { items: ["a"] });
  await until(() => sub.seq === 1);
  server.current.kill();
  vs.subs.clear();
  vs.change([{ op: "add", path: "/items/-", value: "b" }], { items: ["a", "b"] }); // missed while away
  await until(() => sub.seq === 2, { what: "resume" });
  const last = server.framesOf("subscribe").at(-1);
  assert.deepEqual(last.resume, { epoch: "e1", seq: 1 });
  assert.deepEqual(sub.view, { items: ["a", "b"] });
  assert.equal(server.framesOf("hello").length, 2);
  const seq = statuses.map((s) => s[0]);
  assert.deepEqual(seq.slice(seq.indexOf("closed")), ["closed", "connecting", "open"]);
  vs.change([{ op: "add", path: "/items/-", value: "c" }], { items: ["a", "b", "c"] });
  await until(() => sub.seq === 3);
  client.close();
});

test("reconnect after a server restart: a new epoch gives a fresh snapshot", async () => {
  const { server, client } = setup();
  const vs = viewServer(server);
  const sub = client.subscribe("todo/board");
  await sub.ready;
  vs.change([{ op: "add", path: "/items/-", value: "a" }], { items: ["a"] });
  await until(() => sub.seq === 1);
  server.current.kill();
  Object.assign(vs, { epoch: "e2", seq: 0, view: { items: ["a", "z"] }, log: [] });
  vs.subs.clear();
  await until(() => sub.epoch === "e2", { what: "snapshot after restart" });
  assert.deepEqual(sub.view, { items: ["a", "z"] });
  assert.deepEqual(server.framesOf("subscribe").at(-1).resume, { epoch: "e1", seq: 1 });
  vs.change([{ op: "add", path: "/items/-", value: "n" }], { items: ["a", "z", "n"] });
  await until(() => sub.seq === 1 && sub.view.items.length === 3);
  client.close();
});

test("reconnects with backoff while the server refuses, then recovers", async () => {
  const { server, client, statuses } = setup();
  await client.whenOpen();
  server.refuse = true;
  server.current.kill();
  await until(() => server.sockets.length >= 5, { what: "retries" });
  const delays = statuses.filter(([s, d]) => s === "closed" && d.retryInMs !== undefined).map(([, d]) => [d.attempt, d.retryInMs]);
  for (const [attempt, ms] of delays) {
    const cap = Math.min(FAST.maxMs, FAST.initialMs * 2 ** attempt);
    assert.ok(ms >= Math.floor(cap / 2) && ms <= cap, `attempt ${attempt}: ${ms}`);
  }
  assert.deepEqual(delays.slice(0, 3).map((d) => d[0]), [0, 1, 2]);
  server.refuse = false;
  await until(() => client.status === "open", { what: "recovery" });
  client.close();
});

test("idempotent retry: a call in flight during a disconnect is re-sent with the same key", async () => {
  const { server, client } = setup();
  await client.whenOpen();
  const ran = new Map(); // key → reply: the server's idempotency record
  let drop = true;
  server.handler = (sock, f) => {
    if (f.op !== "call") return;
    const reply = ran.get(f.idempotency_key) ?? { n: ran.size + 1 };
    ran.set(f.idempotency_key, reply);
    if (drop) {
      drop = false;
      sock.kill(); // committed, but the answer is lost
      return;
    }
    sock.deliver({ op: "result", id: f.id, payload: reply });
  };
  const reply = await client.call("todo/board", "add", { title: "once" });
  assert.deepEqual(reply, { n: 1 });
  const calls = server.framesOf("call");
  assert.equal(calls.length, 2);
  assert.equal(calls[0].idempotency_key, calls[1].idempotency_key);
  const socks = server.received.filter((r) => r.frame.op === "call").map((r) => r.sock);
  assert.notEqual(socks[0], socks[1], "re-sent on the new connection");
  assert.equal(ran.size, 1);
  client.close();
});

test("a call without a key in flight during a disconnect is rejected with `disconnected`", async () => {
  const { server, client } = setup();
  await client.whenOpen();
  server.handler = (sock, f) => f.op === "call" && sock.kill();
  await assert.rejects(client.call("todo/board", "add", { title: "x" }, { idempotencyKey: false }), (e) => e.code === "disconnected");
  client.close();
});

test("heartbeat: a missing pong drops the connection and the client reconnects", async () => {
  const { server, client } = setup({ heartbeatMs: 15, pongTimeoutMs: 25 });
  await client.whenOpen();
  await until(() => server.framesOf("ping").length >= 2, { what: "pings" });
  assert.equal(server.sockets.length, 1, "answered pings keep the connection");
  server.answerPings = false;
  await until(() => server.sockets.length === 2 && client.status === "open", { what: "reconnect after missing pong" });
  assert.equal(server.sockets[0].readyState, 3);
  client.close();
});

test("no welcome in time counts as a failed attempt", async () => {
  const server = new FakeServer();
  server.onFrame = () => {}; // never answers
  const client = connect({ url: "ws://x", WebSocket: server.WebSocket, backoff: FAST, heartbeatMs: 0, connectTimeoutMs: 20 });
  await until(() => server.sockets.length >= 3, { what: "redials" });
  client.close();
});

test("subscription errors: a refused view ends it, a transient one is retried", async () => {
  const { server, client } = setup();
  let overloaded = 1;
  server.handler = (sock, f) => {
    if (f.op !== "subscribe") return;
    if (f.actor === "nosuch/x") sock.deliver({ op: "error", id: f.id, code: "unknown_class", message: "no class nosuch" });
    else if (f.actor === "todo/secret") sock.deliver({ op: "error", id: f.id, code: "guest_error", message: "not for you" });
    else if (overloaded-- > 0) sock.deliver({ op: "error", id: f.id, code: "overloaded", message: "busy" });
    else sock.deliver({ op: "snapshot", sub: f.id, epoch: "e", seq: 0, view: null });
  };
  const errs = [];
  const secret = client.subscribe("todo/secret", () => {}, { onError: (e) => errs.push(e) });
  await assert.rejects(secret.ready, (e) => e.code === "guest_error");
  assert.equal(secret.state, "ended");
  assert.equal(errs[0].message, "not for you");
  const missing = client.subscribe("nosuch/x");
  await assert.rejects(missing.ready, (e) => e.code === "unknown_class");
  const busy = client.subscribe("todo/busy");
  assert.equal(await busy.ready, null);
  assert.equal(server.framesOf("subscribe").filter((f) => f.actor === "todo/busy").length, 2);
  // a live subscription that the server ends by error
  server.current.deliver({ op: "error", sub: busy._id, code: "guest_error", message: "render failed" });
  assert.equal(busy.state, "ended");
  client.close();
});

test("unsubscribe sends unsubscribe and stops changes", async () => {
  const { server, client } = setup();
  const vs = viewServer(server);
  let changes = 0;
  const sub = client.subscribe("todo/board", () => changes++);
  await sub.ready;
  const id = sub._id;
  await sub.unsubscribe();
  assert.deepEqual(server.framesOf("unsubscribe").map((u) => u.sub), [id]);
  server.current.deliver({ op: "delta", sub: id, epoch: "e1", base: 0, seq: 1, patch: [] });
  vs.change([], vs.view);
  await sleep(5);
  assert.equal(changes, 1);
  assert.equal(sub.state, "ended");
  server.current.kill();
  await until(() => client.status === "open" && server.sockets.length === 2);
  await sleep(5);
  assert.equal(server.framesOf("subscribe").length, 1, "an ended subscription is not renewed");
  client.close();
});

test("goodbye unsupported_protocol stops the client for good", async () => {
  const { server, client, statuses } = setup();
  await client.whenOpen();
  const p = client.call("todo/x", "slow");
  server.current.deliver({ op: "goodbye", reason: "unsupported_protocol" });
  server.current.kill(1000);
  await assert.rejects(p, (e) => e.code === "goodbye" && /unsupported_protocol/.test(e.message));
  assert.equal(statuses.at(-1)[1].final, true);
  await sleep(30);
  assert.equal(server.sockets.length, 1);
});

test("goodbye shutting_down is followed by a reconnect", async () => {
  const { server, client } = setup();
  await client.whenOpen();
  server.current.deliver({ op: "goodbye", reason: "shutting_down" });
  server.current.kill(1000);
  await until(() => server.sockets.length === 2 && client.status === "open");
  client.close();
});

test("connection-level errors and junk frames are reported, not fatal", async () => {
  const { server, client } = setup();
  const errors = [];
  client.on("error", (e) => errors.push(e.code));
  await client.whenOpen();
  server.current.deliver({ op: "error", code: "invalid_frame", message: "?" });
  server.current.deliver("not json");
  server.current.deliver({ op: "future_op", x: 1 });
  assert.deepEqual(errors, ["invalid_frame", "protocol_error"]);
  assert.equal(client.status, "open");
  client.close();
});

test("without a WebSocket constructor connect() says what to do", () => {
  assert.throws(() => connect({ url: "ws://x" }), /pass connect\(\{WebSocket\}\)/);
});
