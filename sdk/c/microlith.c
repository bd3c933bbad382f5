/*
 * microlith.c: the helper layer over the wit-bindgen C bindings (gen/).
 * See microlith.h.
 */
#include "microlith.h"

#include <stdlib.h>
#include <string.h>

#include "actor_full.h"

/* ---- strings and buffers ------------------------------------------------ */

static void *mlt_alloc(void *old, size_t size) {
    void *p = realloc(old, size ? size : 1);
    if (!p) __builtin_trap(); /* out of memory: the turn traps */
    return p;
}

mlt_str mlt_cstr(const char *s) {
    mlt_str r = { s, s ? strlen(s) : 0 };
    return r;
}

bool mlt_str_eq(mlt_str s, const char *lit) {
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || memcmp(s.ptr, lit, n) == 0);
}

void mlt_buf_free(mlt_buf *b) {
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void mlt_buf_clear(mlt_buf *b) {
    b->len = 0;
    if (b->ptr) b->ptr[0] = 0;
}

mlt_str mlt_buf_str(const mlt_buf *b) {
    mlt_str r = { b->ptr ? b->ptr : "", b->len };
    return r;
}

static void mlt_buf_reserve(mlt_buf *b, size_t extra) {
    size_t need = b->len + extra + 1; /* room for the NUL */
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap * 2 : 32;
    while (cap < need) cap *= 2;
    b->ptr = mlt_alloc(b->ptr, cap);
    b->cap = cap;
}

void mlt_buf_put(mlt_buf *b, const void *data, size_t len) {
    mlt_buf_reserve(b, len);
    if (len) memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = 0;
}

void mlt_buf_puts(mlt_buf *b, const char *s) { mlt_buf_put(b, s, strlen(s)); }

void mlt_buf_put_str(mlt_buf *b, mlt_str s) { mlt_buf_put(b, s.ptr, s.len); }

void mlt_buf_put_u64(mlt_buf *b, uint64_t n) {
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    mlt_buf_put(b, tmp + i, sizeof tmp - i);
}

void mlt_buf_put_bool(mlt_buf *b, bool v) { mlt_buf_puts(b, v ? "true" : "false"); }

void mlt_buf_put_json_str(mlt_buf *b, mlt_str s) {
    static const char hex[] = "0123456789abcdef";
    mlt_buf_put(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        mlt_buf_put(b, s.ptr + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': mlt_buf_put(b, "\\\"", 2); break;
        case '\\': mlt_buf_put(b, "\\\\", 2); break;
        case '\n': mlt_buf_put(b, "\\n", 2); break;
        case '\r': mlt_buf_put(b, "\\r", 2); break;
        case '\t': mlt_buf_put(b, "\\t", 2); break;
        default: {
            char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            mlt_buf_put(b, u, 6);
        }
        }
    }
    mlt_buf_put(b, s.ptr + start, s.len - start);
    mlt_buf_put(b, "\"", 1);
}

/* ---- errors and dispatch ------------------------------------------------- */

static mlt_status mlt_error(mlt_reply *reply, mlt_status status, mlt_str message) {
    mlt_buf_clear(&reply->message);
    mlt_buf_put_str(&reply->message, message);
    return status;
}

mlt_status mlt_unknown_method(const mlt_request *req, mlt_reply *reply) {
    return mlt_error(reply, MLT_UNKNOWN_METHOD, req->method);
}

mlt_status mlt_bad_request(mlt_reply *reply, const char *message) {
    return mlt_error(reply, MLT_BAD_REQUEST, mlt_cstr(message));
}

mlt_status mlt_failed(mlt_reply *reply, const char *message) {
    return mlt_error(reply, MLT_FAILED, mlt_cstr(message));
}

mlt_status mlt_failed_str(mlt_reply *reply, mlt_str message) { return mlt_error(reply, MLT_FAILED, message); }

mlt_status mlt_dispatch(const mlt_request *req, mlt_reply *reply, const mlt_method *table, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (mlt_str_eq(req->method, table[i].name)) return table[i].fn(req, reply);
    }
    return mlt_unknown_method(req, reply);
}

/* ---- JSON ------------------------------------------------------------------
 * A strict RFC 8259 reader, just enough for flat request objects: values are
 * validated in full (nested ones are skipped over), strings are unescaped
 * into UTF-8, numbers for u64 fields must be plain non-negative integers.
 */

