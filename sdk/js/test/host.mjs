// An in-memory stand-in for the host imports, for the SDK's native tests.
// Every `microlith:actor/<interface>@0.1.0` resolves here (register.mjs);
// `host` lets a test inspect and steer it.
class ComponentError extends Error {
  constructor(payload) {
    super(`${payload.tag}`);
    Object.defineProperty(this, 'payload', { value: payload });
  }
}

export const host = {
  store: new Map(),
  pageCap: 2,
  maxValue: 16,
  logs: [],
  alarms: new Map(),
  calls: [],
  callResult: null,
  self: { class: 'test', key: 'k' },
  reset() {
    this.store.clear();
    this.logs = [];
    this.alarms.clear();
    this.calls = [];
    this.callResult = null;
  },
};

// state
export function get(key) {
  return host.store.get(key);
}
export function set(key, value) {
  if (value.length > host.maxValue) throw new ComponentError({ tag: 'value-too-large', val: host.maxValue });
  host.store.set(key, Uint8Array.from(value));
}
function del(key) {
  host.store.delete(key);
}
export { del as delete };
export function scan(prefix, startAfter, limit) {
  return [...host.store.keys()]
    .filter((k) => k.startsWith(prefix) && (startAfter === undefined || k > startAfter))
    .sort()
    .slice(0, Math.min(limit, host.pageCap))
    .map((key) => ({ key, value: host.store.get(key) }));
}

// context
export function selfRef() {
  return host.self;
}
export function caller() {
  return undefined;
}
export function turnTime() {
  return 1000n;
}
export function callerActor() {
  return undefined;
}

// actors
export function call(target, method, payload, timeoutMs) {
  host.calls.push({ target, method, payload, timeoutMs });
  if (host.callResult && host.callResult.tag === 'err') throw new ComponentError(host.callResult.val);
  return host.callResult ? host.callResult.val : new Uint8Array();
}
export function send(target, method, payload) {
  host.calls.push({ target, method, payload, send: true });
}

// alarms
export function setAlarm(name, atMs) {
  if (name === '') throw new ComponentError({ tag: 'invalid-name', val: 128 });
  host.alarms.set(name, atMs);
}
export function cancelAlarm(name) {
  host.alarms.delete(name);
}
export function getAlarm(name) {
  return host.alarms.get(name);
}

// log
export function write(level, message) {
  host.logs.push([level, message]);
}
