/*
 * microlith.h: the C (and Zig cc) guest SDK for Microlith actors.
 *
 * An actor is a few functions. Implement
 *
 *     mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply);
 *
 * (or dispatch through a method table with MLT_DISPATCH), and optionally
 *
 *     mlt_status mlt_on_alarm(mlt_str name, mlt_reply *reply);
 *     mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply);
 *     uint32_t   mlt_schema_version(void);
 *     mlt_status mlt_migrate(uint32_t old_schema, mlt_reply *reply);
 *     mlt_status mlt_self_check(mlt_reply *reply);
 *
 * Write the reply bytes into `reply->body` (an mlt_buf); return MLT_OK. To
 * fail the turn, return one of mlt_unknown_method / mlt_bad_request /
 * mlt_failed (they record the message and return the matching status). A
 * failed turn commits nothing.
 *
 * The generated bindings for the `actor-full` world (gen/actor_full.h,
 * gen/actor_full.c, gen/actor_full_component_type.o, from
 * `wit-bindgen c` 0.63.0) do the canonical ABI; this layer only makes
 * them pleasant. It uses nothing from libc but malloc/realloc/free and the
 * mem and str functions, so components built with it import no WASI.
 *
 * JSON: payloads are parsed by mlt_json_object, a small strict parser for
 * flat objects written for this SDK (see README.md for why no third-party
 * parser is vendored).
 */
#ifndef MICROLITH_H
#define MICROLITH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- strings and buffers ------------------------------------------------ */

/* A borrowed byte string (not NUL-terminated). */
typedef struct {
    const char *ptr;
    size_t len;
} mlt_str;

/* mlt_str from a string literal. */
#define MLT_S(lit) ((mlt_str){ (lit), sizeof(lit) - 1 })

/* mlt_str from a NUL-terminated string. */
mlt_str mlt_cstr(const char *s);
/* Whether `s` equals the NUL-terminated `lit`. */
bool mlt_str_eq(mlt_str s, const char *lit);

/* An owned, growable byte buffer. Zero-initialise it ({0}); free it with
 * mlt_buf_free. It is always NUL-terminated past `len` once non-empty. */
typedef struct {
    char *ptr;
    size_t len;
    size_t cap;
} mlt_buf;

void mlt_buf_free(mlt_buf *b);
void mlt_buf_clear(mlt_buf *b);
/* A view of the buffer's bytes. */
mlt_str mlt_buf_str(const mlt_buf *b);
void mlt_buf_put(mlt_buf *b, const void *data, size_t len);
void mlt_buf_puts(mlt_buf *b, const char *s);
void mlt_buf_put_str(mlt_buf *b, mlt_str s);
void mlt_buf_put_u64(mlt_buf *b, uint64_t n);
/* Appends `s` as a JSON string literal, quoted and escaped. */
void mlt_buf_put_json_str(mlt_buf *b, mlt_str s);
/* Appends "true" or "false". */
void mlt_buf_put_bool(mlt_buf *b, bool v);

/* ---- requests, replies, errors ------------------------------------------ */

typedef enum {
    MLT_OK = 0,
    MLT_UNKNOWN_METHOD,
    MLT_BAD_REQUEST,
    MLT_FAILED,
} mlt_status;

typedef struct {
    mlt_str method;
    mlt_str payload; /* raw bytes; JSON by convention, empty means null */
} mlt_request;

typedef struct {
    mlt_buf body;    /* the reply bytes, when the turn succeeds */
    mlt_buf message; /* the error message, when it fails */
} mlt_reply;

/* The actor's entry points. mlt_on_alarm has a default that ignores alarms. */
mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply);
mlt_status mlt_on_alarm(mlt_str name, mlt_reply *reply);

/* The live view for the subscriber `viewer` (its principal; NULL when
 * anonymous): write the view's JSON into `reply->body` and return MLT_OK.
 * An empty body is no view, which is also the default when an actor does
 * not define mlt_view. Return mlt_failed(...) (or another error) to refuse
 * this viewer: its subscription ends with the message. The host runs it as
 * a read-only turn (a state write, call, send or alarm change traps). */
mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply);

