/*
 * todo-v2: version 2 of examples/c/todo, with due dates, and the migration
 * of version 1's state; a port of examples/js/todo-v2 (itself a port of the
 * Rust examples/todo-v2) with the same state layout, so it can be deployed
 * over any language's todo while it runs.
 *
 * State schema 2 (todo v1 is schema 0): items live under item/{id:020} as
 * {"id":u64,"text":string,"done":bool,"due":"YYYY-MM-DD"|null} (v1 called
 * text title and had no due); the next id (starting at 1) lives under
 * next-id, as in v1.
 *
 *   add         {"text": s, "due"?: date}         -> the new item
 *   list        ignored                           -> array of items by id
 *   toggle      {"id": n}                         -> the updated item
 *   rename      {"id": n, "text": s}              -> the updated item
 *   set-due     {"id": n, "due": date or null}    -> the updated item
 *   remove      {"id": n}                         -> {"removed": bool}
 *   clear-done  ignored                           -> {"removed": count}
 *   overdue     {"today": date}                   -> open items due before today
 *
 * A date is YYYY-MM-DD with a month 1-12 and a day 1-31. A "due" that is
 * null or absent is no due date (as the JS SDK reads a 'string?' field).
 *
 * View (every viewer): {"items": [item, ...]} in id order.
 *
 * Migration: from schema 0 (v1), every item's title becomes text and due is
 * null; an item v1 could not have written (not an object with exactly id,
 * title and done: the SDK's object reader refuses other fields, where the
 * JavaScript port ignores them) fails the migration, which leaves the actor
 * on v1 with its state untouched. Another schema is refused.
 */
#include <string.h>

#include "microlith.h"

#define SCHEMA 2u
#define NEXT_ID MLT_S("next-id")
#define ITEM_PREFIX MLT_S("item/")

typedef struct {
    uint64_t id;
    mlt_buf text;
    bool done;
    bool has_due;
    mlt_buf due; /* the date, when has_due */
} item;

static void item_free(item *it) {
    mlt_buf_free(&it->text);
    mlt_buf_free(&it->due);
}

/* item/{id:020} */
static void item_key(mlt_buf *key, uint64_t id) {
    mlt_buf digits = { 0 };
    mlt_buf_put_u64(&digits, id);
    mlt_buf_clear(key);
    mlt_buf_put_str(key, ITEM_PREFIX);
    for (size_t i = digits.len; i < 20; i++) mlt_buf_puts(key, "0");
    mlt_buf_put_str(key, mlt_buf_str(&digits));
    mlt_buf_free(&digits);
}

/* Schema 2's layout, in this field order (like the Rust and JS ports). */
static void item_json(mlt_buf *out, const item *it) {
    mlt_buf_puts(out, "{\"id\":");
    mlt_buf_put_u64(out, it->id);
    mlt_buf_puts(out, ",\"text\":");
    mlt_buf_put_json_str(out, mlt_buf_str(&it->text));
    mlt_buf_puts(out, ",\"done\":");
    mlt_buf_put_bool(out, it->done);
    mlt_buf_puts(out, ",\"due\":");
    if (it->has_due) mlt_buf_put_json_str(out, mlt_buf_str(&it->due));
    else mlt_buf_puts(out, "null");
    mlt_buf_puts(out, "}");
}

static mlt_status save(const item *it, mlt_reply *reply) {
    mlt_buf key = { 0 }, value = { 0 };
    item_key(&key, it->id);
    item_json(&value, it);
    mlt_status st = mlt_state_set(mlt_buf_str(&key), mlt_buf_str(&value), reply);
    mlt_buf_free(&key);
    mlt_buf_free(&value);
    return st;
}

/* Decodes `raw`, the JSON text of the field `name` (if `present`), into
 * `out`: a missing field or null is no string (*is_set false), a string sets
 * it, anything else is a bad request. */
static mlt_status optional_string(mlt_str raw, bool present, const char *name, mlt_buf *out, bool *is_set,
                                  mlt_reply *reply) {
    *is_set = false;
    if (!present || mlt_str_eq(raw, "null")) return MLT_OK;
    /* Read it again as {"<name>": raw}, so the SDK decodes (or refuses) the string. */
    mlt_buf wrapped = { 0 };
    mlt_buf_puts(&wrapped, "{");
    mlt_buf_put_json_str(&wrapped, mlt_cstr(name));
    mlt_buf_puts(&wrapped, ":");
    mlt_buf_put_str(&wrapped, raw);
    mlt_buf_puts(&wrapped, "}");
    mlt_json_field fields[] = { { name, MLT_JSON_STRING, out, true, NULL } };
    mlt_status st = MLT_JSON_OBJECT(mlt_buf_str(&wrapped), fields, false, NULL, reply);
    mlt_buf_free(&wrapped);
    if (st == MLT_OK) *is_set = true;
    return st;
}

