// A small JSON reader and writer for actor payloads and state values.
//
// AssemblyScript has no `JSON.parse`. `Json.parse` turns text into a
// `JsonValue` tree; a value's `toString()` writes it back as compact JSON.
// Numbers keep their source text, so a number passes through unchanged;
// `isU64()`/`toU64()` read the unsigned integers that payloads carry.

export enum JsonKind {
  /** Not JSON: `error` says why (what `Json.parse` returns on bad input). */
  Invalid,
  Null,
  Bool,
  Number,
  String,
  Array,
  Object,
}

const MAX_DEPTH = 128;

/** One JSON value. Arrays keep `items`; objects keep `keys` and `items` in order. */
export class JsonValue {
  kind: JsonKind;
  /** The boolean of a `Bool`. */
  bool: bool = false;
  /** The text of a `String`, the source text of a `Number`, the message of an `Invalid`. */
  text: string = "";
  /** The elements of an `Array`, the values of an `Object`. */
  items: JsonValue[] = [];
  /** The keys of an `Object`, in order. */
  keys: string[] = [];

  constructor(kind: JsonKind) {
    this.kind = kind;
  }

  static null(): JsonValue {
    return new JsonValue(JsonKind.Null);
  }
  static bool(b: bool): JsonValue {
    const v = new JsonValue(JsonKind.Bool);
    v.bool = b;
    return v;
  }
  static u64(n: u64): JsonValue {
    const v = new JsonValue(JsonKind.Number);
    v.text = n.toString();
    return v;
  }
  static i64(n: i64): JsonValue {
    const v = new JsonValue(JsonKind.Number);
    v.text = n.toString();
    return v;
  }
  /** A finite number; NaN and infinities become `null` (as in JavaScript). */
  static f64(n: f64): JsonValue {
    if (!isFinite(n)) return JsonValue.null();
    const v = new JsonValue(JsonKind.Number);
    v.text = n.toString();
    return v;
  }
  static string(s: string): JsonValue {
    const v = new JsonValue(JsonKind.String);
    v.text = s;
    return v;
  }
  /** A string, or `null` for a null string. */
  static stringOrNull(s: string | null): JsonValue {
    return s == null ? JsonValue.null() : JsonValue.string(s);
  }
  static array(): JsonValue {
    return new JsonValue(JsonKind.Array);
  }
  static object(): JsonValue {
    return new JsonValue(JsonKind.Object);
  }
  static invalid(message: string): JsonValue {
    const v = new JsonValue(JsonKind.Invalid);
    v.text = message;
    return v;
  }

  get isInvalid(): bool {
    return this.kind == JsonKind.Invalid;
  }
  get isNull(): bool {
    return this.kind == JsonKind.Null;
  }
  get isBool(): bool {
    return this.kind == JsonKind.Bool;
  }
  get isNumber(): bool {
    return this.kind == JsonKind.Number;
  }
  get isString(): bool {
    return this.kind == JsonKind.String;
  }
  get isArray(): bool {
    return this.kind == JsonKind.Array;
  }
  get isObject(): bool {
    return this.kind == JsonKind.Object;
  }
  /** Why an `Invalid` value is not JSON. */
  get error(): string {
    return this.kind == JsonKind.Invalid ? this.text : "";
  }

  /** Sets `key` of an object (replacing an earlier value); returns `this` for chaining. */
  set(key: string, value: JsonValue): JsonValue {
    const i = this.keys.indexOf(key);
    if (i >= 0) {
      this.items[i] = value;
    } else {
      this.keys.push(key);
      this.items.push(value);
    }
    return this;
  }

  /** Appends to an array; returns `this` for chaining. */
  push(value: JsonValue): JsonValue {
    this.items.push(value);
    return this;
  }

  /** The value of `key` in an object, or null. */
  get(key: string): JsonValue | null {
    if (this.kind != JsonKind.Object) return null;
    const i = this.keys.indexOf(key);
    return i < 0 ? null : this.items[i];
  }

