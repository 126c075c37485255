/* body - the declared input of every endpoint, the body and query readers, and the schema
 * check that reproduces zod 4.6.7's messages as better-call words them. The tables below are
 * transcribed from better-auth 1.7.25 (files under src/api/routes/); keep their field order: it is
 * the order of the messages. */
#include "config.h"

#include "auth/body.h"

#include "util/arena.h"
#include "util/email.h"
#include "auth/http.h"
#include "util/json_read.h"
#include "util/url.h"
#include "util/utf8.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[FIELD__MAX] = {
    [FIELD_NAME] = "name",
    [FIELD_EMAIL] = "email",
    [FIELD_PASSWORD] = "password",
    [FIELD_IMAGE] = "image",
    [FIELD_CALLBACK_URL] = "callbackURL",
    [FIELD_REMEMBER_ME] = "rememberMe",
    [FIELD_NEW_PASSWORD] = "newPassword",
    [FIELD_CURRENT_PASSWORD] = "currentPassword",
    [FIELD_REVOKE_OTHER_SESSIONS] = "revokeOtherSessions",
    [FIELD_TOKEN] = "token",
    [FIELD_REDIRECT_TO] = "redirectTo",
    [FIELD_NEW_EMAIL] = "newEmail",
    [FIELD_DISABLE_REDIRECT] = "disableRedirect",
    [FIELD_STATE] = "state",
    [FIELD_ERROR_CALLBACK_URL] = "errorCallbackURL",
    [FIELD_NEW_USER_CALLBACK_URL] = "newUserCallbackURL",
    [FIELD_DISABLE_REFRESH] = "disableRefresh",
    [FIELD_DISABLE_COOKIE_CACHE] = "disableCookieCache",
    [FIELD_ERROR] = "error",
    [FIELD_ERROR_DESCRIPTION] = "error_description",
    [FIELD_USER_ID] = "userId",
    [FIELD_ROLE] = "role",
    [FIELD_DATA] = "data",
    [FIELD_BAN_REASON] = "banReason",
    [FIELD_BAN_EXPIRES_IN] = "banExpiresIn",
    [FIELD_SESSION_TOKEN] = "sessionToken",
    [FIELD_ID] = "id",
    [FIELD_PERMISSION] = "permission",
    [FIELD_PERMISSIONS] = "permissions",
    [FIELD_SEARCH_VALUE] = "searchValue",
    [FIELD_SEARCH_FIELD] = "searchField",
    [FIELD_SEARCH_OPERATOR] = "searchOperator",
    [FIELD_LIMIT] = "limit",
    [FIELD_OFFSET] = "offset",
    [FIELD_SORT_BY] = "sortBy",
    [FIELD_SORT_DIRECTION] = "sortDirection",
    [FIELD_FILTER_FIELD] = "filterField",
    [FIELD_FILTER_VALUE] = "filterValue",
    [FIELD_FILTER_OPERATOR] = "filterOperator",
    [FIELD_CODE] = "code",
    [FIELD_TRUST_DEVICE] = "trustDevice",
    [FIELD_METHOD] = "method",
    [FIELD_ISSUER] = "issuer",
    [FIELD_DISABLE_SESSION] = "disableSession",
};

/* ---- the declarations -------------------------------------------------------------------- */

static const struct field_rule sign_up_body[] = {
    {FIELD_NAME, TYPE_STRING, true},
    {FIELD_EMAIL, TYPE_EMAIL, true},
    {FIELD_PASSWORD, TYPE_NONEMPTY_STRING, true},
    {FIELD_IMAGE, TYPE_STRING, false},
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
    {FIELD_REMEMBER_ME, TYPE_BOOLEAN, false},
};

/* email is a plain string here: the sign-in handler itself answers INVALID_EMAIL. */
static const struct field_rule sign_in_body[] = {
    {FIELD_EMAIL, TYPE_STRING, true},
    {FIELD_PASSWORD, TYPE_STRING, true},
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
    {FIELD_REMEMBER_ME, TYPE_BOOLEAN, false},
};

static const struct field_rule sign_out_body[] = {
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
    {FIELD_DISABLE_REDIRECT, TYPE_BOOLEAN, false},
    {FIELD_STATE, TYPE_STRING, false},
};

