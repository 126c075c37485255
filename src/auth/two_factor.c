/* two_factor - the twoFactor plugin's endpoints and its hook into sign-in. A pending sign-in
 * is Better Auth's: a signed two_factor cookie naming a verification row "2fa-<20>" (value:
 * the user id) and a counter row "2fa-attempts-2fa-<20>"; a trusted device a signed
 * trust_device cookie "<HMAC>!trust-device-<32>" and a row of that name. The TOTP secret is
 * decrypted into the request's arena, which is wiped when the request ends; backup codes go
 * through json-c (parsed and re-serialised as Better Auth stores them), whose buffers are not. */
#include "config.h"

#include "auth/two_factor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "auth/account_guard.h"
#include "auth/admin.h"
#include "auth/app.h"
#include "auth/cookie.h"
#include "auth/http.h"
#include "auth/json_view.h"
#include "auth/jwt.h"
#include "auth/router.h"
#include "auth/session.h"
#include "auth/steps.h"
#include "global/mail.h"
#include "util/arena.h"
#include "util/digest.h"
#include "util/log.h"
#include "util/random.h"
#include "util/totp.h"
#include "util/xchacha.h"

#define CHALLENGE_MAX_AGE_S 600 /* twoFactorCookieMaxAge */
#define TRUST_MAX_AGE_S 2592000 /* trustDeviceMaxAge: 30 days */
#define CHALLENGE_ATTEMPTS 5    /* wrong codes per pending sign-in */
#define SECRET_LEN 32           /* generateRandomString(32) */
#define BACKUP_CODE_COUNT 10
#define BACKUP_CODE_LEN 10      /* shown as xxxxx-xxxxx */
#define CHALLENGE_RANDOM_LEN 20 /* "2fa-" + 20 */
#define TRUST_RANDOM_LEN 32     /* "trust-device-" + 32 */
#define OTP_MAX_AGE_S 180       /* otpOptions.period: 3 minutes */

/* Better Auth's generateRandomString alphabets. */
static const char url_alphabet[] =
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
static const char code_alphabet[] =
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

#define OPS(c) ((c)->app->store->ops)
#define IMPL(c) ((c)->app->store->impl)

/* A second step: the session's user (enrolment, code checks) or a pending sign-in's. */
struct step {
    bool sign_in;
    const char *challenge; /* the two_factor cookie's value: "2fa-<20>" */
    struct user_record user;
    struct two_factor_record tf;
    int attempts;   /* wrong codes so far on this challenge */
    int64_t left_s; /* what the challenge has left to live */
};

/* random_text - len characters of alphabet (64 or 62 of them), uniformly, in the arena. */
static char *random_text(struct call *c, const char *alphabet, size_t len)
{
    size_t n = strlen(alphabet), limit = 256 - 256 % n, i = 0;
    char *out = arena_alloc(c->req->arena, len + 1);
    unsigned char b[64];

    while (i < len) {
        if (random_bytes(b, sizeof(b)) != 0)
            return NULL;
        for (size_t j = 0; j < sizeof(b) && i < len; j++)
            if (b[j] < limit)
                out[i++] = alphabet[b[j] % n];
    }
    OPENSSL_cleanse(b, sizeof(b));
    return out;
}

/* add_cookie - a Set-Cookie line: signed value with max_age, or (value NULL) an expiry. */
static bool add_cookie(struct call *c, enum cookie_kind kind, const char *value, int max_age)
{
    char line[COOKIE_LINE_SIZE];
    int rc = value != NULL
                 ? cookie_signed_line(&c->app->cookies, kind, value, max_age, line, sizeof(line))
                 : cookie_expire_line(&c->app->cookies, kind, line, sizeof(line));

    if (rc != 0) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return false;
    }
    response_header(c->resp, "Set-Cookie", line);
    OPENSSL_cleanse(line, sizeof(line));
    return true;
}

/* stored - false after answering a store failure other than the allowed DB_NOTFOUND. */
static bool stored(struct call *c, enum db_status st, bool notfound_ok)
{
    if (st == DB_OK || (st == DB_NOTFOUND && notfound_ok))
        return true;
    steps_store_failed(c, st);
    return false;
}

/* load - the user and its two-factor state; false after answering (a missing user is
 * INVALID_TWO_FACTOR_COOKIE: only a pending sign-in can name one that is gone). */
static bool load(struct call *c, const char *user_id, struct step *s)
{
    enum db_status st = OPS(c)->two_factor_get(IMPL(c), c->req->arena, user_id, &s->user, &s->tf);

    if (st == DB_NOTFOUND) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE);
        return false;
    }
    return stored(c, st, false);
}

