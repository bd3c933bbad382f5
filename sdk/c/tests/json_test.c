/*
 * Native unit test of the JSON reader and writer in microlith.c, and of the
 * view and upgrade exports' lowering, with the host imports stubbed out. Run by
 * `scripts/lang/c.sh check`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "microlith.h"
#include "actor_full.h"
/* stubs */
bool microlith_actor_state_get(actor_full_string_t *k, actor_full_list_u8_t *r){(void)k;(void)r;return false;}
bool microlith_actor_state_set(actor_full_string_t *k, actor_full_list_u8_t *v, microlith_actor_state_state_error_t *e){(void)k;(void)v;(void)e;return true;}
void microlith_actor_state_delete(actor_full_string_t *k){(void)k;}
void microlith_actor_state_scan(actor_full_string_t *p, actor_full_string_t *a, uint32_t l, microlith_actor_state_list_entry_t *r){(void)p;(void)a;(void)l;r->len=0;r->ptr=0;}
void microlith_actor_context_self_ref(microlith_actor_context_actor_ref_t *r){(void)r;}
bool microlith_actor_context_caller(actor_full_string_t *r){(void)r;return false;}
uint64_t microlith_actor_context_turn_time(void){return 0;}
bool microlith_actor_context_caller_actor(microlith_actor_context_actor_ref_t *r){(void)r;return false;}
bool microlith_actor_actors_call(microlith_actor_actors_actor_ref_t *t, actor_full_string_t *m, actor_full_list_u8_t *p, uint32_t *x, actor_full_list_u8_t *r, microlith_actor_actors_call_error_t *e){return false;}
bool microlith_actor_actors_send(microlith_actor_actors_actor_ref_t *t, actor_full_string_t *m, actor_full_list_u8_t *p, microlith_actor_actors_call_error_t *e){return true;}
bool microlith_actor_alarms_set_alarm(actor_full_string_t *n, uint64_t a, microlith_actor_alarms_alarm_error_t *e){return true;}
void microlith_actor_alarms_cancel_alarm(actor_full_string_t *n){}
bool microlith_actor_alarms_get_alarm(actor_full_string_t *n, uint64_t *r){return false;}
void microlith_actor_log_write(microlith_actor_log_level_t l, actor_full_string_t *m){}
void microlith_actor_state_list_entry_free(microlith_actor_state_list_entry_t *p){}
void microlith_actor_actors_call_error_free(microlith_actor_actors_call_error_t *p){}
void actor_full_string_free(actor_full_string_t *p){}
void actor_full_list_u8_free(actor_full_list_u8_t *p){}
mlt_status mlt_handle(const mlt_request *req, mlt_reply *reply){return MLT_OK;}
/* A view: none for "nobody", refused for "eve", else {"viewer": v or null}. */
mlt_status mlt_view(const mlt_str *viewer, mlt_reply *reply) {
    if (viewer && mlt_str_eq(*viewer, "nobody")) return MLT_OK;
    if (viewer && mlt_str_eq(*viewer, "eve")) return mlt_failed(reply, "not for eve");
    mlt_buf_puts(&reply->body, "{\"viewer\":");
    if (viewer) mlt_buf_put_json_str(&reply->body, *viewer); else mlt_buf_puts(&reply->body, "null");
    mlt_buf_puts(&reply->body, "}");
    return MLT_OK;
}

static int passed, failed;

