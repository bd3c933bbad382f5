// An in-memory stand-in for a Microlith server: a WebSocket constructor whose
// sockets talk to this object instead of the network.

export class FakeServer {
  constructor() {
    /** Every socket ever created, in order. */
    this.sockets = [];
    /** Every frame any client sent: {sock, frame}. */
    this.received = [];
    /** When true, new sockets fail to open. */
    this.refuse = false;
    /** When false, `ping` frames get no `pong`. */
    this.answerPings = true;
    /** Fields of the welcome frame. */
    this.welcome = { principal: null, heartbeat_ms: 15000, max_frame_bytes: 1048576 };
    /** Test hook for every non-hello, non-ping frame: (sock, frame) => void. */
    this.handler = () => {};
    this.waiters = [];
    const server = this;
    this.WebSocket = class FakeSocket {
      constructor(url) {
        this.url = url;
        this.readyState = 0;
        this.onopen = this.onmessage = this.onclose = this.onerror = null;
        server.sockets.push(this);
        setTimeout(() => {
          if (this.readyState !== 0) return;
          if (server.refuse) {
            this.readyState = 3;
            this.onerror?.({});
            this.onclose?.({ code: 1006 });
          } else {
            this.readyState = 1;
            this.onopen?.({});
          }
        }, 0);
      }
      send(text) {
        if (this.readyState !== 1) throw new Error("not open");
        const frame = JSON.parse(text);
        server.received.push({ sock: this, frame });
        queueMicrotask(() => server.onFrame(this, frame));
      }
      /** Server → client. */
      deliver(frame) {
        if (this.readyState !== 1) return;
        this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
      }
      /** The connection dies (as if the server crashed). */
      kill(code = 1006) {
        if (this.readyState === 3) return;
        this.readyState = 3;
        this.onclose?.({ code });
      }
      close() {
        this.readyState = 3;
      }
      terminate() {
        this.readyState = 3;
      }
    };
  }

  get current() {
    return this.sockets[this.sockets.length - 1];
  }

  onFrame(sock, frame) {
    if (frame.op === "hello") {
      sock.deliver({ op: "welcome", protocol: 1, ...this.welcome });
    } else if (frame.op === "ping") {
      if (this.answerPings) sock.deliver({ op: "pong", id: frame.id });
    } else {
      this.handler(sock, frame);
    }
    for (const w of [...this.waiters]) {
      if (w.pred(frame, sock)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve({ frame, sock });
      }
    }
  }

  /** Resolves with the next frame matching `pred` (also one already received, if `past`). */
  next(pred, { timeoutMs = 2000, past = false } = {}) {
    if (past) {
      const hit = this.received.find((r) => pred(r.frame, r.sock));
      if (hit) return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no matching frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  framesOf(op) {
    return this.received.filter((r) => r.frame.op === op).map((r) => r.frame);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns truthy. */
export async function until(fn, { timeoutMs = 2000, what = "condition" } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
