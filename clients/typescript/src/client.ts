/**
 * The Microlith WebSocket client (protocol v1, `docs/protocol.md`).
 *
 * One `Client` owns one logical connection: it dials, says `hello`, and
 * redials with exponential backoff whenever the socket drops, re-sending
 * `hello` and re-subscribing every live subscription with `resume`.
 */

import { backoffDelay, type BackoffOptions } from "./backoff.js";
import { MicrolithError, TRANSIENT_CODES } from "./errors.js";
import { applyPatch, PatchError, type JsonValue, type PatchOperation } from "./patch.js";

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = 1;

/** The part of the WebSocket API the client uses (browsers' and the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: any) => void) | null;
  /** `ws` has it: drops the TCP connection at once. */
  terminate?: () => void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type Status = "connecting" | "open" | "closed";

export interface StatusDetail {
  /** Why the connection closed (for `closed`). */
  reason?: string;
  /** Reconnect attempt number (0 for the first connection after an open one). */
  attempt?: number;
  /** For `closed` when a reconnect is scheduled: the delay before it. */
  retryInMs?: number;
  /** For `closed`: the client has stopped for good (close() or a fatal goodbye). */
  final?: boolean;
  /** For `open`: the connection's principal (`null`: anonymous). */
  principal?: string | null;
}

export interface ConnectOptions {
  /** `ws://host:port/v1/ws` (an `http(s)://` URL is turned into `ws(s)://`). */
  url: string;
  /** A JWT sent in every `hello`. */
  token?: string;
  /** Called before every (re)connection; wins over `token`. Return null for anonymous. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** The WebSocket constructor; defaults to the global one (browsers). In Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Reconnect timing. */
  backoff?: BackoffOptions;
  /** Interval of the client's `ping` frames (ms). Default 10 000; 0 disables. */
  heartbeatMs?: number;
  /** A `pong` that has not arrived after this long means the connection is dead (ms). Default 10 000. */
  pongTimeoutMs?: number;
  /** Time from dialing to `welcome` before the attempt is given up (ms). Default 10 000. */
  connectTimeoutMs?: number;
  /** Default timeout of calls (ms). Default 30 000; 0 for none. */
  callTimeoutMs?: number;
  /** Randomness for jitter and idempotency keys' fallback (tests). */
  random?: () => number;
}

export interface CallOptions {
  /**
   * Makes the call safe to retry: the server runs it at most once per key and
   * actor. By default a random key is generated for every call, so calls in
   * flight during a disconnect are re-sent after reconnecting. Pass `false`
   * to send no key: such a call is rejected with `disconnected` instead.
   */
  idempotencyKey?: string | false;
  /** Rejects with `timeout` after this many ms (0: never). Default: the client's `callTimeoutMs`. */
  timeoutMs?: number;
}

export interface ChangeInfo {
  /** `snapshot`: a whole new view; `delta`: a patch was applied. */
  kind: "snapshot" | "delta";
  epoch: string;
  seq: number;
  /** For `delta`: the patch that was applied. */
  patch?: PatchOperation[];
}

export interface SubscribeOptions {
  /** Called when the server ends the subscription with an error. */
  onError?: (error: MicrolithError) => void;
}

type Listener<A extends unknown[]> = (...args: A) => void;

interface PendingCall {
  id: number;
  frame: Record<string, unknown>;
  retryable: boolean;
  sent: boolean;
  resolve: (v: JsonValue) => void;
  reject: (e: MicrolithError) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const OPEN = 1;

/**
 * Stops listening to a socket we are done with. `onerror` stays a no-op: the
 * `ws` package emits "error" when a socket is closed before its handshake
 * finished, and an EventEmitter "error" without a listener would throw.
 */
function detach(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  ws.onerror = () => {};
}

/** A random idempotency key. */
export function randomKey(random: () => number = Math.random): string {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c && typeof c.getRandomValues === "function") c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A live view of one actor. `view` is the current value; it is replaced (never mutated) on each change. */
export class Subscription<V = JsonValue> {
  readonly actor: string;
  /** The current view (`undefined` until the first snapshot). */
  view: V | undefined = undefined;
  /** The history `seq` counts in. */
  epoch: string | undefined = undefined;
  /** The sequence number of `view`. */
  seq: number | undefined = undefined;
  /** `pending`: waiting for a snapshot or resume; `live`; `ended`: unsubscribed or failed. */
  state: "pending" | "live" | "ended" = "pending";
  /** The error that ended the subscription, if any. */
  error: MicrolithError | undefined = undefined;
  /** Resolves with the first view; rejects if the subscription fails before it. */
  readonly ready: Promise<V>;

