/* http - the request and response as handlers see them: plain structs filled from FastCGI
 * params by fcgi_io, and helpers to build JSON, error and empty responses.
 *
 * Every pointer in a request and every string added to a response lives in the request's
 * arena and is gone after the request; copy what must outlive it. */
#ifndef AUTHFCGI_HTTP_H
#define AUTHFCGI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct json_object;

#define REQUEST_MAX_BODY (64 * 1024)

/* FCGI_ROLE. ROLE_OTHER (FILTER, or a name we do not know) is never served: 500. */
enum request_role { ROLE_RESPONDER, ROLE_AUTHORIZER, ROLE_OTHER };

struct request {
    enum request_role role;
    const char *method; /* "GET", "POST", ... never NULL */
    const char *path;   /* REQUEST_URI up to '?', never NULL */
    const char *query;  /* after '?', "" when none */
    /* Headers we act on; NULL when absent. */
    const char *content_type;
    const char *cookie;
    const char *origin;
    const char *referer;
    const char *user_agent;
    const char *authorization;
    const char *sec_fetch_site;
    const char *sec_fetch_mode;
    const char *sec_fetch_dest;
    const char *x_forwarded_for;
    const char *accept;           /* the authorizer: a browser is sent to sign in */
    const char *x_requested_with; /* "XMLHttpRequest": never a page load */
    const char *host;             /* the Host header, for host= access rules */
    /* nginx auth_request (authorize.h): FastCGI params a client cannot set. authorize is
     * AUTHFCGI_AUTHORIZE as given (NULL when absent); the original request's URI and method. */
    const char *authorize;
    const char *original_uri;
    const char *original_method;
    /* The web server's id for the request (REQUEST_ID, else UNIQUE_ID), unchecked: see
     * request_id.h. Never a client's header. NULL when absent. */
    const char *request_id;
    /* Apache's internal redirect (ErrorDocument 401 /auth/sign-in): the original request's
     * path and query as the client sent them (REQUEST_URI's; REDIRECT_URL, decoded, and
     * REDIRECT_QUERY_STRING without it) and the error's status (REDIRECT_STATUS, "401").
     * FastCGI params, never a client's header; NULL when absent. */
    const char *redirect_url;
    const char *redirect_query;
    const char *redirect_status;
    const char *remote_addr; /* FastCGI REMOTE_ADDR, "" when absent */
    const char *client_ip;   /* resolved by the dispatcher (client_ip module); "" when unknown */
    const char *body;        /* NUL-terminated copy; NULL when there is none */
    size_t body_len;
    bool body_too_large; /* CONTENT_LENGTH over REQUEST_MAX_BODY: body was not read */
    struct arena *arena;
    /* Set by the transport: true once the web server has dropped the request (its client went
     * away), called with peer_ctx. NULL when the transport cannot tell. */
    bool (*peer_gone)(void *peer_ctx);
    void *peer_ctx;
};

struct http_header {
    const char *name;
    const char *value;
};

struct response {
    int status;
    /* In the arena, grown by response_header: how many lines an answer has can depend on the
     * client (one deletion for each session_data chunk its Cookie header carries). */
    struct http_header *headers;
    size_t nheaders, headers_cap;
    const char *body; /* NULL = no body and no Content-Type */
    size_t body_len;
    struct arena *arena;
    /* Work the handler left for after the answer (response_defer); NULL when there is none. */
    void (*deferred)(void *ctx);
    void *deferred_ctx;
};

void response_init(struct response *resp, struct arena *arena);

/* response_defer - run fn(ctx) once this response has been delivered and its request ended
 * (response_run_deferred): work the answer does not depend on then keeps no client waiting,
 * and the answer's timing cannot tell whether it was done. fn reports its failures to the log
 * only. One per response; ctx and everything fn uses must live in the request's arena or
 * longer. */
void response_defer(struct response *resp, void (*fn)(void *ctx), void *ctx);

