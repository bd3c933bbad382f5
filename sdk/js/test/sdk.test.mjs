// Native tests of the SDK's decoding, dispatch and import wrappers, against
// the in-memory host in host.mjs. Run by `scripts/lang/js.sh check`:
//   node --import ./sdk/js/test/register.mjs --test sdk/js/test/sdk.test.mjs
import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';

import { host } from './host.mjs';
import {
  serve, defineActor, Request, decode, state, context, actors, alarms, log,
  BadRequest, Failed, StateError, CallError, utf8, text,
} from '../index.js';

beforeEach(() => host.reset());

const enc = (v) => utf8(JSON.stringify(v));
const call = (actor, method, payload = new Uint8Array()) =>
  serve(actor).handle(method, typeof payload === 'string' ? utf8(payload) : payload);
const okJson = (r) => {
  assert.equal(r.tag, 'ok', JSON.stringify(r));
  return r.val.length ? JSON.parse(text(r.val)) : undefined;
};

test('an empty or blank payload is null', () => {
  assert.equal(new Request('m').json(), null);
  assert.equal(new Request('m', ' \n').json(), null);
  assert.equal(new Request('m', '7').json(), 7);
});

test('undecodable JSON is a bad request naming the method', () => {
  assert.throws(() => new Request('incr', '{').json(), (e) => e instanceof BadRequest && /`incr`/.test(e.message));
});

test('shapes reject wrong types, unknown fields and non-objects', () => {
  const shape = { by: 'uint?' };
  assert.deepEqual(decode(null, shape), {});
  assert.deepEqual(decode({}, shape), {});
  assert.deepEqual(decode({ by: 3 }, shape), { by: 3 });
  for (const bad of [{ by: 'two' }, { by: -1 }, { by: 1.5 }, { by: 1, extra: true }, [1], 'x', { by: 2 ** 60 }]) {
    assert.throws(() => decode(bad, shape), BadRequest, JSON.stringify(bad));
  }
  assert.throws(() => decode({}, { title: 'string' }), /missing field `title`/);
  assert.deepEqual(decode({ id: 1, title: 't' }, { id: 'uint', title: 'string' }), { id: 1, title: 't' });
});

test('dispatch: replies, errors and unknown methods', async () => {
  const actor = defineActor({
    json: () => ({ a: 1 }),
    raw: () => utf8('raw'),
    empty: () => undefined,
    'clear-done': () => 'quoted',
    async later() {
      return 5;
    },
    bad: () => {
      throw new BadRequest('no');
    },
    failed: () => {
      throw new Failed('refused');
    },
    _helper: () => 1,
    onAlarm() {},
  });
  assert.deepEqual(okJson(await call(actor, 'json')), { a: 1 });
  assert.equal(text((await call(actor, 'raw')).val), 'raw');
  assert.equal((await call(actor, 'empty')).val.length, 0);
  assert.equal(okJson(await call(actor, 'clear-done')), 'quoted');
  assert.equal(okJson(await call(actor, 'later')), 5);
  assert.deepEqual(await call(actor, 'bad'), { tag: 'err', val: { tag: 'bad-request', val: 'no' } });
  assert.deepEqual(await call(actor, 'failed'), { tag: 'err', val: { tag: 'failed', val: 'refused' } });
  for (const m of ['nope', '_helper', 'onAlarm', 'constructor', 'toString', 'hasOwnProperty']) {
    assert.deepEqual(await call(actor, m), { tag: 'err', val: { tag: 'unknown-method', val: m } }, m);
  }
});

test('any other exception escapes (the turn traps) and is logged', async () => {
  const actor = { boom: () => null.x, str: () => { throw 'text'; } };
  await assert.rejects(call(actor, 'boom'), TypeError);
  await assert.rejects(call(actor, 'str'), /text/);
  assert.equal(host.logs.filter(([l]) => l === 'error').length, 2);
});

test('a class gets a new instance every turn', async () => {
  class Counter {
    n = 0;
    incr() {
      return ++this.n;
    }
  }
  assert.equal(okJson(await call(Counter, 'incr')), 1);
  assert.equal(okJson(await call(Counter, 'incr')), 1);
  assert.equal((await call(Counter, 'constructor')).val.tag, 'unknown-method');
});