  /** @internal the id of the current `subscribe` frame (the server's `sub`). */
  _id: number | undefined = undefined;
  /** @internal */
  _retryAttempt = 0;
  /** @internal */
  _retryTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** @internal */
  _resolve!: (v: V) => void;
  /** @internal */
  _reject!: (e: MicrolithError) => void;
  /** @internal */
  readonly _onChange: (view: V, info: ChangeInfo) => void;
  /** @internal */
  readonly _onError: ((e: MicrolithError) => void) | undefined;
  private readonly client: Client;

  /** @internal */
  constructor(client: Client, actor: string, onChange: (view: V, info: ChangeInfo) => void, options: SubscribeOptions) {
    this.client = client;
    this.actor = actor;
    this._onChange = onChange;
    this._onError = options.onError;
    this.ready = new Promise<V>((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this.ready.catch(() => {}); // a failure is also reported through onError/state
  }

  /** Ends the subscription. Resolves once the server confirmed (or at once when disconnected). */
  unsubscribe(): Promise<void> {
    return this.client._unsubscribe(this as Subscription<any>);
  }
}

/** A connection to a Microlith server. Create it with {@link connect}. */
export class Client {
  private readonly opts: ConnectOptions;
  private readonly url: string;
  private readonly Ctor: WebSocketConstructor;
  private readonly random: () => number;
  private ws: WebSocketLike | null = null;
  private isOpen = false;
  private stopped = false;
  private _status: Status = "closed";
  private attempt = 0;
  private nextId = 1;
  private readonly calls = new Map<number, PendingCall>();
  private readonly acks = new Map<number, () => void>();
  private readonly subs = new Set<Subscription<any>>();
  private readonly subsById = new Map<number, Subscription<any>>();
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private pendingPing: number | undefined;
  private goodbye: { reason: string; message?: string } | undefined;
  private readonly listeners: { status: Set<Listener<[Status, StatusDetail]>>; error: Set<Listener<[MicrolithError]>> } =
    { status: new Set(), error: new Set() };
  /** The principal the server named in `welcome` (`null`: anonymous). */
  principal: string | null | undefined = undefined;
  /** The server's `heartbeat_ms` from `welcome`. */
  serverHeartbeatMs: number | undefined = undefined;

  /** @internal use {@link connect} */
  constructor(opts: ConnectOptions) {
    this.opts = opts;
    this.url = opts.url.replace(/^http(s?):/i, "ws$1:");
    const Ctor = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      throw new TypeError("no global WebSocket: pass connect({WebSocket}) (in Node 20, the `ws` package's WebSocket)");
    }
    this.Ctor = Ctor;
    this.random = opts.random ?? Math.random;
    this.dial();
  }

  /** The connection status. */
  get status(): Status {
    return this._status;
  }

  /** Subscribes to `status` changes or connection-level `error`s; returns a function that unsubscribes. */
  on(event: "status", fn: (status: Status, detail: StatusDetail) => void): () => void;
  on(event: "error", fn: (error: MicrolithError) => void): () => void;
  on(event: "status" | "error", fn: (...args: any[]) => void): () => void {
    const set = this.listeners[event] as Set<(...args: any[]) => void>;
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Resolves when the connection is (or next becomes) open; rejects if the client stops first. */
  whenOpen(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    if (this.stopped) return Promise.reject(this.stopError());
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
  call<R = JsonValue>(actor: string, method: string, payload?: unknown, options: CallOptions = {}): Promise<R> {
    if (this.stopped) return Promise.reject(this.stopError());
    const id = this.nextId++;
    const frame: Record<string, unknown> = { op: "call", id, actor, method };
    if (payload !== undefined) frame.payload = payload;
    const key = options.idempotencyKey === undefined ? randomKey(this.random) : options.idempotencyKey;
    if (key !== false) frame.idempotency_key = key;
    return new Promise<R>((resolve, reject) => {
      const pending: PendingCall = {
        id,
        frame,
        retryable: key !== false,
        sent: false,
        resolve: resolve as (v: JsonValue) => void,
        reject,
        timer: undefined,
      };
      const timeoutMs = options.timeoutMs ?? this.opts.callTimeoutMs ?? 30_000;
      if (timeoutMs > 0) {
        pending.timer = setTimeout(() => {
          this.calls.delete(id);
          reject(new MicrolithError("timeout", `${actor} ${method}: no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.calls.set(id, pending);
      if (this.isOpen) this.sendCall(pending);
    });
  }

  /**
   * Subscribes to the view of `actor`. `onChange` gets every new view. The
   * subscription survives reconnects: it resumes where it left off, or gets
   * a fresh snapshot.
   */
  subscribe<V = JsonValue>(
    actor: string,
    onChange: (view: V, info: ChangeInfo) => void = () => {},
    options: SubscribeOptions = {},
  ): Subscription<V> {
    const sub = new Subscription<V>(this, actor, onChange, options);
    if (this.stopped) {
      this.endSub(sub, this.stopError(), false);
      return sub;
    }
    this.subs.add(sub);
    if (this.isOpen) this.sendSubscribe(sub);
    return sub;
  }

  /** Closes the connection for good: pending calls reject with `closed`, subscriptions end. */
  close(): void {
    if (this.stopped) return;
    this.stop(new MicrolithError("closed", "the client was closed"), "closed by the client");
  }

  // ---- internals ------------------------------------------------------------------------------

  private stopError(): MicrolithError {
    if (this.goodbye) {
      return new MicrolithError("goodbye", `the server said goodbye: ${this.goodbye.reason}${this.goodbye.message ? `: ${this.goodbye.message}` : ""}`);
    }
    return new MicrolithError("closed", "the client was closed");
  }

  private setStatus(status: Status, detail: StatusDetail = {}): void {
    this._status = status;
    for (const fn of [...this.listeners.status]) {
      try {
        fn(status, detail);
      } catch {
        // a listener's failure is not the connection's
      }
    }
  }

  private emitError(e: MicrolithError): void {
    for (const fn of [...this.listeners.error]) {
      try {
        fn(e);
      } catch {
        // ignored
      }
    }
  }

  private async dial(): Promise<void> {
    if (this.stopped) return;
    this.setStatus("connecting", { attempt: this.attempt });
    let token: string | null | undefined = this.opts.token;
    if (this.opts.getToken) {
      try {
        token = await this.opts.getToken();
      } catch (e) {
        this.emitError(new MicrolithError("unauthorized", `getToken failed: ${(e as Error)?.message ?? e}`));
        this.afterDrop(`getToken failed`);
        return;
      }
      if (this.stopped) return;
    }
    let ws: WebSocketLike;
    try {
      ws = new this.Ctor(this.url);
    } catch (e) {
      this.afterDrop(`cannot open ${this.url}: ${(e as Error)?.message ?? e}`);
      return;
    }
    this.ws = ws;
    this.goodbye = undefined;
    const connectTimeoutMs = this.opts.connectTimeoutMs ?? 10_000;
    this.connectTimer = setTimeout(() => this.drop(ws, `no welcome within ${connectTimeoutMs} ms`), connectTimeoutMs);
    ws.onopen = () => {
      const hello: Record<string, unknown> = { op: "hello", protocol: PROTOCOL_VERSION };
      if (token) hello.token = token;
      this.sendOn(ws, hello);
    };
    ws.onmessage = (ev) => this.onMessage(ws, ev.data);
    ws.onclose = (ev) => this.drop(ws, `socket closed (code ${ev?.code ?? "?"}${ev?.reason ? `, ${ev.reason}` : ""})`);
    ws.onerror = () => this.drop(ws, "socket error");
  }

  /** Sends on `ws`; a failing send drops the connection. */
  private sendOn(ws: WebSocketLike, frame: Record<string, unknown>): boolean {
    if (ws !== this.ws || ws.readyState !== OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch (e) {
      this.drop(ws, `send failed: ${(e as Error)?.message ?? e}`);
      return false;
    }
  }

  private send(frame: Record<string, unknown>): boolean {
    return this.ws !== null && this.isOpen && this.sendOn(this.ws, frame);
  }

  private clearConnectionTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.connectTimer = this.pingTimer = this.pongTimer = undefined;
    this.pendingPing = undefined;
  }

  /** Forgets `ws` (if it is the current socket) and schedules a reconnect. */
  private drop(ws: WebSocketLike, reason: string): void {
    if (ws !== this.ws) return;
    detach(ws);
    try {
      if (typeof ws.terminate === "function") ws.terminate();
      else ws.close();
    } catch {
      // already closed
    }
    this.ws = null;
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.clearConnectionTimers();
    // Calls in flight: retry those with an idempotency key, reject the others.
    for (const c of [...this.calls.values()]) {
      if (!c.sent) continue;
      if (c.retryable) {
        c.sent = false;
      } else {
        this.calls.delete(c.id);
        clearTimeout(c.timer);
        c.reject(new MicrolithError("disconnected", `the connection dropped while ${c.frame.actor} ${c.frame.method} was in flight (${reason})`));
      }
    }
    for (const fn of this.acks.values()) fn();
    this.acks.clear();
    this.subsById.clear();
    for (const s of this.subs) {
      clearTimeout(s._retryTimer);
      s._retryTimer = undefined;
      s._id = undefined;
      if (s.state === "live") s.state = "pending";
    }
    if (wasOpen) this.attempt = 0;
    const fatal = this.fatalGoodbye();
    if (fatal) {
      this.stop(this.stopError(), reason);
      return;
    }
    this.afterDrop(reason);
  }

  private fatalGoodbye(): boolean {
    const g = this.goodbye;
    if (!g) return false;
    if (g.reason === "unsupported_protocol") return true;
    return g.reason === "unauthorized" && !this.opts.getToken;
  }

  /** Status `closed` and a reconnect after a backoff delay. */
  private afterDrop(reason: string): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.opts.backoff, this.random);
    const attempt = this.attempt++;
    this.setStatus("closed", { reason, attempt, retryInMs: delay });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.dial();
    }, delay);
  }

  private stop(error: MicrolithError, reason: string): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.clearConnectionTimers();
    const ws = this.ws;
    this.ws = null;
    this.isOpen = false;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000);
      } catch {
        // ignored
      }
    }
    for (const c of this.calls.values()) {
      clearTimeout(c.timer);
      c.reject(error);
    }
    this.calls.clear();
    for (const fn of this.acks.values()) fn();
    this.acks.clear();
    for (const s of [...this.subs]) this.endSub(s, error, false);
    this.subsById.clear();
    this.setStatus("closed", { reason, final: true });
  }

  private onMessage(ws: WebSocketLike, data: unknown): void {
    if (ws !== this.ws) return;
    if (typeof data !== "string") {
      this.emitError(new MicrolithError("protocol_error", "the server sent a binary message"));
      return;
    }
    let f: any;
    try {
      f = JSON.parse(data);
    } catch {
      this.emitError(new MicrolithError("protocol_error", `the server sent text that is not JSON: ${data.slice(0, 200)}`));
      return;
    }
    if (typeof f !== "object" || f === null) return;
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
          this.pendingPing = undefined;
          clearTimeout(this.pongTimer);
          this.pongTimer = undefined;
        }
        return;
      case "goodbye":
        this.goodbye = { reason: String(f.reason), message: f.message };
        return;
      default:
        // unknown server ops are ignored (a later minor version may add some)
        return;
    }
  }

  private onWelcome(ws: WebSocketLike, f: any): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    this.isOpen = true;
    this.attempt = 0;
    this.principal = f.principal ?? null;
    this.serverHeartbeatMs = typeof f.heartbeat_ms === "number" ? f.heartbeat_ms : undefined;
    this.startHeartbeat(ws);
    this.setStatus("open", { principal: this.principal });
    if (ws !== this.ws) return; // a status listener closed us
    for (const s of this.subs) if (s._id === undefined && s._retryTimer === undefined) this.sendSubscribe(s);
    for (const c of [...this.calls.values()]) if (!c.sent) this.sendCall(c);
  }

  private startHeartbeat(ws: WebSocketLike): void {
    const every = this.opts.heartbeatMs ?? 10_000;
    if (!(every > 0)) return;
    const pongTimeoutMs = this.opts.pongTimeoutMs ?? 10_000;
    this.pingTimer = setInterval(() => {
      if (ws !== this.ws || this.pendingPing !== undefined) return;
      const id = this.nextId++;
      this.pendingPing = id;
      this.pongTimer = setTimeout(() => this.drop(ws, `no pong within ${pongTimeoutMs} ms`), pongTimeoutMs);
      this.sendOn(ws, { op: "ping", id });
    }, every);
  }

  private sendCall(c: PendingCall): void {
    c.sent = this.send(c.frame);
  }

  private sendSubscribe(s: Subscription<any>, resume = s.epoch !== undefined && s.seq !== undefined): void {
    if (s.state === "ended" || !this.isOpen) return;
    const id = this.nextId++;
    s._id = id;
    s.state = "pending";
    this.subsById.set(id, s);
    const frame: Record<string, unknown> = { op: "subscribe", id, actor: s.actor };
    if (resume && s.epoch !== undefined && s.seq !== undefined) frame.resume = { epoch: s.epoch, seq: s.seq };
    this.send(frame);
  }

  /** Drops the server-side subscription `s` has now and subscribes again (with resume unless `fresh`). */
  private resync(s: Subscription<any>, fresh: boolean): void {
    const old = s._id;
    if (old !== undefined) {
      this.subsById.delete(old);
      const id = this.nextId++;
      this.acks.set(id, () => {});
      this.send({ op: "unsubscribe", id, sub: old });
    }
    s._id = undefined;
    this.sendSubscribe(s, !fresh);
  }

  private onResult(f: any): void {
    const c = this.calls.get(f.id);
    if (c) {
      this.calls.delete(f.id);
      clearTimeout(c.timer);
      c.resolve(f.payload === undefined ? null : f.payload);
      return;
    }
    const ack = this.acks.get(f.id);
    if (ack) {
      this.acks.delete(f.id);
      ack();
    }
  }

  private onError(f: any): void {
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
    const s = typeof subId === "number" ? this.subsById.get(subId) : undefined;
    if (s) {
      this.subsById.delete(subId);
      s._id = undefined;
      // unknown_class is transient only for a subscription that had a view (a restarting server);
      // a first subscribe to a class that does not exist fails.
      if (TRANSIENT_CODES.has(err.code) && (err.code !== "unknown_class" || s.epoch !== undefined)) {
        const delay = backoffDelay(s._retryAttempt++, this.opts.backoff, this.random);
        s.state = "pending";
        s._retryTimer = setTimeout(() => {
          s._retryTimer = undefined;
          this.sendSubscribe(s);
        }, delay);
      } else {
        this.endSub(s, err, true);
      }
      return;
    }
    if (f.id === undefined && f.sub === undefined) this.emitError(err);
  }

  private onSnapshot(f: any): void {
    const s = this.subsById.get(f.sub);
    if (!s) return;
    s.view = f.view;
    s.epoch = String(f.epoch);
    s.seq = Number(f.seq);
    s.state = "live";
    s._retryAttempt = 0;
    s._resolve(s.view);
    this.notify(s, { kind: "snapshot", epoch: s.epoch, seq: s.seq });
  }

  private onResumed(f: any): void {
    const s = this.subsById.get(f.sub);
    if (!s) return;
    if (f.epoch !== s.epoch || f.seq !== s.seq) {
      // not where we are: start over
      this.resync(s, true);
      return;
    }
    s.state = "live";
    s._retryAttempt = 0;
  }

  private onDelta(f: any): void {
    const s = this.subsById.get(f.sub);
    if (!s) return;
    if (s.seq === undefined || s.epoch === undefined || f.epoch !== s.epoch) {
      this.resync(s, true);
      return;
    }
    if (typeof f.seq === "number" && f.seq <= s.seq) return; // already applied
    if (f.base !== s.seq) {
      this.resync(s, false); // a gap: resume from where we are
      return;
    }
    let view: JsonValue;
    try {
      view = applyPatch(s.view as JsonValue, f.patch as PatchOperation[]);
    } catch (e) {
      if (!(e instanceof PatchError)) throw e;
      this.emitError(new MicrolithError("protocol_error", `${s.actor}: a delta did not apply (${e.message}); fetching a snapshot`));
      this.resync(s, true);
      return;
    }
    s.view = view;
    s.seq = f.seq;
    s.state = "live";
    this.notify(s, { kind: "delta", epoch: s.epoch, seq: f.seq, patch: f.patch });
  }

  private notify(s: Subscription<any>, info: ChangeInfo): void {
    try {
      s._onChange(s.view, info);
    } catch (e) {
      this.emitError(new MicrolithError("listener_error", `onChange of ${s.actor} threw: ${(e as Error)?.message ?? e}`));
    }
  }

  private endSub(s: Subscription<any>, err: MicrolithError | undefined, report: boolean): void {
    if (s.state === "ended") return;
    s.state = "ended";
    s.error = err;
    clearTimeout(s._retryTimer);
    s._retryTimer = undefined;
    if (s._id !== undefined) this.subsById.delete(s._id);
    s._id = undefined;
    this.subs.delete(s);
    if (err) s._reject(err);
    if (report && err && s._onError) {
      try {
        s._onError(err);
      } catch {
        // ignored
      }
    }
  }

  /** @internal */
  _unsubscribe(s: Subscription<any>): Promise<void> {
    const serverId = s._id;
    this.endSub(s, undefined, false);
    s._reject(new MicrolithError("closed", "unsubscribed"));
    if (serverId === undefined || !this.isOpen) return Promise.resolve();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        resolve();
      }, this.opts.callTimeoutMs || 30_000);
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
}

/** Opens a client. It connects in the background; see {@link Client.whenOpen} and the `status` event. */
export function connect(options: ConnectOptions): Client {
  return new Client(options);
}