static const struct field_rule get_session_query[] = {
    {FIELD_DISABLE_COOKIE_CACHE, TYPE_COERCED_BOOLEAN, false},
    {FIELD_DISABLE_REFRESH, TYPE_COERCED_BOOLEAN, false},
};

static const struct field_rule revoke_session_body[] = {
    {FIELD_TOKEN, TYPE_STRING, true},
};

static const struct field_rule change_password_body[] = {
    {FIELD_NEW_PASSWORD, TYPE_STRING, true},
    {FIELD_CURRENT_PASSWORD, TYPE_STRING, true},
    {FIELD_REVOKE_OTHER_SESSIONS, TYPE_BOOLEAN, false},
};

/* Better Auth takes any record here and stores non-string names as text (and answers a bare
 * 500 for "name": null). We check the types instead: a deliberate deviation (README). */
static const struct field_rule update_user_body[] = {
    {FIELD_NAME, TYPE_STRING, false},
    {FIELD_IMAGE, TYPE_STRING_OR_NULL, false},
    {FIELD_EMAIL, TYPE_ANY, false}, /* present and truthy: EMAIL_CAN_NOT_BE_UPDATED */
};

static const struct field_rule change_email_body[] = {
    {FIELD_NEW_EMAIL, TYPE_EMAIL, true},
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
};

static const struct field_rule delete_user_body[] = {
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
    {FIELD_PASSWORD, TYPE_STRING, false},
    {FIELD_TOKEN, TYPE_STRING, false},
};

static const struct field_rule delete_user_callback_query[] = {
    {FIELD_TOKEN, TYPE_STRING, true},
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
};

static const struct field_rule verify_password_body[] = {
    {FIELD_PASSWORD, TYPE_STRING, true},
};

static const struct field_rule request_password_reset_body[] = {
    {FIELD_EMAIL, TYPE_EMAIL, true},
    {FIELD_REDIRECT_TO, TYPE_STRING, false},
};

static const struct field_rule reset_password_callback_query[] = {
    {FIELD_CALLBACK_URL, TYPE_STRING, true},
};

static const struct field_rule reset_password_body[] = {
    {FIELD_NEW_PASSWORD, TYPE_STRING, true},
    {FIELD_TOKEN, TYPE_STRING, false},
};

static const struct field_rule reset_password_query[] = {
    {FIELD_TOKEN, TYPE_STRING, false},
};

static const struct field_rule send_verification_email_body[] = {
    {FIELD_EMAIL, TYPE_EMAIL, true},
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
};

static const struct field_rule verify_email_query[] = {
    {FIELD_TOKEN, TYPE_STRING, true},
    {FIELD_CALLBACK_URL, TYPE_STRING, false},
};

static const struct field_rule error_query[] = {
    {FIELD_ERROR, TYPE_ANY, false},
    {FIELD_ERROR_DESCRIPTION, TYPE_ANY, false},
};

/* The admin plugin (better-auth 1.7.25 src/plugins/admin/routes.ts). */
static const struct field_rule admin_user_id_body[] = {
    {FIELD_USER_ID, TYPE_COERCED_STRING, true},
};

static const struct field_rule admin_set_role_body[] = {
    {FIELD_USER_ID, TYPE_COERCED_STRING, true},
    {FIELD_ROLE, TYPE_STRING_OR_LIST, true},
};

static const struct field_rule admin_get_user_query[] = {
    {FIELD_ID, TYPE_STRING, true},
};

static const struct field_rule admin_create_user_body[] = {
    {FIELD_EMAIL, TYPE_STRING, true}, {FIELD_PASSWORD, TYPE_STRING, false},
    {FIELD_NAME, TYPE_STRING, true},  {FIELD_ROLE, TYPE_STRING_OR_LIST, false},
    {FIELD_DATA, TYPE_RECORD, false},
};

static const struct field_rule admin_update_user_body[] = {
    {FIELD_USER_ID, TYPE_COERCED_STRING, true},
    {FIELD_DATA, TYPE_RECORD, true},
};