/* response_run_deferred - run and forget the deferred work, if any. The caller of the
 * transport calls it after writing the response (also when the client had gone), before the
 * request's arena is reset. */
void response_run_deferred(struct response *resp);

/* response_header - add a header line; name and value are copied into the arena. */
void response_header(struct response *resp, const char *name, const char *value);

/* response_json - status + application/json body serialised the JSON.stringify way
 * (no spaces, '/' not escaped). Takes over the reference to obj (may be NULL for `null`). */
void response_json(struct response *resp, int status, struct json_object *obj);

/* Every error authfcgi answers, by name: its status, Better Auth's `code` (NULL for its few
 * message-only errors) and its fixed message (NULL where each answer words its own). A code
 * may name several rows with different statuses, as in Better Auth (INVALID_TOKEN is 400, 401
 * or 404 depending on the endpoint). check_contract checks the table against
 * schema/openapi.yaml both ways. */
enum http_error {
    /* the request as a whole (body, router) */
    HTTP_ERROR_BAD_REQUEST,
    HTTP_ERROR_VALIDATION,
    HTTP_ERROR_PAYLOAD_TOO_LARGE,
    HTTP_ERROR_UNSUPPORTED_MEDIA_TYPE,
    HTTP_ERROR_UNAUTHORIZED,
    HTTP_ERROR_TOO_MANY_REQUESTS,
    /* origin and redirect-URL checks */
    HTTP_ERROR_MISSING_OR_NULL_ORIGIN,
    HTTP_ERROR_INVALID_ORIGIN,
    HTTP_ERROR_CROSS_SITE_NAVIGATION_LOGIN_BLOCKED,
    HTTP_ERROR_INVALID_CALLBACK_URL,
    HTTP_ERROR_INVALID_REDIRECT_URL,
    HTTP_ERROR_INVALID_ERROR_CALLBACK_URL,
    HTTP_ERROR_INVALID_NEW_USER_CALLBACK_URL,
    HTTP_ERROR_CALLBACK_URL_NOT_STRING,
    HTTP_ERROR_REDIRECT_URL_NOT_STRING,
    HTTP_ERROR_ERROR_CALLBACK_URL_NOT_STRING,
    HTTP_ERROR_NEW_USER_CALLBACK_URL_NOT_STRING,
    /* sign-up, sign-in and passwords */
    HTTP_ERROR_PASSWORD_TOO_SHORT,
    HTTP_ERROR_PASSWORD_TOO_LONG,
    HTTP_ERROR_INVALID_EMAIL,
    HTTP_ERROR_INVALID_EMAIL_OR_PASSWORD,
    HTTP_ERROR_EMAIL_NOT_VERIFIED,
    HTTP_ERROR_USER_ALREADY_EXISTS,
    HTTP_ERROR_INVALID_PASSWORD,
    HTTP_ERROR_CREDENTIAL_ACCOUNT_NOT_FOUND,
    /* sessions and the account */
    HTTP_ERROR_DEFER_SESSION_REQUIRED,
    HTTP_ERROR_SESSION_NOT_FRESH,
    HTTP_ERROR_SESSION_EXPIRED,
    HTTP_ERROR_EMAIL_CAN_NOT_BE_UPDATED,
    HTTP_ERROR_NO_FIELDS_TO_UPDATE,
    HTTP_ERROR_DELETION_TOKEN_INVALID,
    HTTP_ERROR_FAILED_TO_GET_USER_INFO,
    /* the mail links */
    HTTP_ERROR_RESET_PASSWORD_DISABLED,
    HTTP_ERROR_RESET_TOKEN_INVALID,
    HTTP_ERROR_VERIFICATION_EMAIL_NOT_ENABLED,
    HTTP_ERROR_EMAIL_MISMATCH,
    HTTP_ERROR_EMAIL_ALREADY_VERIFIED,
    HTTP_ERROR_LINK_TOKEN_INVALID,
    HTTP_ERROR_TOKEN_EXPIRED,
    HTTP_ERROR_USER_NOT_FOUND,
    HTTP_ERROR_INVALID_USER,
    HTTP_ERROR_CHANGE_EMAIL_DISABLED,
    HTTP_ERROR_EMAIL_IS_THE_SAME,
    HTTP_ERROR_CHANGE_EMAIL_NOT_ENABLED,
    /* the admin plugin (AUTHFCGI_ADMIN; handler_admin*.c) */
    HTTP_ERROR_BANNED_USER,
    HTTP_ERROR_ADMIN_USER_NOT_FOUND,
    HTTP_ERROR_NOT_ALLOWED_CHANGE_ROLE,
    HTTP_ERROR_NOT_ALLOWED_CREATE_USERS,
    HTTP_ERROR_NOT_ALLOWED_LIST_USERS,
    HTTP_ERROR_NOT_ALLOWED_LIST_SESSIONS,
    HTTP_ERROR_NOT_ALLOWED_BAN,
    HTTP_ERROR_NOT_ALLOWED_IMPERSONATE,
    HTTP_ERROR_NOT_ALLOWED_REVOKE_SESSIONS,
    HTTP_ERROR_NOT_ALLOWED_DELETE_USERS,
    HTTP_ERROR_NOT_ALLOWED_SET_PASSWORD,
    HTTP_ERROR_NOT_ALLOWED_GET_USER,
    HTTP_ERROR_NOT_ALLOWED_UPDATE_USERS,
    HTTP_ERROR_NOT_ALLOWED_SET_EMAIL,
    HTTP_ERROR_CANNOT_IMPERSONATE_ADMINS,
    HTTP_ERROR_CANNOT_BAN_YOURSELF,
    HTTP_ERROR_CANNOT_REMOVE_YOURSELF,
    HTTP_ERROR_USER_EXISTS_USE_ANOTHER_EMAIL,
    HTTP_ERROR_NO_DATA_TO_UPDATE,
    HTTP_ERROR_PASSWORD_NOT_VIA_UPDATE_USER,
    HTTP_ERROR_USER_ID_CANNOT_BE_UPDATED,
    HTTP_ERROR_INVALID_ROLE_TYPE,
    HTTP_ERROR_NO_PERMISSIONS_PASSED,
    HTTP_ERROR_NOT_IMPERSONATING,
    HTTP_ERROR_ADMIN_SESSION_NOT_FOUND,
    /* the server's side: only router_fail and router_store_error answer these */
    /* The twoFactor plugin (two_factor.c). */
    HTTP_ERROR_TWO_FACTOR_INVALID_CODE,
    HTTP_ERROR_TWO_FACTOR_INVALID_BACKUP_CODE,
    HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE,
    HTTP_ERROR_TWO_FACTOR_TOTP_NOT_ENABLED,
    HTTP_ERROR_TWO_FACTOR_TOTP_ALREADY_ENABLED,
    HTTP_ERROR_TWO_FACTOR_NOT_ENABLED,
    HTTP_ERROR_TWO_FACTOR_BACKUP_NOT_ENABLED,
    HTTP_ERROR_TWO_FACTOR_TOO_MANY,
    HTTP_ERROR_TWO_FACTOR_OTP_NOT_CONFIGURED,
    HTTP_ERROR_TWO_FACTOR_OTP_EXPIRED,
    HTTP_ERROR_TWO_FACTOR_SESSION_NOT_CREATED,
    HTTP_ERROR_TWO_FACTOR_CODES_CHANGED,
    HTTP_ERROR_TWO_FACTOR_LOCKED,
    HTTP_ERROR_INTERNAL,
    HTTP_ERROR_UNAVAILABLE,
    HTTP_ERROR_OUTCOME_UNKNOWN,
    HTTP_ERROR__MAX
};

