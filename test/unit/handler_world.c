/* handler_world - the world the check_handlers_* suites share (see handler_world.h). */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/account_guard.h"
#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "handler_harness.h"
#include "harness_app.h"
#include "auth/http.h"
#include "auth/password.h"
#include "auth/router.h"
#include "auth/session.h"
#include "global/settings.h"
#include "handler_world.h"

const char *const deletion[3] = {
    "better-auth.session_token=; Max-Age=0" ATTRS,
    "better-auth.session_data=; Max-Age=0" ATTRS,
    "better-auth.dont_remember=; Max-Age=0" ATTRS,
};

struct json_object *parsed;

/* configured - the settings a worker reads for cfg. */
static struct settings configured(struct config cfg)
{
    struct settings s = harness_settings();

    if (cfg.base_url != NULL)
        s.base_url = (char *)cfg.base_url;
    s.session_storage = cfg.hash ? SESSION_STORAGE_HASH : SESSION_STORAGE_PLAIN;
    s.bearer = cfg.bearer;
    s.bearer_unsigned = cfg.bearer_unsigned;
    s.rate_limit = cfg.rate_limit;
    s.account_guard = cfg.guard;
    s.trusted_proxies = (char *)cfg.trusted_proxies;
    s.delete_user = !cfg.no_delete;
    return s;
}

/* configure - (re)build the app as a worker would from settings. The transcripts' main group
 * ran without the bearer plugin and without rate limiting, with tokens stored as given. */
void configure(struct config cfg)
{
    struct settings s = configured(cfg);

    harness_app_rebuild(&s);
}

void world_new(void)
{
    struct settings s = configured((struct config){0});

    parsed = NULL;
    harness_app_new(&s);
}

void world_free(void)
{
    json_object_put(parsed);
    parsed = NULL;
    harness_app_free();
}

void setup(void)
{
    world_new();
}

void teardown(void)
{
    world_free();
}

/* ---- requests and responses -------------------------------------------------------------- */

struct response dispatch(struct request req)
{
    return handler_harness_dispatch(&app, arena, req);
}

/* body_json - parse the response body (kept until the next call or the end of the test). */
struct json_object *body_json(const struct response *r)
{
    json_object_put(parsed);
    ck_assert_ptr_nonnull(r->body);
    parsed = json_tokener_parse(r->body);
    ck_assert_msg(parsed != NULL, "body is not JSON: %s", r->body);
    return parsed;
}

/* jget - a member by dotted path ("user.email", "0.token"); asserts it exists. */
struct json_object *jget(struct json_object *o, const char *path)
{
    char buf[128], *save = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *part = strtok_r(buf, ".", &save); part != NULL; part = strtok_r(NULL, ".", &save)) {
        struct json_object *next = NULL;

        if (json_object_is_type(o, json_type_array)) {
            ck_assert_msg((size_t)atoi(part) < json_object_array_length(o), "no %s", path);
            next = json_object_array_get_idx(o, (size_t)atoi(part));
        } else {
            ck_assert_msg(json_object_object_get_ex(o, part, &next), "no member %s", path);
        }
        o = next;
    }
    return o;
}

const char *jstr(struct json_object *o, const char *path)
{
    struct json_object *v = jget(o, path);

    ck_assert_msg(json_object_is_type(v, json_type_string), "%s is not a string", path);
    return json_object_get_string(v);
}

/* ---- what Better Auth would send, computed independently --------------------------------- */

/* signed_forms - token "." base64(HMAC-SHA256(secret, token)) as decoded (set-auth-token) and
 * encodeURIComponent'ed (cookie) text, computed here with libcrypto directly. */
void signed_forms(const char *token, char **decoded, char **encoded)
{
    unsigned char mac[EVP_MAX_MD_SIZE], b64[64];
    unsigned int maclen = 0;
    char enc[256];
    size_t n = 0;

    ck_assert_ptr_nonnull(HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
                               (const unsigned char *)token, strlen(token), mac, &maclen));
    ck_assert_int_eq(EVP_EncodeBlock(b64, mac, (int)maclen), 44);
    *decoded = arena_printf(arena, "%s.%s", token, b64);
    for (const char *p = *decoded; *p != '\0'; p++) {
        const char *esc = *p == '+' ? "%2B" : *p == '/' ? "%2F" : *p == '=' ? "%3D" : NULL;

        if (esc != NULL) {
            memcpy(enc + n, esc, 3);
            n += 3;
        } else {
            enc[n++] = *p;
        }
    }
    enc[n] = '\0';
    *encoded = arena_strdup(arena, enc);
}

