/*
 * refuses-deploy: a C class whose self-check fails, so every deploy of it
 * is refused with the message below (crates/microlith-server/tests/all/
 * upgrade_langs.rs). It would otherwise answer `ping` with {"pong":true}.
 */
#include "microlith.h"

static mlt_status ping(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    mlt_buf_puts(&reply->body, "{\"pong\":true}");
    return MLT_OK;
}

static const mlt_method methods[] = { { "ping", ping } };

mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply) { return MLT_DISPATCH(req, reply, methods); }

mlt_status mlt_self_check(mlt_reply *reply) { return mlt_failed(reply, "the C refuses-deploy class refuses to serve"); }