/* What failed when a request fails for a reason that is not the database (router_fail); the
 * log names it (http_fail_reason_name). Lower layers that report a failure through a
 * db_status say with one of these when it was not the store's. */
enum fail_reason {
    FAIL_NONE,              /* nothing, or the store */
    FAIL_RANDOM,            /* the kernel gave no random bytes (a token or an id) */
    FAIL_SESSION_TOKEN,     /* a new session's token, id or stored digest (session_new) */
    FAIL_TOKEN_DIGEST,      /* the stored digest of a presented token */
    FAIL_PASSWORD_HASH,     /* hashing a new password */
    FAIL_PASSWORD_VERIFY,   /* verifying against a stored hash failed (not: did not match) */
    FAIL_COOKIE_SIGN,       /* signing a session cookie or the set-auth-token header */
    FAIL_ACCOUNT_KEY,       /* the account guard's keyed digest of an address */
    FAIL_COOKIE_VERIFY,     /* checking a presented cookie's signature failed (not: it is bad) */
    FAIL_JWT_SIGN,          /* signing a mail link's JWT */
    FAIL_JWT_READ,          /* checking a mail link's JWT failed (not: invalid or expired) */
    FAIL_MAIL_RENDER,       /* rendering a mail */
    FAIL_CLIENT_ADDRESS,    /* no client address to rate-limit (a front configuration error) */
    FAIL_LOCATION_UNSAFE,   /* a Location outside the trusted origins was about to be sent */
    FAIL_ROLE,              /* a FastCGI role authfcgi does not play (FILTER) */
    FAIL_TWO_FACTOR_SECRET, /* a stored two-factor secret or backup codes did not decrypt */
    FAIL__MAX
};