  /** A number written as a non-negative integer without fraction or exponent that fits a u64. */
  isU64(): bool {
    if (this.kind != JsonKind.Number) return false;
    const t = this.text;
    if (t.length == 0 || t.length > 20) return false;
    let n: u64 = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c < 48 || c > 57) return false;
      const d = <u64>(c - 48);
      if (n > (U64.MAX_VALUE - d) / 10) return false;
      n = n * 10 + d;
    }
    return true;
  }

  /** The u64 of a number for which `isU64()` holds; 0 otherwise. */
  toU64(): u64 {
    if (!this.isU64()) return 0;
    return U64.parseInt(this.text, 10);
  }

  /** The number as an f64 (NaN if not a number). */
  toF64(): f64 {
    return this.kind == JsonKind.Number ? F64.parseFloat(this.text) : NaN;
  }

  /** Compact JSON text. */
  toString(): string {
    const out: string[] = [];
    write(this, out);
    return out.join("");
  }

  /** Compact JSON as UTF-8 bytes. */
  toBytes(): Uint8Array {
    return Uint8Array.wrap(String.UTF8.encode(this.toString()));
  }
}

function write(v: JsonValue, out: string[]): void {
  switch (v.kind) {
    case JsonKind.Null:
    case JsonKind.Invalid:
      out.push("null");
      break;
    case JsonKind.Bool:
      out.push(v.bool ? "true" : "false");
      break;
    case JsonKind.Number:
      out.push(v.text);
      break;
    case JsonKind.String:
      out.push(quote(v.text));
      break;
    case JsonKind.Array: {
      out.push("[");
      for (let i = 0; i < v.items.length; i++) {
        if (i > 0) out.push(",");
        write(v.items[i], out);
      }
      out.push("]");
      break;
    }
    case JsonKind.Object: {
      out.push("{");
      for (let i = 0; i < v.keys.length; i++) {
        if (i > 0) out.push(",");
        out.push(quote(v.keys[i]));
        out.push(":");
        write(v.items[i], out);
      }
      out.push("}");
      break;
    }
  }
}

const HEX = "0123456789abcdef";

/** `s` as a JSON string literal. */
export function quote(s: string): string {
  let out = "\"";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(start, i);
    start = i + 1;
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else out += "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return out + s.substring(start) + "\"";
}

/** Parsing entry points. */
export namespace Json {
  /** Parses JSON text; bad input gives a value of kind `Invalid`. */
  export function parse(text: string): JsonValue {
    const p = new Parser(text);
    p.ws();
    const v = p.value(0);
    if (v.isInvalid) return v;
    p.ws();
    if (p.pos < text.length) return p.fail("trailing characters");
    return v;
  }

  /** Parses UTF-8 JSON bytes. */
  export function parseBytes(bytes: Uint8Array): JsonValue {
    return parse(String.UTF8.decodeUnsafe(bytes.dataStart, bytes.byteLength));
  }
}

class Parser {
  pos: i32 = 0;
  constructor(public s: string) {}

