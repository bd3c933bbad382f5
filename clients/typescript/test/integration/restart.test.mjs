// Against the real server: kill -9 and restart it on the same port and data
// directory; clients reconnect by themselves and recover their views.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { connect } from "../../dist/index.js";
import { DevServer, until, uniqueKey } from "../support/server.mjs";

let server;
const clients = [];
after(async () => {
  for (const c of clients) c.close();
  await server?.dispose();
});

test("after a crash and restart, clients reconnect, recover the view and changes flow again", async () => {
  server = await new DevServer().start();
  const opts = { url: server.ws, WebSocket, backoff: { initialMs: 50, maxMs: 1000 }, heartbeatMs: 1000, pongTimeoutMs: 3000 };
  const a = connect(opts);
  const b = connect(opts);
  clients.push(a, b);
  const statuses = [];
  a.on("status", (s) => statuses.push(s));
  const actor = `todo/${uniqueKey("restart")}`;
  const subA = a.subscribe(actor);
  const subB = b.subscribe(actor);
  await Promise.all([subA.ready, subB.ready]);
  await a.call(actor, "add", { title: "before the crash" });
  await until(() => subB.view.items.length === 1, { what: "B to see the first item" });
  const epochBefore = subA.epoch;

  await server.stop("SIGKILL");
  await until(() => a.status !== "open" && b.status !== "open", { what: "both clients to notice", timeoutMs: 10_000 });
  // A call made while the server is down waits, then runs once it is back (it has an automatic idempotency key).
  const pending = b.call(actor, "add", { title: "while down" }, { timeoutMs: 60_000 });
  await server.restart();

  await until(() => a.status === "open" && b.status === "open", { what: "both clients to reconnect", timeoutMs: 30_000 });
  const item = await pending;
  assert.equal(item.title, "while down");
  await until(() => subA.view.items.length === 2 && subB.view.items.length === 2, { what: "both views to recover", timeoutMs: 15_000 });
  assert.deepEqual(subA.view.items.map((i) => i.title), ["before the crash", "while down"]);
  assert.ok(statuses.includes("closed") && statuses.at(-1) === "open", JSON.stringify(statuses));
  // Either resumed (same epoch) or a fresh snapshot (a new epoch); both must be consistent.
  assert.equal(typeof subA.epoch, "string");
  if (subA.epoch === epochBefore) console.log("# resumed in the same epoch after the restart");
  else console.log("# a fresh snapshot in a new epoch after the restart");

  const toggled = await b.call(actor, "toggle", { id: 1 });
  assert.equal(toggled.done, true);
  await until(() => subA.view.items[0].done === true, { what: "A to see a change made after the restart" });
  await a.call(actor, "clear-done");
  // (a call's result and its own subscription's delta are not ordered: wait for both views)
  await until(() => [subA, subB].every((s) => s.view.items.length === 1 && s.view.items[0].title === "while down"), {
    what: "both to see clear-done",
  });
  assert.deepEqual(subA.view, subB.view);
  assert.deepEqual(subA.view.items, await a.call(actor, "list"));
});
