/*
 * conformance: the actor every guest language implements for the
 * conformance suite (conformance/README.md), in C with microlith.h.
 */
#include <stdlib.h>

#include "microlith.h"

static mlt_status ok(mlt_reply *reply) {
    mlt_buf_puts(&reply->body, "{\"ok\":true}");
    return MLT_OK;
}

/* Parses {"key": s, "value": s}. */
static mlt_status key_value(const mlt_request *req, mlt_buf *key, mlt_buf *value, mlt_reply *reply) {
    mlt_json_field fields[] = {
        { "key", MLT_JSON_STRING, key, true, NULL },
        { "value", MLT_JSON_STRING, value, true, NULL },
    };
    return MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
}

/* Parses {"<name>": s}. */
static mlt_status one_string(const mlt_request *req, const char *name, mlt_buf *out, mlt_reply *reply) {
    mlt_json_field fields[] = { { name, MLT_JSON_STRING, out, true, NULL } };
    return MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
}

static mlt_status m_set(const mlt_request *req, mlt_reply *reply) {
    mlt_buf key = { 0 }, value = { 0 };
    mlt_status st = key_value(req, &key, &value, reply);
    if (st == MLT_OK) st = mlt_state_set(mlt_buf_str(&key), mlt_buf_str(&value), reply);
    mlt_buf_free(&key);
    mlt_buf_free(&value);
    return st == MLT_OK ? ok(reply) : st;
}

static mlt_status m_get(const mlt_request *req, mlt_reply *reply) {
    mlt_buf key = { 0 }, value = { 0 };
    MLT_TRY(one_string(req, "key", &key, reply));
    mlt_buf_puts(&reply->body, "{\"value\":");
    if (mlt_state_get(mlt_buf_str(&key), &value)) {
        mlt_buf_put_json_str(&reply->body, mlt_buf_str(&value));
    } else {
        mlt_buf_puts(&reply->body, "null");
    }
    mlt_buf_puts(&reply->body, "}");
    mlt_buf_free(&key);
    mlt_buf_free(&value);
    return MLT_OK;
}

static mlt_status m_delete(const mlt_request *req, mlt_reply *reply) {
    mlt_buf key = { 0 };
    MLT_TRY(one_string(req, "key", &key, reply));
    mlt_state_delete(mlt_buf_str(&key));
    mlt_buf_free(&key);
    return ok(reply);
}

static mlt_status m_scan(const mlt_request *req, mlt_reply *reply) {
    mlt_buf prefix = { 0 };
    MLT_TRY(one_string(req, "prefix", &prefix, reply));
    mlt_scan s;
    mlt_str key, value;
    bool first = true;
    mlt_buf_puts(&reply->body, "[");
    mlt_scan_begin(&s, mlt_buf_str(&prefix));
    while (mlt_scan_next(&s, &key, &value)) {
        mlt_buf_puts(&reply->body, first ? "{\"key\":" : ",{\"key\":");
        first = false;
        mlt_buf_put_json_str(&reply->body, key);
        mlt_buf_puts(&reply->body, ",\"value\":");
        mlt_buf_put_json_str(&reply->body, value);
        mlt_buf_puts(&reply->body, "}");
    }
    mlt_scan_end(&s);
    mlt_buf_puts(&reply->body, "]");
    mlt_buf_free(&prefix);
    return MLT_OK;
}

static mlt_status m_set_then_fail(const mlt_request *req, mlt_reply *reply) {
    mlt_buf key = { 0 }, value = { 0 };
    mlt_status st = key_value(req, &key, &value, reply);
    if (st == MLT_OK) st = mlt_state_set(mlt_buf_str(&key), mlt_buf_str(&value), reply);
    mlt_buf_free(&key);
    mlt_buf_free(&value);
    return st == MLT_OK ? mlt_failed(reply, "failing after a write") : st;
}

static mlt_status m_fail(const mlt_request *req, mlt_reply *reply) {
    mlt_buf message = { 0 };
    MLT_TRY(one_string(req, "message", &message, reply));
    mlt_status st = mlt_failed_str(reply, mlt_buf_str(&message));
    mlt_buf_free(&message);
    return st;
}

static mlt_status m_bad(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    return mlt_bad_request(reply, "this method always rejects its input");
}

static mlt_status m_trap(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    (void)reply;
    __builtin_trap();
}

