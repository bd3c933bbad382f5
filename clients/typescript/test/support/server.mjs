// Starts and stops the real `microlith dev` server for the integration and
// browser tests: 127.0.0.1 only, a temporary data directory, bounded waits.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "..");
export const BIN = process.env.MICROLITH_BIN ?? join(repo, "target", "release", "microlith");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` (sync or async) until it returns truthy; throws after `timeoutMs`. */
export async function until(fn, { timeoutMs = 10_000, what = "condition", every = 20 } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last.message})` : ""}`);
    await sleep(every);
  }
}

/** A `microlith dev` process that can be killed and restarted on the same port and data dir. */
export class DevServer {
  constructor() {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: cargo build --release -p microlith-cli --locked`);
    this.dataDir = mkdtempSync(join(tmpdir(), "microlith-ts-test-"));
    this.port = 0;
    this.proc = null;
    this.log = [];
  }

  get http() {
    return `http://127.0.0.1:${this.port}`;
  }

  get ws() {
    return `ws://127.0.0.1:${this.port}/v1/ws`;
  }

  /** Starts the server (on a free port the first time, then on the same one) and waits until it is ready. */
  async start({ timeoutMs = 60_000 } = {}) {
    const args = ["dev", "--listen", `127.0.0.1:${this.port}`, "--data-dir", this.dataDir];
    const proc = spawn(BIN, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" } });
    this.proc = proc;
    const exited = new Promise((r) => proc.once("exit", (code, signal) => r({ code, signal })));
    proc.exitedPromise = exited;
    let announced = null;
    let buf = "";
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (chunk) => {
      buf += chunk;
      this.log.push(chunk);
      const m = /microlith listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
      if (m) announced = Number(m[1]);
    });
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (chunk) => {
      this.log.push(chunk);
      if (this.log.length > 2000) this.log.splice(0, 1000);
    });
    let dead = null;
    exited.then((e) => (dead = e));
    await until(
      () => {
        if (dead) throw new Error(`microlith exited (${JSON.stringify(dead)}):\n${this.log.join("").slice(-4000)}`);
        return announced;
      },
      { timeoutMs, what: "the server to announce its address" },
    ).catch((e) => {
      proc.kill("SIGKILL");
      throw e;
    });
    this.port = announced;
    await until(async () => (await fetch(`${this.http}/healthz`)).ok, { timeoutMs: 10_000, what: "/healthz" });
    return this;
  }

  /** Stops the server: SIGKILL (a crash) or SIGTERM (a drain, then SIGKILL after 10 s). */
  async stop(signal = "SIGKILL") {
    const proc = this.proc;
    if (!proc) return;
    this.proc = null;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await proc.exitedPromise;
    clearTimeout(timer);
  }

  async restart(signal = "SIGKILL") {
    await this.stop(signal);
    // the port was just released; a few tries in case it is not bindable at once
    for (let i = 0; ; i++) {
      try {
        return await this.start();
      } catch (e) {
        if (i >= 4) throw e;
        await sleep(300);
      }
    }
  }

  /** Stops the server and removes its data. */
  async dispose() {
    await this.stop("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A dev token for `sub` (POST /v1/dev/token). */
  async token(sub) {
    const res = await fetch(`${this.http}/v1/dev/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub }),
    });
    if (!res.ok) throw new Error(`POST /v1/dev/token: ${res.status} ${await res.text()}`);
    return (await res.json()).token;
  }
}

/** A unique actor key per test run. */
export const uniqueKey = (prefix) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