/* Live upgrades (all optional; see docs/languages.md).
 *
 * mlt_schema_version names the layout of state this code reads and writes
 * (default 0). When an actor's state was last written under another schema,
 * the host runs mlt_migrate(old_schema, reply) as a turn of its own before
 * the actor's first turn on this code: it may read and write state and set
 * or cancel alarms (a call or send traps), and its writes commit atomically
 * with the new schema number. Returning an error (mlt_failed(...)) commits
 * nothing and keeps the actor on the code it ran before. The default
 * accepts older state as it is and refuses state of a newer schema (after a
 * rollback), which keeps such actors on the newer code.
 *
 * mlt_self_check runs once per deploy in a fresh instance whose actor has
 * no state (its writes are discarded); an error refuses the deploy with its
 * message. The default passes. */
uint32_t mlt_schema_version(void);
mlt_status mlt_migrate(uint32_t old_schema, mlt_reply *reply);
mlt_status mlt_self_check(mlt_reply *reply);

/* Error replies: each records its message and returns its status. */
mlt_status mlt_unknown_method(const mlt_request *req, mlt_reply *reply);
mlt_status mlt_bad_request(mlt_reply *reply, const char *message);
mlt_status mlt_failed(mlt_reply *reply, const char *message);
mlt_status mlt_failed_str(mlt_reply *reply, mlt_str message);

/* Propagates a non-OK status: MLT_TRY(mlt_state_set(...)); */
#define MLT_TRY(expr)                                   \
    do {                                                \
        mlt_status mlt_try_status_ = (expr);            \
        if (mlt_try_status_ != MLT_OK) return mlt_try_status_; \
    } while (0)

/* Method tables. */
typedef mlt_status (*mlt_method_fn)(const mlt_request *req, mlt_reply *reply);
typedef struct {
    const char *name;
    mlt_method_fn fn;
} mlt_method;

/* Calls the entry of `table` named like the request's method, or replies
 * unknown-method. */
mlt_status mlt_dispatch(const mlt_request *req, mlt_reply *reply, const mlt_method *table, size_t n);
#define MLT_DISPATCH(req, reply, table) mlt_dispatch((req), (reply), (table), sizeof(table) / sizeof((table)[0]))

/* ---- JSON payloads ------------------------------------------------------- */

typedef enum {
    MLT_JSON_STRING, /* out: mlt_buf *, the decoded (unescaped) UTF-8 string */
    MLT_JSON_U64,    /* out: uint64_t *, a non-negative integer (no sign, fraction or exponent) */
    MLT_JSON_BOOL,   /* out: bool * */
    MLT_JSON_ANY,    /* out: mlt_str *, the raw JSON text of any value (a view into the payload) */
} mlt_json_kind;

typedef struct {
    const char *name;
    mlt_json_kind kind;
    void *out;
    bool required;
    bool *present; /* optional: set to whether the field was there */
} mlt_json_field;

/* Parses `json` as an object with exactly the given fields (unknown or
 * duplicate fields, wrong types and missing required fields are bad
 * requests). If `null_ok`, an empty payload or `null` is accepted and sets
 * *is_null (when given) with no field present. Returns MLT_OK or
 * MLT_BAD_REQUEST (with the reason in reply->message). */
mlt_status mlt_json_object(mlt_str json, const mlt_json_field *fields, size_t n, bool null_ok, bool *is_null,
                           mlt_reply *reply);
#define MLT_JSON_OBJECT(json, fields, null_ok, is_null, reply) \
    mlt_json_object((json), (fields), sizeof(fields) / sizeof((fields)[0]), (null_ok), (is_null), (reply))

/* Whether `json` is exactly one valid JSON value (surrounding whitespace allowed). */
bool mlt_json_valid(mlt_str json);

/* Iterates over the elements of a JSON array:
 *
 *     mlt_json_array a;
 *     mlt_str elem;
 *     mlt_json_array_begin(&a, items);
 *     while (mlt_json_array_next(&a, &elem)) { ... MLT_JSON_OBJECT(elem, ...) ... }
 *     if (a.err) return mlt_bad_request(reply, a.err);
 *
 * Each element is its raw JSON text (a view into `json`, validated in full).
 * mlt_json_array_next returns false at the end of the array, or at the first
 * malformed element, when `json` is not an array, or when anything but
 * whitespace follows it; `err` then says why (NULL after a clean end). */
typedef struct {
    const char *p;
    const char *end;
    const char *err;
    bool done;
    size_t count; /* elements returned so far */
} mlt_json_array;

void mlt_json_array_begin(mlt_json_array *a, mlt_str json);
bool mlt_json_array_next(mlt_json_array *a, mlt_str *elem);

/* ---- state --------------------------------------------------------------- */

