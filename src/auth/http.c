/* http - response builders shared by every handler, the table of every error answered, and
 * small header helpers. Bodies and header strings live in the request arena; nothing here
 * frees. */
#include "config.h"

#include "auth/http.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "util/arena.h"
#include "util/metrics.h"

/* JSON.stringify style: no spaces, '/' left alone. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* response_init - an empty 200 response whose strings come from arena. */
void response_init(struct response *resp, struct arena *arena)
{
    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    resp->arena = arena;
}

/* response_defer - see http.h. A second call would silently drop work: a bug. */
void response_defer(struct response *resp, void (*fn)(void *ctx), void *ctx)
{
    if (resp->deferred != NULL)
        abort();
    resp->deferred = fn;
    resp->deferred_ctx = ctx;
}

/* response_run_deferred - see http.h. */
void response_run_deferred(struct response *resp)
{
    void (*fn)(void *ctx) = resp->deferred;

    resp->deferred = NULL;
    if (fn != NULL)
        fn(resp->deferred_ctx);
}

/* response_header - append one header line; the list doubles in the arena when full (the
 * old array stays there, unused, until the request ends). */
void response_header(struct response *resp, const char *name, const char *value)
{
    if (resp->nheaders == resp->headers_cap) {
        size_t cap = resp->headers_cap == 0 ? 16 : resp->headers_cap * 2;
        struct http_header *grown = arena_alloc(resp->arena, cap * sizeof(*grown));

        if (resp->nheaders > 0)
            memcpy(grown, resp->headers, resp->nheaders * sizeof(*grown));
        resp->headers = grown;
        resp->headers_cap = cap;
    }
    resp->headers[resp->nheaders].name = arena_strdup(resp->arena, name);
    resp->headers[resp->nheaders].value = arena_strdup(resp->arena, value);
    resp->nheaders++;
}

/* response_json - serialise obj (NULL = the JSON literal null) and drop our reference. */
void response_json(struct response *resp, int status, struct json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(obj, JSON_FLAGS, &len);

    resp->status = status;
    resp->body = arena_strndup(resp->arena, text, len);
    resp->body_len = len;
    json_object_put(obj);
}