static mlt_status m_spin(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    (void)reply;
    volatile uint64_t n = 0;
    for (;;) n = n + 1;
}

static mlt_status m_alloc(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    (void)reply;
    for (;;) {
        volatile char *chunk = malloc(1 << 20);
        if (!chunk) __builtin_trap();
        for (size_t i = 0; i < (1 << 20); i += 4096) chunk[i] = 1;
    }
}

static mlt_status m_echo(const mlt_request *req, mlt_reply *reply) {
    mlt_buf_put_str(&reply->body, req->payload);
    return MLT_OK;
}

static mlt_status m_whoami(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    mlt_buf class_name = { 0 }, key = { 0 }, caller = { 0 };
    mlt_self(&class_name, &key);
    mlt_buf_puts(&reply->body, "{\"class\":");
    mlt_buf_put_json_str(&reply->body, mlt_buf_str(&class_name));
    mlt_buf_puts(&reply->body, ",\"key\":");
    mlt_buf_put_json_str(&reply->body, mlt_buf_str(&key));
    mlt_buf_puts(&reply->body, ",\"caller\":");
    if (mlt_caller(&caller)) {
        mlt_buf_put_json_str(&reply->body, mlt_buf_str(&caller));
    } else {
        mlt_buf_puts(&reply->body, "null");
    }
    mlt_buf_puts(&reply->body, "}");
    mlt_buf_free(&class_name);
    mlt_buf_free(&key);
    mlt_buf_free(&caller);
    return MLT_OK;
}

/* {"class": s, "key": s, "method": s, "payload": any}; payload null or absent -> empty bytes. */
typedef struct {
    mlt_buf class_name, key, method;
    mlt_str payload;
} target;

static mlt_status parse_target(const mlt_request *req, target *t, mlt_reply *reply) {
    bool has_payload;
    mlt_json_field fields[] = {
        { "class", MLT_JSON_STRING, &t->class_name, true, NULL },
        { "key", MLT_JSON_STRING, &t->key, true, NULL },
        { "method", MLT_JSON_STRING, &t->method, true, NULL },
        { "payload", MLT_JSON_ANY, &t->payload, false, &has_payload },
    };
    MLT_TRY(MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply));
    if (!has_payload || mlt_str_eq(t->payload, "null")) t->payload = MLT_S("");
    return MLT_OK;
}

static void free_target(target *t) {
    mlt_buf_free(&t->class_name);
    mlt_buf_free(&t->key);
    mlt_buf_free(&t->method);
}

static mlt_status m_call(const mlt_request *req, mlt_reply *reply) {
    target t = { 0 };
    mlt_status st = parse_target(req, &t, reply);
    if (st == MLT_OK) {
        mlt_buf out = { 0 };
        mlt_call_error e = mlt_call(mlt_buf_str(&t.class_name), mlt_buf_str(&t.key), mlt_buf_str(&t.method), t.payload,
                                    -1, &out);
        if (e == MLT_CALL_OK) {
            mlt_buf_puts(&reply->body, "{\"ok\":");
            if (mlt_json_valid(mlt_buf_str(&out))) {
                mlt_buf_put_str(&reply->body, mlt_buf_str(&out));
            } else {
                mlt_buf_puts(&reply->body, "null");
            }
            mlt_buf_puts(&reply->body, "}");
        } else {
            mlt_buf_puts(&reply->body, "{\"error\":\"");
            mlt_buf_puts(&reply->body, mlt_call_error_name(e));
            mlt_buf_puts(&reply->body, "\"}");
        }
        mlt_buf_free(&out);
    }
    free_target(&t);
    return st;
}

static mlt_status m_send(const mlt_request *req, mlt_reply *reply) {
    target t = { 0 };
    mlt_status st = parse_target(req, &t, reply);
    if (st == MLT_OK) {
        mlt_buf message = { 0 };
        mlt_call_error e = mlt_send(mlt_buf_str(&t.class_name), mlt_buf_str(&t.key), mlt_buf_str(&t.method), t.payload,
                                    &message);
        st = e == MLT_CALL_OK ? ok(reply) : mlt_call_failed(reply, e, mlt_buf_str(&message));
        mlt_buf_free(&message);
    }
    free_target(&t);
    return st;
}

