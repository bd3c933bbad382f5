// @microlith/client 0.1.0: the Microlith WebSocket client as one ES module.
// GENERATED from clients/typescript/src by `npm run build` (scripts/bundle.mjs). Do not edit:
// `npm run check-bundle` fails when this file differs from a fresh build.

// dist/backoff.js
var DEFAULT_BACKOFF = {
  initialMs: 250,
  maxMs: 1e4,
  factor: 2,
  jitter: 0.5
};
function backoffDelay(attempt, options = {}, random = Math.random) {
  const o = { ...DEFAULT_BACKOFF, ...options };
  const jitter = Math.min(1, Math.max(0, o.jitter));
  const exp = o.initialMs * Math.pow(o.factor, Math.max(0, attempt));
  const capped = Math.min(o.maxMs, Number.isFinite(exp) ? exp : o.maxMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(capped * (1 - jitter * r));
}

// dist/errors.js
var MicrolithError = class extends Error {
  constructor(code, message) {
    super(message);
    this.name = "MicrolithError";
    this.code = code;
  }
};
var TRANSIENT_CODES = /* @__PURE__ */ new Set([
  "overloaded",
  "shutting_down",
  "commit_failed",
  "deadline_exceeded",
  "unknown_class"
  // a restarting server may accept connections before its classes are back
]);

// dist/patch.js
var PatchError = class extends Error {
  constructor(message, index) {
    super(message);
    this.name = "PatchError";
    this.index = index;
  }
};
var hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
function isObject(v) {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function define(o, k, v) {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}
function shallowCopy(o) {
  const c = {};
  for (const k of Object.keys(o))
    define(c, k, o[k]);
  return c;
}
function cloneJson(v) {
  if (Array.isArray(v))
    return v.map((x) => cloneJson(x));
  if (isObject(v)) {
    const c = {};
    for (const k of Object.keys(v))
      define(c, k, cloneJson(v[k]));
    return c;
  }
  return v;
}
function jsonEqual(a, b) {
  if (a === b)
    return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length)
      return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b))
      return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length)
      return false;
    return ka.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