/* put_row - a verification row identifier -> value for expires_in_s. */
static bool put_row(struct call *c, const char *identifier, const char *value, int64_t expires_in_s)
{
    char id[RANDOM_TOKEN_LEN + 1];

    if (random_token(id, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    return stored(c, OPS(c)->verification_put(IMPL(c), id, identifier, value, expires_in_s), false);
}

/* trust_token - Better Auth's b64url-nopad HMAC-SHA256(secret, "userId!identifier"). */
static char *trust_token(struct call *c, const char *user_id, const char *identifier)
{
    unsigned char mac[DIGEST_SHA256_LEN];
    char *msg = arena_printf(c->req->arena, "%s!%s", user_id, identifier);
    char *out = arena_alloc(c->req->arena, 2 * DIGEST_SHA256_LEN);

    if (digest_hmac_sha256(c->app->cookies.secret, c->app->cookies.secret_len, msg, strlen(msg),
                           mac) != 0)
        return NULL;
    jwt_base64url_encode(mac, sizeof(mac), out);
    OPENSSL_cleanse(mac, sizeof(mac));
    return out;
}

/* trust_device - a new trusted-device row and its cookie for user_id. */
static bool trust_device(struct call *c, const char *user_id)
{
    char *rnd = random_text(c, url_alphabet, TRUST_RANDOM_LEN);
    char *identifier = rnd != NULL ? arena_printf(c->req->arena, "trust-device-%s", rnd) : NULL;
    char *token = identifier != NULL ? trust_token(c, user_id, identifier) : NULL;

    if (token == NULL) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    return put_row(c, identifier, user_id, TRUST_MAX_AGE_S) &&
           add_cookie(c, COOKIE_TRUST_DEVICE,
                      arena_printf(c->req->arena, "%s!%s", token, identifier), TRUST_MAX_AGE_S);
}

enum trust { TRUST_NONE, TRUST_INVALID, TRUST_YES };

/* trusted - whether the request's trust_device cookie vouches for user_id; its row is used
 * up either way (a trusted device gets a new one). *st: the store's failure, DB_OK if none. */
static enum trust trusted(struct call *c, const char *user_id, enum db_status *st)
{
    char value[COOKIE_VALUE_MAX + 1];
    char *bang, *token;
    const char *owner = NULL;
    int64_t left = 0;

    *st = DB_OK;
    if (cookie_read_signed(&c->app->cookies, c->req->cookie, COOKIE_TRUST_DEVICE, value,
                           sizeof(value)) != COOKIE_OK)
        return TRUST_NONE;
    if ((bang = strchr(value, '!')) == NULL || bang == value || bang[1] == '\0')
        return TRUST_INVALID;
    *bang = '\0';
    token = trust_token(c, user_id, bang + 1);
    if (token == NULL || strlen(token) != strlen(value) ||
        CRYPTO_memcmp(token, value, strlen(value)) != 0)
        return TRUST_INVALID;
    *st = OPS(c)->verification_take(IMPL(c), c->req->arena, bang + 1, &owner, &left);
    if (*st == DB_NOTFOUND)
        *st = DB_OK;
    return owner != NULL && strcmp(owner, user_id) == 0 ? TRUST_YES : TRUST_INVALID;
}

/* expire_cookie - Better Auth's expireCookie: a line the answer already has for the cookie
 * goes (a cookie is set once per answer), then its deletion. */
static bool expire_cookie(struct call *c, enum cookie_kind kind)
{
    session_drop_cookie_lines(c->app, c->resp, &kind, 1);
    return add_cookie(c, kind, NULL, 0);
}

/* challenge - the pending sign-in: its rows, the cookies, the redirect answer. The
 * dont_remember line is the one Better Auth's sign-in set before its two-factor hook deleted
 * the other session cookies. */
static void challenge(struct call *c, const struct step *s, bool remember)
{
    char *rnd = random_text(c, url_alphabet, CHALLENGE_RANDOM_LEN);
    char *identifier = rnd != NULL ? arena_printf(c->req->arena, "2fa-%s", rnd) : NULL;
    const char *const *deletions = cookie_deletion_lines(&c->app->cookies);
    struct json_object *obj, *methods;

    if (identifier == NULL) {
        steps_fail(c, FAIL_RANDOM);
        return;
    }
    if (!put_row(c, identifier, s->user.id, CHALLENGE_MAX_AGE_S) ||
        !put_row(c, arena_printf(c->req->arena, "2fa-attempts-%s", identifier), "0",
                 CHALLENGE_MAX_AGE_S))
        return;
    if (session_remember_line(c->app, c->req, c->resp, remember) != 0) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return;
    }
    response_header(c->resp, "Set-Cookie", deletions[0]);
    response_header(c->resp, "Set-Cookie", deletions[1]);
    session_clean_cache_lines(c->app, c->req, c->resp, true);
    if (!add_cookie(c, COOKIE_TWO_FACTOR, identifier, CHALLENGE_MAX_AGE_S))
        return;
    obj = json_object_new_object();
    methods = json_object_new_array();
    if (s->tf.id != NULL && s->tf.verified)
        json_object_array_add(methods, json_object_new_string("totp"));
    if (c->app->mail != NULL)
        json_object_array_add(methods, json_object_new_string("otp"));
    json_object_object_add(obj, "twoFactorRedirect", json_object_new_boolean(1));
    json_object_object_add(obj, "twoFactorMethods", methods);
    response_json(c->resp, 200, obj);
}

/* two_factor_sign_in - see two_factor.h. */
bool two_factor_sign_in(struct call *c, const struct user_record *user, bool remember)
{
    struct step s = {0};
    enum db_status st;
    enum trust t;

    if (!c->app->two_factor)
        return false;
    if (!load(c, user->id, &s))
        return true;
    if (!s.user.two_factor_enabled)
        return false;
    t = trusted(c, user->id, &st);
    if (!stored(c, st, false))
        return true;
    if (t == TRUST_YES)
        return !trust_device(c, user->id);
    if (t == TRUST_INVALID && !add_cookie(c, COOKIE_TRUST_DEVICE, NULL, 0))
        return true;
    challenge(c, &s, remember);
    return true;
}

/* begin_step - who the code is for: the session's user, or the pending sign-in the signed
 * two_factor cookie names. False after answering. */
static bool begin_step(struct call *c, struct step *s)
{
    char value[COOKIE_VALUE_MAX + 1];
    const char *user_id = NULL;

    if (c->session.found == SESSION_VALID)
        return load(c, c->session.user.id, s);
    if (cookie_read_signed(&c->app->cookies, c->req->cookie, COOKIE_TWO_FACTOR, value,
                           sizeof(value)) != COOKIE_OK) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE);
        return false;
    }
    s->sign_in = true;
    s->challenge = arena_strdup(c->req->arena, value);
    enum db_status st = OPS(c)->verification_find(IMPL(c), c->req->arena, s->challenge, &user_id);
    if (st == DB_NOTFOUND) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE);
        return false;
    }
    return stored(c, st, false) && load(c, user_id, s);
}

