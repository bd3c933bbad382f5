/*
 * orders: one actor per order, written in C (the rest of the shop is Rust;
 * the classes only share the JSON they exchange). Created by the gateway's
 * one-way `place`; reserves the stock, then ships on a durable alarm.
 *
 *   place  {"user": s, "items": [{"sku": s, "qty": n}, ...], "total_cents": n}
 *                                             -> the order
 *   get    ignored                            -> the order, or null
 *   cancel ignored                            -> the cancelled order (stock
 *                                                released); fails once shipped
 *
 * The order lives under `order` as {"user", "items", "total_cents",
 * "status", "placed_at_ms", "note"} (the layout of the earlier Rust version,
 * so a deployment can swap one for the other on live state). Status: placed
 * -> (inventory/main `reserve` fails) rejected, with the reason in `note`;
 * or reserved -> (alarm `ship`, SHIP_AFTER_MS later) shipped, or
 * reserved -> (`cancel`: inventory/main `release`) cancelled. The ship
 * turn first asks inventory/main for its `reservation`: released stock
 * (`[]`, a release the order did not see through) cancels the order
 * instead. Shipping sends inventory/main `settle`, which forgets the
 * reservation. Placing an
 * order twice changes nothing: the outbox delivers at least once. The
 * reservation is named by this order's key, and inventory takes the stock
 * once per name, so a `place` redelivered after a crash between
 * inventory's commit and this order's does not reserve twice. The alarm is
 * set before the reservation, so failing to set it takes nothing.
 */
#include <stdint.h>

#include "microlith.h"

#define ORDER MLT_S("order")
#define SHIP MLT_S("ship")
/* Delay between reservation and shipping. */
#define SHIP_AFTER_MS 1000

typedef struct {
    mlt_buf user;
    mlt_str items;       /* raw JSON array */
    uint64_t total_cents;
    mlt_buf status;
    uint64_t placed_at_ms;
    mlt_str note;        /* raw JSON: a string, or null */
} order;

static void order_free(order *o) {
    mlt_buf_free(&o->user);
    mlt_buf_free(&o->status);
}

static void order_json(mlt_buf *out, const order *o) {
    mlt_buf_clear(out);
    mlt_buf_puts(out, "{\"user\":");
    mlt_buf_put_json_str(out, mlt_buf_str(&o->user));
    mlt_buf_puts(out, ",\"items\":");
    mlt_buf_put_str(out, o->items);
    mlt_buf_puts(out, ",\"total_cents\":");
    mlt_buf_put_u64(out, o->total_cents);
    mlt_buf_puts(out, ",\"status\":");
    mlt_buf_put_json_str(out, mlt_buf_str(&o->status));
    mlt_buf_puts(out, ",\"placed_at_ms\":");
    mlt_buf_put_u64(out, o->placed_at_ms);
    mlt_buf_puts(out, ",\"note\":");
    if (o->note.len) mlt_buf_put_str(out, o->note);
    else mlt_buf_puts(out, "null");
    mlt_buf_puts(out, "}");
}

/* Writes `o` to state and, as the reply, to reply->body. */
static mlt_status save(const order *o, mlt_reply *reply) {
    order_json(&reply->body, o);
    return mlt_state_set(ORDER, mlt_buf_str(&reply->body), reply);
}

/* Reads the stored order into `o` (its strings point into `stored`).
 * MLT_OK with *found false when there is none. */
static mlt_status load(order *o, mlt_buf *stored, bool *found, mlt_reply *reply) {
    *found = mlt_state_get(ORDER, stored);
    if (!*found) return MLT_OK;
    mlt_json_field fields[] = {
        { "user", MLT_JSON_STRING, &o->user, true, NULL },
        { "items", MLT_JSON_ANY, &o->items, true, NULL },
        { "total_cents", MLT_JSON_U64, &o->total_cents, true, NULL },
        { "status", MLT_JSON_STRING, &o->status, true, NULL },
        { "placed_at_ms", MLT_JSON_U64, &o->placed_at_ms, true, NULL },
        { "note", MLT_JSON_ANY, &o->note, false, NULL },
    };
    if (MLT_JSON_OBJECT(mlt_buf_str(stored), fields, false, NULL, reply) != MLT_OK)
        return mlt_failed(reply, "the stored order is not valid");
    return MLT_OK;
}

/* Starts an inventory payload naming this order's reservation:
 * `{"order":"<this actor's key>"`; the caller closes the object. The key
 * names the reservation, so a redelivered `place` takes the stock once. */
static void begin_reservation(mlt_buf *b) {
    mlt_buf self_class = { 0 }, self_key = { 0 };
    mlt_self(&self_class, &self_key);
    mlt_buf_puts(b, "{\"order\":");
    mlt_buf_put_json_str(b, mlt_buf_str(&self_key));
    mlt_buf_free(&self_class);
    mlt_buf_free(&self_key);
}