static const char *const search_fields[] = {"email", "name", NULL};
static const char *const search_operators[] = {"contains", "starts_with", "ends_with", NULL};
static const char *const sort_directions[] = {"asc", "desc", NULL};
/* whereOperators of @better-auth/core 1.7.25 */
static const char *const filter_operators[] = {"eq",       "ne",          "lt",        "lte",
                                               "gt",       "gte",         "in",        "not_in",
                                               "contains", "starts_with", "ends_with", NULL};

/* The options of each TYPE_ENUM field. */
static const char *const *const field_options[FIELD__MAX] = {
    [FIELD_SEARCH_FIELD] = search_fields,
    [FIELD_SEARCH_OPERATOR] = search_operators,
    [FIELD_SORT_DIRECTION] = sort_directions,
    [FIELD_FILTER_OPERATOR] = filter_operators,
};

/* zod's message for an empty TYPE_NONEMPTY_STRING where the schema words its own. */
static const char *const nonempty_messages[FIELD__MAX] = {
    [FIELD_NEW_PASSWORD] = "newPassword cannot be empty", /* admin set-user-password */
};

static const struct field_rule admin_list_users_query[] = {
    {FIELD_SEARCH_VALUE, TYPE_STRING, false},  {FIELD_SEARCH_FIELD, TYPE_ENUM, false},
    {FIELD_SEARCH_OPERATOR, TYPE_ENUM, false}, {FIELD_LIMIT, TYPE_ANY, false},
    {FIELD_OFFSET, TYPE_ANY, false},           {FIELD_SORT_BY, TYPE_STRING, false},
    {FIELD_SORT_DIRECTION, TYPE_ENUM, false},  {FIELD_FILTER_FIELD, TYPE_STRING, false},
    {FIELD_FILTER_VALUE, TYPE_ANY, false},     {FIELD_FILTER_OPERATOR, TYPE_ENUM, false},
};

static const struct field_rule admin_ban_user_body[] = {
    {FIELD_USER_ID, TYPE_COERCED_STRING, true},
    {FIELD_BAN_REASON, TYPE_STRING, false},
    {FIELD_BAN_EXPIRES_IN, TYPE_NUMBER, false},
};

static const struct field_rule admin_revoke_user_session_body[] = {
    {FIELD_SESSION_TOKEN, TYPE_STRING, true},
};

static const struct field_rule admin_set_user_password_body[] = {
    {FIELD_NEW_PASSWORD, TYPE_NONEMPTY_STRING, true},
    {FIELD_USER_ID, TYPE_COERCED_STRING, true},
};

/* permission / permissions: z.xor of the two, checked by the handler. */
static const struct field_rule admin_has_permission_body[] = {
    {FIELD_USER_ID, TYPE_COERCED_STRING, false},
    {FIELD_ROLE, TYPE_STRING, false},
    {FIELD_PERMISSION, TYPE_ANY, false},
    {FIELD_PERMISSIONS, TYPE_ANY, false},
};

/* The twoFactor plugin (better-auth 1.7.25 src/plugins/two-factor/). method is a string here
 * ("totp" or "otp", checked by the handler); disableSession only for verify-backup-code. */
static const struct field_rule two_factor_enable_body[] = {
    {FIELD_PASSWORD, TYPE_STRING, true},
    {FIELD_METHOD, TYPE_STRING, false},
    {FIELD_ISSUER, TYPE_STRING, false},
};
static const struct field_rule two_factor_password_body[] = {
    {FIELD_PASSWORD, TYPE_STRING, true},
};
static const struct field_rule two_factor_code_body[] = {
    {FIELD_CODE, TYPE_STRING, true},
    {FIELD_DISABLE_SESSION, TYPE_BOOLEAN, false},
    {FIELD_TRUST_DEVICE, TYPE_BOOLEAN, false},
};
static const struct field_rule two_factor_send_otp_body[] = {
    {FIELD_TRUST_DEVICE, TYPE_BOOLEAN, false},
};

#define RULES(r) (r), sizeof(r) / sizeof((r)[0])
#define NO_RULES NULL, 0

/* Endpoints without a body schema (revoke-sessions, revoke-other-sessions, GET routes) still
 * get a body_parse: Better Auth reads, type-checks (415) and parses (400) any body it is sent. */