/* Parses a stored item (a missing due reads as null). */
static mlt_status parse_item(mlt_str json, item *it, mlt_reply *reply) {
    mlt_str due = { 0 };
    bool due_present = false;
    mlt_json_field fields[] = {
        { "id", MLT_JSON_U64, &it->id, true, NULL },
        { "text", MLT_JSON_STRING, &it->text, true, NULL },
        { "done", MLT_JSON_BOOL, &it->done, true, NULL },
        { "due", MLT_JSON_ANY, &due, false, &due_present },
    };
    mlt_status st = MLT_JSON_OBJECT(json, fields, false, NULL, reply);
    if (st == MLT_OK) st = optional_string(due, due_present, "due", &it->due, &it->has_due, reply);
    if (st != MLT_OK) return mlt_failed(reply, "corrupt item in state");
    return MLT_OK;
}

static mlt_status load(uint64_t id, item *it, mlt_reply *reply) {
    mlt_buf key = { 0 }, value = { 0 };
    item_key(&key, id);
    bool found = mlt_state_get(mlt_buf_str(&key), &value);
    mlt_buf_free(&key);
    if (!found) {
        mlt_buf msg = { 0 };
        mlt_buf_puts(&msg, "no item ");
        mlt_buf_put_u64(&msg, id);
        mlt_status st = mlt_failed_str(reply, mlt_buf_str(&msg));
        mlt_buf_free(&msg);
        return st;
    }
    mlt_status st = parse_item(mlt_buf_str(&value), it, reply);
    mlt_buf_free(&value);
    return st;
}

/* Whether p[0..n) is exactly one whitespace character as JavaScript's trim
 * sees it (WhiteSpace and LineTerminator), in UTF-8. */