typedef struct {
    const char *p;
    const char *end;
    const char *err;
} mlt_json;

static void jws(mlt_json *j) {
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static bool jfail(mlt_json *j, const char *why) {
    if (!j->err) j->err = why;
    return false;
}

static int jhex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool jhex4(mlt_json *j, uint32_t *out) {
    if (j->end - j->p < 4) return jfail(j, "bad \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        int h = jhex(j->p[i]);
        if (h < 0) return jfail(j, "bad \\u escape");
        v = v * 16 + (uint32_t)h;
    }
    j->p += 4;
    *out = v;
    return true;
}

static void jput_utf8(mlt_buf *b, uint32_t cp) {
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    if (b) mlt_buf_put(b, u, n);
}

/* Reads a string at j->p (which is at '"'), decoding it into `out` if given. */
static bool jstring(mlt_json *j, mlt_buf *out) {
    if (out) mlt_buf_clear(out);
    j->p++; /* '"' */
    const char *run = j->p;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"') {
            if (out) mlt_buf_put(out, run, (size_t)(j->p - run));
            j->p++;
            if (out && !out->ptr) mlt_buf_put(out, "", 0);
            return true;
        }
        if (c < 0x20) return jfail(j, "control character in string");
        if (c != '\\') {
            j->p++;
            continue;
        }
        if (out) mlt_buf_put(out, run, (size_t)(j->p - run));
        j->p++;
        if (j->p >= j->end) break;
        char e = *j->p++;
        switch (e) {
        case '"': if (out) mlt_buf_put(out, "\"", 1); break;
        case '\\': if (out) mlt_buf_put(out, "\\", 1); break;
        case '/': if (out) mlt_buf_put(out, "/", 1); break;
        case 'b': if (out) mlt_buf_put(out, "\b", 1); break;
        case 'f': if (out) mlt_buf_put(out, "\f", 1); break;
        case 'n': if (out) mlt_buf_put(out, "\n", 1); break;
        case 'r': if (out) mlt_buf_put(out, "\r", 1); break;
        case 't': if (out) mlt_buf_put(out, "\t", 1); break;
        case 'u': {
            uint32_t cp;
            if (!jhex4(j, &cp)) return false;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return jfail(j, "lone surrogate in string");
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u') return jfail(j, "lone surrogate in string");
                j->p += 2;
                if (!jhex4(j, &lo)) return false;
                if (lo < 0xDC00 || lo > 0xDFFF) return jfail(j, "lone surrogate in string");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            jput_utf8(out, cp);
            break;
        }
        default: return jfail(j, "bad escape in string");
        }
        run = j->p;
    }
    return jfail(j, "unterminated string");
}

static bool jdigit(mlt_json *j) { return j->p < j->end && *j->p >= '0' && *j->p <= '9'; }

/* Reads a number; sets *integer when it has no sign, fraction or exponent. */
static bool jnumber(mlt_json *j, bool *integer) {
    *integer = true;
    if (j->p < j->end && *j->p == '-') {
        j->p++;
        *integer = false;
    }
    if (!jdigit(j)) return jfail(j, "bad number");
    if (*j->p == '0') {
        j->p++;
    } else {
        while (jdigit(j)) j->p++;
    }
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        *integer = false;
        if (!jdigit(j)) return jfail(j, "bad number");
        while (jdigit(j)) j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        *integer = false;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
        if (!jdigit(j)) return jfail(j, "bad number");
        while (jdigit(j)) j->p++;
    }
    return true;
}

static bool jliteral(mlt_json *j, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0) return jfail(j, "invalid JSON");
    j->p += n;
    return true;
}