/* take_attempt - a pending sign-in's attempt counter, used up while the code is checked (two
 * requests racing get one each); the fifth wrong code ends the challenge. */
static bool take_attempt(struct call *c, struct step *s)
{
    const char *count = NULL;
    enum db_status st;

    if (!s->sign_in)
        return true;
    st = OPS(c)->verification_take(IMPL(c), c->req->arena,
                                   arena_printf(c->req->arena, "2fa-attempts-%s", s->challenge),
                                   &count, &s->left_s);
    if (st == DB_NOTFOUND) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE);
        return false;
    }
    if (!stored(c, st, false))
        return false;
    s->attempts = atoi(count);
    if (s->attempts < 0 || s->attempts >= CHALLENGE_ATTEMPTS) {
        const char *ignored;
        int64_t left;

        st = OPS(c)->verification_take(IMPL(c), c->req->arena, s->challenge, &ignored, &left);
        if (!stored(c, st, true) || !add_cookie(c, COOKIE_TWO_FACTOR, NULL, 0))
            return false;
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_TOO_MANY);
        return false;
    }
    return true;
}

/* put_attempts - the counter back, at n, for the rest of the challenge's life. */
static bool put_attempts(struct call *c, const struct step *s, int n)
{
    if (!s->sign_in)
        return true;
    return put_row(c, arena_printf(c->req->arena, "2fa-attempts-%s", s->challenge),
                   arena_printf(c->req->arena, "%d", n), s->left_s > 0 ? s->left_s : 1);
}

/* guard - the per-account limit (account_guard.h) on second factors of pending sign-ins,
 * keyed apart from the password's; claim before the check, success after a right code. */
static bool guard(struct call *c, const struct step *s, bool success)
{
    if (!s->sign_in)
        return true;
    return steps_account_guard(c, arena_printf(c->req->arena, "two-factor:%s", s->user.id),
                               success);
}

/* locked - Better Auth's account lockout (ten wrong codes in a row, 15 minutes), for pending
 * sign-ins of users with a row: true after answering 429. */
