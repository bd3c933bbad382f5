// With the real `ws` package: a server that accepts TCP but never completes
// the WebSocket handshake must cost a bounded attempt, not crash the process.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import WebSocket from "ws";
import { connect } from "../../dist/index.js";
import { until } from "./fake-server.mjs";

test("a stuck handshake times out and is retried without an unhandled 'error'", async () => {
  const sockets = [];
  const server = net.createServer((s) => sockets.push(s)); // reads the upgrade request, never answers
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  const client = connect({
    url: `ws://127.0.0.1:${port}/v1/ws`,
    WebSocket,
    connectTimeoutMs: 50,
    backoff: { initialMs: 5, maxMs: 10 },
    heartbeatMs: 0,
  });
  const statuses = [];
  client.on("status", (s) => statuses.push(s));
  try {
    await until(() => sockets.length >= 3, { what: "three attempts", timeoutMs: 5000 });
    assert.ok(statuses.filter((s) => s === "closed").length >= 2);
    assert.ok(!statuses.includes("open"));
  } finally {
    client.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

test("a refused port is retried", async () => {
  const server = net.createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r)); // nothing listens there now
  const client = connect({ url: `ws://127.0.0.1:${port}/v1/ws`, WebSocket, backoff: { initialMs: 5, maxMs: 10 }, heartbeatMs: 0 });
  let closed = 0;
  client.on("status", (s) => s === "closed" && closed++);
  try {
    await until(() => closed >= 3, { what: "three refused attempts", timeoutMs: 5000 });
  } finally {
    client.close();
  }
});