function parsePointer(pointer) {
  if (typeof pointer !== "string")
    throw new Error("a JSON pointer must be a string");
  if (pointer === "")
    return [];
  if (pointer[0] !== "/")
    throw new Error(`JSON pointer ${JSON.stringify(pointer)} does not start with "/"`);
  return pointer.slice(1).split("/").map((t) => {
    if (/~[^01]|~$/.test(t))
      throw new Error(`bad escape in JSON pointer ${JSON.stringify(pointer)}`);
    return t.replace(/~1/g, "/").replace(/~0/g, "~");
  });
}
var INDEX = /^(0|[1-9][0-9]*)$/;
function arrayIndex(arr, token, allowEnd) {
  if (allowEnd && token === "-")
    return arr.length;
  if (!INDEX.test(token))
    throw new Error(`${JSON.stringify(token)} is not an array index`);
  const i = Number(token);
  if (i > arr.length || !allowEnd && i === arr.length)
    throw new Error(`index ${i} is out of bounds (length ${arr.length})`);
  return i;
}
function child(node, token) {
  if (Array.isArray(node))
    return node[arrayIndex(node, token, false)];
  if (isObject(node)) {
    if (!hasOwn(node, token))
      throw new Error(`no member ${JSON.stringify(token)}`);
    return node[token];
  }
  throw new Error(`cannot look up ${JSON.stringify(token)} in a ${node === null ? "null" : typeof node}`);
}
function withChild(node, token, value) {
  if (Array.isArray(node)) {
    const copy2 = node.slice();
    copy2[arrayIndex(node, token, false)] = value;
    return copy2;
  }
  const copy = shallowCopy(node);
  define(copy, token, value);
  return copy;
}
function getIn(doc, tokens) {
  let node = doc;
  for (const t of tokens)
    node = child(node, t);
  return node;
}
function editParent(doc, tokens, edit) {
  const rec = (node, i) => {
    if (!Array.isArray(node) && !isObject(node)) {
      throw new Error(`cannot descend into a ${node === null ? "null" : typeof node} at ${JSON.stringify(tokens[i])}`);
    }
    if (i === tokens.length - 1)
      return edit(node, tokens[i]);
    return withChild(node, tokens[i], rec(child(node, tokens[i]), i + 1));
  };
  return rec(doc, 0);
}
function addAt(doc, tokens, value) {
  if (tokens.length === 0)
    return value;
  return editParent(doc, tokens, (parent, key) => {
    if (Array.isArray(parent)) {
      const copy2 = parent.slice();
      copy2.splice(arrayIndex(parent, key, true), 0, value);
      return copy2;
    }
    const copy = shallowCopy(parent);
    define(copy, key, value);
    return copy;
  });
}
function removeAt(doc, tokens) {
  if (tokens.length === 0)
    throw new Error("cannot remove the whole document");
  return editParent(doc, tokens, (parent, key) => {
    if (Array.isArray(parent)) {
      const copy2 = parent.slice();
      copy2.splice(arrayIndex(parent, key, false), 1);
      return copy2;
    }
    if (!hasOwn(parent, key))
      throw new Error(`no member ${JSON.stringify(key)} to remove`);
    const copy = shallowCopy(parent);
    delete copy[key];
    return copy;
  });
}
function replaceAt(doc, tokens, value) {
  if (tokens.length === 0)
    return value;
  return editParent(doc, tokens, (parent, key) => {
    child(parent, key);
    return withChild(parent, key, value);
  });
}
function applyOne(doc, op) {
  if (typeof op !== "object" || op === null)
    throw new Error("an operation must be an object");
  const path = parsePointer(op.path);
  const value = () => {
    if (!hasOwn(op, "value"))
      throw new Error(`"${op.op}" needs a "value"`);
    return cloneJson(op.value);
  };
  const from = () => {
    if (typeof op.from !== "string")
      throw new Error(`"${op.op}" needs a "from"`);
    return parsePointer(op.from);
  };
  switch (op.op) {
    case "add":
      return addAt(doc, path, value());
    case "remove":
      return removeAt(doc, path);
    case "replace":
      return replaceAt(doc, path, value());
    case "move": {
      const src = from();
      if (op.from === op.path) {
        getIn(doc, src);
        return doc;
      }
      if (src.length < path.length && src.every((t, i) => t === path[i])) {
        throw new Error(`cannot move ${op.from} into its own child ${op.path}`);
      }
      const v = getIn(doc, src);
      return addAt(removeAt(doc, src), path, v);
    }
    case "copy":
      return addAt(doc, path, cloneJson(getIn(doc, from())));
    case "test":
      if (!jsonEqual(getIn(doc, path), value()))
        throw new Error(`test failed at ${JSON.stringify(op.path)}`);
      return doc;
    default:
      throw new Error(`unknown operation ${JSON.stringify(op.op)}`);
  }
}
function applyPatch(doc, patch) {
  if (!Array.isArray(patch))
    throw new PatchError("a patch must be an array of operations", -1);
  let cur = doc;
  patch.forEach((op, i) => {
    try {
      cur = applyOne(cur, op);
    } catch (e) {
      throw new PatchError(`operation ${i} (${JSON.stringify(op)}): ${e.message}`, i);
    }
  });
  return cur;
}