/* Reads `key` into `value` (replacing its contents). False if there is none. */
bool mlt_state_get(mlt_str key, mlt_buf *value);
/* Stores `value` under `key`. A host refusal (too large, over quota) is
 * returned as MLT_FAILED with the reason in reply->message. */
mlt_status mlt_state_set(mlt_str key, mlt_str value, mlt_reply *reply);
void mlt_state_delete(mlt_str key);
/* Reads a JSON u64 stored under `key` (`def` when missing). A stored value
 * that is not one is MLT_FAILED. */
mlt_status mlt_state_get_u64(mlt_str key, uint64_t def, uint64_t *out, mlt_reply *reply);
mlt_status mlt_state_set_u64(mlt_str key, uint64_t value, mlt_reply *reply);

/* Iterates over every entry whose key starts with `prefix`, in key order,
 * paging through the host's `scan` as needed:
 *
 *     mlt_scan s; mlt_str key, value;
 *     mlt_scan_begin(&s, MLT_S("item/"));
 *     while (mlt_scan_next(&s, &key, &value)) { ... }
 *     mlt_scan_end(&s);
 *
 * `key` and `value` stay valid until the next call. */
typedef struct {
    mlt_buf prefix;
    mlt_buf last_key;
    void *page;       /* internal: the current page */
    size_t index;
    bool started;
    bool done;
} mlt_scan;

void mlt_scan_begin(mlt_scan *s, mlt_str prefix);
bool mlt_scan_next(mlt_scan *s, mlt_str *key, mlt_str *value);
void mlt_scan_end(mlt_scan *s);

/* ---- context ------------------------------------------------------------- */

/* The actor this instance serves: its class and key. */
void mlt_self(mlt_buf *class_name, mlt_buf *key);
/* The principal that sent the current message, if known. */
bool mlt_caller(mlt_buf *out);
/* The actor that sent the current message, when another actor did. */
bool mlt_caller_actor(mlt_buf *class_name, mlt_buf *key);
/* The turn's start time, in milliseconds since the Unix epoch. */
uint64_t mlt_turn_time_ms(void);

/* ---- calls and sends ------------------------------------------------------ */

typedef enum {
    MLT_CALL_OK = 0,
    MLT_CALL_UNKNOWN_CLASS,
    MLT_CALL_UNKNOWN_METHOD,
    MLT_CALL_BAD_REQUEST,
    MLT_CALL_FAILED,
    MLT_CALL_TRAPPED,
    MLT_CALL_CYCLE,
    MLT_CALL_TIMEOUT,
    MLT_CALL_UNAVAILABLE,
    MLT_CALL_INVALID,
} mlt_call_error;

/* The WIT case name: "unknown-class", "trapped", ... ("ok" for MLT_CALL_OK). */
const char *mlt_call_error_name(mlt_call_error e);

/* Calls `method(payload)` on the actor (class_name, key) and waits. On
 * success `out` holds the reply; on an error it holds the error's message
 * (for cycle and timeout, a description). timeout_ms < 0: the host default. */
mlt_call_error mlt_call(mlt_str class_name, mlt_str key, mlt_str method, mlt_str payload, int64_t timeout_ms,
                        mlt_buf *out);
/* Sends `method(payload)` one way; it is delivered once this turn commits.
 * On an immediate refusal `message` (if given) holds the reason. */
mlt_call_error mlt_send(mlt_str class_name, mlt_str key, mlt_str method, mlt_str payload, mlt_buf *message);
/* Turns a call error into a failed reply: "<what>: <kind>: <message>". */
mlt_status mlt_call_failed(mlt_reply *reply, mlt_call_error e, mlt_str message);

/* ---- alarms --------------------------------------------------------------- */

/* Sets (or moves) alarm `name` to `at_ms`; a refusal is MLT_FAILED. */
mlt_status mlt_alarm_set(mlt_str name, uint64_t at_ms, mlt_reply *reply);
void mlt_alarm_cancel(mlt_str name);
bool mlt_alarm_get(mlt_str name, uint64_t *at_ms);

/* ---- log ------------------------------------------------------------------ */

typedef enum {
    MLT_LOG_TRACE,
    MLT_LOG_DEBUG,
    MLT_LOG_INFO,
    MLT_LOG_WARN,
    MLT_LOG_ERROR,
} mlt_log_level;

void mlt_log(mlt_log_level level, mlt_str message);
#define mlt_log_info(msg) mlt_log(MLT_LOG_INFO, mlt_cstr(msg))

#ifdef __cplusplus
}
#endif

#endif /* MICROLITH_H */