static bool locked(struct call *c, const struct step *s)
{
    if (!s->sign_in || s->tf.id == NULL || !s->tf.locked)
        return false;
    response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_LOCKED);
    return true;
}

/* count - a pending sign-in's code, wrong (failed) or right, on the lockout counters. False
 * after answering a store failure. */
static bool count(struct call *c, const struct step *s, bool failed)
{
    if (!s->sign_in || s->tf.id == NULL)
        return true;
    return stored(c, OPS(c)->two_factor_count(IMPL(c), s->user.id, failed), true);
}

/* recache - the session's user (user, read before the change) has twoFactorEnabled = enabled
 * now: the session's cookies again, as Better Auth's setSessionCookie sends them with the
 * updated user (for the session it rotates, which authfcgi keeps), so that the cookie cache
 * (AUTHFCGI_COOKIE_CACHE) shows the change at once. Lines a refresh wrote while resolving the
 * session, with the user before, go. False after answering. */
static bool recache(struct call *c, const struct user_record *user, bool enabled)
{
    struct user_record now = *user;

    now.two_factor_enabled = enabled;
    c->resp->nheaders = 0;
    if (session_resend_cookies(c->app, c->resp, &c->session) != 0 ||
        session_cache_cookie(c->app, c->resp, &c->session.session, &now,
                             !c->session.dont_remember) != 0) {
        steps_fail(c, FAIL_COOKIE_SIGN);
        return false;
    }
    return true;
}

/* finish_step - the right code: a session's check answers its token; a pending sign-in is
 * used up and becomes a session (remembered unless dont_remember came along), with a trusted
 * device when asked. */
static void finish_step(struct call *c, const struct step *s, bool new_session)
{
    const struct value *trust = &c->in.body[FIELD_TRUST_DEVICE];
    const char *owner = NULL, *token;
    char flag[8];
    int64_t left;
    struct json_object *obj;
    enum db_status st;

    if (s->sign_in && new_session) {
        st = OPS(c)->verification_take(IMPL(c), c->req->arena, s->challenge, &owner, &left);
        if (!stored(c, st, true))
            return;
        if (owner == NULL || strcmp(owner, s->user.id) != 0) {
            if (add_cookie(c, COOKIE_TWO_FACTOR, NULL, 0))
                response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_COOKIE);
            return;
        }
        /* the admin plugin's ban check, as Better Auth's session-creation hook runs it here too
         * (a user banned since the challenge) */
        if (c->app->admin && !admin_sign_in_allowed(c, &s->user))
            return;
        if (!steps_start_session(c, &s->user,
                                 cookie_read_signed(&c->app->cookies, c->req->cookie,
                                                    COOKIE_DONT_REMEMBER, flag,
                                                    sizeof(flag)) != COOKIE_OK,
                                 &token) ||
            !add_cookie(c, COOKIE_TWO_FACTOR, NULL, 0))
            return;
        if (trust->kind == VALUE_BOOLEAN && trust->boolean &&
            (!trust_device(c, s->user.id) || !expire_cookie(c, COOKIE_DONT_REMEMBER)))
            return;
    } else {
        token = s->sign_in ? NULL : c->session.token;
    }
    obj = json_object_new_object();
    if (token != NULL) /* `session.session?.token`: a pending sign-in's is undefined, left out */
        json_object_object_add(obj, "token", json_object_new_string(token));
    json_object_object_add(obj, "user", json_view_user(&c->app->user_view, &s->user));
    response_json(c->resp, 200, obj);
}

/* totp_secret - the user's TOTP key, decrypted into the arena (*len bytes); "base32:" secrets
 * (imported from elsewhere) are not supported and read as a failure. NULL after answering. */
static const unsigned char *totp_secret(struct call *c, const struct step *s, size_t *len)
{
    uint8_t *plain = xchacha_ba_decrypt(c->app->cookies.secret, s->tf.secret, len);
    unsigned char *copy;

    if (plain == NULL || strncmp((const char *)plain, "base32:", 7) == 0) {
        log_event(LOG_LEVEL_ERROR, "two_factor_secret_unreadable", "user=%s", s->user.id);
        if (plain != NULL)
            OPENSSL_cleanse(plain, *len);
        free(plain);
        steps_fail(c, FAIL_TWO_FACTOR_SECRET);
        return NULL;
    }
    copy = arena_alloc(c->req->arena, *len + 1);
    memcpy(copy, plain, *len);
    OPENSSL_cleanse(plain, *len);
    free(plain);
    return copy;
}

/* two_factor_verify_totp - POST /two-factor/verify-totp: a session's user completes
 * enrolment (the first right code turns the plugin on for them), a pending sign-in becomes a
 * session. */