static bool is_js_space(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    switch (n) {
    case 1: return p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'); /* \t \n \v \f \r */
    case 2: return p[0] == 0xC2 && p[1] == 0xA0;                   /* U+00A0 */
    case 3:
        if (p[0] == 0xE1) return p[1] == 0x9A && p[2] == 0x80; /* U+1680 */
        if (p[0] == 0xE2 && p[1] == 0x80)                      /* U+2000-200A, U+2028, U+2029, U+202F */
            return (p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF;
        if (p[0] == 0xE2) return p[1] == 0x81 && p[2] == 0x9F; /* U+205F */
        if (p[0] == 0xE3) return p[1] == 0x80 && p[2] == 0x80; /* U+3000 */
        if (p[0] == 0xEF) return p[1] == 0xBB && p[2] == 0xBF; /* U+FEFF */
        return false;
    default: return false;
    }
}

/* The byte length of the whitespace character that starts (or, if `at_end`,
 * ends) s[0..n), or 0. */
static size_t js_space_len(const char *s, size_t n, bool at_end) {
    for (size_t k = 1; k <= 3 && k <= n; k++)
        if (is_js_space(at_end ? s + n - k : s, k)) return k;
    return 0;
}

/* Trims the text in place like JavaScript's String.prototype.trim; an empty
 * one is a bad request. */
static mlt_status valid_text(mlt_buf *text, mlt_reply *reply) {
    size_t start = 0, end = text->len, k;
    while (start < end && (k = js_space_len(text->ptr + start, end - start, false)) > 0) start += k;
    while (end > start && (k = js_space_len(text->ptr + start, end - start, true)) > 0) end -= k;
    if (start == end) return mlt_bad_request(reply, "text must not be empty");
    memmove(text->ptr, text->ptr + start, end - start);
    text->len = end - start;
    text->ptr[text->len] = 0;
    return MLT_OK;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* A YYYY-MM-DD date with a month 1-12 and a day 1-31; else a bad request. */
static mlt_status valid_date(mlt_str date, mlt_reply *reply) {
    const char *d = date.ptr;
    bool ok = date.len == 10 && d[4] == '-' && d[7] == '-';
    for (size_t i = 0; ok && i < 10; i++) ok = i == 4 || i == 7 || is_digit(d[i]);
    if (ok) {
        int month = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
        ok = month >= 1 && month <= 12 && day >= 1 && day <= 31;
    }
    if (ok) return MLT_OK;
    mlt_buf msg = { 0 };
    mlt_buf_puts(&msg, "due date ");
    mlt_buf_put_json_str(&msg, date); /* escapes any NUL, so msg is one C string */
    mlt_buf_puts(&msg, " is not YYYY-MM-DD");
    mlt_status st = mlt_bad_request(reply, msg.ptr);
    mlt_buf_free(&msg);
    return st;
}

/* A payload's "due" (its raw JSON, if present): none when missing or null,
 * else it must be a valid date. */
static mlt_status optional_date(mlt_str raw, bool present, mlt_buf *due, bool *has_due, mlt_reply *reply) {
    MLT_TRY(optional_string(raw, present, "due", due, has_due, reply));
    if (*has_due) return valid_date(mlt_buf_str(due), reply);
    return MLT_OK;
}

static mlt_status reply_item(mlt_reply *reply, item *it, mlt_status st) {
    if (st == MLT_OK) item_json(&reply->body, it);
    item_free(it);
    return st;
}

static mlt_status add(const mlt_request *req, mlt_reply *reply) {
    item it = { 0 };
    mlt_str due = { 0 };
    bool due_present = false;
    mlt_json_field fields[] = {
        { "text", MLT_JSON_STRING, &it.text, true, NULL },
        { "due", MLT_JSON_ANY, &due, false, &due_present },
    };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = valid_text(&it.text, reply);
    if (st == MLT_OK) st = optional_date(due, due_present, &it.due, &it.has_due, reply);
    if (st == MLT_OK) st = mlt_state_get_u64(NEXT_ID, 1, &it.id, reply);
    if (st == MLT_OK && it.id == UINT64_MAX) st = mlt_failed(reply, "item ids exhausted");
    if (st == MLT_OK) st = save(&it, reply);
    if (st == MLT_OK) st = mlt_state_set_u64(NEXT_ID, it.id + 1, reply);
    return reply_item(reply, &it, st);
}

/* Appends every item, in id order (keys are zero-padded ids), as a JSON array. */
static void put_items(mlt_buf *out) {
    mlt_scan s;
    mlt_str key, value;
    bool first = true;
    mlt_buf_puts(out, "[");
    mlt_scan_begin(&s, ITEM_PREFIX);
    while (mlt_scan_next(&s, &key, &value)) {
        if (!first) mlt_buf_puts(out, ",");
        first = false;
        mlt_buf_put_str(out, value); /* stored as the item's JSON */
    }
    mlt_scan_end(&s);
    mlt_buf_puts(out, "]");
}

static mlt_status list(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    put_items(&reply->body);
    return MLT_OK;
}

static mlt_status parse_id(const mlt_request *req, uint64_t *id, mlt_reply *reply) {
    mlt_json_field fields[] = { { "id", MLT_JSON_U64, id, true, NULL } };
    return MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
}

static mlt_status toggle(const mlt_request *req, mlt_reply *reply) {
    uint64_t id;
    item it = { 0 };
    mlt_status st = parse_id(req, &id, reply);
    if (st == MLT_OK) st = load(id, &it, reply);
    if (st == MLT_OK) {
        it.done = !it.done;
        st = save(&it, reply);
    }
    return reply_item(reply, &it, st);
}

static mlt_status rename_item(const mlt_request *req, mlt_reply *reply) {
    uint64_t id;
    mlt_buf text = { 0 };
    item it = { 0 };
    mlt_json_field fields[] = {
        { "id", MLT_JSON_U64, &id, true, NULL },
        { "text", MLT_JSON_STRING, &text, true, NULL },
    };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = valid_text(&text, reply);
    if (st == MLT_OK) st = load(id, &it, reply);
    if (st == MLT_OK) {
        mlt_buf_free(&it.text);
        it.text = text;
        text = (mlt_buf){ 0 };
        st = save(&it, reply);
    }
    mlt_buf_free(&text);
    return reply_item(reply, &it, st);
}

static mlt_status set_due(const mlt_request *req, mlt_reply *reply) {
    uint64_t id;
    mlt_str raw = { 0 };
    bool present = false, has_due = false;
    mlt_buf due = { 0 };
    item it = { 0 };
    mlt_json_field fields[] = {
        { "id", MLT_JSON_U64, &id, true, NULL },
        { "due", MLT_JSON_ANY, &raw, false, &present },
    };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = optional_date(raw, present, &due, &has_due, reply);
    if (st == MLT_OK) st = load(id, &it, reply);
    if (st == MLT_OK) {
        mlt_buf_free(&it.due);
        it.due = due;
        it.has_due = has_due;
        due = (mlt_buf){ 0 };
        st = save(&it, reply);
    }
    mlt_buf_free(&due);
    return reply_item(reply, &it, st);
}

static mlt_status remove_item(const mlt_request *req, mlt_reply *reply) {
    uint64_t id;
    MLT_TRY(parse_id(req, &id, reply));
    mlt_buf key = { 0 };
    item_key(&key, id);
    bool removed = mlt_state_get(mlt_buf_str(&key), NULL);
    mlt_state_delete(mlt_buf_str(&key));
    mlt_buf_free(&key);
    mlt_buf_puts(&reply->body, "{\"removed\":");
    mlt_buf_put_bool(&reply->body, removed);
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}

/* Lists of byte strings collected during a scan, to act on once it is over:
 * each is its length, then its bytes (a key may hold any byte). */
static void put_entry(mlt_buf *list, mlt_str s) {
    mlt_buf_put(list, &s.len, sizeof s.len);
    mlt_buf_put_str(list, s);
}

static mlt_str next_entry(const mlt_buf *list, size_t *at) {
    mlt_str s;
    memcpy(&s.len, list->ptr + *at, sizeof s.len);
    s.ptr = list->ptr + *at + sizeof s.len;
    *at += sizeof s.len + s.len;
    return s;
}

static mlt_status clear_done(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    /* Collect the keys first, then delete them. */
    mlt_buf keys = { 0 };
    uint64_t count = 0;
    mlt_status st = MLT_OK;
    mlt_scan s;
    mlt_str key, value;
    mlt_scan_begin(&s, ITEM_PREFIX);
    while (st == MLT_OK && mlt_scan_next(&s, &key, &value)) {
        item it = { 0 };
        st = parse_item(value, &it, reply);
        if (st == MLT_OK && it.done) {
            put_entry(&keys, key);
            count++;
        }
        item_free(&it);
    }
    mlt_scan_end(&s);
    for (size_t at = 0; st == MLT_OK && at < keys.len;) mlt_state_delete(next_entry(&keys, &at));
    mlt_buf_free(&keys);
    MLT_TRY(st);
    mlt_buf_puts(&reply->body, "{\"removed\":");
    mlt_buf_put_u64(&reply->body, count);
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}

/* Whether `a` sorts before `b`, byte by byte (ISO dates order as strings). */
static bool str_less(mlt_str a, mlt_str b) {
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    return c < 0 || (c == 0 && a.len < b.len);
}

static mlt_status overdue(const mlt_request *req, mlt_reply *reply) {
    mlt_buf today = { 0 };
    mlt_json_field fields[] = { { "today", MLT_JSON_STRING, &today, true, NULL } };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = valid_date(mlt_buf_str(&today), reply);
    if (st == MLT_OK) {
        mlt_scan s;
        mlt_str key, value;
        bool first = true;
        mlt_buf_puts(&reply->body, "[");
        mlt_scan_begin(&s, ITEM_PREFIX);
        while (st == MLT_OK && mlt_scan_next(&s, &key, &value)) {
            item it = { 0 };
            st = parse_item(value, &it, reply);
            if (st == MLT_OK && !it.done && it.has_due && str_less(mlt_buf_str(&it.due), mlt_buf_str(&today))) {
                if (!first) mlt_buf_puts(&reply->body, ",");
                first = false;
                item_json(&reply->body, &it);
            }
            item_free(&it);
        }
        mlt_scan_end(&s);
        mlt_buf_puts(&reply->body, "]");
    }
    mlt_buf_free(&today);
    return st;
}

static const mlt_method methods[] = {
    { "add", add },
    { "list", list },
    { "toggle", toggle },
    { "rename", rename_item },
    { "set-due", set_due },
    { "remove", remove_item },
    { "clear-done", clear_done },
    { "overdue", overdue },
};

mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply) { return MLT_DISPATCH(req, reply, methods); }

mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply) {
    (void)viewer;
    mlt_buf_puts(&reply->body, "{\"items\":");
    put_items(&reply->body);
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}

