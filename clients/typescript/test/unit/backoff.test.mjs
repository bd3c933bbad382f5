import { test } from "node:test";
import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_BACKOFF } from "../../dist/index.js";

test("delays grow exponentially and stay within [cap*(1-jitter), cap]", () => {
  const o = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.5 };
  for (let attempt = 0; attempt < 40; attempt++) {
    const cap = Math.min(o.maxMs, o.initialMs * 2 ** attempt);
    for (const r of [0, 0.25, 0.5, 0.999999, Math.random()]) {
      const d = backoffDelay(attempt, o, () => r);
      assert.ok(d >= Math.floor(cap * 0.5) && d <= cap, `attempt ${attempt} r ${r}: ${d} not in [${cap / 2}, ${cap}]`);
    }
  }
  assert.equal(backoffDelay(0, o, () => 0), 100);
  assert.equal(backoffDelay(3, o, () => 0), 800);
  assert.equal(backoffDelay(100, o, () => 0), 5000);
  assert.equal(backoffDelay(100000, o, () => 0), 5000); // Infinity is capped too
});

test("jitter spreads clients out", () => {
  const seen = new Set();
  for (let i = 0; i < 50; i++) seen.add(backoffDelay(5, {}));
  assert.ok(seen.size > 10, `only ${seen.size} distinct delays`);
});

test("no jitter and clamped options", () => {
  assert.equal(backoffDelay(2, { initialMs: 10, jitter: 0 }, () => 0.9), 40);
  assert.equal(backoffDelay(2, { initialMs: 10, jitter: 7 }, () => 1), 0); // jitter clamped to 1
  assert.equal(backoffDelay(-3, { initialMs: 10 }, () => 0), 10);
  assert.deepEqual(Object.keys(DEFAULT_BACKOFF).sort(), ["factor", "initialMs", "jitter", "maxMs"]);
  const max = Math.max(...Array.from({ length: 200 }, () => backoffDelay(50)));
  assert.ok(max <= DEFAULT_BACKOFF.maxMs);
});
