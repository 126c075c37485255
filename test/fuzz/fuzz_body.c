/* fuzz_body - libFuzzer target: request bodies and query strings as body.c reads them (JSON
 * through json_read, forms and queries through url_form_parse) and validates them against each
 * endpoint's schema, with the redirect-URL check in between as the router runs it.
 *
 * Input: byte 0 picks the schema (modulo SCHEMA__MAX), byte 1 the mode (modulo 4): a JSON
 * body, a form body, a query string, or json_read alone; the rest is the text.
 *
 * Invariants: json_read accepts only what json-c parses too, with the same top-level
 * kind; the pairs url_form_parse reports are NUL-terminated valid UTF-8; an error is one of the
 * statuses body.c documents, with a message; after body_validate every field the schema
 * declares as a string is valid UTF-8 without U+0000 and every other field is gone. */
#include "config.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "util/arena.h"
#include "auth/body.h"
#include "fuzz.h"
#include "auth/http.h"
#include "util/json_read.h"
#include "auth/origin.h"
#include "util/url.h"
#include "util/utf8.h"

static struct origin_policy policy;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];

    (void)argc;
    (void)argv;
    if (origin_policy_init(&policy, FUZZ_BASE_URL, FUZZ_TRUSTED, err, sizeof err) != 0)
        abort();
    return 0;
}

static void on_pair(void *ctx, const char *name, size_t name_len, const char *value,
                    size_t value_len)
{
    (void)ctx;
    FUZZ_CHECK(name[name_len] == '\0' && value[value_len] == '\0', "pair not NUL-terminated");
    FUZZ_CHECK(utf8_is_valid(name, name_len) && utf8_is_valid(value, value_len), "pair not UTF-8");
}

static void on_member(void *ctx, const char *key, size_t key_len, const struct json_value *v)
{
    (void)ctx;
    FUZZ_CHECK(key[key_len] == '\0' && utf8_is_valid(key, key_len), "member name");
    if (v->kind == JSON_STRING)
        FUZZ_CHECK(v->str[v->len] == '\0' && utf8_is_valid(v->str, v->len), "member value");
}

/* The top-level kind json-c gives the text, -1 when it refuses it, -2 when it nests too deep.
 * json-c's lenient mode: its strict one refuses lone surrogate escapes JSON.parse takes. */
static int json_c_kind(const char *text, size_t len)
{
    struct json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
    struct json_object *obj = json_tokener_parse_ex(tok, text, (int)len + 1);
    enum json_tokener_error e = json_tokener_get_error(tok);
    bool whole = json_tokener_get_parse_end(tok) >= len;
    int kind = -1;
    if (e == json_tokener_error_depth)
        kind = -2;
    else if (e == json_tokener_success && whole)
        kind = (int)json_object_get_type(obj);
    json_object_put(obj);
    json_tokener_free(tok);
    return kind;
}

static void check_json_read(struct arena *a, const char *text, size_t len)
{
    struct json_value top;

    /* json_read wants UTF-8 (body.c decodes first); json-c stops at a NUL byte. */
    if (!utf8_is_valid(text, len) || memchr(text, '\0', len) != NULL)
        return;
    if (json_read(a, text, len, &top, on_member, NULL) != 0)
        return;
    int kind = json_c_kind(arena_strndup(a, text, len), len);
    if (kind == -2)
        return;
    static const enum json_type as_json_c[] = {
        [JSON_NULL] = json_type_null,     [JSON_BOOLEAN] = json_type_boolean,
        [JSON_NUMBER] = json_type_double, [JSON_STRING] = json_type_string,
        [JSON_ARRAY] = json_type_array,   [JSON_OBJECT] = json_type_object,
    };
    FUZZ_CHECK(kind >= 0, "json_read accepts what json-c refuses: %.*s", (int)len, text);
    bool same =
        (int)as_json_c[top.kind] == kind || (top.kind == JSON_NUMBER && kind == (int)json_type_int);
    FUZZ_CHECK(same, "json_read kind %d, json-c %d: %.*s", (int)top.kind, kind, (int)len, text);
}

static bool declared(const struct field_rule *rules, size_t n, enum field f, enum field_type *type)
{
    for (size_t i = 0; i < n; i++)
        if (rules[i].field == f) {
            *type = rules[i].type;
            return true;
        }
    return false;
}

static void check_fields(const struct value *vals, const struct field_rule *rules, size_t n,
                         enum body_shape shape)
{
    for (int f = 0; f < FIELD__MAX; f++) {
        enum field_type type;
        const struct value *v = &vals[f];
        if (!declared(rules, n, (enum field)f, &type)) {
            /* A record schema keeps what it was given. */
            FUZZ_CHECK(v->kind == VALUE_ABSENT || shape == SHAPE_NONE || shape == SHAPE_RECORD ||
                           shape == SHAPE_OBJECT_AND_RECORD,
                       "undeclared field %s kept", body_field_name((enum field)f));
            continue;
        }
        if (v->kind == VALUE_STRING && type != TYPE_ANY)
            FUZZ_CHECK(utf8_is_valid(v->str, v->len) && memchr(v->str, '\0', v->len) == NULL &&
                           v->str[v->len] == '\0',
                       "field %s: bad string", body_field_name((enum field)f));
    }
}

static void check_error(const struct input_error *err)
{
    static const int statuses[] = {400, 403, 413, 415};
    bool known = false;

    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        known = known || err->status == statuses[i];
    FUZZ_CHECK(known && err->message != NULL, "input error %d %s", err->status,
               err->message ? err->message : "(no message)");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    enum body_schema schema = (enum body_schema)(data[0] % SCHEMA__MAX);
    unsigned mode = data[1] % 4;
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    struct arena *a = arena_create(16 * 1024);

    url_form_parse(a, text, len, on_pair, NULL);
    if (mode == 3) {
        check_json_read(a, text, len);
        arena_destroy(a);
        return 0;
    }
    /* As fcgi_io hands it over: a NUL-terminated copy of the body, a C-string query. */
    char *copy = arena_alloc(a, len + 1);
    memcpy(copy, text, len);
    struct request req = {
        .method = mode == 2 ? "GET" : "POST",
        .path = "/api/auth/x",
        .query = mode == 2 ? copy : "",
        .content_type = mode == 0 ? "application/json" : "application/x-www-form-urlencoded",
        .body = mode == 2 ? NULL : copy,
        .body_len = mode == 2 ? 0 : len,
        .remote_addr = "",
        .client_ip = "",
        .arena = a,
    };
    struct body_fields in;
    struct input_error err = {0};
    if (body_parse(&req, schema, &in, &err) != 0) {
        check_error(&err);
    } else if (origin_check_redirects(&policy, a, &in, &err) != 0) {
        check_error(&err);
    } else if (body_validate(a, schema, &in, &err) != 0) {
        check_error(&err);
    } else {
        const struct body_schema_def *def = &body_schemas[schema];
        check_fields(in.body, def->body, def->body_count, def->body_shape);
        check_fields(in.query, def->query, def->query_count, def->query_shape);
        if (origin_check_callback(&policy, a, &in, &err) != 0)
            check_error(&err);
    }
    arena_destroy(a);
    return 0;
}