/* Skips over one value of any kind, validating it. */
static bool jvalue(mlt_json *j, int depth) {
    if (depth > 128) return jfail(j, "JSON nested too deeply");
    jws(j);
    if (j->p >= j->end) return jfail(j, "unexpected end of JSON");
    switch (*j->p) {
    case '"': return jstring(j, NULL);
    case 't': return jliteral(j, "true");
    case 'f': return jliteral(j, "false");
    case 'n': return jliteral(j, "null");
    case '[':
    case '{': {
        bool obj = *j->p == '{';
        char close = obj ? '}' : ']';
        j->p++;
        jws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return true;
        }
        for (;;) {
            if (obj) {
                jws(j);
                if (j->p >= j->end || *j->p != '"') return jfail(j, "expected a key");
                if (!jstring(j, NULL)) return false;
                jws(j);
                if (j->p >= j->end || *j->p != ':') return jfail(j, "expected ':'");
                j->p++;
            }
            if (!jvalue(j, depth + 1)) return false;
            jws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                return true;
            }
            return jfail(j, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    default: {
        bool integer;
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')) return jnumber(j, &integer);
        return jfail(j, "invalid JSON");
    }
    }
}

bool mlt_json_valid(mlt_str json) {
    mlt_json j = { json.ptr, json.ptr + json.len, NULL };
    if (!jvalue(&j, 0)) return false;
    jws(&j);
    return j.p == j.end;
}

void mlt_json_array_begin(mlt_json_array *a, mlt_str json) {
    mlt_json j = { json.ptr, json.ptr + json.len, NULL };
    jws(&j);
    a->end = j.end;
    a->err = NULL;
    a->done = false;
    a->count = 0;
    if (j.p >= j.end || *j.p != '[') {
        a->p = j.p;
        a->err = "expected an array";
        a->done = true;
        return;
    }
    a->p = j.p + 1;
}

/* After the array's closing bracket: only whitespace may follow. */
static bool jarray_end(mlt_json_array *a, mlt_json *j) {
    j->p++;
    jws(j);
    a->p = j->p;
    a->done = true;
    if (j->p != j->end) a->err = "trailing characters after the array";
    return false;
}

bool mlt_json_array_next(mlt_json_array *a, mlt_str *elem) {
    if (a->done) return false;
    mlt_json j = { a->p, a->end, NULL };
    jws(&j);
    if (a->count == 0 && j.p < j.end && *j.p == ']') return jarray_end(a, &j);
    if (a->count > 0) {
        if (j.p < j.end && *j.p == ']') return jarray_end(a, &j);
        if (j.p >= j.end || *j.p != ',') {
            a->done = true;
            a->err = "expected ',' or ']' in the array";
            return false;
        }
        j.p++;
        jws(&j);
    }
    const char *start = j.p;
    if (!jvalue(&j, 1)) {
        a->done = true;
        a->err = j.err ? j.err : "invalid JSON";
        return false;
    }
    elem->ptr = start;
    elem->len = (size_t)(j.p - start);
    a->p = j.p;
    a->count++;
    return true;
}

static mlt_status jbad(mlt_reply *reply, const char *why, const char *field) {
    mlt_buf_clear(&reply->message);
    mlt_buf_puts(&reply->message, "invalid payload: ");
    mlt_buf_puts(&reply->message, why);
    if (field) {
        mlt_buf_puts(&reply->message, " `");
        mlt_buf_puts(&reply->message, field);
        mlt_buf_puts(&reply->message, "`");
    }
    return MLT_BAD_REQUEST;
}

static bool jfield(mlt_json *j, const mlt_json_field *f) {
    jws(j);
    if (j->p >= j->end) return jfail(j, "unexpected end of JSON");
    char c = *j->p;
    switch (f->kind) {
    case MLT_JSON_STRING:
        if (c != '"') return jfail(j, "expected a string for");
        return jstring(j, (mlt_buf *)f->out);
    case MLT_JSON_BOOL:
        if (c == 't' && jliteral(j, "true")) {
            *(bool *)f->out = true;
            return true;
        }
        if (c == 'f' && jliteral(j, "false")) {
            *(bool *)f->out = false;
            return true;
        }
        return jfail(j, "expected a boolean for");
    case MLT_JSON_U64: {
        const char *start = j->p;
        bool integer;
        if (!(c == '-' || (c >= '0' && c <= '9'))) return jfail(j, "expected a non-negative integer for");
        if (!jnumber(j, &integer)) return false;
        if (!integer) return jfail(j, "expected a non-negative integer for");
        uint64_t v = 0;
        for (const char *q = start; q < j->p; q++) {
            uint64_t d = (uint64_t)(*q - '0');
            if (v > (UINT64_MAX - d) / 10) return jfail(j, "integer out of range for");
            v = v * 10 + d;
        }
        *(uint64_t *)f->out = v;
        return true;
    }
    case MLT_JSON_ANY: {
        const char *start = j->p;
        if (!jvalue(j, 1)) return false;
        mlt_str *out = (mlt_str *)f->out;
        out->ptr = start;
        out->len = (size_t)(j->p - start);
        return true;
    }
    }
    return jfail(j, "bad field kind");
}

mlt_status mlt_json_object(mlt_str json, const mlt_json_field *fields, size_t n, bool null_ok, bool *is_null,
                           mlt_reply *reply) {
    mlt_json j = { json.ptr, json.ptr + json.len, NULL };
    bool seen[64] = { false };
    if (n > 64) return jbad(reply, "too many fields", NULL);
    for (size_t i = 0; i < n; i++)
        if (fields[i].present) *fields[i].present = false;
    if (is_null) *is_null = false;
    jws(&j);
    if (j.p == j.end || (j.end - j.p >= 4 && memcmp(j.p, "null", 4) == 0)) {
        if (j.p != j.end) j.p += 4;
        jws(&j);
        if (j.p != j.end) return jbad(reply, "trailing characters", NULL);
        if (!null_ok) return jbad(reply, "expected an object", NULL);
        if (is_null) *is_null = true;
        return MLT_OK;
    }
    if (*j.p != '{') return jbad(reply, "expected an object", NULL);
    j.p++;
    jws(&j);
    mlt_buf key = { 0 };
    mlt_status status = MLT_OK;
    if (j.p < j.end && *j.p == '}') {
        j.p++;
    } else {
        for (;;) {
            jws(&j);
            if (j.p >= j.end || *j.p != '"') {
                status = jbad(reply, "expected a key", NULL);
                break;
            }
            if (!jstring(&j, &key)) {
                status = jbad(reply, j.err, NULL);
                break;
            }
            size_t i = 0;
            while (i < n && !mlt_str_eq(mlt_buf_str(&key), fields[i].name)) i++;
            if (i == n) {
                status = jbad(reply, "unknown field", key.ptr);
                break;
            }
            if (seen[i]) {
                status = jbad(reply, "duplicate field", fields[i].name);
                break;
            }
            seen[i] = true;
            jws(&j);
            if (j.p >= j.end || *j.p != ':') {
                status = jbad(reply, "expected ':'", NULL);
                break;
            }
            j.p++;
            if (!jfield(&j, &fields[i])) {
                bool about_field = j.err && strstr(j.err, " for") != NULL;
                status = jbad(reply, j.err ? j.err : "invalid JSON", about_field ? fields[i].name : NULL);
                break;
            }
            if (fields[i].present) *fields[i].present = true;
            jws(&j);
            if (j.p < j.end && *j.p == ',') {
                j.p++;
                continue;
            }
            if (j.p < j.end && *j.p == '}') {
                j.p++;
                break;
            }
            status = jbad(reply, "expected ',' or '}'", NULL);
            break;
        }
    }
    mlt_buf_free(&key);
    if (status != MLT_OK) return status;
    jws(&j);
    if (j.p != j.end) return jbad(reply, "trailing characters", NULL);
    for (size_t i = 0; i < n; i++)
        if (fields[i].required && !seen[i]) return jbad(reply, "missing field", fields[i].name);
    return MLT_OK;
}

/* ---- the generated bindings, made pleasant -------------------------------- */

static actor_full_string_t wstr(mlt_str s) {
    actor_full_string_t r = { (uint8_t *)s.ptr, s.len };
    return r;
}

static actor_full_list_u8_t wbytes(mlt_str s) {
    actor_full_list_u8_t r = { (uint8_t *)s.ptr, s.len };
    return r;
}

/* Moves a host-allocated list into `b` (replacing its contents). */
static void take(mlt_buf *b, uint8_t *ptr, size_t len) {
    if (!b) {
        if (len) free(ptr);
        return;
    }
    mlt_buf_clear(b);
    mlt_buf_put(b, ptr, len);
    if (len) free(ptr);
}

/* ---- state ---------------------------------------------------------------- */

bool mlt_state_get(mlt_str key, mlt_buf *value) {
    actor_full_string_t k = wstr(key);
    actor_full_list_u8_t v;
    if (!microlith_actor_state_get(&k, &v)) return false;
    take(value, v.ptr, v.len);
    return true;
}

mlt_status mlt_state_set(mlt_str key, mlt_str value, mlt_reply *reply) {
    actor_full_string_t k = wstr(key);
    actor_full_list_u8_t v = wbytes(value);
    microlith_actor_state_state_error_t err;
    if (microlith_actor_state_set(&k, &v, &err)) return MLT_OK;
    mlt_buf_clear(&reply->message);
    switch (err.tag) {
    case MICROLITH_ACTOR_TYPES_STATE_ERROR_KEY_TOO_LARGE:
        mlt_buf_puts(&reply->message, "state key too large (limit ");
        mlt_buf_put_u64(&reply->message, err.val.key_too_large);
        break;
    case MICROLITH_ACTOR_TYPES_STATE_ERROR_VALUE_TOO_LARGE:
        mlt_buf_puts(&reply->message, "state value too large (limit ");
        mlt_buf_put_u64(&reply->message, err.val.value_too_large);
        break;
    default:
        mlt_buf_puts(&reply->message, "turn write quota exceeded (limit ");
        mlt_buf_put_u64(&reply->message, err.val.turn_quota_exceeded);
        break;
    }
    mlt_buf_puts(&reply->message, " bytes)");
    return MLT_FAILED;
}

void mlt_state_delete(mlt_str key) {
    actor_full_string_t k = wstr(key);
    microlith_actor_state_delete(&k);
}

mlt_status mlt_state_get_u64(mlt_str key, uint64_t def, uint64_t *out, mlt_reply *reply) {
    mlt_buf v = { 0 };
    *out = def;
    if (!mlt_state_get(key, &v)) return MLT_OK;
    mlt_json j = { v.ptr, v.ptr + v.len, NULL };
    mlt_json_field f = { "", MLT_JSON_U64, out, true, NULL };
    jws(&j);
    bool ok = jfield(&j, &f);
    jws(&j);
    ok = ok && j.p == j.end;
    mlt_buf_free(&v);
    if (ok) return MLT_OK;
    mlt_buf_clear(&reply->message);
    mlt_buf_puts(&reply->message, "stored value under ");
    mlt_buf_put_json_str(&reply->message, key);
    mlt_buf_puts(&reply->message, " is not a u64");
    return MLT_FAILED;
}

mlt_status mlt_state_set_u64(mlt_str key, uint64_t value, mlt_reply *reply) {
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    mlt_str s = { tmp + i, sizeof tmp - i };
    return mlt_state_set(key, s, reply);
}

#define MLT_SCAN_PAGE 256

void mlt_scan_begin(mlt_scan *s, mlt_str prefix) {
    memset(s, 0, sizeof *s);
    mlt_buf_put_str(&s->prefix, prefix);
    s->page = mlt_alloc(NULL, sizeof(microlith_actor_state_list_entry_t));
    memset(s->page, 0, sizeof(microlith_actor_state_list_entry_t));
}

bool mlt_scan_next(mlt_scan *s, mlt_str *key, mlt_str *value) {
    microlith_actor_state_list_entry_t *page = s->page;
    while (!s->done) {
        if (s->index < page->len) {
            microlith_actor_state_entry_t *e = &page->ptr[s->index++];
            key->ptr = (const char *)e->key.ptr;
            key->len = e->key.len;
            value->ptr = (const char *)e->value.ptr;
            value->len = e->value.len;
            mlt_buf_clear(&s->last_key);
            mlt_buf_put_str(&s->last_key, *key);
            return true;
        }
        /* The next page starts after the last key seen. */
        if (s->started && page->len == 0) break;
        microlith_actor_state_list_entry_free(page);
        actor_full_string_t prefix = wstr(mlt_buf_str(&s->prefix));
        actor_full_string_t after = wstr(mlt_buf_str(&s->last_key));
        microlith_actor_state_scan(&prefix, s->started ? &after : NULL, MLT_SCAN_PAGE, page);
        s->started = true;
        s->index = 0;
        if (page->len == 0) break;
    }
    s->done = true;
    return false;
}

void mlt_scan_end(mlt_scan *s) {
    if (s->page) {
        microlith_actor_state_list_entry_free(s->page);
        free(s->page);
    }
    mlt_buf_free(&s->prefix);
    mlt_buf_free(&s->last_key);
    memset(s, 0, sizeof *s);
}

/* ---- context -------------------------------------------------------------- */

static void take_ref(microlith_actor_context_actor_ref_t *r, mlt_buf *class_name, mlt_buf *key) {
    take(class_name, r->class_.ptr, r->class_.len);
    take(key, r->key.ptr, r->key.len);
}

void mlt_self(mlt_buf *class_name, mlt_buf *key) {
    microlith_actor_context_actor_ref_t r;
    microlith_actor_context_self_ref(&r);
    take_ref(&r, class_name, key);
}

bool mlt_caller(mlt_buf *out) {
    actor_full_string_t s;
    if (!microlith_actor_context_caller(&s)) return false;
    take(out, s.ptr, s.len);
    return true;
}

bool mlt_caller_actor(mlt_buf *class_name, mlt_buf *key) {
    microlith_actor_context_actor_ref_t r;
    if (!microlith_actor_context_caller_actor(&r)) return false;
    take_ref(&r, class_name, key);
    return true;
}

uint64_t mlt_turn_time_ms(void) { return microlith_actor_context_turn_time(); }

/* ---- calls and sends ------------------------------------------------------ */

const char *mlt_call_error_name(mlt_call_error e) {
    switch (e) {
    case MLT_CALL_OK: return "ok";
    case MLT_CALL_UNKNOWN_CLASS: return "unknown-class";
    case MLT_CALL_UNKNOWN_METHOD: return "unknown-method";
    case MLT_CALL_BAD_REQUEST: return "bad-request";
    case MLT_CALL_FAILED: return "failed";
    case MLT_CALL_TRAPPED: return "trapped";
    case MLT_CALL_CYCLE: return "cycle";
    case MLT_CALL_TIMEOUT: return "timeout";
    case MLT_CALL_UNAVAILABLE: return "unavailable";
    case MLT_CALL_INVALID: return "invalid";
    }
    return "unknown";
}

/* Converts (and frees) a call-error, describing it into `message`. */
static mlt_call_error call_error(microlith_actor_actors_call_error_t *err, mlt_buf *message) {
    mlt_call_error kind = (mlt_call_error)(err->tag + 1);
    if (message) mlt_buf_clear(message);
    switch (err->tag) {
    case MICROLITH_ACTOR_TYPES_CALL_ERROR_CYCLE:
        if (message) {
            mlt_buf_puts(message, "cycle:");
            for (size_t i = 0; i < err->val.cycle.len; i++) {
                microlith_actor_types_actor_ref_t *r = &err->val.cycle.ptr[i];
                mlt_buf_puts(message, " ");
                mlt_buf_put(message, r->class_.ptr, r->class_.len);
                mlt_buf_puts(message, "/");
                mlt_buf_put(message, r->key.ptr, r->key.len);
            }
        }
        break;
    case MICROLITH_ACTOR_TYPES_CALL_ERROR_TIMEOUT:
        if (message) {
            mlt_buf_puts(message, "no reply within ");
            mlt_buf_put_u64(message, err->val.timeout);
            mlt_buf_puts(message, " ms");
        }
        break;
    default:
        /* Every other case carries a string, at the same place in the union. */
        if (message) mlt_buf_put(message, err->val.failed.ptr, err->val.failed.len);
        break;
    }
    microlith_actor_actors_call_error_free(err);
    return kind;
}

mlt_call_error mlt_call(mlt_str class_name, mlt_str key, mlt_str method, mlt_str payload, int64_t timeout_ms,
                        mlt_buf *out) {
    microlith_actor_actors_actor_ref_t target = { wstr(class_name), wstr(key) };
    actor_full_string_t m = wstr(method);
    actor_full_list_u8_t p = wbytes(payload);
    uint32_t timeout = timeout_ms > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)timeout_ms;
    actor_full_list_u8_t ret;
    microlith_actor_actors_call_error_t err;
    if (microlith_actor_actors_call(&target, &m, &p, timeout_ms < 0 ? NULL : &timeout, &ret, &err)) {
        take(out, ret.ptr, ret.len);
        return MLT_CALL_OK;
    }
    return call_error(&err, out);
}

