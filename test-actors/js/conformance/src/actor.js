// `conformance`: the JavaScript implementation of the actor every guest
// language implements for the conformance suite (conformance/README.md).
import { defineActor, state, context, actors, alarms, log, BadRequest, Failed, CallError, text } from 'microlith-actor';

const ok = { ok: true };

// Payloads as in the Rust reference: required fields, extra fields ignored.
/**
 * @param {import('microlith-actor').Request} req
 * @param {Record<string, string>} names
 * @returns {any}
 */
function fields(req, names) {
  const v = req.json();
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadRequest(`\`${req.method}\` takes a JSON object`);
  for (const [name, type] of Object.entries(names)) {
    const ok = type === 'uint' ? Number.isSafeInteger(v[name]) && v[name] >= 0 : typeof v[name] === type;
    if (!ok) throw new BadRequest(`\`${name}\` must be a ${type}`);
  }
  return v;
}

/** @param {import('microlith-actor').Request} req */
function target(req) {
  const t = fields(req, { class: 'string', key: 'string', method: 'string' });
  const payload = t.payload === undefined || t.payload === null ? undefined : JSON.stringify(t.payload);
  return { to: { class: t.class, key: t.key }, method: t.method, payload };
}

// Tries the ambient authority a guest must not have, and reports what
// happened. componentize-js runs the actor on StarlingMonkey, which imports
// WASI stdio, clocks, random and filesystem; built with `-d http
// fetch-event` (as `microlith build` does) it imports no wasi:http, no
// wasi:sockets and no wasi:cli/environment. The host links WASI with an
// empty context.
//
// In this build a failed `fetch` or a run-time dynamic `import` does not
// throw: it aborts the instance (a trap). So the file and socket attempts
// run in a helper actor of this class (key `<key>/ambient`), and a trap
// there is a refusal seen from here: the attempt got nothing. `detail` says
// exactly what each attempt met.
/** @param {string} method */
function attempt(method) {
  const me = context.self();
  try {
    const reply = actors.callJson({ class: me.class, key: `${me.key}/ambient` }, method);
    return reply.got === undefined ? { result: 'denied', detail: reply.error } : { result: reply.got, detail: 'succeeded' };
  } catch (e) {
    if (e instanceof CallError) return { result: 'denied', detail: `${e.kind}: ${e.detail}` };
    throw e;
  }
}

function ambient() {
  // A file: the module loader is the one way StarlingMonkey reads a file
  // (through wasi:filesystem) at run time.
  const file = attempt('ambient-file');
  // A socket: fetch to a local port.
  const socket = attempt('ambient-socket');
  // The environment: there is no `process` (and no wasi:cli/environment
  // import); read `process.env` if a runtime ever offers one.
  const p = /** @type {any} */ (globalThis).process;
  const env = p && p.env ? Object.keys(p.env) : [];
  return {
    wasi: true,
    file: file.result,
    env,
    socket: socket.result,
    detail: { file: file.detail, socket: socket.detail, env: p ? 'process.env' : 'no process object' },
  };
}

async function tryFile() {
  // Not a string literal, or esbuild would bundle the build machine's file.
  const path = ['', 'etc', 'hostname'].join('/');
  try {
    const mod = await import(path);
    return { got: `read ${path}: ${JSON.stringify(Object.keys(mod))}` };
  } catch (e) {
    return { error: String(e) };
  }
}

async function trySocket() {
  try {
    const r = await fetch('http://127.0.0.1:1/');
    return { got: `HTTP ${r.status} from 127.0.0.1:1` };
  } catch (e) {
    return { error: String(e) };
  }
}

export default defineActor({
  set(req) {
    const { key, value } = fields(req, { key: 'string', value: 'string' });
    state.set(key, value);
    return ok;
  },

  get(req) {
    const { key } = fields(req, { key: 'string' });
    return { value: state.getText(key) };
  },

  delete(req) {
    const { key } = fields(req, { key: 'string' });
    state.delete(key);
    return ok;
  },

  scan(req) {
    const { prefix } = fields(req, { prefix: 'string' });
    return state.scanAll(prefix).map((e) => ({ key: e.key, value: text(e.value) }));
  },

  'set-then-fail'(req) {
    const { key, value } = fields(req, { key: 'string', value: 'string' });
    state.set(key, value);
    throw new Failed('failing after a write');
  },

  fail(req) {
    const { message } = fields(req, { message: 'string' });
    throw new Failed(message);
  },

  bad() {
    throw new BadRequest('this method always rejects its input');
  },

  // Any exception that is not one of the SDK's errors traps the turn.
  trap() {
    throw new Error('trap requested');
  },

  spin() {
    let n = 0;
    for (;;) n = (n + 1) | 0;
  },

  alloc() {
    const kept = [];
    for (;;) {
      const chunk = new Uint8Array(1 << 20);
      for (let i = 0; i < chunk.length; i += 4096) chunk[i] = 1;
      kept.push(chunk);
    }
  },

  echo(req) {
    return req.payload;
  },

  whoami() {
    const me = context.self();
    return { class: me.class, key: me.key, caller: context.caller() };
  },

  call(req) {
    const t = target(req);
    try {
      const reply = actors.call(t.to, t.method, t.payload);
      let value = null;
      try {
        value = JSON.parse(text(reply));
      } catch {
        // not JSON: null, as in the Rust reference
      }
      return { ok: value };
    } catch (e) {
      if (e instanceof CallError) return { error: e.kind };
      throw e;
    }
  },

  send(req) {
    const t = target(req);
    actors.send(t.to, t.method, t.payload);
    return ok;
  },

  'set-alarm'(req) {
    const { name, in_ms: inMs } = fields(req, { name: 'string', in_ms: 'uint' });
    const due = context.turnTime() + inMs;
    alarms.set(name, due);
    return { due };
  },

  fired(req) {
    const { name } = fields(req, { name: 'string' });
    return { count: state.getJson(`fired/${name}`) ?? 0 };
  },

  log(req) {
    const { message } = fields(req, { message: 'string' });
    log.info(message);
    return ok;
  },

  ambient,
  'ambient-file': tryFile,
  'ambient-socket': trySocket,

  onAlarm(name) {
    const key = `fired/${name}`;
    state.setJson(key, (state.getJson(key) ?? 0) + 1);
  },

  view(viewer) {
    if (viewer === 'refused') throw new Failed('viewer refused');
    if (viewer === 'trap') throw new Error('a view that traps');
    return { viewer, shown: state.getText('shown') };
  },
});
