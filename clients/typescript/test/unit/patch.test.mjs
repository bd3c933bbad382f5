import { test } from "node:test";
import assert from "node:assert/strict";
import { applyPatch, PatchError, parsePointer, jsonEqual } from "../../dist/index.js";

const ok = (doc, patch, expected) => assert.deepEqual(applyPatch(doc, patch), expected);
const fails = (doc, patch) => assert.throws(() => applyPatch(doc, patch), PatchError);

// RFC 6902, appendix A.
test("A.1 adding an object member", () => ok({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }], { baz: "qux", foo: "bar" }));
test("A.2 adding an array element", () =>
  ok({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }], { foo: ["bar", "qux", "baz"] }));
test("A.3 removing an object member", () => ok({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }], { foo: "bar" }));
test("A.4 removing an array element", () =>
  ok({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }], { foo: ["bar", "baz"] }));
test("A.5 replacing a value", () => ok({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }], { baz: "boo", foo: "bar" }));
test("A.6 moving a value", () =>
  ok(
    { foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } },
    [{ op: "move", from: "/foo/waldo", path: "/qux/thud" }],
    { foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } },
  ));
test("A.7 moving an array element", () =>
  ok({ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }], { foo: ["all", "cows", "eat", "grass"] }));
test("A.8 testing a value: success", () => {
  const doc = { baz: "qux", foo: ["a", 2, "c"] };
  ok(doc, [{ op: "test", path: "/baz", value: "qux" }, { op: "test", path: "/foo/1", value: 2 }], doc);
});
test("A.9 testing a value: error", () => fails({ baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }]));
test("A.10 adding a nested member object", () =>
  ok({ foo: "bar" }, [{ op: "add", path: "/child", value: { grandchild: {} } }], { foo: "bar", child: { grandchild: {} } }));
test("A.11 ignoring unrecognized elements", () => ok({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux", xyz: 123 }], { foo: "bar", baz: "qux" }));
test("A.12 adding to a nonexistent target", () => fails({ foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }]));
test("A.14 ~ escape ordering", () => ok({ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }], { "/": 9, "~1": 10 }));
test("A.15 comparing strings and numbers", () => fails({ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: "10" }]));
test("A.16 adding an array value", () =>
  ok({ foo: ["bar"] }, [{ op: "add", path: "/foo/-", value: ["abc", "def"] }], { foo: ["bar", ["abc", "def"]] }));

test("copy, and the whole document", () => {
  ok({ a: { b: [1] } }, [{ op: "copy", from: "/a", path: "/c" }], { a: { b: [1] }, c: { b: [1] } });
  ok({ a: 1 }, [{ op: "replace", path: "", value: [1, 2] }], [1, 2]);
  ok({ a: 1 }, [{ op: "add", path: "", value: null }], null);
  ok(null, [{ op: "add", path: "", value: { items: [] } }], { items: [] });
  fails({ a: 1 }, [{ op: "remove", path: "" }]);
});

test("copied values are independent of the source", () => {
  const out = applyPatch({ a: { x: 1 } }, [{ op: "copy", from: "/a", path: "/b" }]);
  out.b.x = 2;
  assert.equal(out.a.x, 1);
});

test("the todo view: add, toggle, remove in one patch", () => {
  const view = { items: [{ id: 1, title: "a", done: false }] };
  ok(
    view,
    [
      { op: "add", path: "/items/1", value: { id: 2, title: "b", done: false } },
      { op: "replace", path: "/items/0/done", value: true },
      { op: "remove", path: "/items/0" },
    ],
    { items: [{ id: 2, title: "b", done: false }] },
  );
});

test("errors: missing targets, bad indices, moving into a child", () => {
  fails({ a: 1 }, [{ op: "remove", path: "/b" }]);
  fails({ a: 1 }, [{ op: "replace", path: "/b", value: 1 }]);
  fails({ a: [1] }, [{ op: "add", path: "/a/2", value: 1 }]);
  fails({ a: [1] }, [{ op: "replace", path: "/a/1", value: 1 }]);
  fails({ a: [1, 2] }, [{ op: "remove", path: "/a/01" }]);
  fails({ a: [1, 2] }, [{ op: "remove", path: "/a/-" }]);
  fails({ a: [1] }, [{ op: "add", path: "/a/x", value: 1 }]);
  fails({ a: { b: {} } }, [{ op: "move", from: "/a", path: "/a/b/c" }]);
  fails({ a: 1 }, [{ op: "move", from: "/x", path: "/y" }]);
  fails({ a: 1 }, [{ op: "add", path: "a", value: 1 }]);
  fails({ a: 1 }, [{ op: "add", path: "/a/b", value: 1 }]);
  fails({ a: 1 }, [{ op: "add", path: "/b" }]); // no value
  fails({ a: 1 }, [{ op: "copy", path: "/b" }]); // no from
  fails({ a: 1 }, [{ op: "frobnicate", path: "/a" }]);
  fails({ a: 1 }, { op: "add", path: "/a", value: 1 }); // not an array
  assert.throws(() => applyPatch({}, [{ op: "add", path: "/x", value: 1 }, { op: "remove", path: "/y" }]), (e) => e.index === 1);
});

test("add with null value and move onto itself", () => {
  ok({}, [{ op: "add", path: "/x", value: null }], { x: null });
  ok({ a: 1 }, [{ op: "move", from: "/a", path: "/a" }], { a: 1 });
});

test("a failing patch is atomic and the input is never mutated", () => {
  const doc = { items: [{ id: 1, done: false }], n: 1 };
  const before = JSON.stringify(doc);
  fails(doc, [{ op: "replace", path: "/n", value: 2 }, { op: "test", path: "/n", value: 1 }]);
  applyPatch(doc, [{ op: "replace", path: "/items/0/done", value: true }, { op: "remove", path: "/n" }]);
  assert.equal(JSON.stringify(doc), before);
});

test("unchanged parts are shared, changed containers are new", () => {
  const doc = { a: { x: [1] }, b: { y: 2 } };
  const out = applyPatch(doc, [{ op: "replace", path: "/a/x/0", value: 5 }]);
  assert.notEqual(out, doc);
  assert.notEqual(out.a, doc.a);
  assert.equal(out.b, doc.b);
});

test("__proto__ is an ordinary member name", () => {
  const doc = JSON.parse('{"a":1}');
  const out = applyPatch(doc, [{ op: "add", path: "/__proto__", value: { polluted: true } }]);
  assert.equal(Object.prototype.hasOwnProperty.call(out, "__proto__"), true);
  assert.equal({}.polluted, undefined);
  assert.equal(out.polluted, undefined);
  const out2 = applyPatch(out, [{ op: "replace", path: "/__proto__/polluted", value: false }]);
  assert.deepEqual(JSON.parse(JSON.stringify(out2)), JSON.parse('{"a":1,"__proto__":{"polluted":false}}'));
});

test("pointers", () => {
  assert.deepEqual(parsePointer(""), []);
  assert.deepEqual(parsePointer("/"), [""]);
  assert.deepEqual(parsePointer("/a~1b/m~0n/~01"), ["a/b", "m~n", "~1"]);
  assert.throws(() => parsePointer("/a~2"));
  assert.throws(() => parsePointer("x"));
});

test("jsonEqual ignores key order", () => {
  assert.ok(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 }));
  assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined }));
  assert.ok(!jsonEqual([1], { 0: 1 }));
  assert.ok(!jsonEqual(1, "1"));
});