mlt_call_error mlt_send(mlt_str class_name, mlt_str key, mlt_str method, mlt_str payload, mlt_buf *message) {
    microlith_actor_actors_actor_ref_t target = { wstr(class_name), wstr(key) };
    actor_full_string_t m = wstr(method);
    actor_full_list_u8_t p = wbytes(payload);
    microlith_actor_actors_call_error_t err;
    if (microlith_actor_actors_send(&target, &m, &p, &err)) return MLT_CALL_OK;
    return call_error(&err, message);
}

mlt_status mlt_call_failed(mlt_reply *reply, mlt_call_error e, mlt_str message) {
    mlt_buf_clear(&reply->message);
    mlt_buf_puts(&reply->message, mlt_call_error_name(e));
    if (message.len) {
        mlt_buf_puts(&reply->message, ": ");
        mlt_buf_put_str(&reply->message, message);
    }
    return MLT_FAILED;
}

/* ---- alarms --------------------------------------------------------------- */

mlt_status mlt_alarm_set(mlt_str name, uint64_t at_ms, mlt_reply *reply) {
    actor_full_string_t n = wstr(name);
    microlith_actor_alarms_alarm_error_t err;
    if (microlith_actor_alarms_set_alarm(&n, at_ms, &err)) return MLT_OK;
    mlt_buf_clear(&reply->message);
    if (err.tag == MICROLITH_ACTOR_TYPES_ALARM_ERROR_INVALID_NAME) {
        mlt_buf_puts(&reply->message, "invalid alarm name (empty or longer than ");
        mlt_buf_put_u64(&reply->message, err.val.invalid_name);
        mlt_buf_puts(&reply->message, " bytes)");
    } else {
        mlt_buf_puts(&reply->message, "too many alarms (at most ");
        mlt_buf_put_u64(&reply->message, err.val.too_many);
        mlt_buf_puts(&reply->message, ")");
    }
    return MLT_FAILED;
}