/* Calls inventory/main `method` with `{"order": <this order's key>}`. */
static mlt_call_error ask_inventory(mlt_str method, mlt_buf *answer) {
    mlt_buf ask = { 0 };
    begin_reservation(&ask);
    mlt_buf_puts(&ask, "}");
    mlt_call_error e = mlt_call(MLT_S("inventory"), MLT_S("main"), method, mlt_buf_str(&ask), -1, answer);
    mlt_buf_free(&ask);
    return e;
}

/* Fails the turn with "<what>: <the call error's kind>". */
static mlt_status inventory_failed(mlt_reply *reply, const char *what, mlt_call_error e) {
    mlt_buf msg = { 0 };
    mlt_buf_puts(&msg, what);
    mlt_buf_puts(&msg, ": ");
    mlt_buf_puts(&msg, mlt_call_error_name(e));
    mlt_status st = mlt_failed_str(reply, mlt_buf_str(&msg));
    mlt_buf_free(&msg);
    return st;
}

/* `items` must be an array of {"sku": string, "qty": u32}. */
static mlt_status check_items(mlt_str items, mlt_reply *reply) {
    mlt_json_array a;
    mlt_str elem;
    mlt_json_array_begin(&a, items);
    while (mlt_json_array_next(&a, &elem)) {
        mlt_buf sku = { 0 };
        uint64_t qty = 0;
        mlt_json_field fields[] = {
            { "sku", MLT_JSON_STRING, &sku, true, NULL },
            { "qty", MLT_JSON_U64, &qty, true, NULL },
        };
        mlt_status st = MLT_JSON_OBJECT(elem, fields, false, NULL, reply);
        mlt_buf_free(&sku);
        if (st != MLT_OK) return st;
        if (qty > UINT32_MAX) return mlt_bad_request(reply, "invalid payload: `qty` out of range");
    }
    if (a.err) {
        mlt_buf msg = { 0 };
        mlt_buf_puts(&msg, "invalid payload: `items`: ");
        mlt_buf_puts(&msg, a.err);
        mlt_status st = mlt_bad_request(reply, mlt_buf_str(&msg).ptr);
        mlt_buf_free(&msg);
        return st;
    }
    return MLT_OK;
}

static mlt_status place(const mlt_request *req, mlt_reply *reply) {
    if (mlt_state_get(ORDER, &reply->body)) return MLT_OK; /* placing twice changes nothing */
    order o = { 0 };
    mlt_json_field fields[] = {
        { "user", MLT_JSON_STRING, &o.user, true, NULL },
        { "items", MLT_JSON_ANY, &o.items, true, NULL },
        { "total_cents", MLT_JSON_U64, &o.total_cents, true, NULL },
    };
    mlt_status st = MLT_JSON_OBJECT(req->payload, fields, false, NULL, reply);
    if (st == MLT_OK) st = check_items(o.items, reply);
    if (st != MLT_OK) {
        order_free(&o);
        return st;
    }
    o.placed_at_ms = mlt_turn_time_ms();

    mlt_buf reserve = { 0 }, answer = { 0 }, note = { 0 };
    begin_reservation(&reserve);
    mlt_buf_puts(&reserve, ",\"items\":");
    mlt_buf_put_str(&reserve, o.items);
    mlt_buf_puts(&reserve, "}");
    /* Set first (it takes effect when this turn commits): if it fails,
     * nothing has been reserved yet. */
    st = mlt_alarm_set(SHIP, o.placed_at_ms + SHIP_AFTER_MS, reply);
    if (st == MLT_OK) {
        mlt_call_error e =
            mlt_call(MLT_S("inventory"), MLT_S("main"), MLT_S("reserve"), mlt_buf_str(&reserve), -1, &answer);
        if (e == MLT_CALL_OK) {
            mlt_buf_puts(&o.status, "reserved");
        } else {
            /* The callee's turn rolled back; this order records why and
             * will not ship. */
            mlt_alarm_cancel(SHIP);
            mlt_buf why = { 0 };
            mlt_buf_puts(&why, mlt_call_error_name(e));
            mlt_buf_puts(&why, ": ");
            mlt_buf_put_str(&why, mlt_buf_str(&answer));
            mlt_buf_put_json_str(&note, mlt_buf_str(&why));
            mlt_buf_free(&why);
            mlt_buf_puts(&o.status, "rejected");
            o.note = mlt_buf_str(&note);
        }
        st = save(&o, reply);
    }
    mlt_buf_free(&reserve);
    mlt_buf_free(&answer);
    mlt_buf_free(&note);
    order_free(&o);
    return st;
}

static mlt_status get(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    if (!mlt_state_get(ORDER, &reply->body)) mlt_buf_puts(&reply->body, "null");
    return MLT_OK;
}

/* Cancels a reserved order: inventory releases its stock, the ship alarm
 * is cancelled. Cancelling again returns the cancelled order; a shipped or
 * rejected order cannot be cancelled. */