/* ---- upgrades ------------------------------------------------------------- */

uint32_t mlt_schema_version(void) { return SCHEMA; }

/* Reads the item todo v1 stored under `key` as `json` into `it` (its title
 * as the text, no due); a value v1 could not have written fails, naming the
 * key. */
static mlt_status v1_item(mlt_str key, mlt_str json, item *it, mlt_reply *reply) {
    mlt_json_field fields[] = {
        { "id", MLT_JSON_U64, &it->id, true, NULL },
        { "title", MLT_JSON_STRING, &it->text, true, NULL },
        { "done", MLT_JSON_BOOL, &it->done, true, NULL },
    };
    if (MLT_JSON_OBJECT(json, fields, false, NULL, reply) == MLT_OK) return MLT_OK;
    /* reply->message says why, as "invalid payload: <why>". */
    mlt_str why = mlt_buf_str(&reply->message), prefix = MLT_S("invalid payload: ");
    if (why.len >= prefix.len && memcmp(why.ptr, prefix.ptr, prefix.len) == 0) {
        why.ptr += prefix.len;
        why.len -= prefix.len;
    }
    mlt_buf msg = { 0 };
    mlt_buf_put_str(&msg, key);
    mlt_buf_puts(&msg, " is not a v1 item (");
    mlt_buf_put_str(&msg, why);
    mlt_buf_puts(&msg, "); leaving this list on v1");
    mlt_status st = mlt_failed_str(reply, mlt_buf_str(&msg));
    mlt_buf_free(&msg);
    return st;
}