void mlt_alarm_cancel(mlt_str name) {
    actor_full_string_t n = wstr(name);
    microlith_actor_alarms_cancel_alarm(&n);
}

bool mlt_alarm_get(mlt_str name, uint64_t *at_ms) {
    actor_full_string_t n = wstr(name);
    return microlith_actor_alarms_get_alarm(&n, at_ms);
}

/* ---- log ------------------------------------------------------------------ */

void mlt_log(mlt_log_level level, mlt_str message) {
    actor_full_string_t m = wstr(message);
    microlith_actor_log_write((microlith_actor_log_level_t)level, &m);
}

/* ---- exports ---------------------------------------------------------------- */

__attribute__((weak)) mlt_status mlt_on_alarm(mlt_str name, mlt_reply *reply) {
    (void)name;
    (void)reply;
    return MLT_OK;
}

/* No view: an empty body. */
__attribute__((weak)) mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply) {
    (void)viewer;
    (void)reply;
    return MLT_OK;
}

/* Schema 0: the layout of code that never migrates. */
__attribute__((weak)) uint32_t mlt_schema_version(void) { return 0; }

/* Accepts older state as it is; refuses state of a newer schema (after a
 * rollback), which keeps such an actor on the newer code. */
__attribute__((weak)) mlt_status mlt_migrate(uint32_t old_schema, mlt_reply *reply) {
    uint32_t mine = mlt_schema_version();
    if (old_schema <= mine) return MLT_OK;
    mlt_buf msg = { 0 };
    mlt_buf_puts(&msg, "state has schema ");
    mlt_buf_put_u64(&msg, old_schema);
    mlt_buf_puts(&msg, ", newer than this code's ");
    mlt_buf_put_u64(&msg, mine);
    mlt_buf_puts(&msg, "; define mlt_migrate to read it");
    mlt_status st = mlt_failed_str(reply, mlt_buf_str(&msg));
    mlt_buf_free(&msg);
    return st;
}