const struct http_error_def http_errors[HTTP_ERROR__MAX] = {
    [HTTP_ERROR_BAD_REQUEST] = {400, "BAD_REQUEST", "Invalid JSON in request body"},
    [HTTP_ERROR_VALIDATION] = {400, "VALIDATION_ERROR", NULL},
    [HTTP_ERROR_PAYLOAD_TOO_LARGE] = {413, "PAYLOAD_TOO_LARGE", "Request body too large"},
    [HTTP_ERROR_UNSUPPORTED_MEDIA_TYPE] = {415, "UNSUPPORTED_MEDIA_TYPE", NULL},
    [HTTP_ERROR_UNAUTHORIZED] = {401, "UNAUTHORIZED", "Unauthorized"},
    [HTTP_ERROR_TOO_MANY_REQUESTS] = {429, NULL, "Too many requests. Please try again later."},
    [HTTP_ERROR_MISSING_OR_NULL_ORIGIN] = {403, "MISSING_OR_NULL_ORIGIN", "Missing or null Origin"},
    [HTTP_ERROR_INVALID_ORIGIN] = {403, "INVALID_ORIGIN", "Invalid origin"},
    [HTTP_ERROR_CROSS_SITE_NAVIGATION_LOGIN_BLOCKED] =
        {403, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
         "Cross-site navigation login blocked. This request appears to be a CSRF attack."},
    [HTTP_ERROR_INVALID_CALLBACK_URL] = {403, "INVALID_CALLBACK_URL", "Invalid callbackURL"},
    [HTTP_ERROR_INVALID_REDIRECT_URL] = {403, "INVALID_REDIRECT_URL", "Invalid redirectURL"},
    [HTTP_ERROR_INVALID_ERROR_CALLBACK_URL] = {403, "INVALID_ERROR_CALLBACK_URL",
                                               "Invalid errorCallbackURL"},
    [HTTP_ERROR_INVALID_NEW_USER_CALLBACK_URL] = {403, "INVALID_NEW_USER_CALLBACK_URL",
                                                  "Invalid newUserCallbackURL"},
    [HTTP_ERROR_CALLBACK_URL_NOT_STRING] = {400, NULL, "Invalid callbackURL: expected a string"},
    [HTTP_ERROR_REDIRECT_URL_NOT_STRING] = {400, NULL, "Invalid redirectURL: expected a string"},
    [HTTP_ERROR_ERROR_CALLBACK_URL_NOT_STRING] = {400, NULL,
                                                  "Invalid errorCallbackURL: expected a string"},
    [HTTP_ERROR_NEW_USER_CALLBACK_URL_NOT_STRING] =
        {400, NULL, "Invalid newUserCallbackURL: expected a string"},
    [HTTP_ERROR_PASSWORD_TOO_SHORT] = {400, "PASSWORD_TOO_SHORT", "Password too short"},
    [HTTP_ERROR_PASSWORD_TOO_LONG] = {400, "PASSWORD_TOO_LONG", "Password too long"},
    [HTTP_ERROR_INVALID_EMAIL] = {400, "INVALID_EMAIL", "Invalid email"},
    [HTTP_ERROR_INVALID_EMAIL_OR_PASSWORD] = {401, "INVALID_EMAIL_OR_PASSWORD",
                                              "Invalid email or password"},
    [HTTP_ERROR_EMAIL_NOT_VERIFIED] = {403, "EMAIL_NOT_VERIFIED", "Email not verified"},
    [HTTP_ERROR_USER_ALREADY_EXISTS] = {422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
                                        "User already exists. Use another email."},
    [HTTP_ERROR_INVALID_PASSWORD] = {400, "INVALID_PASSWORD", "Invalid password"},
    [HTTP_ERROR_CREDENTIAL_ACCOUNT_NOT_FOUND] = {400, "CREDENTIAL_ACCOUNT_NOT_FOUND",
                                                 "Credential account not found"},
    [HTTP_ERROR_DEFER_SESSION_REQUIRED] =
        {405, "METHOD_NOT_ALLOWED_DEFER_SESSION_REQUIRED",
         "POST method requires deferSessionRefresh to be enabled in session config"},
    [HTTP_ERROR_SESSION_NOT_FRESH] = {403, "SESSION_NOT_FRESH", "Session is not fresh"},
    [HTTP_ERROR_SESSION_EXPIRED] = {400, "SESSION_EXPIRED",
                                    "Session expired. Re-authenticate to perform this action."},
    [HTTP_ERROR_EMAIL_CAN_NOT_BE_UPDATED] = {400, "EMAIL_CAN_NOT_BE_UPDATED",
                                             "Email can not be updated"},
    [HTTP_ERROR_NO_FIELDS_TO_UPDATE] = {400, NULL, "No fields to update"},
    [HTTP_ERROR_DELETION_TOKEN_INVALID] = {404, "INVALID_TOKEN", "Invalid token"},
    [HTTP_ERROR_FAILED_TO_GET_USER_INFO] = {404, "FAILED_TO_GET_USER_INFO",
                                            "Failed to get user info"},
    [HTTP_ERROR_RESET_PASSWORD_DISABLED] = {400, "RESET_PASSWORD_DISABLED",
                                            "Reset password isn't enabled"},
    [HTTP_ERROR_RESET_TOKEN_INVALID] = {400, "INVALID_TOKEN", "Invalid token"},
    [HTTP_ERROR_VERIFICATION_EMAIL_NOT_ENABLED] = {400, "VERIFICATION_EMAIL_NOT_ENABLED",
                                                   "Verification email isn't enabled"},
    [HTTP_ERROR_EMAIL_MISMATCH] = {400, "EMAIL_MISMATCH", "Email mismatch"},
    [HTTP_ERROR_EMAIL_ALREADY_VERIFIED] = {400, "EMAIL_ALREADY_VERIFIED",
                                           "Email is already verified"},
    [HTTP_ERROR_LINK_TOKEN_INVALID] = {401, "INVALID_TOKEN", "Invalid token"},
    [HTTP_ERROR_TOKEN_EXPIRED] = {401, "TOKEN_EXPIRED", "Token expired"},
    [HTTP_ERROR_USER_NOT_FOUND] = {401, "USER_NOT_FOUND", "User not found"},
    [HTTP_ERROR_INVALID_USER] = {401, "INVALID_USER", "Invalid user"},
    [HTTP_ERROR_CHANGE_EMAIL_DISABLED] = {400, "CHANGE_EMAIL_DISABLED", "Change email is disabled"},
    [HTTP_ERROR_EMAIL_IS_THE_SAME] = {400, NULL, "Email is the same"},
    /* Better Auth's change-email says this without the code its send-verification-email has. */
    [HTTP_ERROR_CHANGE_EMAIL_NOT_ENABLED] = {400, NULL, "Verification email isn't enabled"},
    [HTTP_ERROR_BANNED_USER] = {403, "BANNED_USER",
                                "You have been banned from this application. Please contact "
                                "support if you believe this is an error."},
    [HTTP_ERROR_ADMIN_USER_NOT_FOUND] = {404, "USER_NOT_FOUND", "User not found"},
    [HTTP_ERROR_NOT_ALLOWED_CHANGE_ROLE] = {403, "YOU_ARE_NOT_ALLOWED_TO_CHANGE_USERS_ROLE",
                                            "You are not allowed to change users role"},
    [HTTP_ERROR_NOT_ALLOWED_CREATE_USERS] = {403, "YOU_ARE_NOT_ALLOWED_TO_CREATE_USERS",
                                             "You are not allowed to create users"},
    [HTTP_ERROR_NOT_ALLOWED_LIST_USERS] = {403, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS",
                                           "You are not allowed to list users"},
    [HTTP_ERROR_NOT_ALLOWED_LIST_SESSIONS] = {403, "YOU_ARE_NOT_ALLOWED_TO_LIST_USERS_SESSIONS",
                                              "You are not allowed to list users sessions"},
    [HTTP_ERROR_NOT_ALLOWED_BAN] = {403, "YOU_ARE_NOT_ALLOWED_TO_BAN_USERS",
                                    "You are not allowed to ban users"},
    [HTTP_ERROR_NOT_ALLOWED_IMPERSONATE] = {403, "YOU_ARE_NOT_ALLOWED_TO_IMPERSONATE_USERS",
                                            "You are not allowed to impersonate users"},
    [HTTP_ERROR_NOT_ALLOWED_REVOKE_SESSIONS] = {403, "YOU_ARE_NOT_ALLOWED_TO_REVOKE_USERS_SESSIONS",
                                                "You are not allowed to revoke users sessions"},
    [HTTP_ERROR_NOT_ALLOWED_DELETE_USERS] = {403, "YOU_ARE_NOT_ALLOWED_TO_DELETE_USERS",
                                             "You are not allowed to delete users"},
    [HTTP_ERROR_NOT_ALLOWED_SET_PASSWORD] = {403, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_PASSWORD",
                                             "You are not allowed to set users password"},
    [HTTP_ERROR_NOT_ALLOWED_GET_USER] = {403, "YOU_ARE_NOT_ALLOWED_TO_GET_USER",
                                         "You are not allowed to get user"},
    [HTTP_ERROR_NOT_ALLOWED_UPDATE_USERS] = {403, "YOU_ARE_NOT_ALLOWED_TO_UPDATE_USERS",
                                             "You are not allowed to update users"},
    [HTTP_ERROR_NOT_ALLOWED_SET_EMAIL] = {403, "YOU_ARE_NOT_ALLOWED_TO_SET_USERS_EMAIL",
                                          "You are not allowed to update users email"},
    [HTTP_ERROR_CANNOT_IMPERSONATE_ADMINS] = {403, "YOU_CANNOT_IMPERSONATE_ADMINS",
                                              "You cannot impersonate admins"},
    [HTTP_ERROR_CANNOT_BAN_YOURSELF] = {400, "YOU_CANNOT_BAN_YOURSELF", "You cannot ban yourself"},
    [HTTP_ERROR_CANNOT_REMOVE_YOURSELF] = {400, "YOU_CANNOT_REMOVE_YOURSELF",
                                           "You cannot remove yourself"},
    [HTTP_ERROR_USER_EXISTS_USE_ANOTHER_EMAIL] = {400, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
                                                  "User already exists. Use another email."},
    [HTTP_ERROR_NO_DATA_TO_UPDATE] = {400, "NO_DATA_TO_UPDATE", "No data to update"},
    [HTTP_ERROR_PASSWORD_NOT_VIA_UPDATE_USER] = {400, "PASSWORD_CANNOT_BE_UPDATED_VIA_UPDATE_USER",
                                                 "Password cannot be updated through update-user. "
                                                 "Use the set-user-password endpoint instead"},
    [HTTP_ERROR_USER_ID_CANNOT_BE_UPDATED] = {400, "USER_ID_CANNOT_BE_UPDATED",
                                              "User id cannot be updated"},
    [HTTP_ERROR_INVALID_ROLE_TYPE] = {400, "INVALID_ROLE_TYPE", "Invalid role type"},
    [HTTP_ERROR_NO_PERMISSIONS_PASSED] =
        {400, NULL, "invalid permission check. no permission(s) were passed."},
    [HTTP_ERROR_NOT_IMPERSONATING] = {400, NULL, "You are not impersonating anyone"},
    [HTTP_ERROR_ADMIN_SESSION_NOT_FOUND] = {500, NULL, "Failed to find admin session"},
    /* The twoFactor plugin (two_factor.c), as recorded in test/fixtures/two_factor. */
    [HTTP_ERROR_TWO_FACTOR_INVALID_CODE] = {401, "INVALID_CODE", "Invalid code"},
    [HTTP_ERROR_TWO_FACTOR_INVALID_BACKUP_CODE] = {401, "INVALID_BACKUP_CODE",
                                                   "Invalid backup code"},
    [HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE] = {401, "INVALID_TWO_FACTOR_COOKIE",
                                              "Invalid two factor cookie"},
    [HTTP_ERROR_TWO_FACTOR_TOTP_NOT_ENABLED] = {400, "TOTP_NOT_ENABLED", "TOTP not enabled"},
    [HTTP_ERROR_TWO_FACTOR_TOTP_ALREADY_ENABLED] = {400, "TOTP_ALREADY_ENABLED",
                                                    "TOTP is already enabled"},
    [HTTP_ERROR_TWO_FACTOR_NOT_ENABLED] = {400, "TWO_FACTOR_NOT_ENABLED",
                                           "Two factor isn't enabled"},
    [HTTP_ERROR_TWO_FACTOR_BACKUP_NOT_ENABLED] = {400, "BACKUP_CODES_NOT_ENABLED",
                                                  "Backup codes aren't enabled"},
    [HTTP_ERROR_TWO_FACTOR_TOO_MANY] = {400, "TOO_MANY_ATTEMPTS_REQUEST_NEW_CODE",
                                        "Too many attempts. Please request a new code."},
    /* Worded per answer: "OTP is not available" (enable), "otp isn't configured" (send-otp). */
    [HTTP_ERROR_TWO_FACTOR_OTP_NOT_CONFIGURED] = {400, "OTP_NOT_CONFIGURED", NULL},
    [HTTP_ERROR_TWO_FACTOR_OTP_EXPIRED] = {400, "OTP_HAS_EXPIRED", "OTP has expired"},
    /* verify-otp finishing a sign-in of a user who turned two-factor off meanwhile */
    [HTTP_ERROR_TWO_FACTOR_SESSION_NOT_CREATED] = {400, "FAILED_TO_CREATE_SESSION",
                                                   "Failed to create session"},
    [HTTP_ERROR_TWO_FACTOR_LOCKED] = {429, "ACCOUNT_TEMPORARILY_LOCKED",
                                      "Too many failed verification attempts. Your account is "
                                      "temporarily locked. Please try again later."},
    [HTTP_ERROR_TWO_FACTOR_CODES_CHANGED] = {409, "CONFLICT",
                                             "Failed to verify backup code. Please try again."},
    [HTTP_ERROR_INTERNAL] = {500, "INTERNAL_SERVER_ERROR", "Internal server error"},
    [HTTP_ERROR_UNAVAILABLE] = {503, "SERVICE_UNAVAILABLE", "Service unavailable"},
    [HTTP_ERROR_OUTCOME_UNKNOWN] = {503, "OUTCOME_UNKNOWN",
                                    "The change may or may not have been made; check before "
                                    "repeating it"},
};

