/* body - the untrusted input of every endpoint (request body and query string) turned into
 * typed, validated fields through one declared table per endpoint, before any handler runs.
 *
 * Two steps, because Better Auth interleaves them with its origin checks:
 *   body_parse     Content-Type check (415), JSON / form decoding (400 BAD_REQUEST), query
 *                  parsing. The raw values are then visible to origin_check_redirects.
 *   body_validate  the endpoint's schema, with zod 4.6.7's messages byte for byte
 *                  (400 VALIDATION_ERROR), body first, then query. Afterwards only declared
 *                  fields are present; strings are valid UTF-8 without U+0000.
 * A handler reads fields by enum: in.body[FIELD_EMAIL].str, in.query[FIELD_TOKEN].str.
 *
 * Every string lives in the request's arena (wiped at the end of the request, so passwords
 * do not linger); copy what must outlive the request. */
#ifndef AUTHFCGI_BODY_H
#define AUTHFCGI_BODY_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct request;

/* Every body or query member any endpoint reads. The wire name is body_field_name(f). */
enum field {
    FIELD_NAME,
    FIELD_EMAIL,
    FIELD_PASSWORD,
    FIELD_IMAGE,
    FIELD_CALLBACK_URL,
    FIELD_REMEMBER_ME,
    FIELD_NEW_PASSWORD,
    FIELD_CURRENT_PASSWORD,
    FIELD_REVOKE_OTHER_SESSIONS,
    FIELD_TOKEN,
    FIELD_REDIRECT_TO,
    FIELD_NEW_EMAIL,
    FIELD_DISABLE_REDIRECT,
    FIELD_STATE,
    FIELD_ERROR_CALLBACK_URL,
    FIELD_NEW_USER_CALLBACK_URL,
    FIELD_DISABLE_REFRESH,
    FIELD_DISABLE_COOKIE_CACHE,
    FIELD_ERROR,             /* GET /error */
    FIELD_ERROR_DESCRIPTION, /* GET /error */
    /* the admin plugin (admin.h) */
    FIELD_USER_ID,
    FIELD_ROLE,
    FIELD_DATA,
    FIELD_BAN_REASON,
    FIELD_BAN_EXPIRES_IN,
    FIELD_SESSION_TOKEN,
    FIELD_ID,
    FIELD_PERMISSION,
    FIELD_PERMISSIONS,
    FIELD_SEARCH_VALUE,
    FIELD_SEARCH_FIELD,
    FIELD_SEARCH_OPERATOR,
    FIELD_LIMIT,
    FIELD_OFFSET,
    FIELD_SORT_BY,
    FIELD_SORT_DIRECTION,
    FIELD_FILTER_FIELD,
    FIELD_FILTER_VALUE,
    FIELD_FILTER_OPERATOR,
    FIELD_CODE, /* the two-factor plugin's */
    FIELD_TRUST_DEVICE,
    FIELD_METHOD,
    FIELD_ISSUER,
    FIELD_DISABLE_SESSION,
    FIELD__MAX
};

/* The JavaScript type of a value; VALUE_ABSENT is `undefined`. Query values are strings, or
 * arrays when a name is repeated. */
enum value_kind {
    VALUE_ABSENT,
    VALUE_NULL,
    VALUE_BOOLEAN,
    VALUE_NUMBER,
    VALUE_STRING,
    VALUE_ARRAY,
    VALUE_OBJECT,
};

struct value {
    enum value_kind kind;
    const char *str; /* VALUE_STRING: NUL-terminated, valid UTF-8, in the arena */
    size_t len;      /* VALUE_STRING: bytes at str (before body_validate may include U+0000) */
    bool boolean;    /* VALUE_BOOLEAN */
    double number;   /* VALUE_NUMBER (+-HUGE_VAL is JavaScript's Infinity) */
};

/* What a field must be. */
enum field_type {
    TYPE_STRING,          /* z.string() */
    TYPE_NONEMPTY_STRING, /* z.string().nonempty() */
    TYPE_EMAIL,           /* z.email(): a string matching email_is_valid */
    TYPE_BOOLEAN,         /* z.boolean() */
    TYPE_STRING_OR_NULL,  /* z.string().nullable() */
    TYPE_ANY,             /* z.any(): anything, even a string with U+0000; meant for presence
                           * and truthiness checks */
    TYPE_COERCED_BOOLEAN, /* z.coerce.boolean() (query): present and non-empty = true */
    TYPE_NUMBER,          /* z.number() */
    TYPE_RECORD,          /* z.record(...): an object (its members are the handler's) */
    TYPE_STRING_OR_LIST,  /* z.union([z.string(), z.array(z.string())]): "Invalid input"; the
                           * array's items are the handler's to check */
    TYPE_ENUM,            /* z.enum(options): the field's options are in body.c */
    TYPE_COERCED_STRING,  /* z.coerce.string(): anything but undefined ("expected
                           * nonoptional"); the handler takes String(value) (admin.h) */
};

struct field_rule {
    enum field field;
    enum field_type type;
    bool required;
};