__attribute__((weak)) mlt_status mlt_self_check(mlt_reply *reply) {
    (void)reply;
    return MLT_OK;
}

/* Hands an owned buffer to the canonical ABI (freed by the post-return). */
static void give(mlt_buf *b, uint8_t **ptr, size_t *len) {
    if (b->len == 0) {
        mlt_buf_free(b);
        *ptr = NULL;
        *len = 0;
        return;
    }
    *ptr = (uint8_t *)b->ptr;
    *len = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
}

static void give_error(mlt_status status, mlt_reply *reply, actor_full_handle_error_t *err) {
    switch (status) {
    case MLT_UNKNOWN_METHOD: err->tag = MICROLITH_ACTOR_TYPES_HANDLE_ERROR_UNKNOWN_METHOD; break;
    case MLT_BAD_REQUEST: err->tag = MICROLITH_ACTOR_TYPES_HANDLE_ERROR_BAD_REQUEST; break;
    default: err->tag = MICROLITH_ACTOR_TYPES_HANDLE_ERROR_FAILED; break;
    }
    give(&reply->message, &err->val.failed.ptr, &err->val.failed.len);
}

bool exports_actor_full_handle(actor_full_string_t *method, actor_full_list_u8_t *payload,
                                    actor_full_list_u8_t *ret, actor_full_handle_error_t *err) {
    mlt_request req = { { (const char *)method->ptr, method->len }, { (const char *)payload->ptr, payload->len } };
    mlt_reply reply = { { 0 }, { 0 } };
    mlt_status status = mlt_handle(&req, &reply);
    actor_full_string_free(method);
    actor_full_list_u8_free(payload);
    if (status == MLT_OK) {
        mlt_buf_free(&reply.message);
        give(&reply.body, &ret->ptr, &ret->len);
        return true;
    }
    mlt_buf_free(&reply.body);
    give_error(status, &reply, err);
    return false;
}