const struct body_schema_def body_schemas[SCHEMA__MAX] = {
    [SCHEMA_SIGN_UP] = {"/sign-up/email", true, SHAPE_OBJECT_AND_RECORD, RULES(sign_up_body),
                        SHAPE_NONE, NO_RULES},
    [SCHEMA_SIGN_IN] = {"/sign-in/email", true, SHAPE_OBJECT, RULES(sign_in_body), SHAPE_NONE,
                        NO_RULES},
    [SCHEMA_SIGN_OUT] = {"/sign-out", false, SHAPE_OPTIONAL_OBJECT, RULES(sign_out_body),
                         SHAPE_NONE, NO_RULES},
    [SCHEMA_GET_SESSION] = {"/get-session", false, SHAPE_NONE, NO_RULES, SHAPE_OPTIONAL_OBJECT,
                            RULES(get_session_query)},
    [SCHEMA_REVOKE_SESSION] = {"/revoke-session", false, SHAPE_OBJECT, RULES(revoke_session_body),
                               SHAPE_NONE, NO_RULES},
    [SCHEMA_REVOKE_SESSIONS] = {"/revoke-sessions", false, SHAPE_NONE, NO_RULES, SHAPE_NONE,
                                NO_RULES},
    [SCHEMA_REVOKE_OTHER_SESSIONS] = {"/revoke-other-sessions", false, SHAPE_NONE, NO_RULES,
                                      SHAPE_NONE, NO_RULES},
    [SCHEMA_CHANGE_PASSWORD] = {"/change-password", false, SHAPE_OBJECT,
                                RULES(change_password_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_UPDATE_USER] = {"/update-user", false, SHAPE_RECORD, RULES(update_user_body),
                            SHAPE_NONE, NO_RULES},
    [SCHEMA_CHANGE_EMAIL] = {"/change-email", false, SHAPE_OBJECT, RULES(change_email_body),
                             SHAPE_NONE, NO_RULES},
    [SCHEMA_DELETE_USER] = {"/delete-user", false, SHAPE_OBJECT, RULES(delete_user_body),
                            SHAPE_NONE, NO_RULES},
    [SCHEMA_DELETE_USER_CALLBACK] = {"/delete-user/callback", false, SHAPE_NONE, NO_RULES,
                                     SHAPE_OBJECT, RULES(delete_user_callback_query)},
    [SCHEMA_VERIFY_PASSWORD] = {"/verify-password", false, SHAPE_OBJECT,
                                RULES(verify_password_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_REQUEST_PASSWORD_RESET] = {"/request-password-reset", false, SHAPE_OBJECT,
                                       RULES(request_password_reset_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_RESET_PASSWORD_CALLBACK] = {"/reset-password/:token", false, SHAPE_NONE, NO_RULES,
                                        SHAPE_OBJECT, RULES(reset_password_callback_query)},
    [SCHEMA_RESET_PASSWORD] = {"/reset-password", false, SHAPE_OBJECT, RULES(reset_password_body),
                               SHAPE_OPTIONAL_OBJECT, RULES(reset_password_query)},
    [SCHEMA_SEND_VERIFICATION_EMAIL] = {"/send-verification-email", false, SHAPE_OBJECT,
                                        RULES(send_verification_email_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_VERIFY_EMAIL] = {"/verify-email", false, SHAPE_NONE, NO_RULES, SHAPE_OBJECT,
                             RULES(verify_email_query)},
    [SCHEMA_ERROR] = {"/error", false, SHAPE_NONE, NO_RULES, SHAPE_OBJECT, RULES(error_query)},
    [SCHEMA_ADMIN_USER_ID] = {"/admin/unban-user", false, SHAPE_OBJECT, RULES(admin_user_id_body),
                              SHAPE_NONE, NO_RULES},
    [SCHEMA_ADMIN_SET_ROLE] = {"/admin/set-role", false, SHAPE_OBJECT, RULES(admin_set_role_body),
                               SHAPE_NONE, NO_RULES},
    [SCHEMA_ADMIN_GET_USER] = {"/admin/get-user", false, SHAPE_NONE, NO_RULES, SHAPE_OBJECT,
                               RULES(admin_get_user_query)},
    [SCHEMA_ADMIN_CREATE_USER] = {"/admin/create-user", false, SHAPE_OBJECT,
                                  RULES(admin_create_user_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_ADMIN_UPDATE_USER] = {"/admin/update-user", false, SHAPE_OBJECT,
                                  RULES(admin_update_user_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_ADMIN_LIST_USERS] = {"/admin/list-users", false, SHAPE_NONE, NO_RULES, SHAPE_OBJECT,
                                 RULES(admin_list_users_query)},
    [SCHEMA_ADMIN_BAN_USER] = {"/admin/ban-user", false, SHAPE_OBJECT, RULES(admin_ban_user_body),
                               SHAPE_NONE, NO_RULES},
    [SCHEMA_ADMIN_REVOKE_USER_SESSION] = {"/admin/revoke-user-session", false, SHAPE_OBJECT,
                                          RULES(admin_revoke_user_session_body), SHAPE_NONE,
                                          NO_RULES},
    [SCHEMA_ADMIN_SET_USER_PASSWORD] = {"/admin/set-user-password", false, SHAPE_OBJECT,
                                        RULES(admin_set_user_password_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_ADMIN_HAS_PERMISSION] = {"/admin/has-permission", false, SHAPE_OBJECT,
                                     RULES(admin_has_permission_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_TWO_FACTOR_ENABLE] = {"/two-factor/enable", false, SHAPE_OBJECT,
                                  RULES(two_factor_enable_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_TWO_FACTOR_PASSWORD] = {"/two-factor/disable", false, SHAPE_OBJECT,
                                    RULES(two_factor_password_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_TWO_FACTOR_CODE] = {"/two-factor/verify-totp", false, SHAPE_OBJECT,
                                RULES(two_factor_code_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_TWO_FACTOR_SEND_OTP] = {"/two-factor/send-otp", false, SHAPE_OPTIONAL_OBJECT,
                                    RULES(two_factor_send_otp_body), SHAPE_NONE, NO_RULES},
    [SCHEMA_NONE] = {"", false, SHAPE_NONE, NO_RULES, SHAPE_NONE, NO_RULES},
};

/* body_field_name - see body.h. */
const char *body_field_name(enum field f)
{
    return f < FIELD__MAX ? field_names[f] : "";
}

/* field_find - the field called name (exactly len bytes; JSON and form names may hold any
 * byte), or FIELD__MAX. */
static enum field field_find(const char *name, size_t len)
{
    for (int f = 0; f < FIELD__MAX; f++)
        if (strlen(field_names[f]) == len && memcmp(field_names[f], name, len) == 0)
            return (enum field)f;
    return FIELD__MAX;
}

/* body_value_truthy - see body.h. */
bool body_value_truthy(const struct value *v)
{
    switch (v->kind) {
    case VALUE_ABSENT:
    case VALUE_NULL:
        return false;
    case VALUE_BOOLEAN:
        return v->boolean;
    case VALUE_NUMBER:
        return v->number != 0 && v->number == v->number; /* 0, -0 and NaN are falsy */
    case VALUE_STRING:
        return v->len > 0;
    case VALUE_ARRAY:
    case VALUE_OBJECT:
        return true;
    }
    return false;
}

/* ---- reading ----------------------------------------------------------------------------- */

static void json_member(void *ctx, const char *key, size_t key_len, const struct json_value *jv)
{
    struct body_fields *out = ctx;
    enum field f = field_find(key, key_len);
    if (f == FIELD__MAX)
        return;
    static const enum value_kind kinds[] = {
        [JSON_NULL] = VALUE_NULL,     [JSON_BOOLEAN] = VALUE_BOOLEAN, [JSON_NUMBER] = VALUE_NUMBER,
        [JSON_STRING] = VALUE_STRING, [JSON_ARRAY] = VALUE_ARRAY,     [JSON_OBJECT] = VALUE_OBJECT,
    };
    /* A repeated name overwrites: JSON.parse keeps the last. */
    out->body[f] = (struct value){
        .kind = kinds[jv->kind],
        .str = jv->str,
        .len = jv->len,
        .boolean = jv->boolean,
        .number = jv->number,
    };
}

/* form_member - url_form_fn for form bodies: known names become strings. */
static void form_member(void *ctx, const char *name, size_t name_len, const char *value,
                        size_t value_len)
{
    struct body_fields *out = ctx;
    enum field f = field_find(name, name_len);
    if (f != FIELD__MAX) /* the last one wins, as in better-call's formData loop */
        out->body[f] = (struct value){.kind = VALUE_STRING, .str = value, .len = value_len};
}

/* query_member - url_form_fn for the query: a repeated name becomes an array. */
static void query_member(void *ctx, const char *name, size_t name_len, const char *value,
                         size_t value_len)
{
    struct body_fields *out = ctx;
    enum field f = field_find(name, name_len);
    if (f == FIELD__MAX)
        return;
    if (out->query[f].kind != VALUE_ABSENT) /* better-call collects repeats into an array */
        out->query[f] = (struct value){.kind = VALUE_ARRAY};
    else
        out->query[f] = (struct value){.kind = VALUE_STRING, .str = value, .len = value_len};
}

/* trim - the span of s without surrounding whitespace. */
static const char *trim(const char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n > 0 && http_is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && http_is_space(s[n - 1]))
        n--;
    *len = n;
    return s;
}

/* set_error - e's row of the table, with message where the row has none of its own. */
static void set_error(struct input_error *err, enum http_error e, const char *message)
{
    err->status = http_errors[e].status;
    err->code = http_errors[e].code;
    err->message = message != NULL ? message : http_errors[e].message;
}

/* read_json - TextDecoder (ill-formed UTF-8 to U+FFFD, one leading BOM dropped), then
 * JSON.parse. */
static int read_json(const struct request *req, struct body_fields *out)
{
    const char *text = req->body;
    size_t len = req->body_len;
    if (!utf8_is_valid(text, len)) {
        char *decoded = arena_alloc(req->arena, UTF8_LOSSY_MAX(len) + 1);
        len = utf8_decode_lossy(decoded, text, len);
        text = decoded;
    }
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    struct json_value top;
    if (json_read(req->arena, text, len, &top, json_member, out) < 0)
        return -1;
    static const enum value_kind kinds[] = {
        [JSON_NULL] = VALUE_NULL,     [JSON_BOOLEAN] = VALUE_BOOLEAN, [JSON_NUMBER] = VALUE_NUMBER,
        [JSON_STRING] = VALUE_STRING, [JSON_ARRAY] = VALUE_ARRAY,     [JSON_OBJECT] = VALUE_OBJECT,
    };
    out->whole = (struct value){
        .kind = kinds[top.kind],
        .str = top.str,
        .len = top.len,
        .boolean = top.boolean,
        .number = top.number,
    };
    return 0;
}

/* body_parse - see body.h. */
int body_parse(const struct request *req, enum body_schema schema, struct body_fields *out,
               struct input_error *err)
{
    const struct body_schema_def *def = &body_schemas[schema];
    memset(out, 0, sizeof *out);
    url_form_parse(req->arena, req->query, strlen(req->query), query_member, out);

    /* Node's adapter gives GET and HEAD no body, and drops one without a Content-Type or
     * with Content-Length 0. */
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
        return 0;
    if (req->body_too_large) {
        set_error(err, HTTP_ERROR_PAYLOAD_TOO_LARGE, NULL);
        return -1;
    }
    size_t ct_len = 0;
    const char *ct = req->content_type ? trim(req->content_type, &ct_len) : NULL;
    if (ct_len == 0 || req->body == NULL || req->body_len == 0)
        return 0;

    bool json = http_media_type_is(ct, "application/json");
    bool form = def->form && http_media_type_is(ct, "application/x-www-form-urlencoded");
    if (!json && !form) {
        set_error(err, HTTP_ERROR_UNSUPPORTED_MEDIA_TYPE,
                  arena_printf(req->arena,
                               "Content-Type \"%.*s\" is not allowed. Allowed types: %s",
                               (int)ct_len, ct,
                               def->form ? "application/x-www-form-urlencoded, application/json"
                                         : "application/json"));
        return -1;
    }
    if (form) {
        url_form_parse(req->arena, req->body, req->body_len, form_member, out);
        out->whole.kind = VALUE_OBJECT;
        out->form = true;
        return 0;
    }
    if (read_json(req, out) < 0) { /* json_read reported no member */
        set_error(err, HTTP_ERROR_BAD_REQUEST, NULL);
        return -1;
    }
    return 0;
}

/* ---- validating -------------------------------------------------------------------------- */

/* The issues found so far, joined the way better-call does: "[where.field] message; ...". */
struct issues {
    char buf[2048];
    size_t len;
    unsigned count;
};

/* add_issue - append "[where.field] msg" (or "[where] msg"), "; "-separated. */
static void add_issue(struct issues *is, const char *where, const char *field, const char *msg)
{
    size_t room = sizeof is->buf - is->len;
    int n = snprintf(is->buf + is->len, room, "%s[%s%s%s] %s", is->count ? "; " : "", where,
                     field ? "." : "", field ? field : "", msg);
    if (n > 0)
        is->len += (size_t)n < room ? (size_t)n : room - 1;
    is->count++;
}

/* received - zod's name for the type of what it got. */
static const char *received(const struct value *v)
{
    switch (v->kind) {
    case VALUE_ABSENT:
        return "undefined";
    case VALUE_NULL:
        return "null";
    case VALUE_BOOLEAN:
        return "boolean";
    case VALUE_NUMBER: /* zod names non-finite numbers by their value */
        if (isinf(v->number))
            return v->number < 0 ? "-Infinity" : "Infinity";
        return "number";
    case VALUE_STRING:
        return "string";
    case VALUE_ARRAY:
        return "array";
    case VALUE_OBJECT:
        return "object";
    }
    return "undefined";
}

/* type_issue - zod's "Invalid input: expected X, received Y". */
static void type_issue(struct issues *is, const char *where, const char *field,
                       const char *expected, const struct value *v)
{
    char msg[96];
    snprintf(msg, sizeof msg, "Invalid input: expected %s, received %s", expected, received(v));
    add_issue(is, where, field, msg);
}

/* enum_issue - zod's message for a value that is none of an enum's options. */
static void enum_issue(struct issues *is, const char *where, const char *name,
                       const char *const *options)
{
    char msg[256];
    size_t len = (size_t)snprintf(msg, sizeof msg, "Invalid option: expected one of ");

    for (size_t i = 0; options[i] != NULL && len < sizeof msg; i++)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s\"%s\"", i ? "|" : "", options[i]);
    add_issue(is, where, name, msg);
}

/* check_admin_field - the types only the admin plugin's schemas use. */
static void check_admin_field(struct issues *is, const char *where, const struct field_rule *rule,
                              const struct value *v)
{
    const char *name = field_names[rule->field];

    if (v->kind == VALUE_ABSENT && !rule->required)
        return;
    if (v->kind == VALUE_ABSENT && rule->type == TYPE_COERCED_STRING) {
        add_issue(is, where, name, "Invalid input: expected nonoptional, received undefined");
        return;
    }
    switch (rule->type) {
    case TYPE_NUMBER:
        if (v->kind != VALUE_NUMBER)
            type_issue(is, where, name, "number", v);
        return;
    case TYPE_COERCED_STRING:
        return; /* only undefined fails, and that was a missing required field */
    case TYPE_RECORD:
        if (v->kind != VALUE_OBJECT)
            type_issue(is, where, name, "record", v);
        return;
    case TYPE_STRING_OR_LIST:
        if (v->kind != VALUE_STRING && v->kind != VALUE_ARRAY)
            add_issue(is, where, name, "Invalid input");
        return;
    default: /* TYPE_ENUM */
        for (size_t i = 0; v->kind == VALUE_STRING && field_options[rule->field][i] != NULL; i++)
            if (strcmp(v->str, field_options[rule->field][i]) == 0)
                return;
        enum_issue(is, where, name, field_options[rule->field]);
        return;
    }
}

/* check_field - one declared field against its rule, at most one issue. */
static void check_field(struct issues *is, const char *where, const struct field_rule *rule,
                        const struct value *v)
{
    const char *name = field_names[rule->field];
    switch (rule->type) {
    case TYPE_NUMBER:
    case TYPE_RECORD:
    case TYPE_STRING_OR_LIST:
    case TYPE_ENUM:
    case TYPE_COERCED_STRING:
        check_admin_field(is, where, rule, v);
        return;
    case TYPE_ANY:
    case TYPE_COERCED_BOOLEAN:
        return;
    case TYPE_BOOLEAN:
        if (v->kind == VALUE_ABSENT && !rule->required)
            return;
        if (v->kind != VALUE_BOOLEAN)
            type_issue(is, where, name, "boolean", v);
        return;
    case TYPE_STRING:
    case TYPE_NONEMPTY_STRING:
    case TYPE_EMAIL:
    case TYPE_STRING_OR_NULL:
        if (v->kind == VALUE_ABSENT && !rule->required)
            return;
        if (v->kind == VALUE_NULL && rule->type == TYPE_STRING_OR_NULL)
            return;
        if (v->kind != VALUE_STRING)
            type_issue(is, where, name, "string", v);
        else if (rule->type == TYPE_EMAIL && !email_is_valid(v->str, v->len))
            add_issue(is, where, name, "Invalid email address");
        else if (memchr(v->str, '\0', v->len) != NULL)
            add_issue(is, where, name, "Invalid string: must not contain U+0000");
        else if (rule->type == TYPE_NONEMPTY_STRING && v->len == 0)
            add_issue(is, where, name,
                      nonempty_messages[rule->field] != NULL
                          ? nonempty_messages[rule->field]
                          : "Too small: expected string to have >=1 characters");
        return;
    }
}

/* check_part - one of body or query: first its shape, then each declared field in order. */
static void check_part(struct issues *is, const char *where, enum body_shape shape,
                       const struct value *whole, const struct field_rule *rules, size_t count,
                       const struct value *values)
{
    switch (shape) {
    case SHAPE_NONE:
        return;
    case SHAPE_OPTIONAL_OBJECT:
        if (whole->kind == VALUE_ABSENT)
            return;
        /* fall through */
    case SHAPE_OBJECT:
        if (whole->kind != VALUE_OBJECT) {
            type_issue(is, where, NULL, "object", whole);
            return;
        }
        break;
    case SHAPE_OBJECT_AND_RECORD:
        if (whole->kind != VALUE_OBJECT) {
            type_issue(is, where, NULL, "object", whole);
            type_issue(is, where, NULL, "record", whole);
            return;
        }
        break;
    case SHAPE_RECORD:
        if (whole->kind != VALUE_OBJECT) {
            type_issue(is, where, NULL, "record", whole);
            return;
        }
        break;
    }
    for (size_t i = 0; i < count; i++)
        check_field(is, where, &rules[i], &values[rules[i].field]);
}

/* keep_declared - clear what the schema does not declare and apply coercions, so a handler
 * can only see checked input. */
static void keep_declared(struct value *values, const struct field_rule *rules, size_t count)
{
    struct value kept[FIELD__MAX] = {{0}};
    for (size_t i = 0; i < count; i++) {
        struct value v = values[rules[i].field];
        if (rules[i].type == TYPE_COERCED_BOOLEAN && v.kind != VALUE_ABSENT)
            v = (struct value){.kind = VALUE_BOOLEAN, .boolean = body_value_truthy(&v)};
        kept[rules[i].field] = v;
    }
    memcpy(values, kept, sizeof kept);
}

/* body_validate - see body.h. */
int body_validate(struct arena *a, enum body_schema schema, struct body_fields *in,
                  struct input_error *err)
{
    const struct body_schema_def *def = &body_schemas[schema];
    struct issues is = {.len = 0, .count = 0};
    is.buf[0] = '\0';

    check_part(&is, "body", def->body_shape, &in->whole, def->body, def->body_count, in->body);
    if (is.count == 0) { /* better-call stops at the body's issues */
        static const struct value query_object = {.kind = VALUE_OBJECT};
        check_part(&is, "query", def->query_shape, &query_object, def->query, def->query_count,
                   in->query);
    }
    if (is.count > 0) {
        set_error(err, HTTP_ERROR_VALIDATION, arena_strdup(a, is.buf));
        return -1;
    }
    keep_declared(in->body, def->body, def->body_count);
    keep_declared(in->query, def->query, def->query_count);
    return 0;
}