void two_factor_verify_totp(struct call *c)
{
    struct step s = {0};
    const unsigned char *key;
    size_t key_len = 0;
    bool ok;

    if (!begin_step(c, &s))
        return;
    if (s.tf.id == NULL || (s.sign_in && !s.tf.verified)) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_TOTP_NOT_ENABLED);
        return;
    }
    if (locked(c, &s) || !guard(c, &s, false) || !take_attempt(c, &s) ||
        (key = totp_secret(c, &s, &key_len)) == NULL)
        return;
    ok = totp_verify(key, key_len, c->in.body[FIELD_CODE].str, session_now_ms() / 1000,
                     TOTP_PERIOD_S, TOTP_DIGITS, TOTP_WINDOW);
    if (!ok) {
        if (put_attempts(c, &s, s.attempts + 1) && count(c, &s, true))
            response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_CODE);
        return;
    }
    if (!guard(c, &s, true) || !count(c, &s, false))
        return;
    /* Completing enrolment, Better Auth caches the updated user but answers the one it read
     * (twoFactorEnabled still false). */
    if (!s.tf.verified || !s.user.two_factor_enabled) {
        if (!stored(c, OPS(c)->two_factor_set(IMPL(c), s.user.id, TWO_FACTOR_CONFIRM_TOTP),
                    false) ||
            (!s.sign_in && !s.user.two_factor_enabled && !recache(c, &s.user, true)))
            return;
    }
    finish_step(c, &s, true);
}

/* backup_codes - n fresh codes "xxxxx-xxxxx" as a JSON array (the caller puts it). */
static struct json_object *backup_codes(struct call *c)
{
    struct json_object *arr = json_object_new_array();

    for (int i = 0; i < BACKUP_CODE_COUNT; i++) {
        char *raw = random_text(c, code_alphabet, BACKUP_CODE_LEN);

        if (raw == NULL) {
            json_object_put(arr);
            steps_fail(c, FAIL_RANDOM);
            return NULL;
        }
        json_object_array_add(
            arr, json_object_new_string(arena_printf(c->req->arena, "%.5s-%s", raw, raw + 5)));
    }
    return arr;
}

/* seal - Better Auth's symmetricEncrypt of text, in the arena; NULL after answering. */
static const char *seal(struct call *c, const char *text)
{
    char *hex = xchacha_ba_encrypt(c->app->cookies.secret, (const uint8_t *)text, strlen(text));
    char *copy;

    if (hex == NULL) {
        steps_fail(c, FAIL_TWO_FACTOR_SECRET);
        return NULL;
    }
    copy = arena_strdup(c->req->arena, hex);
    free(hex);
    return copy;
}