static const char *const fail_reason_names[FAIL__MAX] = {
    [FAIL_NONE] = "none",
    [FAIL_RANDOM] = "random",
    [FAIL_SESSION_TOKEN] = "session_token",
    [FAIL_TOKEN_DIGEST] = "token_digest",
    [FAIL_PASSWORD_HASH] = "password_hash",
    [FAIL_PASSWORD_VERIFY] = "password_verify",
    [FAIL_COOKIE_SIGN] = "cookie_sign",
    [FAIL_ACCOUNT_KEY] = "account_key",
    [FAIL_COOKIE_VERIFY] = "cookie_verify",
    [FAIL_JWT_SIGN] = "jwt_sign",
    [FAIL_JWT_READ] = "jwt_read",
    [FAIL_MAIL_RENDER] = "mail_render",
    [FAIL_CLIENT_ADDRESS] = "client_address_unknown",
    [FAIL_LOCATION_UNSAFE] = "location_unsafe",
    [FAIL_ROLE] = "fastcgi_role",
    [FAIL_TWO_FACTOR_SECRET] = "two_factor_secret",
};

/* http_fail_reason_name - see http.h. */
const char *http_fail_reason_name(enum fail_reason why)
{
    return fail_reason_names[why];
}

/* response_http_error - see http.h. */
void response_http_error(struct response *resp, enum http_error e)
{
    response_http_error_text(resp, e, http_errors[e].message);
}