static mlt_status m_set_alarm(const mlt_request *req, mlt_reply *reply) {
    mlt_buf name = { 0 };
    uint64_t in_ms = 0;
    mlt_json_field fields[] = {
        { "name", MLT_JSON_STRING, &name, true, NULL },
        { "in_ms", MLT_JSON_U64, &in_ms, true, NULL },
    };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    uint64_t due = mlt_turn_time_ms() + in_ms;
    if (st == MLT_OK) st = mlt_alarm_set(mlt_buf_str(&name), due, reply);
    if (st == MLT_OK) {
        mlt_buf_puts(&reply->body, "{\"due\":");
        mlt_buf_put_u64(&reply->body, due);
        mlt_buf_puts(&reply->body, "}");
    }
    mlt_buf_free(&name);
    return st;
}

static void fired_key(mlt_buf *key, mlt_str name) {
    mlt_buf_puts(key, "fired/");
    mlt_buf_put_str(key, name);
}

static mlt_status m_fired(const mlt_request *req, mlt_reply *reply) {
    mlt_buf name = { 0 }, key = { 0 };
    uint64_t count = 0;
    MLT_TRY(one_string(req, "name", &name, reply));
    fired_key(&key, mlt_buf_str(&name));
    mlt_status st = mlt_state_get_u64(mlt_buf_str(&key), 0, &count, reply);
    if (st == MLT_OK) {
        mlt_buf_puts(&reply->body, "{\"count\":");
        mlt_buf_put_u64(&reply->body, count);
        mlt_buf_puts(&reply->body, "}");
    }
    mlt_buf_free(&name);
    mlt_buf_free(&key);
    return st;
}

static mlt_status m_log(const mlt_request *req, mlt_reply *reply) {
    mlt_buf message = { 0 };
    MLT_TRY(one_string(req, "message", &message, reply));
    mlt_log(MLT_LOG_INFO, mlt_buf_str(&message));
    mlt_buf_free(&message);
    return ok(reply);
}

static mlt_status m_ambient(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    /* The component imports no WASI at all: there is nothing to try. */
    mlt_buf_puts(&reply->body, "{\"wasi\":false}");
    return MLT_OK;
}

static const mlt_method methods[] = {
    { "set", m_set },
    { "get", m_get },
    { "delete", m_delete },
    { "scan", m_scan },
    { "set-then-fail", m_set_then_fail },
    { "fail", m_fail },
    { "bad", m_bad },
    { "trap", m_trap },
    { "spin", m_spin },
    { "alloc", m_alloc },
    { "echo", m_echo },
    { "whoami", m_whoami },
    { "call", m_call },
    { "send", m_send },
    { "set-alarm", m_set_alarm },
    { "fired", m_fired },
    { "log", m_log },
    { "ambient", m_ambient },
};

mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply) { return MLT_DISPATCH(req, reply, methods); }

/* on-alarm(name): adds one to the number under fired/<name>. */
mlt_status mlt_on_alarm(mlt_str name, mlt_reply *reply) {
    mlt_buf key = { 0 };
    uint64_t count = 0;
    fired_key(&key, name);
    mlt_status st = mlt_state_get_u64(mlt_buf_str(&key), 0, &count, reply);
    if (st == MLT_OK) st = mlt_state_set_u64(mlt_buf_str(&key), count + 1, reply);
    mlt_buf_free(&key);
    return st;
}

/* view(viewer): {"viewer": viewer or null, "shown": the value under `shown`
 * or null}; refuses the viewer "refused" and traps for the viewer "trap". */
mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply) {
    if (viewer && mlt_str_eq(*viewer, "refused")) return mlt_failed(reply, "viewer refused");
    if (viewer && mlt_str_eq(*viewer, "trap")) __builtin_trap();
    mlt_buf shown = { 0 };
    mlt_buf_puts(&reply->body, "{\"viewer\":");
    if (viewer) {
        mlt_buf_put_json_str(&reply->body, *viewer);
    } else {
        mlt_buf_puts(&reply->body, "null");
    }
    mlt_buf_puts(&reply->body, ",\"shown\":");
    if (mlt_state_get(MLT_S("shown"), &shown)) {
        mlt_buf_put_json_str(&reply->body, mlt_buf_str(&shown));
    } else {
        mlt_buf_puts(&reply->body, "null");
    }
    mlt_buf_puts(&reply->body, "}");
    mlt_buf_free(&shown);
    return MLT_OK;
}
