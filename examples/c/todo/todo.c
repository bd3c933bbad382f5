/*
 * todo: a to-do list, one per actor key (see examples/README.md).
 *
 * Items live under item/{id:020} as {"id":u64,"title":string,"done":bool};
 * the next id (starting at 1) lives under next-id.
 *
 *   add         {"title": s}            -> the new item
 *   list        ignored                 -> array of items by id
 *   toggle      {"id": n}               -> the updated item
 *   rename      {"id": n, "title": s}   -> the updated item
 *   remove      {"id": n}               -> {"removed": bool}
 *   clear-done  ignored                 -> {"removed": count}
 *
 * View (every viewer): {"items": [item, ...]} in id order.
 */
#include <string.h>

#include "microlith.h"

#define NEXT_ID MLT_S("next-id")

typedef struct {
    uint64_t id;
    mlt_buf title;
    bool done;
} item;

/* item/{id:020} */
static void item_key(mlt_buf *key, uint64_t id) {
    mlt_buf digits = { 0 };
    mlt_buf_put_u64(&digits, id);
    mlt_buf_clear(key);
    mlt_buf_puts(key, "item/");
    for (size_t i = digits.len; i < 20; i++) mlt_buf_puts(key, "0");
    mlt_buf_put_str(key, mlt_buf_str(&digits));
    mlt_buf_free(&digits);
}

static void item_json(mlt_buf *out, const item *it) {
    mlt_buf_puts(out, "{\"id\":");
    mlt_buf_put_u64(out, it->id);
    mlt_buf_puts(out, ",\"title\":");
    mlt_buf_put_json_str(out, mlt_buf_str(&it->title));
    mlt_buf_puts(out, ",\"done\":");
    mlt_buf_put_bool(out, it->done);
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

/* Parses a stored item. */
static mlt_status parse_item(mlt_str json, item *it, mlt_reply *reply) {
    mlt_json_field fields[] = {
        { "id", MLT_JSON_U64, &it->id, true, NULL },
        { "title", MLT_JSON_STRING, &it->title, true, NULL },
        { "done", MLT_JSON_BOOL, &it->done, true, NULL },
    };
    if (MLT_JSON_OBJECT(json, fields, false, NULL, reply) != MLT_OK) return mlt_failed(reply, "corrupt item in state");
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

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/* Trims the title in place; an empty one is a bad request. */
static mlt_status valid_title(mlt_buf *title, mlt_reply *reply) {
    size_t start = 0, end = title->len;
    while (start < end && is_space(title->ptr[start])) start++;
    while (end > start && is_space(title->ptr[end - 1])) end--;
    if (start == end) return mlt_bad_request(reply, "title must not be empty");
    memmove(title->ptr, title->ptr + start, end - start);
    title->len = end - start;
    title->ptr[title->len] = 0;
    return MLT_OK;
}

static mlt_status reply_item(mlt_reply *reply, item *it, mlt_status st) {
    if (st == MLT_OK) item_json(&reply->body, it);
    mlt_buf_free(&it->title);
    return st;
}

static mlt_status add(const mlt_request *req, mlt_reply *reply) {
    item it = { 0 };
    mlt_json_field fields[] = { { "title", MLT_JSON_STRING, &it.title, true, NULL } };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = valid_title(&it.title, reply);
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
    mlt_scan_begin(&s, MLT_S("item/"));
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
    mlt_buf title = { 0 };
    item it = { 0 };
    mlt_json_field fields[] = {
        { "id", MLT_JSON_U64, &id, true, NULL },
        { "title", MLT_JSON_STRING, &title, true, NULL },
    };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = valid_title(&title, reply);
    if (st == MLT_OK) st = load(id, &it, reply);
    if (st == MLT_OK) {
        mlt_buf_free(&it.title);
        it.title = title;
        title = (mlt_buf){ 0 };
        st = save(&it, reply);
    }
    mlt_buf_free(&title);
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

static mlt_status clear_done(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    /* Collect the keys first, then delete them. */
    mlt_buf keys = { 0 }; /* NUL-separated */
    uint64_t count = 0;
    mlt_status st = MLT_OK;
    mlt_scan s;
    mlt_str key, value;
    mlt_scan_begin(&s, MLT_S("item/"));
    while (st == MLT_OK && mlt_scan_next(&s, &key, &value)) {
        item it = { 0 };
        st = parse_item(value, &it, reply);
        if (st == MLT_OK && it.done) {
            mlt_buf_put_str(&keys, key);
            mlt_buf_put(&keys, "", 1);
            count++;
        }
        mlt_buf_free(&it.title);
    }
    mlt_scan_end(&s);
    for (size_t at = 0; st == MLT_OK && at < keys.len;) {
        mlt_str k = mlt_cstr(keys.ptr + at);
        mlt_state_delete(k);
        at += k.len + 1;
    }
    mlt_buf_free(&keys);
    MLT_TRY(st);
    mlt_buf_puts(&reply->body, "{\"removed\":");
    mlt_buf_put_u64(&reply->body, count);
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}

static const mlt_method methods[] = {
    { "add", add },
    { "list", list },
    { "toggle", toggle },
    { "rename", rename_item },
    { "remove", remove_item },
    { "clear-done", clear_done },
};

mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply) { return MLT_DISPATCH(req, reply, methods); }

mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply) {
    (void)viewer;
    mlt_buf_puts(&reply->body, "{\"items\":");
    put_items(&reply->body);
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}