static mlt_status refuse_schema(uint32_t old_schema, mlt_reply *reply) {
    mlt_buf msg = { 0 };
    mlt_buf_puts(&msg, "state schema ");
    mlt_buf_put_u64(&msg, old_schema);
    if (old_schema > SCHEMA) {
        mlt_buf_puts(&msg, " is newer than this code's ");
        mlt_buf_put_u64(&msg, SCHEMA);
    } else {
        mlt_buf_puts(&msg, " is not one this code knows (0 or ");
        mlt_buf_put_u64(&msg, SCHEMA);
        mlt_buf_puts(&msg, ")");
    }
    mlt_status st = mlt_failed_str(reply, mlt_buf_str(&msg));
    mlt_buf_free(&msg);
    return st;
}

mlt_status mlt_migrate(uint32_t old_schema, mlt_reply *reply) {
    if (old_schema == SCHEMA) return MLT_OK;
    if (old_schema != 0) return refuse_schema(old_schema, reply);
    /* Read (and check) every v1 item first, then write them all in schema
     * 2's layout once the scan is over. */
    mlt_buf entries = { 0 }; /* a key, then its new value, and so on */
    mlt_status st = MLT_OK;
    mlt_scan s;
    mlt_str key, value;
    mlt_scan_begin(&s, ITEM_PREFIX);
    while (st == MLT_OK && mlt_scan_next(&s, &key, &value)) {
        item it = { 0 };
        st = v1_item(key, value, &it, reply);
        if (st == MLT_OK) {
            mlt_buf new_key = { 0 }, new_value = { 0 };
            item_key(&new_key, it.id); /* where save() would put it */
            item_json(&new_value, &it);
            put_entry(&entries, mlt_buf_str(&new_key));
            put_entry(&entries, mlt_buf_str(&new_value));
            mlt_buf_free(&new_key);
            mlt_buf_free(&new_value);
        }
        item_free(&it);
    }
    mlt_scan_end(&s);
    for (size_t at = 0; st == MLT_OK && at < entries.len;) {
        mlt_str k = next_entry(&entries, &at);
        mlt_str v = next_entry(&entries, &at);
        st = mlt_state_set(k, v, reply);
    }
    mlt_buf_free(&entries);
    return st;
}

mlt_status mlt_self_check(mlt_reply *reply) {
    /* The date check the migration and methods rely on. */
    mlt_reply scratch = { { 0 }, { 0 } };
    bool ok = valid_date(MLT_S("2026-12-01"), &scratch) == MLT_OK &&
              valid_date(MLT_S("2026-13-01"), &scratch) == MLT_BAD_REQUEST &&
              valid_date(MLT_S("tomorrow"), &scratch) == MLT_BAD_REQUEST;
    mlt_buf_free(&scratch.body);
    mlt_buf_free(&scratch.message);
    if (!ok) return mlt_failed(reply, "the date validation is broken");
    return MLT_OK;
}