static void t(const char *json, const char *expect) {
    mlt_reply r = {0}; uint64_t by = 7; mlt_buf s = {0}; bool b = false, hb; mlt_str any = {0}, anyv; bool hany;
    mlt_json_field f[] = {{"by", MLT_JSON_U64, &by, false, NULL},{"s", MLT_JSON_STRING, &s, false, NULL},{"b", MLT_JSON_BOOL,&b,false,&hb},{"a", MLT_JSON_ANY,&any,false,&hany}};
    mlt_status st = MLT_JSON_OBJECT(mlt_cstr(json), f, true, NULL, &r);
    char got[512];
    if (st == MLT_OK) snprintf(got, sizeof got, "ok by=%llu s=[%s] b=%d a=[%.*s]", (unsigned long long)by, s.ptr ? s.ptr : "", b, hany ? (int)any.len : 0, hany ? any.ptr : "");
    else snprintf(got, sizeof got, "bad %s", r.message.ptr);
    bool ok = strncmp(got, expect, strlen(expect)) == 0;
    ok ? passed++ : failed++;
    if (!ok) printf("FAIL %s -> %s (expected %s)\n", json, got, expect);
}
/* Renders for `viewer` (NULL: anonymous) and checks the lowered result. */
static void view(const char *viewer, bool want_ok, const char *want) {
    actor_full_string_t v = { (uint8_t *)viewer, viewer ? strlen(viewer) : 0 };
    actor_full_option_list_u8_t ret = { 0 };
    exports_microlith_actor_view_handle_error_t err = { 0 };
    bool ok = exports_microlith_actor_view_render(viewer ? &v : NULL, &ret, &err);
    char got[128];
    if (ok && ret.is_some) snprintf(got, sizeof got, "%.*s", (int)ret.val.len, (const char *)ret.val.ptr);
    else if (ok) snprintf(got, sizeof got, "none");
    else snprintf(got, sizeof got, "%d:%.*s", (int)err.tag, (int)err.val.failed.len, (const char *)err.val.failed.ptr);
    bool pass = ok == want_ok && strcmp(got, want) == 0;
    pass ? passed++ : failed++;
    if (!pass) printf("FAIL view(%s) -> %s (expected %s)\n", viewer ? viewer : "NULL", got, want);
    if (ok && ret.is_some) free(ret.val.ptr);
    if (!ok) free(err.val.failed.ptr);
}

/* A self-check that fails while `refuse_deploy` is set, to test its lowering. */
static bool refuse_deploy;
mlt_status mlt_self_check(mlt_reply *reply) {
    return refuse_deploy ? mlt_failed(reply, "not today") : MLT_OK;
}

/* The default upgrade hooks: schema 0, a migration that accepts older
 * state and refuses newer; and a self-check's result lowered both ways. */
static void upgrade_defaults(void) {
    exports_microlith_actor_upgrade_handle_error_t err = { 0 };
    bool pass = exports_microlith_actor_upgrade_schema_version() == 0 && exports_microlith_actor_upgrade_migrate(0, &err);
    bool refused = !exports_microlith_actor_upgrade_migrate(3, &err);
    const char *want = "state has schema 3, newer than this code's 0; define mlt_migrate to read it";
    pass = pass && refused && err.tag == MICROLITH_ACTOR_TYPES_HANDLE_ERROR_FAILED &&
           err.val.failed.len == strlen(want) && memcmp(err.val.failed.ptr, want, err.val.failed.len) == 0;
    if (refused) free(err.val.failed.ptr);
    actor_full_string_t check_err = { 0 };
    pass = pass && exports_microlith_actor_upgrade_self_check(&check_err);
    refuse_deploy = true;
    bool check_refused = !exports_microlith_actor_upgrade_self_check(&check_err);
    pass = pass && check_refused && check_err.len == 9 && memcmp(check_err.ptr, "not today", 9) == 0;
    if (check_refused) free(check_err.ptr);
    pass ? passed++ : failed++;
    if (!pass) printf("FAIL the default upgrade hooks\n");
}

/* Iterates `json` as an array: "ok <n>: e1|e2|..." or "bad <n>: <err>" after n elements. */
static void arr(const char *json, const char *want) {
    mlt_json_array a;
    mlt_str e;
    char got[256] = "";
    size_t used = 0;
    mlt_json_array_begin(&a, mlt_cstr(json));
    while (mlt_json_array_next(&a, &e) && used < 200)
        used += (size_t)snprintf(got + used, sizeof got - used, "%s%.*s", a.count > 1 ? "|" : "", (int)e.len, e.ptr);
    char all[320];
    snprintf(all, sizeof all, "%s %zu: %s", a.err ? "bad" : "ok", a.count, a.err ? a.err : got);
    bool pass = strcmp(all, want) == 0;
    pass ? passed++ : failed++;
    if (!pass) printf("FAIL array(%s) -> %s (expected %s)\n", json, all, want);
}