static mlt_status cancel(const mlt_request *req, mlt_reply *reply) {
    (void)req;
    order o = { 0 };
    mlt_buf stored = { 0 };
    bool found = false;
    mlt_status st = load(&o, &stored, &found, reply);
    if (st == MLT_OK && !found) st = mlt_failed(reply, "no such order");
    if (st == MLT_OK && mlt_str_eq(mlt_buf_str(&o.status), "cancelled")) {
        mlt_buf_clear(&reply->body);
        mlt_buf_put_str(&reply->body, mlt_buf_str(&stored));
    } else if (st == MLT_OK && !mlt_str_eq(mlt_buf_str(&o.status), "reserved")) {
        mlt_buf msg = { 0 };
        mlt_buf_puts(&msg, "the order is ");
        mlt_buf_put_str(&msg, mlt_buf_str(&o.status));
        mlt_buf_puts(&msg, " and cannot be cancelled");
        st = mlt_failed_str(reply, mlt_buf_str(&msg));
        mlt_buf_free(&msg);
    } else if (st == MLT_OK) {
        mlt_buf answer = { 0 };
        mlt_call_error e = ask_inventory(MLT_S("release"), &answer);
        if (e == MLT_CALL_OK) {
            mlt_alarm_cancel(SHIP);
            mlt_buf_clear(&o.status);
            mlt_buf_puts(&o.status, "cancelled");
            st = save(&o, reply);
        } else {
            st = inventory_failed(reply, "inventory did not release the stock", e);
        }
        mlt_buf_free(&answer);
    }
    order_free(&o);
    mlt_buf_free(&stored);
    return st;
}

static const mlt_method methods[] = {
    { "place", place },
    { "get", get },
    { "cancel", cancel },
};

mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply) { return MLT_DISPATCH(req, reply, methods); }

/* Whether inventory/main still holds this order's stock: its `reservation`
 * is not `[]`. A release can land without the order knowing (a `cancel`
 * whose `release` call timed out fails, yet inventory may finish the
 * release later); such an order must not ship. */
static mlt_status still_held(bool *held, mlt_reply *reply) {
    mlt_buf answer = { 0 }, order_id = { 0 };
    mlt_call_error e = ask_inventory(MLT_S("reservation"), &answer);
    /* Failing the turn retries the alarm with backoff. */
    if (e != MLT_CALL_OK) {
        mlt_buf_free(&answer);
        return inventory_failed(reply, "inventory did not say what it holds", e);
    }
    mlt_str items = { 0 };
    mlt_json_field fields[] = {
        { "order", MLT_JSON_STRING, &order_id, true, NULL },
        { "held", MLT_JSON_ANY, &items, true, NULL },
    };
    mlt_status st = MLT_JSON_OBJECT(mlt_buf_str(&answer), fields, false, NULL, reply);
    if (st == MLT_OK) {
        /* `[]`: released. Anything else (the items, or no record) ships. */
        mlt_json_array a;
        mlt_str elem;
        mlt_json_array_begin(&a, items);
        *held = mlt_json_array_next(&a, &elem) || a.err != NULL;
    } else {
        st = mlt_failed(reply, "inventory's reservation reply is not what orders expects");
    }
    mlt_buf_free(&order_id);
    mlt_buf_free(&answer);
    return st;
}

mlt_status mlt_on_alarm(mlt_str name, mlt_reply *reply) {
    if (!mlt_str_eq(name, "ship")) return MLT_OK;
    order o = { 0 };
    mlt_buf stored = { 0 };
    bool found = false, held = true;
    mlt_status st = load(&o, &stored, &found, reply);
    /* Only a reserved order ships (a cancelled one cancelled its alarm too),
     * and only while inventory holds its stock. */
    bool reserved = st == MLT_OK && found && mlt_str_eq(mlt_buf_str(&o.status), "reserved");
    if (reserved) st = still_held(&held, reply);
    if (reserved && st == MLT_OK && !held) {
        mlt_buf_clear(&o.status);
        mlt_buf_puts(&o.status, "cancelled");
        o.note = MLT_S("\"inventory released the stock\"");
        st = save(&o, reply);
    } else if (reserved && st == MLT_OK) {
        mlt_buf_clear(&o.status);
        mlt_buf_puts(&o.status, "shipped");
        st = save(&o, reply);
        if (st == MLT_OK) {
            /* Delivered once this turn commits: inventory forgets the
             * reservation. No `reserve` for this order can come after it:
             * `reserve` is only called by this order's first `place` turn,
             * and a `place` delivered again finds the order placed. */
            mlt_buf settle = { 0 }, why = { 0 };
            begin_reservation(&settle);
            mlt_buf_puts(&settle, "}");
            mlt_call_error e = mlt_send(MLT_S("inventory"), MLT_S("main"), MLT_S("settle"), mlt_buf_str(&settle), &why);
            if (e != MLT_CALL_OK) st = mlt_failed_str(reply, mlt_buf_str(&why));
            mlt_buf_free(&settle);
            mlt_buf_free(&why);
        }
        mlt_buf msg = { 0 };
        mlt_buf_puts(&msg, "order of ");
        mlt_buf_put_str(&msg, mlt_buf_str(&o.user));
        mlt_buf_puts(&msg, " shipped");
        if (st == MLT_OK) mlt_log(MLT_LOG_INFO, mlt_buf_str(&msg));
        mlt_buf_free(&msg);
    }
    order_free(&o);
    mlt_buf_free(&stored);
    return st;
}