/* codes_text - arr as JSON.stringify writes it (no spaces, "/" unescaped). */
static const char *codes_text(struct json_object *arr)
{
    return json_object_to_json_string_ext(arr,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* uri_component - JavaScript's encodeURIComponent (cookie.h), in the arena. */
static const char *uri_component(struct call *c, const char *s)
{
    size_t n = 3 * strlen(s) + 1;
    char *out = arena_alloc(c->req->arena, n);

    return cookie_encode_component(s, out, n) == 0 ? out : "";
}

/* form_component - URLSearchParams' encoding: encodeURIComponent, but space as '+' and
 * !'()~ escaped. */
static const char *form_component(struct call *c, const char *s)
{
    char *out = arena_alloc(c->req->arena, 3 * strlen(s) + 1), *o = out;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("*-._", *p) != NULL)
            *o++ = (char)*p;
        else if (*p == ' ')
            *o++ = '+';
        else
            o += sprintf(o, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

/* totp_uri - createOTP(secret).url(issuer, email) of @better-auth/utils. */
static const char *totp_uri(struct call *c, const unsigned char *secret, size_t len,
                            const char *email)
{
    const struct value *iv = &c->in.body[FIELD_ISSUER];
    const char *issuer = iv->kind == VALUE_STRING && iv->len > 0 ? iv->str : c->app->app_name;
    char *b32 = arena_alloc(c->req->arena, (len * 8 + 4) / 5 + 1);

    totp_base32(secret, len, b32);
    return arena_printf(c->req->arena,
                        "otpauth://totp/%s:%s?secret=%s&issuer=%s&digits=%d&period=%d",
                        uri_component(c, issuer), uri_component(c, email), b32,
                        form_component(c, issuer), TOTP_DIGITS, TOTP_PERIOD_S);
}

/* session_step - the session's user with the right password (body "password"); false after
 * answering. */
static bool session_step(struct call *c, struct step *s)
{
    return steps_current_password(c, &c->in.body[FIELD_PASSWORD], false) &&
           load(c, c->session.user.id, s);
}

/* other_method - enable's "method" when it is not "totp": "otp" turns e-mailed codes on at
 * once (with a sender; OTP_NOT_CONFIGURED without), anything else is zod's enum message.
 * Returns true when it has answered. */
static bool other_method(struct call *c, const struct step *s)
{
    const struct value *m = &c->in.body[FIELD_METHOD];
    struct json_object *obj;

    if (m->kind != VALUE_STRING || strcmp(m->str, "totp") == 0)
        return false;
    if (strcmp(m->str, "otp") != 0)
        response_http_error_text(c->resp, HTTP_ERROR_VALIDATION,
                                 "[body.method] Invalid option: expected one of \"otp\"|\"totp\"");
    else if (c->app->mail == NULL)
        response_http_error_text(c->resp, HTTP_ERROR_TWO_FACTOR_OTP_NOT_CONFIGURED,
                                 "OTP is not available");
    else if (stored(c, OPS(c)->two_factor_set(IMPL(c), s->user.id, TWO_FACTOR_ENABLE), false) &&
             recache(c, &s->user, true)) {
        obj = json_object_new_object();
        json_object_object_add(obj, "method", json_object_new_string("otp"));
        response_json(c->resp, 200, obj);
    }
    return true;
}

/* two_factor_enable - POST /two-factor/enable: a new secret and backup codes, stored
 * unverified until the first right code (verify-totp). */
void two_factor_enable(struct call *c)
{
    struct step s = {0};
    char *secret;
    struct json_object *codes, *obj;
    const char *sealed_secret, *sealed_codes, *uri;
    char id[RANDOM_TOKEN_LEN + 1];

    if (!session_step(c, &s) || other_method(c, &s))
        return;
    if (s.tf.id != NULL && s.tf.verified) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_TOTP_ALREADY_ENABLED);
        return;
    }
    if ((codes = backup_codes(c)) == NULL)
        return;
    secret = random_text(c, url_alphabet, SECRET_LEN);
    if (secret == NULL || random_token(id, RANDOM_TOKEN_LEN) != 0) {
        json_object_put(codes);
        steps_fail(c, FAIL_RANDOM);
        return;
    }
    sealed_secret = seal(c, secret);
    sealed_codes = sealed_secret != NULL ? seal(c, codes_text(codes)) : NULL;
    enum db_status st =
        sealed_codes != NULL
            ? OPS(c)->two_factor_save(IMPL(c), s.user.id, id, sealed_secret, sealed_codes, false)
            : DB_FAIL;
    if (st == DB_CONFLICT) /* a verify-totp confirmed the row since it was read */
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_TOTP_ALREADY_ENABLED);
    if (sealed_codes == NULL || st == DB_CONFLICT || !stored(c, st, false)) {
        json_object_put(codes);
        return;
    }
    uri = totp_uri(c, (const unsigned char *)secret, SECRET_LEN, s.user.email);
    obj = json_object_new_object();
    json_object_object_add(obj, "method", json_object_new_string("totp"));
    json_object_object_add(obj, "totpURI", json_object_new_string(uri));
    json_object_object_add(obj, "backupCodes", codes);
    response_json(c->resp, 200, obj);
}

/* two_factor_get_totp_uri - POST /two-factor/get-totp-uri, in Better Auth's order: the row,
 * then the password. */
void two_factor_get_totp_uri(struct call *c)
{
    struct step s = {0};
    const unsigned char *key;
    size_t len = 0;
    struct json_object *obj;

    if (!load(c, c->session.user.id, &s))
        return;
    if (s.tf.id == NULL) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_TOTP_NOT_ENABLED);
        return;
    }
    if ((key = totp_secret(c, &s, &len)) == NULL ||
        !steps_current_password(c, &c->in.body[FIELD_PASSWORD], false))
        return;
    obj = json_object_new_object();
    json_object_object_add(obj, "totpURI",
                           json_object_new_string(totp_uri(c, key, len, s.user.email)));
    response_json(c->resp, 200, obj);
}

/* two_factor_disable - POST /two-factor/disable: the row goes, the flag is cleared, and this
 * device's trust with them. */
void two_factor_disable(struct call *c)
{
    struct step s = {0};
    enum db_status st;
    enum trust t;

    if (!session_step(c, &s) ||
        !stored(c, OPS(c)->two_factor_set(IMPL(c), s.user.id, TWO_FACTOR_DISABLE), false) ||
        !recache(c, &s.user, false))
        return;
    t = trusted(c, s.user.id, &st);
    if (!stored(c, st, false))
        return;
    if (t != TRUST_NONE && !add_cookie(c, COOKIE_TRUST_DEVICE, NULL, 0))
        return;
    steps_answer_status_true(c);
}