/* session_line - the Set-Cookie value Better Auth sends for a live session. */
const char *session_line(const char *token, bool max_age)
{
    char *decoded, *encoded;

    signed_forms(token, &decoded, &encoded);
    return arena_printf(arena, "better-auth.session_token=%s%s", encoded, max_age ? LIVE : ATTRS);
}

const char *session_cookie(const char *token)
{
    char *decoded, *encoded;

    signed_forms(token, &decoded, &encoded);
    return arena_printf(arena, "better-auth.session_token=%s", encoded);
}

const char *iso(int64_t ms)
{
    char buf[FAKE_ISO_SIZE];

    fake_store_iso(ms, buf);
    return arena_strdup(arena, buf);
}

/* user_json - Better Auth's user object for a row of the fake, keys in its order [main-04]. */
const char *user_json(const char *id)
{
    struct fake_user *u = fake_store_user(fs, id);

    ck_assert_ptr_nonnull(u);
    return arena_printf(arena,
                        "{\"name\":\"%s\",\"email\":\"%s\",\"emailVerified\":%s,\"image\":%s%s%s,"
                        "\"createdAt\":\"%s\",\"updatedAt\":\"%s\",\"id\":\"%s\"}",
                        u->name, u->email, u->email_verified ? "true" : "false",
                        u->image != NULL ? "\"" : "", u->image != NULL ? u->image : "null",
                        u->image != NULL ? "\"" : "", iso(u->created_ms), iso(u->updated_ms),
                        u->id);
}

/* session_json - Better Auth's session object [main-20], showing token as the client sees it. */
const char *session_json(const struct fake_session *s, const char *token)
{
    return arena_printf(arena,
                        "{\"expiresAt\":\"%s\",\"token\":\"%s\",\"createdAt\":\"%s\","
                        "\"updatedAt\":\"%s\",\"ipAddress\":\"%s\",\"userAgent\":\"%s\","
                        "\"userId\":\"%s\",\"id\":\"%s\"}",
                        iso(s->expires_ms), token, iso(s->created_ms), iso(s->updated_ms),
                        s->ip_address, s->user_agent, s->user_id, s->id);
}

/* ---- seeding ----------------------------------------------------------------------------- */

void seed_alice(void)
{
    handler_harness_seed_alice(fs, &app);
}

void seed_bob(void)
{
    handler_harness_seed_bob(fs, &app);
}

/* seed_session - a session created created_ago_ms ago that expires expires_in_ms from now,
 * stored in the configured form. */
struct fake_session *seed_session(const char *id, const char *raw, const char *user_id,
                                  int64_t created_ago_ms, int64_t expires_in_ms)
{
    char stored[SESSION_STORED_TOKEN_SIZE];
    int64_t now = fake_store_now_ms();

    ck_assert_int_eq(session_stored_token(&app, raw, stored), 0);
    return fake_store_add_session(fs, id, stored, user_id, UA, now - created_ago_ms,
                                  now + expires_in_ms);
}

/* A session an hour old, last extended when it was created: neither due for the sliding
 * refresh nor stale. */
struct fake_session *seed_live(const char *id, const char *raw, const char *user_id)
{
    return seed_session(id, raw, user_id, HOUR_MS, 7 * DAY_MS - HOUR_MS);
}

struct fake_session *session_of(const char *raw)
{
    char stored[SESSION_STORED_TOKEN_SIZE];

    ck_assert_int_eq(session_stored_token(&app, raw, stored), 0);
    return fake_store_session_by_token(fs, stored);
}

/* long_string - count copies of unit. */
const char *long_string(const char *unit, int count)
{
    size_t n = strlen(unit);
    char *s = arena_alloc(arena, n * (size_t)count + 1);

    for (int i = 0; i < count; i++)
        memcpy(s + n * (size_t)i, unit, n);
    return s;
}

bool is_token(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

void assert_no_store(const struct response *r)
{
    ck_assert_str_eq(handler_harness_header(r, "Cache-Control"), "no-store");
    ck_assert_str_eq(handler_harness_header(r, "Pragma"), "no-cache");
}

/* get_session_json - the body for a valid session, from the fake's current rows. */
const char *get_session_json(const char *raw)
{
    struct fake_session *s = session_of(raw);

    ck_assert_ptr_nonnull(s);
    return arena_printf(arena, "{\"session\":%s,\"user\":%s}", session_json(s, raw),
                        user_json(s->user_id));
}