int main(void) {
    arr("[]", "ok 0: "); arr(" [ ] ", "ok 0: "); arr("[1]", "ok 1: 1");
    arr("[{\"sku\":\"a\",\"qty\":2}, [3,4] ,\"x\"]", "ok 3: {\"sku\":\"a\",\"qty\":2}|[3,4]|\"x\"");
    arr("{}", "bad 0: expected an array"); arr("", "bad 0: expected an array"); arr("[1,]", "bad 1: invalid JSON");
    arr("[1 2]", "bad 1: expected ',' or ']' in the array"); arr("[1] x", "bad 1: trailing characters after the array");
    arr("[1", "bad 1: expected ',' or ']' in the array"); arr("[,1]", "bad 0: invalid JSON"); arr("[{\"a\":}]", "bad 0: invalid JSON");

    upgrade_defaults();
    view(NULL, true, "{\"viewer\":null}");
    view("ann \"a\"", true, "{\"viewer\":\"ann \\\"a\\\"\"}");
    view("nobody", true, "none");
    view("eve", false, "2:not for eve");
    t("", "ok by=7"); t("null", "ok by=7"); t(" null ", "ok"); t("nul", "bad"); t("nullx", "bad");
    t("{}", "ok by=7"); t("{\"by\":5}", "ok by=5"); t("{\"by\":-1}", "bad"); t("{\"by\":1.5}", "bad"); t("{\"by\":1e2}", "bad");
    t("{\"by\":01}", "bad"); t("{\"by\":0}", "ok by=0"); t("{\"by\":18446744073709551615}", "ok by=18446744073709551615");
    t("{\"by\":18446744073709551616}", "bad"); t("{\"by\":\"two\"}", "bad"); t("{\"by\":1,\"by\":2}", "bad");
    t("{\"x\":1}", "bad"); t("[1]", "bad"); t("{\"by\":1,}", "bad"); t("{\"by\":1} x", "bad");
    t("{\"s\":\"a\\\"b\\\\c\\n\\u00fc\\ud83d\\ude00\"}", "ok by=7 s=[a\"b\\c\n\xc3\xbc\xf0\x9f\x98\x80]");
    t("{\"s\":\"\\ud83d\"}", "bad"); t("{\"s\":\"\\x\"}", "bad"); t("{\"s\":\"a\tb\"}", "bad"); t("{\"s\":\"\"}", "ok by=7 s=[]");
    t("{\"b\":true}", "ok by=7 s=[] b=1"); t("{\"b\":1}", "bad"); t("{\"a\":{\"x\":[1,2,{\"y\":null}]}}", "ok by=7 s=[] b=0 a=[{\"x\":[1,2,{\"y\":null}]}]");
    t("{\"a\":[1,]}", "bad"); t("{\"a\":-0.5e-3}", "ok by=7 s=[] b=0 a=[-0.5e-3]"); t("{\"a\":\"x\"}", "ok");
    t("{ \"by\" : 3 , \"s\" : \"q\" }", "ok by=3 s=[q]"); t("{\"by\":3", "bad");
    mlt_buf o = {0};
    mlt_buf_put_json_str(&o, MLT_S("a\"\\\n\x01\xc3\xbc"));
    bool w = strcmp(o.ptr, "\"a\\\"\\\\\\n\\u0001\xc3\xbc\"") == 0;
    w ? passed++ : failed++;
    if (!w) printf("FAIL writer: %s\n", o.ptr);
    bool v = mlt_json_valid(MLT_S("{\"a\":1}")) && mlt_json_valid(MLT_S(" [1, \"x\"] ")) && !mlt_json_valid(MLT_S("abc")) && !mlt_json_valid(MLT_S(""));
    v ? passed++ : failed++;
    if (!v) printf("FAIL mlt_json_valid\n");
    printf("json, view and upgrade: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
