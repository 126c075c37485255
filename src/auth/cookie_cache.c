/* cookie_cache - writing and reading Better Auth's session_data cookie (cookie_cache.h). Field
 * order follows json_view, which is Better Auth's own, so a value written here for the same
 * session, user and times is byte for byte the one Better Auth writes. */
#include "config.h"

#include "auth/cookie_cache.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "auth/json_view.h"
#include "auth/jwt.h"
#include "util/arena.h"

/* JSON.stringify style: no spaces, '/' left alone (json-c's string escapes are the same). */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Better Auth's cookieCache.version default. */
#define CACHE_VERSION "1"

/* signed_text - the text Better Auth signs, JSON.stringify({...payload, expiresAt}): the
 * payload's text with ,"expiresAt":E put before its closing brace. NULL when payload_text is
 * not an object with members. */
static char *signed_text(struct arena *a, const char *payload_text, int64_t expires_at_ms)
{
    size_t n = strlen(payload_text);

    if (n < 3 || payload_text[0] != '{' || payload_text[n - 1] != '}')
        return NULL;
    return arena_printf(a, "%.*s,\"expiresAt\":%" PRId64 "}", (int)(n - 1), payload_text,
                        expires_at_ms);
}

/* cookie_cache_encode - see cookie_cache.h. */
char *cookie_cache_encode(struct arena *a, const char *secret, size_t secret_len,
                          const struct session_record *s, const struct user_record *u,
                          const struct user_view *v, int64_t updated_at_ms, int64_t expires_at_ms)
{
    struct json_object *payload = json_object_new_object();
    struct json_object *outer = json_object_new_object();
    char sig[JWT_MAC_B64_LEN + 1];
    char *msg, *out = NULL;
    const char *text;

    json_object_object_add(payload, "session", json_view_session(v, s));
    json_object_object_add(payload, "user", json_view_user(v, u));
    json_object_object_add(payload, "updatedAt", json_object_new_int64(updated_at_ms));
    json_object_object_add(payload, "version", json_object_new_string(CACHE_VERSION));
    msg = signed_text(a, json_object_to_json_string_ext(payload, JSON_FLAGS), expires_at_ms);
    json_object_object_add(outer, "session", payload); /* outer owns it now */
    if (msg != NULL && jwt_mac_b64(secret, secret_len, msg, strlen(msg), sig) == 0) {
        json_object_object_add(outer, "expiresAt", json_object_new_int64(expires_at_ms));
        json_object_object_add(outer, "signature", json_object_new_string(sig));
        text = json_object_to_json_string_ext(outer, JSON_FLAGS);
        out = arena_alloc(a, 4 * ((strlen(text) + 2) / 3) + 1);
        jwt_base64url_encode((const unsigned char *)text, strlen(text), out);
    }
    json_object_put(outer);
    return out;
}

/* iso_ms - Unix ms of "YYYY-MM-DDTHH:MM:SS.mmmZ", the only form Better Auth writes (Date's
 * toISOString). Returns 0, or -1 for anything else. */
static int iso_ms(const char *text, int64_t *out)
{
    struct tm tm = {0};
    int ms, used = 0;
    time_t t;

    if (text == NULL || strlen(text) != 24 ||
        sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &used) != 7 ||
        used != 24 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59 || ms < 0)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (int64_t)t * 1000 + ms;
    return 0;
}

/* member_string - obj's string member key copied into the arena; *out NULL for null or
 * absent when nullable. Returns 0, or -1 when it has another type or is required. */