// dist/client.js
var PROTOCOL_VERSION = 1;
var OPEN = 1;
function detach(ws) {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = () => {
  };
}
function randomKey(random = Math.random) {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function")
    return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function")
    c.getRandomValues(bytes);
  else
    for (let i = 0; i < bytes.length; i++)
      bytes[i] = Math.floor(random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
var Subscription = class {
  /** @internal */
  constructor(client, actor, onChange, options) {
    this.view = void 0;
    this.epoch = void 0;
    this.seq = void 0;
    this.state = "pending";
    this.error = void 0;
    this._id = void 0;
    this._retryAttempt = 0;
    this._retryTimer = void 0;
    this.client = client;
    this.actor = actor;
    this._onChange = onChange;
    this._onError = options.onError;
    this.ready = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this.ready.catch(() => {
    });
  }
  /** Ends the subscription. Resolves once the server confirmed (or at once when disconnected). */
  unsubscribe() {
    return this.client._unsubscribe(this);
  }
};
var Client = class {
  /** @internal use {@link connect} */
  constructor(opts) {
    this.ws = null;
    this.isOpen = false;
    this.stopped = false;
    this._status = "closed";
    this.attempt = 0;
    this.nextId = 1;
    this.calls = /* @__PURE__ */ new Map();
    this.acks = /* @__PURE__ */ new Map();
    this.subs = /* @__PURE__ */ new Set();
    this.subsById = /* @__PURE__ */ new Map();
    this.listeners = { status: /* @__PURE__ */ new Set(), error: /* @__PURE__ */ new Set() };
    this.principal = void 0;
    this.serverHeartbeatMs = void 0;
    this.opts = opts;
    this.url = opts.url.replace(/^http(s?):/i, "ws$1:");
    const Ctor = opts.WebSocket ?? globalThis.WebSocket;
    if (!Ctor) {
      throw new TypeError("no global WebSocket: pass connect({WebSocket}) (in Node 20, the `ws` package's WebSocket)");
    }
    this.Ctor = Ctor;
    this.random = opts.random ?? Math.random;
    this.dial();
  }
  /** The connection status. */
  get status() {
    return this._status;
  }
  on(event, fn) {
    const set = this.listeners[event];
    set.add(fn);
    return () => set.delete(fn);
  }
  /** Resolves when the connection is (or next becomes) open; rejects if the client stops first. */
  whenOpen() {
    if (this.isOpen)
      return Promise.resolve();
    if (this.stopped)
      return Promise.reject(this.stopError());
    return new Promise((resolve, reject) => {
      const off = this.on("status", (s, d) => {
        if (s === "open") {
          off();
          resolve();
        } else if (d.final) {
          off();
          reject(this.stopError());
        }
      });
    });
  }
  /**
   * Calls `method` of `actor` (`class/key`) with a JSON `payload`. Resolves
   * with the reply; rejects with a {@link MicrolithError}. Calls made while
   * disconnected wait for the connection (up to their timeout).
   */
  call(actor, method, payload, options = {}) {
    if (this.stopped)
      return Promise.reject(this.stopError());
    const id = this.nextId++;
    const frame = { op: "call", id, actor, method };
    if (payload !== void 0)
      frame.payload = payload;
    const key = options.idempotencyKey === void 0 ? randomKey(this.random) : options.idempotencyKey;
    if (key !== false)
      frame.idempotency_key = key;
    return new Promise((resolve, reject) => {
      const pending = {
        id,
        frame,
        retryable: key !== false,
        sent: false,
        resolve,
        reject,
        timer: void 0
      };
      const timeoutMs = options.timeoutMs ?? this.opts.callTimeoutMs ?? 3e4;
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.calls.delete(id);
          reject(new MicrolithError("timeout", `${actor} ${method}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.calls.set(id, pending);
      if (this.isOpen)
        this.sendCall(pending);
    });
  }
  /**
   * Subscribes to the view of `actor`. `onChange` gets every new view. The
   * subscription survives reconnects: it resumes where it left off, or gets
   * a fresh snapshot.
   */
  subscribe(actor, onChange = () => {
  }, options = {}) {
    const sub = new Subscription(this, actor, onChange, options);
    if (this.stopped) {
      this.endSub(sub, this.stopError(), false);
      return sub;
    }
    this.subs.add(sub);
    if (this.isOpen)
      this.sendSubscribe(sub);
    return sub;
  }
  /** Closes the connection for good: pending calls reject with `closed`, subscriptions end. */
  close() {
    if (this.stopped)
      return;
    this.stop(new MicrolithError("closed", "the client was closed"), "closed by the client");
  }
  // ---- internals ------------------------------------------------------------------------------
  stopError() {
    if (this.goodbye) {
      return new MicrolithError("goodbye", `the server said goodbye: ${this.goodbye.reason}${this.goodbye.message ? `: ${this.goodbye.message}` : ""}`);
    }
    return new MicrolithError("closed", "the client was closed");
  }
  setStatus(status, detail = {}) {
    this._status = status;
    for (const fn of [...this.listeners.status]) {
      try {
        fn(status, detail);
      } catch {
      }
    }
  }
  emitError(e) {
    for (const fn of [...this.listeners.error]) {
      try {
        fn(e);
      } catch {
      }
    }
  }
  async dial() {
    if (this.stopped)
      return;
    this.setStatus("connecting", { attempt: this.attempt });
    let token = this.opts.token;
    if (this.opts.getToken) {
      try {
        token = await this.opts.getToken();
      } catch (e) {
        this.emitError(new MicrolithError("unauthorized", `getToken failed: ${e?.message ?? e}`));
        this.afterDrop(`getToken failed`);
        return;
      }
      if (this.stopped)
        return;
    }
    let ws;
    try {
      ws = new this.Ctor(this.url);
    } catch (e) {
      this.afterDrop(`cannot open ${this.url}: ${e?.message ?? e}`);
      return;
    }
    this.ws = ws;
    this.goodbye = void 0;
    const connectTimeoutMs = this.opts.connectTimeoutMs ?? 1e4;
    this.connectTimer = setTimeout(() => this.drop(ws, `no welcome within ${connectTimeoutMs} ms`), connectTimeoutMs);
    ws.onopen = () => {
      const hello = { op: "hello", protocol: PROTOCOL_VERSION };
      if (token)
        hello.token = token;
      this.sendOn(ws, hello);
    };
    ws.onmessage = (ev) => this.onMessage(ws, ev.data);
    ws.onclose = (ev) => this.drop(ws, `socket closed (code ${ev?.code ?? "?"}${ev?.reason ? `, ${ev.reason}` : ""})`);
    ws.onerror = () => this.drop(ws, "socket error");
  }
  /** Sends on `ws`; a failing send drops the connection. */
  sendOn(ws, frame) {
    if (ws !== this.ws || ws.readyState !== OPEN)
      return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch (e) {
      this.drop(ws, `send failed: ${e?.message ?? e}`);
      return false;
    }
  }
  send(frame) {
    return this.ws !== null && this.isOpen && this.sendOn(this.ws, frame);
  }
  clearConnectionTimers() {
    clearTimeout(this.connectTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.connectTimer = this.pingTimer = this.pongTimer = void 0;
    this.pendingPing = void 0;
  }
  /** Forgets `ws` (if it is the current socket) and schedules a reconnect. */
  drop(ws, reason) {
    if (ws !== this.ws)
      return;
    detach(ws);
    try {
      if (typeof ws.terminate === "function")
        ws.terminate();
      else
        ws.close();
    } catch {
    }
    this.ws = null;
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.clearConnectionTimers();
    for (const c of [...this.calls.values()]) {
      if (!c.sent)
        continue;
      if (c.retryable) {
        c.sent = false;
      } else {
        this.calls.delete(c.id);
        clearTimeout(c.timer);
        c.reject(new MicrolithError("disconnected", `the connection dropped while ${c.frame.actor} ${c.frame.method} was in flight (${reason})`));
      }
    }
    for (const fn of this.acks.values())
      fn();
    this.acks.clear();
    this.subsById.clear();
    for (const s of this.subs) {
      clearTimeout(s._retryTimer);
      s._retryTimer = void 0;
      s._id = void 0;
      if (s.state === "live")
        s.state = "pending";
    }
    if (wasOpen)
      this.attempt = 0;
    const fatal = this.fatalGoodbye();
    if (fatal) {
      this.stop(this.stopError(), reason);
      return;
    }
    this.afterDrop(reason);
  }
  fatalGoodbye() {
    const g = this.goodbye;
    if (!g)
      return false;
    if (g.reason === "unsupported_protocol")
      return true;
    return g.reason === "unauthorized" && !this.opts.getToken;
  }
  /** Status `closed` and a reconnect after a backoff delay. */
  afterDrop(reason) {
    if (this.stopped)
      return;
    const delay = backoffDelay(this.attempt, this.opts.backoff, this.random);
    const attempt = this.attempt++;
    this.setStatus("closed", { reason, attempt, retryInMs: delay });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = void 0;
      void this.dial();
    }, delay);
  }
  stop(error, reason) {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.clearConnectionTimers();
    const ws = this.ws;
    this.ws = null;
    this.isOpen = false;
    if (ws) {
      detach(ws);
      try {
        ws.close(1e3);
      } catch {
      }
    }
    for (const c of this.calls.values()) {
      clearTimeout(c.timer);
      c.reject(error);
    }
    this.calls.clear();
    for (const fn of this.acks.values())
      fn();
    this.acks.clear();
    for (const s of [...this.subs])
      this.endSub(s, error, false);
    this.subsById.clear();
    this.setStatus("closed", { reason, final: true });
  }
  onMessage(ws, data) {
    if (ws !== this.ws)
      return;
    if (typeof data !== "string") {
      this.emitError(new MicrolithError("protocol_error", "the server sent a binary message"));
      return;
    }
    let f;
    try {
      f = JSON.parse(data);
    } catch {
      this.emitError(new MicrolithError("protocol_error", `the server sent text that is not JSON: ${data.slice(0, 200)}`));
      return;
    }
    if (typeof f !== "object" || f === null)
      return;
    switch (f.op) {
      case "welcome":
        return this.onWelcome(ws, f);
      case "result":
        return this.onResult(f);
      case "error":
        return this.onError(f);
      case "snapshot":
        return this.onSnapshot(f);
      case "resumed":
        return this.onResumed(f);
      case "delta":
        return this.onDelta(f);
      case "pong":
        if (f.id === this.pendingPing) {
          this.pendingPing = void 0;
          clearTimeout(this.pongTimer);
          this.pongTimer = void 0;
        }
        return;
      case "goodbye":
        this.goodbye = { reason: String(f.reason), message: f.message };
        return;
      default:
        return;
    }
  }
  onWelcome(ws, f) {
    clearTimeout(this.connectTimer);
    this.connectTimer = void 0;
    this.isOpen = true;
    this.attempt = 0;
    this.principal = f.principal ?? null;
    this.serverHeartbeatMs = typeof f.heartbeat_ms === "number" ? f.heartbeat_ms : void 0;
    this.startHeartbeat(ws);
    this.setStatus("open", { principal: this.principal });
    if (ws !== this.ws)
      return;
    for (const s of this.subs)
      if (s._id === void 0 && s._retryTimer === void 0)
        this.sendSubscribe(s);
    for (const c of [...this.calls.values()])
      if (!c.sent)
        this.sendCall(c);
  }
  startHeartbeat(ws) {
    const every = this.opts.heartbeatMs ?? 1e4;
    if (!(every > 0))
      return;
    const pongTimeoutMs = this.opts.pongTimeoutMs ?? 1e4;
    this.pingTimer = setInterval(() => {
      if (ws !== this.ws || this.pendingPing !== void 0)
        return;
      const id = this.nextId++;
      this.pendingPing = id;
      this.pongTimer = setTimeout(() => this.drop(ws, `no pong within ${pongTimeoutMs} ms`), pongTimeoutMs);
      this.sendOn(ws, { op: "ping", id });
    }, every);
  }
  sendCall(c) {
    c.sent = this.send(c.frame);
  }
  sendSubscribe(s, resume = s.epoch !== void 0 && s.seq !== void 0) {
    if (s.state === "ended" || !this.isOpen)
      return;
    const id = this.nextId++;
    s._id = id;
    s.state = "pending";
    this.subsById.set(id, s);
    const frame = { op: "subscribe", id, actor: s.actor };
    if (resume && s.epoch !== void 0 && s.seq !== void 0)
      frame.resume = { epoch: s.epoch, seq: s.seq };
    this.send(frame);
  }
  /** Drops the server-side subscription `s` has now and subscribes again (with resume unless `fresh`). */
  resync(s, fresh) {
    const old = s._id;
    if (old !== void 0) {
      this.subsById.delete(old);
      const id = this.nextId++;
      this.acks.set(id, () => {
      });
      this.send({ op: "unsubscribe", id, sub: old });
    }
    s._id = void 0;
    this.sendSubscribe(s, !fresh);
  }
  onResult(f) {
    const c = this.calls.get(f.id);
    if (c) {
      this.calls.delete(f.id);
      clearTimeout(c.timer);
      c.resolve(f.payload === void 0 ? null : f.payload);
      return;
    }
    const ack = this.acks.get(f.id);
    if (ack) {
      this.acks.delete(f.id);
      ack();
    }
  }
  onError(f) {
    const err = new MicrolithError(String(f.code ?? "internal"), String(f.message ?? ""));
    if (typeof f.id === "number") {
      const c = this.calls.get(f.id);
      if (c) {
        this.calls.delete(f.id);
        clearTimeout(c.timer);
        c.reject(err);
        return;
      }
      const ack = this.acks.get(f.id);
      if (ack) {
        this.acks.delete(f.id);
        ack();
        return;
      }
    }
    const subId = typeof f.sub === "number" ? f.sub : f.id;
    const s = typeof subId === "number" ? this.subsById.get(subId) : void 0;
    if (s) {
      this.subsById.delete(subId);
      s._id = void 0;
      if (TRANSIENT_CODES.has(err.code) && (err.code !== "unknown_class" || s.epoch !== void 0)) {
        const delay = backoffDelay(s._retryAttempt++, this.opts.backoff, this.random);
        s.state = "pending";
        s._retryTimer = setTimeout(() => {
          s._retryTimer = void 0;
          this.sendSubscribe(s);
        }, delay);
      } else {
        this.endSub(s, err, true);
      }
      return;
    }
    if (f.id === void 0 && f.sub === void 0)
      this.emitError(err);
  }
  onSnapshot(f) {
    const s = this.subsById.get(f.sub);
    if (!s)
      return;
    s.view = f.view;
    s.epoch = String(f.epoch);
    s.seq = Number(f.seq);
    s.state = "live";
    s._retryAttempt = 0;
    s._resolve(s.view);
    this.notify(s, { kind: "snapshot", epoch: s.epoch, seq: s.seq });
  }
  onResumed(f) {
    const s = this.subsById.get(f.sub);
    if (!s)
      return;
    if (f.epoch !== s.epoch || f.seq !== s.seq) {
      this.resync(s, true);
      return;
    }
    s.state = "live";
    s._retryAttempt = 0;
  }
  onDelta(f) {
    const s = this.subsById.get(f.sub);
    if (!s)
      return;
    if (s.seq === void 0 || s.epoch === void 0 || f.epoch !== s.epoch) {
      this.resync(s, true);
      return;
    }
    if (typeof f.seq === "number" && f.seq <= s.seq)
      return;
    if (f.base !== s.seq) {
      this.resync(s, false);
      return;
    }
    let view;
    try {
      view = applyPatch(s.view, f.patch);
    } catch (e) {
      if (!(e instanceof PatchError))
        throw e;
      this.emitError(new MicrolithError("protocol_error", `${s.actor}: a delta did not apply (${e.message}); fetching a snapshot`));
      this.resync(s, true);
      return;
    }
    s.view = view;
    s.seq = f.seq;
    s.state = "live";
    this.notify(s, { kind: "delta", epoch: s.epoch, seq: f.seq, patch: f.patch });
  }
  notify(s, info) {
    try {
      s._onChange(s.view, info);
    } catch (e) {
      this.emitError(new MicrolithError("listener_error", `onChange of ${s.actor} threw: ${e?.message ?? e}`));
    }
  }
  endSub(s, err, report) {
    if (s.state === "ended")
      return;
    s.state = "ended";
    s.error = err;
    clearTimeout(s._retryTimer);
    s._retryTimer = void 0;
    if (s._id !== void 0)
      this.subsById.delete(s._id);
    s._id = void 0;
    this.subs.delete(s);
    if (err)
      s._reject(err);
    if (report && err && s._onError) {
      try {
        s._onError(err);
      } catch {
      }
    }
  }
  /** @internal */
  _unsubscribe(s) {
    const serverId = s._id;
    this.endSub(s, void 0, false);
    s._reject(new MicrolithError("closed", "unsubscribed"));
    if (serverId === void 0 || !this.isOpen)
      return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        resolve();
      }, this.opts.callTimeoutMs || 3e4);
      this.acks.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      if (!this.send({ op: "unsubscribe", id, sub: serverId })) {
        this.acks.delete(id);
        clearTimeout(timer);
        resolve();
      }
    });
  }
};
function connect(options) {
  return new Client(options);
}
export {
  Client,
  DEFAULT_BACKOFF,
  MicrolithError,
  PROTOCOL_VERSION,
  PatchError,
  Subscription,
  TRANSIENT_CODES,
  applyPatch,
  backoffDelay,
  cloneJson,
  connect,
  jsonEqual,
  parsePointer,
  randomKey
};