/* The shape of a body or query as a whole. */
enum body_shape {
    SHAPE_NONE,              /* no schema: anything goes, nothing is validated */
    SHAPE_OBJECT,            /* z.object({...}) */
    SHAPE_OPTIONAL_OBJECT,   /* z.object({...}).optional(): undefined is fine */
    SHAPE_OBJECT_AND_RECORD, /* z.object({...}).and(z.record(...)): sign-up's double clause */
    SHAPE_RECORD,            /* z.record(z.string(), z.any()) */
};

/* The input of every endpoint that has one. */
enum body_schema {
    SCHEMA_SIGN_UP,
    SCHEMA_SIGN_IN,
    SCHEMA_SIGN_OUT,
    SCHEMA_GET_SESSION,
    SCHEMA_REVOKE_SESSION,
    SCHEMA_REVOKE_SESSIONS,
    SCHEMA_REVOKE_OTHER_SESSIONS,
    SCHEMA_CHANGE_PASSWORD,
    SCHEMA_UPDATE_USER,
    SCHEMA_CHANGE_EMAIL,
    SCHEMA_DELETE_USER,
    SCHEMA_DELETE_USER_CALLBACK,
    SCHEMA_VERIFY_PASSWORD,
    SCHEMA_REQUEST_PASSWORD_RESET,
    SCHEMA_RESET_PASSWORD_CALLBACK, /* GET /reset-password/:token */
    SCHEMA_RESET_PASSWORD,
    SCHEMA_SEND_VERIFICATION_EMAIL,
    SCHEMA_VERIFY_EMAIL,
    SCHEMA_ERROR,         /* GET /error: read as given, never refused */
    SCHEMA_ADMIN_USER_ID, /* {userId}: unban, list/revoke user sessions, impersonate, remove */
    SCHEMA_ADMIN_SET_ROLE,
    SCHEMA_ADMIN_GET_USER,
    SCHEMA_ADMIN_CREATE_USER,
    SCHEMA_ADMIN_UPDATE_USER,
    SCHEMA_ADMIN_LIST_USERS,
    SCHEMA_ADMIN_BAN_USER,
    SCHEMA_ADMIN_REVOKE_USER_SESSION,
    SCHEMA_ADMIN_SET_USER_PASSWORD,
    SCHEMA_ADMIN_HAS_PERMISSION,
    SCHEMA_TWO_FACTOR_ENABLE,   /* the two-factor plugin (two_factor.c) */
    SCHEMA_TWO_FACTOR_PASSWORD, /* disable, get-totp-uri, generate-backup-codes */
    SCHEMA_TWO_FACTOR_CODE,     /* verify-totp, verify-otp, verify-backup-code */
    SCHEMA_TWO_FACTOR_SEND_OTP,
    SCHEMA_NONE, /* GET endpoints without parameters (list-sessions, list-accounts, ok) */
    SCHEMA__MAX
};

struct body_schema_def {
    const char *path; /* endpoint path below /api/auth, for tests and logs */
    bool form;        /* also accepts application/x-www-form-urlencoded */
    enum body_shape body_shape;
    const struct field_rule *body; /* in zod's shape order: messages follow this order */
    size_t body_count;
    enum body_shape query_shape;
    const struct field_rule *query;
    size_t query_count;
};

/* The declared table, indexed by enum body_schema. */
extern const struct body_schema_def body_schemas[SCHEMA__MAX];

/* An error the HTTP layer turns into {"message":...,"code":...}. code NULL = message only.
 * message is static or in the arena. */
struct input_error {
    int status;
    const char *code;
    const char *message;
};

/* The input of one request. */
struct body_fields {
    struct value whole;             /* the body as a whole; VALUE_ABSENT when there was none */
    bool form;                      /* it came form-urlencoded */
    struct value body[FIELD__MAX];  /* members of an object body; VALUE_ABSENT otherwise */
    struct value query[FIELD__MAX]; /* query parameters */
};

/* body_parse - read req's body and query into *out. The body is ignored for GET and HEAD
 * and counts as absent without a Content-Type or with an empty body (Node's adapter drops
 * it). Errors: 413 PAYLOAD_TOO_LARGE (over REQUEST_MAX_BODY; authfcgi's own limit), 415
 * UNSUPPORTED_MEDIA_TYPE listing the endpoint's types in Better Auth's order, 400 BAD_REQUEST
 * "Invalid JSON in request body" for text JSON.parse refuses. Returns 0, or -1 with *err set.
 * Members of any known name are picked up whatever the schema says (the redirect-URL check
 * reads callbackURL on every endpoint); unknown members are ignored. */
int body_parse(const struct request *req, enum body_schema schema, struct body_fields *out,
               struct input_error *err);

/* body_validate - check *in against the schema: 400 VALIDATION_ERROR with one
 * "[body.name] <zod message>" per problem, joined with "; " in declaration order; the query
 * is only checked when the body passed. Undeclared fields are cleared. A string containing
 * U+0000 is refused ("Invalid string: must not contain U+0000"; Better Auth would accept it,
 * PostgreSQL would not store it). The message is built in a. Returns 0 or -1. */
int body_validate(struct arena *a, enum body_schema schema, struct body_fields *in,
                  struct input_error *err);

/* body_field_name - the wire name of a field ("callbackURL"). */
const char *body_field_name(enum field f);

/* body_value_truthy - JavaScript truthiness: absent, null, false, 0, NaN and "" are false. */
bool body_value_truthy(const struct value *v);

#endif