/* Lowers the outcome of a hook that returns `result<_, handle-error>`: the
 * reply's body is dropped, its message becomes the error. */
static bool give_unit(mlt_status status, mlt_reply *reply, actor_full_handle_error_t *err) {
    mlt_buf_free(&reply->body);
    if (status == MLT_OK) {
        mlt_buf_free(&reply->message);
        return true;
    }
    give_error(status, reply, err);
    return false;
}

bool exports_actor_full_on_alarm(actor_full_string_t *name, actor_full_handle_error_t *err) {
    mlt_reply reply = { { 0 }, { 0 } };
    mlt_status status = mlt_on_alarm((mlt_str){ (const char *)name->ptr, name->len }, &reply);
    actor_full_string_free(name);
    return give_unit(status, &reply, err);
}

bool exports_microlith_actor_view_render(actor_full_string_t *maybe_viewer, actor_full_option_list_u8_t *ret,
                                         exports_microlith_actor_view_handle_error_t *err) {
    mlt_reply reply = { { 0 }, { 0 } };
    mlt_str viewer = { 0 };
    if (maybe_viewer) viewer = (mlt_str){ (const char *)maybe_viewer->ptr, maybe_viewer->len };
    mlt_status status = mlt_view(maybe_viewer ? &viewer : NULL, &reply);
    if (maybe_viewer) actor_full_string_free(maybe_viewer);
    if (status == MLT_OK) {
        mlt_buf_free(&reply.message);
        ret->is_some = reply.body.len > 0;
        give(&reply.body, &ret->val.ptr, &ret->val.len);
        return true;
    }
    mlt_buf_free(&reply.body);
    give_error(status, &reply, err);
    return false;
}

uint32_t exports_microlith_actor_upgrade_schema_version(void) { return mlt_schema_version(); }

bool exports_microlith_actor_upgrade_migrate(uint32_t old_schema, exports_microlith_actor_upgrade_handle_error_t *err) {
    mlt_reply reply = { { 0 }, { 0 } };
    mlt_status status = mlt_migrate(old_schema, &reply);
    return give_unit(status, &reply, err);
}

bool exports_microlith_actor_upgrade_self_check(actor_full_string_t *err) {
    mlt_reply reply = { { 0 }, { 0 } };
    mlt_status status = mlt_self_check(&reply);
    mlt_buf_free(&reply.body);
    if (status == MLT_OK) {
        mlt_buf_free(&reply.message);
        return true;
    }
    if (reply.message.len == 0) mlt_buf_puts(&reply.message, "the self-check failed");
    give(&reply.message, &err->ptr, &err->len);
    return false;
}