/* two_factor_generate_backup_codes - POST /two-factor/generate-backup-codes: ten new codes
 * replace the old ones. */
void two_factor_generate_backup_codes(struct call *c)
{
    struct step s = {0};
    struct json_object *codes, *obj;
    const char *sealed;
    enum db_status st;

    /* Better Auth asks whether two-factor is on before it checks the password */
    if (!c->session.user.two_factor_enabled) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_NOT_ENABLED);
        return;
    }
    if (!session_step(c, &s))
        return;
    if (!s.user.two_factor_enabled || s.tf.id == NULL) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_NOT_ENABLED);
        return;
    }
    if ((codes = backup_codes(c)) == NULL)
        return;
    if ((sealed = seal(c, codes_text(codes))) == NULL) {
        json_object_put(codes);
        return;
    }
    st = OPS(c)->two_factor_swap_codes(IMPL(c), s.user.id, s.tf.backup_codes, sealed);
    if (st == DB_NOTFOUND)
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_CODES_CHANGED);
    if (st != DB_OK) {
        json_object_put(codes);
        if (st != DB_NOTFOUND)
            steps_store_failed(c, st);
        return;
    }
    obj = json_object_new_object();
    json_object_object_add(obj, "status", json_object_new_boolean(1));
    json_object_object_add(obj, "backupCodes", codes);
    response_json(c->resp, 200, obj);
}

/* without_code - the stored codes less code, sealed again into *rest: 1 when code was one of
 * them, 0 when not, -1 after answering a failure. Every code is compared, in constant time. */
static int without_code(struct call *c, const struct step *s, const char *code, const char **rest)
{
    size_t len = 0;
    uint8_t *plain = xchacha_ba_decrypt(c->app->cookies.secret, s->tf.backup_codes, &len);
    struct json_object *all = plain != NULL ? json_tokener_parse((const char *)plain) : NULL;
    struct json_object *left = json_object_new_array();
    bool found = false;

    if (plain != NULL)
        OPENSSL_cleanse(plain, len);
    free(plain);
    if (!json_object_is_type(all, json_type_array)) {
        json_object_put(all);
        json_object_put(left);
        return 0; /* Better Auth: unreadable codes match nothing */
    }
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        struct json_object *v = json_object_array_get_idx(all, i);
        const char *stored_code = json_object_get_string(v);

        if (stored_code != NULL && totp_equal(code, stored_code))
            found = true;
        else
            json_object_array_add(left, json_object_get(v));
    }
    *rest = found ? seal(c, codes_text(left)) : NULL;
    json_object_put(all);
    json_object_put(left);
    return !found ? 0 : *rest != NULL ? 1 : -1;
}

/* two_factor_verify_backup_code - POST /two-factor/verify-backup-code: each code works once
 * (a compare-and-set on the stored text, so two racing requests cannot both use it). */
void two_factor_verify_backup_code(struct call *c)
{
    const struct value *no_session = &c->in.body[FIELD_DISABLE_SESSION];
    struct step s = {0};
    const char *rest = NULL;
    enum db_status st;
    int r;

    if (!begin_step(c, &s))
        return;
    if (s.tf.id == NULL) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_BACKUP_NOT_ENABLED);
        return;
    }
    if (locked(c, &s) || !guard(c, &s, false) || !take_attempt(c, &s) ||
        (r = without_code(c, &s, c->in.body[FIELD_CODE].str, &rest)) < 0)
        return;
    if (r == 0) {
        if (put_attempts(c, &s, s.attempts + 1) && count(c, &s, true))
            response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_BACKUP_CODE);
        return;
    }
    st = OPS(c)->two_factor_swap_codes(IMPL(c), s.user.id, s.tf.backup_codes, rest);
    if (st == DB_NOTFOUND) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_CODES_CHANGED);
        return;
    }
    if (!stored(c, st, false) || !guard(c, &s, true) || !count(c, &s, false))
        return;
    finish_step(c, &s, !(no_session->kind == VALUE_BOOLEAN && no_session->boolean));
}

/* otp_identifier - the verification row of the step's e-mailed code: "2fa-otp-" and the
 * pending sign-in's cookie value, or "userId!sessionId" for a session's. */
