/*
 * counter: a durable counter, one per actor key (see examples/README.md).
 *
 *   incr   empty, null, {} or {"by": n}   -> {"value": n}
 *   get    ignored                        -> {"value": n}
 *   reset  ignored                        -> {"value": 0}
 */
#include "microlith.h"

#define KEY MLT_S("value")

static mlt_status reply_value(mlt_reply *reply, uint64_t value) {
    mlt_buf_puts(&reply->body, "{\"value\":");
    mlt_buf_put_u64(&reply->body, value);
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}

static mlt_status incr(const mlt_request *req, mlt_reply *reply) {
    uint64_t by = 1, current;
    mlt_json_field fields[] = { { "by", MLT_JSON_U64, &by, false, NULL } };
    MLT_TRY(MLT_JSON_OBJECT(req->payload, fields, true, NULL, reply));
    MLT_TRY(mlt_state_get_u64(KEY, 0, &current, reply));
    if (current > UINT64_MAX - by) return mlt_failed(reply, "counter would overflow u64");
    MLT_TRY(mlt_state_set_u64(KEY, current + by, reply));
    return reply_value(reply, current + by);
}

static mlt_status get(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    uint64_t current;
    MLT_TRY(mlt_state_get_u64(KEY, 0, &current, reply));
    return reply_value(reply, current);
}

static mlt_status reset(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    mlt_state_delete(KEY);
    return reply_value(reply, 0);
}

static const mlt_method methods[] = {
    { "incr", incr },
    { "get", get },
    { "reset", reset },
};

mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply) { return MLT_DISPATCH(req, reply, methods); }