  fail(why: string): JsonValue {
    return JsonValue.invalid(why + " at character " + this.pos.toString());
  }

  ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
      this.pos++;
    }
  }

  peek(): i32 {
    return this.pos < this.s.length ? this.s.charCodeAt(this.pos) : -1;
  }

  word(w: string): bool {
    if (this.s.substr(this.pos, w.length) != w) return false;
    this.pos += w.length;
    return true;
  }

  value(depth: i32): JsonValue {
    if (depth > MAX_DEPTH) return this.fail("nested too deeply");
    const c = this.peek();
    if (c == 0x7b) return this.object(depth);
    if (c == 0x5b) return this.array(depth);
    if (c == 0x22) return this.string();
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    if (this.word("null")) return JsonValue.null();
    if (this.word("true")) return JsonValue.bool(true);
    if (this.word("false")) return JsonValue.bool(false);
    return this.fail(c < 0 ? "unexpected end of input" : "expected a value");
  }

  object(depth: i32): JsonValue {
    const obj = JsonValue.object();
    this.pos++;
    this.ws();
    if (this.peek() == 0x7d) {
      this.pos++;
      return obj;
    }
    while (true) {
      this.ws();
      if (this.peek() != 0x22) return this.fail("expected a key");
      const k = this.string();
      if (k.isInvalid) return k;
      this.ws();
      if (this.peek() != 0x3a) return this.fail("expected `:`");
      this.pos++;
      this.ws();
      const v = this.value(depth + 1);
      if (v.isInvalid) return v;
      if (obj.keys.includes(k.text)) return this.fail("duplicate field `" + k.text + "`");
      obj.keys.push(k.text);
      obj.items.push(v);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c == 0x7d) return obj;
      if (c != 0x2c) return this.fail("expected `,` or `}`");
    }
  }

  array(depth: i32): JsonValue {
    const arr = JsonValue.array();
    this.pos++;
    this.ws();
    if (this.peek() == 0x5d) {
      this.pos++;
      return arr;
    }
    while (true) {
      this.ws();
      const v = this.value(depth + 1);
      if (v.isInvalid) return v;
      arr.items.push(v);
      this.ws();
      const c = this.peek();
      this.pos++;
      if (c == 0x5d) return arr;
      if (c != 0x2c) return this.fail("expected `,` or `]`");
    }
  }

  hex4(): i32 {
    if (this.pos + 4 > this.s.length) return -1;
    let n = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.s.charCodeAt(this.pos + i);
      let d: i32;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else return -1;
      n = (n << 4) | d;
    }
    this.pos += 4;
    return n;
  }

  string(): JsonValue {
    const s = this.s;
    this.pos++;
    let out = "";
    let start = this.pos;
    while (true) {
      if (this.pos >= s.length) return this.fail("unterminated string");
      const c = s.charCodeAt(this.pos);
      if (c == 0x22) {
        out += s.substring(start, this.pos);
        this.pos++;
        return JsonValue.string(out);
      }
      if (c < 0x20) return this.fail("control character in string");
      if (c != 0x5c) {
        this.pos++;
        continue;
      }
      out += s.substring(start, this.pos);
      this.pos++;
      const e = this.peek();
      this.pos++;
      if (e == 0x22) out += "\"";
      else if (e == 0x5c) out += "\\";
      else if (e == 0x2f) out += "/";
      else if (e == 0x62) out += "\b";
      else if (e == 0x66) out += "\f";
      else if (e == 0x6e) out += "\n";
      else if (e == 0x72) out += "\r";
      else if (e == 0x74) out += "\t";
      else if (e == 0x75) {
        const u = this.hex4();
        if (u < 0) return this.fail("bad \\u escape");
        out += String.fromCharCode(u);
      } else return this.fail("bad escape");
      start = this.pos;
    }
  }

  digits(): i32 {
    const from = this.pos;
    while (this.pos < this.s.length) {
      const c = this.s.charCodeAt(this.pos);
      if (c < 0x30 || c > 0x39) break;
      this.pos++;
    }
    return this.pos - from;
  }

  number(): JsonValue {
    const from = this.pos;
    if (this.peek() == 0x2d) this.pos++;
    if (this.peek() == 0x30) this.pos++;
    else if (this.digits() == 0) return this.fail("bad number");
    if (this.peek() == 0x2e) {
      this.pos++;
      if (this.digits() == 0) return this.fail("bad number");
    }
    const e = this.peek();
    if (e == 0x65 || e == 0x45) {
      this.pos++;
      const sign = this.peek();
      if (sign == 0x2b || sign == 0x2d) this.pos++;
      if (this.digits() == 0) return this.fail("bad number");
    }
    const v = new JsonValue(JsonKind.Number);
    v.text = this.s.substring(from, this.pos);
    return v;
  }
}