/* response_http_error_text - see http.h. */
void response_http_error_text(struct response *resp, enum http_error e, const char *message)
{
    const struct http_error_def *def = &http_errors[e];

    assert(message != NULL);
    response_error(resp, def->status, def->code, message);
}

/* response_error - Better Auth's error body: message first, then code when there is one. */
void response_error(struct response *resp, int status, const char *code, const char *message)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "message", json_object_new_string(message));
    if (code != NULL)
        json_object_object_add(obj, "code", json_object_new_string(code));
    response_json(resp, status, obj);
}

/* response_503 - e's answer with Retry-After: never a 200, never a libpq message, always a
 * hint when to come back. */
static void response_503(struct response *resp, enum http_error e, int retry_after)
{
    char seconds[16];

    snprintf(seconds, sizeof(seconds), "%d", retry_after > 0 ? retry_after : 1);
    response_http_error(resp, e);
    response_header(resp, "Retry-After", seconds);
}

/* response_unavailable - the one answer for "database unavailable". */
void response_unavailable(struct response *resp, int retry_after)
{
    response_503(resp, HTTP_ERROR_UNAVAILABLE, retry_after);
}

/* response_outcome_unknown - see http.h. */
void response_outcome_unknown(struct response *resp, int retry_after)
{
    response_503(resp, HTTP_ERROR_OUTCOME_UNKNOWN, retry_after);
}

