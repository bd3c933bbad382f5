/**
 * RFC 6902 JSON Patch (with RFC 6901 JSON Pointers), applied without
 * mutating its input: the containers along each changed path are copied and
 * everything else is shared, so a new view is a new object and unchanged
 * parts keep their identity (cheap change detection for UIs).
 *
 * A patch is atomic: if any operation fails (a missing path, a failed
 * `test`, a malformed operation) `applyPatch` throws a {@link PatchError}
 * and the input document is untouched.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface PatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: JsonValue;
  from?: string;
}

export class PatchError extends Error {
  /** Index of the failing operation in the patch. */
  readonly index: number;

  constructor(message: string, index: number) {
    super(message);
    this.name = "PatchError";
    this.index = index;
  }
}

type Container = JsonValue[] | { [key: string]: JsonValue };

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function isObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Sets an own property, even one named `__proto__`. */
function define(o: { [key: string]: JsonValue }, k: string, v: JsonValue): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

function shallowCopy(o: { [key: string]: JsonValue }): { [key: string]: JsonValue } {
  const c: { [key: string]: JsonValue } = {};
  for (const k of Object.keys(o)) define(c, k, o[k]);
  return c;
}

/** A deep copy of a JSON value. */
export function cloneJson<T extends JsonValue>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cloneJson(x)) as T;
  if (isObject(v)) {
    const c: { [key: string]: JsonValue } = {};
    for (const k of Object.keys(v)) define(c, k, cloneJson(v[k]));
    return c as T;
  }
  return v;
}

/** Structural equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Splits an RFC 6901 pointer into unescaped reference tokens. */
export function parsePointer(pointer: string): string[] {
  if (typeof pointer !== "string") throw new Error("a JSON pointer must be a string");
  if (pointer === "") return [];
  if (pointer[0] !== "/") throw new Error(`JSON pointer ${JSON.stringify(pointer)} does not start with "/"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => {
      if (/~[^01]|~$/.test(t)) throw new Error(`bad escape in JSON pointer ${JSON.stringify(pointer)}`);
      return t.replace(/~1/g, "/").replace(/~0/g, "~");
    });
}

const INDEX = /^(0|[1-9][0-9]*)$/;

/** An existing array index, or throws. */
function arrayIndex(arr: JsonValue[], token: string, allowEnd: boolean): number {
  if (allowEnd && token === "-") return arr.length;
  if (!INDEX.test(token)) throw new Error(`${JSON.stringify(token)} is not an array index`);
  const i = Number(token);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new Error(`index ${i} is out of bounds (length ${arr.length})`);
  return i;
}

function child(node: JsonValue, token: string): JsonValue {
  if (Array.isArray(node)) return node[arrayIndex(node, token, false)];
  if (isObject(node)) {
    if (!hasOwn(node, token)) throw new Error(`no member ${JSON.stringify(token)}`);
    return node[token];
  }
  throw new Error(`cannot look up ${JSON.stringify(token)} in a ${node === null ? "null" : typeof node}`);
}

function withChild(node: Container, token: string, value: JsonValue): Container {
  if (Array.isArray(node)) {
    const copy = node.slice();
    copy[arrayIndex(node, token, false)] = value;
    return copy;
  }
  const copy = shallowCopy(node);
  define(copy, token, value);
  return copy;
}

/** The value at `tokens`, or throws. */
function getIn(doc: JsonValue, tokens: string[]): JsonValue {
  let node = doc;
  for (const t of tokens) node = child(node, t);
  return node;
}

/** Rebuilds the path to the parent of the last token, replacing the parent by `edit(parent, lastToken)`. */
function editParent(doc: JsonValue, tokens: string[], edit: (parent: Container, key: string) => Container): JsonValue {
  const rec = (node: JsonValue, i: number): JsonValue => {
    if (!Array.isArray(node) && !isObject(node)) {
      throw new Error(`cannot descend into a ${node === null ? "null" : typeof node} at ${JSON.stringify(tokens[i])}`);
    }
    if (i === tokens.length - 1) return edit(node, tokens[i]);
    return withChild(node, tokens[i], rec(child(node, tokens[i]), i + 1));
  };
  return rec(doc, 0);
}

function addAt(doc: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  return editParent(doc, tokens, (parent, key) => {
    if (Array.isArray(parent)) {
      const copy = parent.slice();
      copy.splice(arrayIndex(parent, key, true), 0, value);
      return copy;
    }
    const copy = shallowCopy(parent);
    define(copy, key, value);
    return copy;
  });
}

function removeAt(doc: JsonValue, tokens: string[]): JsonValue {
  if (tokens.length === 0) throw new Error("cannot remove the whole document");
  return editParent(doc, tokens, (parent, key) => {
    if (Array.isArray(parent)) {
      const copy = parent.slice();
      copy.splice(arrayIndex(parent, key, false), 1);
      return copy;
    }
    if (!hasOwn(parent, key)) throw new Error(`no member ${JSON.stringify(key)} to remove`);
    const copy = shallowCopy(parent);
    delete copy[key];
    return copy;
  });
}

function replaceAt(doc: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  if (tokens.length === 0) return value;
  return editParent(doc, tokens, (parent, key) => {
    child(parent, key); // must exist
    return withChild(parent, key, value);
  });
}

function applyOne(doc: JsonValue, op: PatchOperation): JsonValue {
  if (typeof op !== "object" || op === null) throw new Error("an operation must be an object");
  const path = parsePointer(op.path);
  const value = (): JsonValue => {
    if (!hasOwn(op, "value")) throw new Error(`"${op.op}" needs a "value"`);
    return cloneJson(op.value as JsonValue);
  };
  const from = (): string[] => {
    if (typeof op.from !== "string") throw new Error(`"${op.op}" needs a "from"`);
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
        getIn(doc, src); // must exist
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
      if (!jsonEqual(getIn(doc, path), value())) throw new Error(`test failed at ${JSON.stringify(op.path)}`);
      return doc;
    default:
      throw new Error(`unknown operation ${JSON.stringify((op as { op: unknown }).op)}`);
  }
}

/**
 * Applies an RFC 6902 patch to `doc` and returns the new document. `doc` is
 * not modified. Throws {@link PatchError} if the patch does not apply.
 */
export function applyPatch(doc: JsonValue, patch: readonly PatchOperation[]): JsonValue {
  if (!Array.isArray(patch)) throw new PatchError("a patch must be an array of operations", -1);
  let cur = doc;
  patch.forEach((op, i) => {
    try {
      cur = applyOne(cur, op);
    } catch (e) {
      throw new PatchError(`operation ${i} (${JSON.stringify(op)}): ${(e as Error).message}`, i);
    }
  });
  return cur;
}