static const char *otp_identifier(struct call *c, const struct step *s)
{
    return s->sign_in
               ? arena_printf(c->req->arena, "2fa-otp-%s", s->challenge)
               : arena_printf(c->req->arena, "2fa-otp-%s!%s", s->user.id, c->session.session.id);
}

/* otp_mail - the code's mail and its row "<code>:0" (3 minutes), one transaction. */
static bool otp_mail(struct call *c, const struct step *s, const char *code)
{
    struct arena *a = c->req->arena;
    struct mail_message *msg = arena_alloc(a, sizeof(*msg));
    char *row_id = arena_alloc(a, RANDOM_TOKEN_LEN + 1);
    struct mail_fields fields = {.recipient = s->user.email, .name = s->user.name, .code = code};
    const char *why = "unknown";
    struct new_mail m;

    if (random_token(row_id, RANDOM_TOKEN_LEN) != 0) {
        steps_fail(c, FAIL_RANDOM);
        return false;
    }
    if (mail_render(c->app->mail, MAIL_TWO_FACTOR_OTP, &fields, time(NULL), a, msg, &why) != 0) {
        log_event(LOG_LEVEL_ERROR, "mail_render_failed", "kind=two-factor-otp reason=\"%s\"", why);
        steps_fail(c, FAIL_MAIL_RENDER);
        return false;
    }
    m = (struct new_mail){.message = msg,
                          .verification_id = row_id,
                          .identifier = otp_identifier(c, s),
                          .value = arena_printf(a, "%s:0", code),
                          .expires_in_s = OTP_MAX_AGE_S};
    if (!stored(c, OPS(c)->mail_issue(IMPL(c), &m), false))
        return false;
    log_event(LOG_LEVEL_INFO, "mail_queued", "kind=two-factor-otp");
    return true;
}

/* two_factor_send_otp - POST /two-factor/send-otp: a 6-digit code by mail (the outbox), for a
 * pending sign-in or a session; OTP_NOT_CONFIGURED without AUTHFCGI_MAIL_FROM, as Better Auth
 * without a sender. */
void two_factor_send_otp(struct call *c)
{
    struct step s = {0};
    char *code;

    if (c->app->mail == NULL) {
        response_http_error_text(c->resp, HTTP_ERROR_TWO_FACTOR_OTP_NOT_CONFIGURED,
                                 "otp isn't configured");
        return;
    }
    if (!begin_step(c, &s))
        return;
    if ((code = random_text(c, "0123456789", TOTP_DIGITS)) == NULL) {
        steps_fail(c, FAIL_RANDOM);
        return;
    }
    if (otp_mail(c, &s, code))
        steps_answer_status_true(c);
}

/* two_factor_verify_otp - POST /two-factor/verify-otp: the mailed code, used up when right;
 * a wrong one puts the row back counted, and the fifth wrong one ends it. */
void two_factor_verify_otp(struct call *c)
{
    struct step s = {0};
    const char *value = NULL, *colon;
    int64_t left = 0;
    int attempts;
    enum db_status st;

    if (!begin_step(c, &s) || locked(c, &s) || !guard(c, &s, false))
        return;
    st = OPS(c)->verification_take(IMPL(c), c->req->arena, otp_identifier(c, &s), &value, &left);
    if (st == DB_NOTFOUND || (st == DB_OK && (colon = strrchr(value, ':')) == NULL)) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_OTP_EXPIRED);
        return;
    }
    if (!stored(c, st, false))
        return;
    attempts = atoi(colon + 1);
    if (attempts >= CHALLENGE_ATTEMPTS) {
        response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_TOO_MANY);
        return;
    }
    *(char *)colon = '\0';
    if (!totp_equal(c->in.body[FIELD_CODE].str, value)) {
        if (put_row(c, otp_identifier(c, &s),
                    arena_printf(c->req->arena, "%s:%d", value, attempts + 1),
                    left > 0 ? left : 1) &&
            count(c, &s, true))
            response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_INVALID_CODE);
        return;
    }
    if (!guard(c, &s, true) || !count(c, &s, false))
        return;
    /* Here Better Auth answers (and caches) the updated user. A pending sign-in of a user who
     * turned two-factor off meanwhile is refused, as there: it must not turn it back on. */
    if (!s.user.two_factor_enabled) {
        if (s.sign_in) {
            response_http_error(c->resp, HTTP_ERROR_TWO_FACTOR_SESSION_NOT_CREATED);
            return;
        }
        if (!stored(c, OPS(c)->two_factor_set(IMPL(c), s.user.id, TWO_FACTOR_ENABLE), false) ||
            !recache(c, &s.user, true))
            return;
        s.user.two_factor_enabled = true;
    }
    finish_step(c, &s, true);
}