/* http_fail_reason_name - "random", "mail_render", ... as the log says it. */
const char *http_fail_reason_name(enum fail_reason why);

struct http_error_def {
    int status;
    const char *code;    /* NULL: the body has only a message */
    const char *message; /* NULL: given with each answer (response_http_error_text) */
};

/* The declared table, indexed by enum http_error. */
extern const struct http_error_def http_errors[HTTP_ERROR__MAX];

/* response_http_error - the table's answer for e: its status and {"message":...,"code":...}.
 * e must have a fixed message. */
void response_http_error(struct response *resp, enum http_error e);

/* response_http_error_text - e's status and code with message (copied), for the rows whose
 * message each answer words (VALIDATION_ERROR, UNSUPPORTED_MEDIA_TYPE). */
void response_http_error_text(struct response *resp, enum http_error e, const char *message);

/* response_error - {"message":...,"code":...}; code may be NULL for a message-only error.
 * The JSON writer under the two above; answer through the table, not with this. */
void response_error(struct response *resp, int status, const char *code, const char *message);

/* response_unavailable - 503 SERVICE_UNAVAILABLE with Retry-After: retry_after seconds. */
void response_unavailable(struct response *resp, int retry_after);

/* response_outcome_unknown - 503 OUTCOME_UNKNOWN with Retry-After: the change was sent to the
 * database but its answer never came, so it may or may not have been made; the client should
 * look (sign in, get-session, list-sessions...) before repeating it. */
void response_outcome_unknown(struct response *resp, int retry_after);

/* response_too_many - Better Auth's rate-limit answer: 429 {"message":"Too many requests.
 * Please try again later."} (no code) with X-Retry-After: retry_after seconds (at least 1). */
void response_too_many(struct response *resp, int retry_after);

/* response_empty - a status with no body and no Content-Type (Better Auth's 404). */
void response_empty(struct response *resp, int status);

/* http_is_space - the white space better-call trims from a header value (JavaScript's trim
 * within ASCII): space, \t, \n, \r, \v, \f. */
bool http_is_space(char c);

/* http_media_type_is - whether the media type of a Content-Type value (before any ';',
 * http_is_space trimmed) is media_type, case-insensitively: better-call's test. NULL is none. */
bool http_media_type_is(const char *content_type, const char *media_type);

/* http_status_reason - "OK", "Not Found", ... for the Status line. */
const char *http_status_reason(int status);

#endif