/* response_too_many - see http.h; the per-account sign-in limit answers the same way, so a
 * client cannot tell which limit it met. */
void response_too_many(struct response *resp, int retry_after)
{
    char seconds[16];

    snprintf(seconds, sizeof(seconds), "%d", retry_after > 0 ? retry_after : 1);
    metrics_count(METRIC_RATE_LIMITED);
    response_http_error(resp, HTTP_ERROR_TOO_MANY_REQUESTS);
    response_header(resp, "X-Retry-After", seconds);
}

/* response_empty - status only: no body, so fcgi_io sends no Content-Type either. */
void response_empty(struct response *resp, int status)
{
    resp->status = status;
    resp->body = NULL;
    resp->body_len = 0;
}

/* http_is_space - see http.h. */
bool http_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* http_media_type_is - see http.h. */
bool http_media_type_is(const char *content_type, const char *media_type)
{
    size_t len;
    const char *end;

    if (content_type == NULL)
        return false;
    while (http_is_space(*content_type))
        content_type++;
    end = strchr(content_type, ';');
    len = end != NULL ? (size_t)(end - content_type) : strlen(content_type);
    while (len > 0 && http_is_space(content_type[len - 1]))
        len--;
    return len == strlen(media_type) && strncasecmp(content_type, media_type, len) == 0;
}

/* http_status_reason - reason phrases for the statuses we send. */
const char *http_status_reason(int status)
{
    static const struct {
        int status;
        const char *reason;
    } reasons[] = {
        {200, "OK"},
        {204, "No Content"},
        {302, "Found"},
        {303, "See Other"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {413, "Payload Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {499, "Client Closed Request"}, /* nginx's name: logged, never seen by the client */
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
    };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}