test('onAlarm runs, and its errors map like handle', async () => {
  const seen = [];
  const actor = {
    onAlarm(name) {
      if (name === 'bad') throw new Failed('later');
      seen.push(name);
    },
  };
  assert.deepEqual(await serve(actor).onAlarm('tick'), { tag: 'ok', val: undefined });
  assert.deepEqual(await serve(actor).onAlarm('bad'), { tag: 'err', val: { tag: 'failed', val: 'later' } });
  assert.deepEqual(seen, ['tick']);
  assert.deepEqual(await serve({}).onAlarm('x'), { tag: 'ok', val: undefined });
});

test('upgrade: schema 0 by default, older state accepted as it is, newer refused', async () => {
  const up = serve({}).upgrade;
  assert.equal(up.schemaVersion(), 0);
  assert.deepEqual(await up.migrate(0), { tag: 'ok', val: undefined });
  const r = await up.migrate(1);
  assert.equal(r.tag, 'err');
  assert.equal(r.val.tag, 'failed');
  assert.match(r.val.val, /schema 1, newer than this code's 0/);
  assert.deepEqual(await up.selfCheck(), { tag: 'ok', val: undefined });
  const three = serve({ schema: 3 }).upgrade;
  assert.equal(three.schemaVersion(), 3);
  assert.deepEqual(await three.migrate(2), { tag: 'ok', val: undefined });
  assert.equal((await three.migrate(4)).tag, 'err');
  assert.throws(() => serve({ schema: -1 }).upgrade.schemaVersion(), TypeError);
  assert.throws(() => serve({ schema: 1.5 }).upgrade.schemaVersion(), TypeError);
});

test('upgrade: migrate and selfCheck hooks, on objects and classes; not methods', async () => {
  const seen = [];
  const actor = {
    schema: 2,
    migrate(from) {
      if (from === 7) throw new Failed('cannot read 7');
      seen.push(from);
      state.setJson('migrated-from', from);
    },
    selfCheck() {
      throw new Failed('broken build');
    },
  };
  const up = serve(actor).upgrade;
  assert.equal(up.schemaVersion(), 2);
  assert.deepEqual(await up.migrate(0), { tag: 'ok', val: undefined });
  assert.equal(state.getJson('migrated-from'), 0);
  assert.deepEqual(await up.migrate(7), { tag: 'err', val: { tag: 'failed', val: 'cannot read 7' } });
  assert.deepEqual(await up.migrate(9), { tag: 'ok', val: undefined }, 'a migrate hook decides about newer schemas');
  assert.deepEqual(seen, [0, 9]);
  assert.deepEqual(await up.selfCheck(), { tag: 'err', val: 'broken build' });
  for (const hook of ['schema', 'migrate', 'selfCheck']) {
    assert.equal((await call(actor, hook)).val.tag, 'unknown-method', hook);
  }
  class Board {
    static schema = 5;
    async migrate(from) {
      state.setJson('board-from', from);
    }
    selfCheck() {}
  }
  const board = serve(Board).upgrade;
  assert.equal(board.schemaVersion(), 5);
  assert.deepEqual(await board.migrate(1), { tag: 'ok', val: undefined });
  assert.equal(state.getJson('board-from'), 1);
  assert.deepEqual(await board.selfCheck(), { tag: 'ok', val: undefined });
  // A bug in a migration traps, like one in a method.
  await assert.rejects(serve({ migrate: () => null.x }).upgrade.migrate(0), TypeError);
});

test('view: none by default, JSON or bytes per viewer, refusals and traps', async () => {
  assert.deepEqual(await serve({}).view.render(undefined), { tag: 'ok', val: undefined });
  assert.deepEqual(await serve({ view: () => null }).view.render('ann'), { tag: 'ok', val: undefined });
  const actor = defineActor({
    view(viewer) {
      if (viewer === 'eve') throw new Failed('not for eve');
      if (viewer === 'raw') return utf8('[1]');
      if (viewer === 'bug') return null.x;
      return { viewer, n: state.getJson('n') };
    },
  });
  state.setJson('n', 3);
  const shown = async (viewer) => {
    const r = await serve(actor).view.render(viewer);
    assert.equal(r.tag, 'ok', JSON.stringify(r));
    return JSON.parse(text(r.val));
  };
  assert.deepEqual(await shown(undefined), { viewer: null, n: 3 });
  assert.deepEqual(await shown('ann'), { viewer: 'ann', n: 3 });
  assert.deepEqual(await shown('raw'), [1]);
  assert.deepEqual(await serve(actor).view.render('eve'), { tag: 'err', val: { tag: 'failed', val: 'not for eve' } });
  await assert.rejects(serve(actor).view.render('bug'), TypeError);
  // `view` is a hook, not a method.
  assert.equal((await call(actor, 'view')).val.tag, 'unknown-method');
  class Board {
    async view(viewer) {
      return { viewer };
    }
  }
  assert.equal(text((await serve(Board).view.render('bo')).val), '{"viewer":"bo"}');
});

test('state: bytes, text, JSON, paging and refusals', () => {
  assert.equal(state.get('a'), null);
  state.set('a', 'ü');
  assert.equal(state.getText('a'), 'ü');
  state.setJson('n', 42);
  assert.equal(state.getJson('n'), 42);
  for (const k of ['p/3', 'p/1', 'p/2', 'q']) state.setJson(k, k);
  assert.equal(state.scan('p/').length, 2); // one page: the host caps it at 2
  assert.deepEqual(state.scanAllJson('p/').map((e) => e.value), ['p/1', 'p/2', 'p/3']);
  state.delete('p/2');
  assert.deepEqual(state.scanAll('p/').map((e) => e.key), ['p/1', 'p/3']);
  assert.throws(() => state.set('big', 'x'.repeat(17)), (e) => e instanceof StateError && e instanceof Failed && e.limit === 16);
  state.set('bad', '{');
  assert.throws(() => state.getJson('bad'), Failed);
});

test('context and alarms', () => {
  assert.deepEqual(context.self(), { class: 'test', key: 'k' });
  assert.equal(context.caller(), null);
  assert.equal(context.callerActor(), null);
  assert.equal(context.turnTime(), 1000);
  assert.equal(alarms.setIn('tick', 50), 1050);
  assert.equal(alarms.get('tick'), 1050);
  alarms.cancel('tick');
  assert.equal(alarms.get('tick'), null);
  assert.throws(() => alarms.set('', 1), BadRequest);
});

test('calls: JSON in and out, CallError kinds, and how they fail a turn', async () => {
  host.callResult = { tag: 'ok', val: enc({ value: 2 }) };
  assert.deepEqual(actors.callJson('counter/a', 'incr', { by: 2 }), { value: 2 });
  assert.deepEqual(host.calls[0].target, { class: 'counter', key: 'a' });
  assert.equal(text(host.calls[0].payload), '{"by":2}');
  actors.sendJson({ class: 'c', key: 'k' }, 'm');
  assert.equal(host.calls[1].payload.length, 0);

  host.callResult = { tag: 'err', val: { tag: 'cycle', val: [{ class: 'a', key: '1' }] } };
  assert.throws(() => actors.call('a/1', 'm'), (e) => e instanceof CallError && e.kind === 'cycle' && e.detail[0].class === 'a');
  host.callResult = { tag: 'err', val: { tag: 'bad-request', val: 'nope' } };
  const viaCall = { go: () => actors.call('a/1', 'm') };
  assert.equal((await call(viaCall, 'go')).val.tag, 'bad-request');
  host.callResult = { tag: 'err', val: { tag: 'trapped', val: 'boom' } };
  assert.equal((await call(viaCall, 'go')).val.tag, 'failed');
});

test('console goes to the log', () => {
  log.info('direct');
  console.log('via console', { a: 1 });
  assert.deepEqual(host.logs, [['info', 'direct'], ['info', 'via console {"a":1}']]);
});
