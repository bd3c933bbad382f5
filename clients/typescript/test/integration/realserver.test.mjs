// Against the real server: calls, live views between two clients, errors,
// idempotency keys, dev tokens, resume after a dropped connection.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { connect, MicrolithError } from "../../dist/index.js";
import { DevServer, until, uniqueKey } from "../support/server.mjs";

let server;
const clients = [];

/** A WebSocket that records every frame the server sent on it. */
function recordingWebSocket(log) {
  return class extends WebSocket {
    constructor(url) {
      super(url);
      this.on("message", (data, isBinary) => !isBinary && log.push(JSON.parse(data.toString())));
    }
  };
}

function client(extra = {}) {
  const c = connect({ url: server.ws, WebSocket, backoff: { initialMs: 50, maxMs: 500 }, ...extra });
  clients.push(c);
  return c;
}

before(async () => {
  server = await new DevServer().start();
});

after(async () => {
  for (const c of clients) c.close();
  await server?.dispose();
});

test("call: replies and typed errors", async () => {
  const c = client();
  const actor = `todo/${uniqueKey("calls")}`;
  const item = await c.call(actor, "add", { title: "  ship it  " });
  assert.deepEqual(item, { id: 1, title: "ship it", done: false });
  assert.deepEqual(await c.call(actor, "list"), [item]);
  await assert.rejects(c.call(actor, "ad", { title: "x" }), (e) => e instanceof MicrolithError && e.code === "unknown_method");
  await assert.rejects(c.call(actor, "add", { title: "   " }), (e) => e.code === "bad_request");
  await assert.rejects(c.call("nosuchclass/x", "m"), (e) => e.code === "unknown_class");
  const n = await c.call(`counter/${uniqueKey("c")}`, "incr", { by: 5 }, { idempotencyKey: false });
  assert.deepEqual(n, { value: 5 });
});

test("two clients see each other's changes live", async () => {
  const a = client();
  const b = client();
  const actor = `todo/${uniqueKey("board")}`;
  const subA = a.subscribe(actor);
  const subB = b.subscribe(actor);
  assert.deepEqual(await subA.ready, { items: [] });
  assert.deepEqual(await subB.ready, { items: [] });
  const item = await a.call(actor, "add", { title: "from A" });
  await until(() => subB.view?.items?.length === 1, { what: "B to see A's item" });
  assert.deepEqual(subB.view.items[0], item);
  await b.call(actor, "toggle", { id: item.id });
  await until(() => subA.view.items[0]?.done === true, { what: "A to see B's toggle" });
  await a.call(actor, "add", { title: "second" });
  await b.call(actor, "remove", { id: item.id });
  await until(() => subA.view.items.length === 1 && subB.view.items.length === 1 && subA.view.items[0].title === "second", {
    what: "both to converge",
  });
  assert.deepEqual(subA.view, subB.view);
  assert.equal(subA.seq, subB.seq);
  assert.equal(subA.epoch, subB.epoch);
  assert.deepEqual(subA.view.items, await a.call(actor, "list"));
});

test("calls with the same idempotency key run once", async () => {
  const a = client();
  const b = client();
  const actor = `todo/${uniqueKey("idem")}`;
  const key = uniqueKey("key");
  const first = await a.call(actor, "add", { title: "once" }, { idempotencyKey: key });
  const again = await a.call(actor, "add", { title: "once" }, { idempotencyKey: key });
  const other = await b.call(actor, "add", { title: "once" }, { idempotencyKey: key }); // another connection
  assert.deepEqual(again, first);
  assert.deepEqual(other, first);
  assert.equal((await a.call(actor, "list")).length, 1);
  await a.call(actor, "add", { title: "twice" }); // fresh automatic key: runs
  assert.equal((await a.call(actor, "list")).length, 2);
});

test("a dev token names the principal", async () => {
  const token = await server.token("alice");
  const c = client({ token });
  await c.whenOpen();
  assert.equal(c.principal, "alice");
  const anon = client();
  await anon.whenOpen();
  assert.equal(anon.principal, null);
});

test("ping/pong keeps a connection open", async () => {
  const c = client({ heartbeatMs: 50, pongTimeoutMs: 2000 });
  await c.whenOpen();
  const statuses = [];
  c.on("status", (s) => statuses.push(s));
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(statuses, []);
  assert.equal(c.status, "open");
});

test("a dropped connection resumes: `resumed` plus the missed deltas", async () => {
  const log = [];
  const c = client({ WebSocket: recordingWebSocket(log) });
  const writer = client();
  const actor = `todo/${uniqueKey("resume")}`;
  const sub = c.subscribe(actor);
  await sub.ready;
  await writer.call(actor, "add", { title: "one" });
  await until(() => sub.view.items.length === 1, { what: "the first delta" });
  const { epoch, seq } = sub;
  c.ws.terminate(); // the client's socket dies; the server keeps the view
  await writer.call(actor, "add", { title: "two" }); // missed while away
  await until(() => sub.view.items.length === 2, { what: "the missed delta after reconnecting" });
  const resumed = log.find((f) => f.op === "resumed");
  assert.ok(resumed, `expected a resumed frame, got ${JSON.stringify(log.map((f) => f.op))}`);
  assert.equal(resumed.epoch, epoch);
  assert.equal(resumed.seq, seq);
  assert.equal(sub.epoch, epoch);
  assert.deepEqual(sub.view.items.map((i) => i.title), ["one", "two"]);
  await writer.call(actor, "add", { title: "three" });
  await until(() => sub.view.items.length === 3, { what: "live deltas after the resume" });
});