static int member_string(struct arena *a, struct json_object *obj, const char *key, bool nullable,
                         const char **out)
{
    struct json_object *v = NULL;

    *out = NULL;
    if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
        return nullable ? 0 : -1;
    if (!json_object_is_type(v, json_type_string))
        return -1;
    *out = arena_strndup(a, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    return 0;
}

/* member_of_type - obj's member key when it has type t, else NULL (borrowed). */
static struct json_object *member_of_type(struct json_object *obj, const char *key,
                                          enum json_type t)
{
    struct json_object *v = NULL;

    if (obj == NULL || !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
        return NULL;
    return v;
}

/* read_session - Better Auth's session schema, with the dates it needs as ms. */
static int read_session(struct arena *a, struct json_object *o, struct session_record *s)
{
    if (o == NULL || member_string(a, o, "id", false, &s->id) != 0 ||
        member_string(a, o, "token", false, &s->token) != 0 ||
        member_string(a, o, "userId", false, &s->user_id) != 0 ||
        member_string(a, o, "ipAddress", true, &s->ip_address) != 0 ||
        member_string(a, o, "userAgent", true, &s->user_agent) != 0 ||
        member_string(a, o, "expiresAt", false, &s->expires_at) != 0 ||
        member_string(a, o, "createdAt", false, &s->created_at) != 0 ||
        member_string(a, o, "updatedAt", false, &s->updated_at) != 0 ||
        member_string(a, o, "impersonatedBy", true, &s->impersonated_by) != 0)
        return -1;
    if (iso_ms(s->expires_at, &s->expires_at_ms) != 0 ||
        iso_ms(s->created_at, &s->created_at_ms) != 0)
        return -1;
    return 0;
}

/* read_user_admin - the admin plugin's user fields: absent or null when it is off (or the
 * user has none), banned a boolean, banExpires Better Auth's ISO text. */
static int read_user_admin(struct arena *a, struct json_object *o, struct user_record *u)
{
    struct json_object *banned = member_of_type(o, "banned", json_type_boolean);

    if (member_string(a, o, "role", true, &u->role) != 0 ||
        member_string(a, o, "banReason", true, &u->ban_reason) != 0 ||
        member_string(a, o, "banExpires", true, &u->ban_expires) != 0)
        return -1;
    if (u->ban_expires != NULL && iso_ms(u->ban_expires, &u->ban_expires_ms) != 0)
        return -1;
    u->banned = banned != NULL && json_object_get_boolean(banned);
    return 0;
}

/* read_user - Better Auth's user schema; twoFactorEnabled (the twoFactor plugin's) and the
 * admin plugin's fields may be absent, null or of their type, as their nullable columns. */
static int read_user(struct arena *a, struct json_object *o, struct user_record *u)
{
    struct json_object *verified = member_of_type(o, "emailVerified", json_type_boolean);
    struct json_object *two_factor = member_of_type(o, "twoFactorEnabled", json_type_boolean);

    if (o == NULL || verified == NULL || member_string(a, o, "id", false, &u->id) != 0 ||
        member_string(a, o, "name", false, &u->name) != 0 ||
        member_string(a, o, "email", false, &u->email) != 0 ||
        member_string(a, o, "image", true, &u->image) != 0 ||
        member_string(a, o, "createdAt", false, &u->created_at) != 0 ||
        member_string(a, o, "updatedAt", false, &u->updated_at) != 0)
        return -1;
    u->email_verified = json_object_get_boolean(verified);
    u->two_factor_enabled = two_factor != NULL && json_object_get_boolean(two_factor);
    return read_user_admin(a, o, u);
}

/* signature_ok - whether sig is the HMAC of payload with expiresAt, as Better Auth checks it.
 * Returns 1, 0, or -1 when libcrypto fails. */
static int signature_ok(struct arena *a, const char *secret, size_t secret_len,
                        struct json_object *payload, int64_t expires_at_ms, struct json_object *sig)
{
    char expected[JWT_MAC_B64_LEN + 1];
    char *msg;

    /* {...payload, expiresAt} would overwrite a member of that name in place: Better Auth never
     * writes one, so such a value is nobody's. */
    if (json_object_object_get_ex(payload, "expiresAt", NULL) ||
        json_object_get_string_len(sig) != JWT_MAC_B64_LEN)
        return 0;
    msg = signed_text(a, json_object_to_json_string_ext(payload, JSON_FLAGS), expires_at_ms);
    if (msg == NULL)
        return 0;
    if (jwt_mac_b64(secret, secret_len, msg, strlen(msg), expected) != 0)
        return -1;
    return CRYPTO_memcmp(expected, json_object_get_string(sig), JWT_MAC_B64_LEN) == 0;
}

/* version_ok - updatedAt a number, and the version (absent = "1") the one we write. */
static bool version_ok(struct json_object *payload)
{
    struct json_object *version = NULL;

    if (member_of_type(payload, "updatedAt", json_type_int) == NULL)
        return false;
    return !json_object_object_get_ex(payload, "version", &version) ||
           (json_object_is_type(version, json_type_string) &&
            strcmp(json_object_get_string(version), CACHE_VERSION) == 0);
}

/* verify - what does not depend on the request or the time: value is well formed, signed
 * with secret, of our version; then s, u and *expires_at_ms are filled (CACHE_HIT). */
static enum cookie_cache_status verify(struct arena *a, const char *secret, size_t secret_len,
                                       const char *value, struct session_record *s,
                                       struct user_record *u, int64_t *expires_at_ms)
{
    size_t len = strlen(value);
    struct json_object *outer, *payload, *expires, *sig;
    enum cookie_cache_status st = CACHE_STALE;
    int ok;

    memset(s, 0, sizeof(*s));
    memset(u, 0, sizeof(*u));
    outer = len <= COOKIE_CACHE_VALUE_MAX ? jwt_parse_b64_object(value, len) : NULL;
    payload = member_of_type(outer, "session", json_type_object);
    expires = member_of_type(outer, "expiresAt", json_type_int);
    sig = member_of_type(outer, "signature", json_type_string);
    if (payload == NULL || expires == NULL || sig == NULL)
        goto done;
    *expires_at_ms = json_object_get_int64(expires);
    ok = signature_ok(a, secret, secret_len, payload, *expires_at_ms, sig);
    if (ok < 0)
        st = CACHE_FAIL;
    if (ok <= 0)
        goto done;
    if (read_session(a, member_of_type(payload, "session", json_type_object), s) == 0 &&
        read_user(a, member_of_type(payload, "user", json_type_object), u) == 0 &&
        version_ok(payload))
        st = CACHE_HIT;
done:
    json_object_put(outer);
    return st;
}

/* usable - what does: the request's token, and neither expiry passed at now_ms. */
static bool usable(const struct session_record *s, const char *token, int64_t expires_at_ms,
                   int64_t now_ms)
{
    return strcmp(s->token, token) == 0 && expires_at_ms >= now_ms && s->expires_at_ms >= now_ms;
}

/* cookie_cache_decode - see cookie_cache.h. */
enum cookie_cache_status cookie_cache_decode(struct arena *a, const char *secret, size_t secret_len,
                                             const char *value, const char *token, int64_t now_ms,
                                             struct session_record *s, struct user_record *u)
{
    int64_t expires_at_ms = 0;
    enum cookie_cache_status st = verify(a, secret, secret_len, value, s, u, &expires_at_ms);

    if (st == CACHE_HIT && !usable(s, token, expires_at_ms, now_ms))
        st = CACHE_STALE;
    return st;
}

/* The last value this worker verified. A browser sends the same session_data cookie with
 * every request while it lives, and verifying it (base64, JSON, HMAC) costs more than the
 * rest of an authorizer check: a value byte for byte equal, under the same secret, needs only
 * the checks of usable() again. Not thread-safe, like the worker that uses it. */
static struct {
    struct arena *arena; /* owns everything below; reset for each new value */
    const char *value;   /* NULL = nothing remembered */
    const char *secret;
    size_t secret_len;
    struct session_record s;
    struct user_record u;
    int64_t expires_at_ms;
} memo;

/* memo_hit - whether value under c's secret is the one remembered. The remembered value is
 * another client's cookie (its session token inside): compared in constant time, as
 * cookie.c's memo is. */
static bool memo_hit(const struct cookie_config *c, const char *value)
{
    size_t len = strlen(value);

    return memo.value != NULL && strlen(memo.value) == len &&
           CRYPTO_memcmp(memo.value, value, len) == 0 && memo.secret_len == c->secret_len &&
           CRYPTO_memcmp(memo.secret, c->secret, c->secret_len) == 0;
}

/* memo_store - verify value into the memo (remembered only when it verifies). */
static enum cookie_cache_status memo_store(const struct cookie_config *c, const char *value)
{
    enum cookie_cache_status st;

    memo.value = NULL;
    if (memo.arena == NULL && (memo.arena = arena_create(8 * 1024)) == NULL)
        return CACHE_FAIL;
    arena_reset(memo.arena);
    st = verify(memo.arena, c->secret, c->secret_len, value, &memo.s, &memo.u, &memo.expires_at_ms);
    if (st == CACHE_HIT) {
        memo.secret = arena_strndup(memo.arena, c->secret, c->secret_len);
        memo.secret_len = c->secret_len;
        memo.value = arena_strdup(memo.arena, value);
    }
    return st;
}

/* copy_records - the memo's records, their strings copied into a: every string member of
 * both records (store.h), since the memo's arena is reset by the next cookie verified. */
static void copy_records(struct arena *a, struct session_record *s, struct user_record *u)
{
    *s = memo.s;
    *u = memo.u;
    s->id = arena_strdup(a, s->id);
    s->token = arena_strdup(a, s->token);
    s->user_id = arena_strdup(a, s->user_id);
    s->ip_address = arena_strdup(a, s->ip_address);
    s->user_agent = arena_strdup(a, s->user_agent);
    s->expires_at = arena_strdup(a, s->expires_at);
    s->created_at = arena_strdup(a, s->created_at);
    s->updated_at = arena_strdup(a, s->updated_at);
    s->impersonated_by = arena_strdup(a, s->impersonated_by);
    u->id = arena_strdup(a, u->id);
    u->name = arena_strdup(a, u->name);
    u->email = arena_strdup(a, u->email);
    u->image = arena_strdup(a, u->image);
    u->created_at = arena_strdup(a, u->created_at);
    u->updated_at = arena_strdup(a, u->updated_at);
    u->role = arena_strdup(a, u->role);
    u->ban_reason = arena_strdup(a, u->ban_reason);
    u->ban_expires = arena_strdup(a, u->ban_expires);
}

/* cookie_cache_read - see cookie_cache.h. */
enum cookie_cache_status cookie_cache_read(struct arena *a, const struct cookie_config *c,
                                           const char *header, const char *token, int64_t now_ms,
                                           struct session_record *s, struct user_record *u)
{
    char value[COOKIE_CACHE_VALUE_MAX + 2];
    enum cookie_status cs =
        cookie_get(header, cookie_name(c, COOKIE_SESSION_DATA), value, sizeof(value));

    enum cookie_cache_status st;

    if (cs == COOKIE_ABSENT)
        return CACHE_ABSENT;
    if (cs != COOKIE_OK)
        return CACHE_STALE;
    if (!memo_hit(c, value) && (st = memo_store(c, value)) != CACHE_HIT)
        return st;
    if (!usable(&memo.s, token, memo.expires_at_ms, now_ms))
        return CACHE_STALE;
    copy_records(a, s, u);
    return CACHE_HIT;
}

/* cookie_cache_line - see cookie_cache.h. */
int cookie_cache_line(struct arena *a, const struct cookie_config *c,
                      const struct session_record *s, const struct user_record *u,
                      const struct user_view *v, int64_t now_ms, int max_age_s, bool remember,
                      char **out)
{
    int64_t life_s = remember ? max_age_s : COOKIE_CACHE_SESSION_ONLY_S;
    char *value =
        cookie_cache_encode(a, c->secret, c->secret_len, s, u, v, now_ms, now_ms + life_s * 1000);
    char max_age[32] = "";

    *out = NULL;
    if (value == NULL)
        return -1;
    if (strlen(value) > COOKIE_CACHE_VALUE_MAX)
        return 0;
    if (remember)
        snprintf(max_age, sizeof(max_age), "; Max-Age=%d", max_age_s);
    *out = arena_printf(a, "%s=%s%s; Path=/; HttpOnly; %sSameSite=Lax",
                        cookie_name(c, COOKIE_SESSION_DATA), value, max_age,
                        c->secure ? "Secure; " : "");
    return 0;
}
