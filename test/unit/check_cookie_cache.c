/* check_cookie_cache - the session_data cookie (cookie_cache.c) against the ones Better Auth
 * 1.7.25 wrote (test/fixtures/cookie_cache/cookies.tsv, made by record.sh beside it, and
 * two_factor.tsv and admin.tsv, with its twoFactor or admin plugin on): each
 * decodes with the reference peer's secret until its expiresAt and not a millisecond later,
 * comes out byte for byte when encoded again from what it holds, and every tampered, expired,
 * foreign or malformed variant is refused. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "auth/cookie.h"
#include "auth/cookie_cache.h"
#include "auth/json_view.h"
#include "auth/jwt.h"
#include "util/arena.h"

#define SECRET "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya"
#define SECRET_LEN (sizeof(SECRET) - 1)
#define MAX_FIXTURES 8

struct fixture {
    char label[32];
    char token[40];
    char value[COOKIE_CACHE_VALUE_MAX + 1];
    int64_t updated_at_ms; /* from the value itself */
    int64_t expires_at_ms;
};

/* The user as Better Auth's core shows it (the recordings were made without plugins), and with
 * the twoFactor plugin on. */
static const struct user_view core = {.two_factor = false};
static const struct user_view with_two_factor = {.two_factor = true};
static const struct user_view with_admin = {.admin = true};

static struct fixture fixtures[MAX_FIXTURES];
static int nfixtures;
static struct fixture two_factor_fixtures[MAX_FIXTURES];
static int ntwo_factor_fixtures;
static struct fixture admin_fixtures[MAX_FIXTURES];
static int nadmin_fixtures;
static struct arena *arena;

/* times_of - updatedAt and expiresAt inside a value, read without checking anything. */
static void times_of(struct fixture *f)
{
    struct json_object *outer = jwt_parse_b64_object(f->value, strlen(f->value));
    struct json_object *payload, *v;

    if (outer == NULL || !json_object_object_get_ex(outer, "session", &payload) ||
        !json_object_object_get_ex(payload, "updatedAt", &v)) {
        fprintf(stderr, "check_cookie_cache: unreadable fixture %s\n", f->label);
        exit(EXIT_FAILURE);
    }
    f->updated_at_ms = json_object_get_int64(v);
    json_object_object_get_ex(outer, "expiresAt", &v);
    f->expires_at_ms = json_object_get_int64(v);
    json_object_put(outer);
}

/* load_fixtures - the rows of test/fixtures/cookie_cache/name (label TAB token TAB value; '#'
 * comments) into into[], *count of them; at least min. */
static void load_fixtures(const char *name, struct fixture *into, int *count, int min)
{
    const char *srcdir = getenv("top_srcdir");
    char path[1024], line[COOKIE_CACHE_VALUE_MAX + 128];
    FILE *f;

    snprintf(path, sizeof(path), "%s/test/fixtures/cookie_cache/%s", srcdir != NULL ? srcdir : ".",
             name);
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "check_cookie_cache: cannot open %s (set top_srcdir)\n", path);
        exit(EXIT_FAILURE);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        struct fixture *fx = &into[*count];

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (*count == MAX_FIXTURES ||
            sscanf(line, "%31[^\t]\t%39[^\t]\t%3800s", fx->label, fx->token, fx->value) != 3) {
            fprintf(stderr, "check_cookie_cache: bad fixture line: %.60s\n", line);
            exit(EXIT_FAILURE);
        }
        times_of(fx);
        (*count)++;
    }
    fclose(f);
    if (*count < min) {
        fprintf(stderr, "check_cookie_cache: only %d fixtures in %s\n", *count, name);
        exit(EXIT_FAILURE);
    }
}

static void setup(void)
{
    arena = arena_create(16 * 1024);
}

static void teardown(void)
{
    arena_destroy(arena);
}

static enum cookie_cache_status decode_at(const struct fixture *f, const char *value,
                                          const char *secret, int64_t now_ms,
                                          struct session_record *s, struct user_record *u)
{
    return cookie_cache_decode(arena, secret, strlen(secret), value, f->token, now_ms, s, u);
}

/* Each recorded cookie is believed until its expiresAt, inclusive, and not after. */
START_TEST(test_recorded_decode)
{
    const struct fixture *f = &fixtures[_i];
    struct session_record s;
    struct user_record u;

    ck_assert_int_eq(decode_at(f, f->value, SECRET, f->updated_at_ms, &s, &u), CACHE_HIT);
    ck_assert_str_eq(s.token, f->token);
    ck_assert_str_eq(s.user_id, u.id);
    ck_assert_int_eq(strlen(s.id), 32);
    ck_assert_str_eq(u.name, "Cache \xc3\x9c");
    ck_assert_ptr_null(u.image);
    ck_assert(!u.email_verified);
    ck_assert_str_eq(s.ip_address, "");
    ck_assert_str_eq(s.user_agent, "curl/7.88.1");
    ck_assert(s.expires_at_ms > f->expires_at_ms);
    ck_assert(s.created_at_ms <= f->updated_at_ms);
    ck_assert_int_eq(decode_at(f, f->value, SECRET, f->expires_at_ms, &s, &u), CACHE_HIT);
    ck_assert_int_eq(decode_at(f, f->value, SECRET, f->expires_at_ms + 1, &s, &u), CACHE_STALE);
}
END_TEST

/* Encoding what a recorded cookie holds, with its times, gives Better Auth's bytes back: a
 * cookie authfcgi writes is one Better Auth accepts. */
START_TEST(test_recorded_reencode)
{
    const struct fixture *f = &fixtures[_i];
    struct session_record s;
    struct user_record u;
    char *again;

    ck_assert_int_eq(decode_at(f, f->value, SECRET, f->updated_at_ms, &s, &u), CACHE_HIT);
    again = cookie_cache_encode(arena, SECRET, SECRET_LEN, &s, &u, &core, f->updated_at_ms,
                                f->expires_at_ms);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(again, f->value);
}
END_TEST

/* With the twoFactor plugin on, Better Auth's cached user carries twoFactorEnabled before "id"
 * (sign-up's false; true in the one verify-totp sent on completing an enrolment): it reads
 * back, and the two-factor view writes Better Auth's bytes again. */
START_TEST(test_recorded_two_factor)
{
    const struct fixture *f = &two_factor_fixtures[_i];
    struct session_record s;
    struct user_record u;
    char *again;

    ck_assert_int_eq(decode_at(f, f->value, SECRET, f->updated_at_ms, &s, &u), CACHE_HIT);
    ck_assert_int_eq(u.two_factor_enabled, strcmp(f->label, "enrolled") == 0);
    again = cookie_cache_encode(arena, SECRET, SECRET_LEN, &s, &u, &with_two_factor,
                                f->updated_at_ms, f->expires_at_ms);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(again, f->value);
}
END_TEST

/* With the admin plugin on, Better Auth's cached session carries impersonatedBy and its user
 * role, banned, banReason, banExpires (sign-up's: role "user", not impersonated; get-session's
 * while an admin impersonates the user): they read back, and the admin view writes Better
 * Auth's bytes again. */
START_TEST(test_recorded_admin)
{
    const struct fixture *f = &admin_fixtures[_i];
    bool impersonated = strcmp(f->label, "impersonated") == 0;
    struct session_record s;
    struct user_record u;
    char *again;

    ck_assert_int_eq(decode_at(f, f->value, SECRET, f->updated_at_ms, &s, &u), CACHE_HIT);
    ck_assert_str_eq(u.role, "user");
    ck_assert(!u.banned);
    ck_assert_ptr_null(u.ban_reason);
    ck_assert_ptr_null(u.ban_expires);
    ck_assert_int_eq(s.impersonated_by != NULL, impersonated);
    if (impersonated)
        ck_assert_int_eq(strlen(s.impersonated_by), 32);
    again = cookie_cache_encode(arena, SECRET, SECRET_LEN, &s, &u, &with_admin, f->updated_at_ms,
                                f->expires_at_ms);
    ck_assert_ptr_nonnull(again);
    ck_assert_str_eq(again, f->value);
}
END_TEST

/* rememberMe:false: Better Auth believes the cookie 60 s; every other one 300 s. */
START_TEST(test_recorded_lifetimes)
{
    for (int i = 0; i < nfixtures; i++) {
        int64_t life = fixtures[i].expires_at_ms - fixtures[i].updated_at_ms;

        ck_assert_int_eq(life, strcmp(fixtures[i].label, "remember-false") == 0
                                   ? COOKIE_CACHE_SESSION_ONLY_S * 1000
                                   : COOKIE_CACHE_MAX_AGE_DEFAULT * 1000);
    }
}
END_TEST

START_TEST(test_wrong_secret_or_token)
{
    const struct fixture *f = &fixtures[0];
    struct fixture other = *f;
    struct session_record s;
    struct user_record u;

    ck_assert_int_eq(decode_at(f, f->value, SECRET "x", f->updated_at_ms, &s, &u), CACHE_STALE);
    ck_assert_int_eq(
        decode_at(f, f->value, "another-secret-of-at-least-32-chars!", f->updated_at_ms, &s, &u),
        CACHE_STALE);
    /* Another session's cookie (the token the request presents is not the one inside). */
    strcpy(other.token, fixtures[2].token);
    ck_assert_int_eq(decode_at(&other, f->value, SECRET, f->updated_at_ms, &s, &u), CACHE_STALE);
}
END_TEST

/* Changing any one character of a recorded value never yields a session. */
START_TEST(test_tampered)
{
    const struct fixture *f = &fixtures[_i];
    char value[COOKIE_CACHE_VALUE_MAX + 1];
    size_t len = strlen(f->value);
    struct session_record s;
    struct user_record u;

    for (size_t i = 0; i < len; i++) {
        strcpy(value, f->value);
        value[i] = value[i] == 'A' ? 'B' : 'A';
        ck_assert_int_eq(decode_at(f, value, SECRET, f->updated_at_ms, &s, &u), CACHE_STALE);
        arena_reset(arena);
    }
    strcpy(value, f->value);
    value[len - 1] = '\0';
    ck_assert_int_eq(decode_at(f, value, SECRET, f->updated_at_ms, &s, &u), CACHE_STALE);
}
END_TEST

/* b64 - base64url of text, in the arena. */
static char *b64(const char *text)
{
    char *out = arena_alloc(arena, 4 * (strlen(text) / 3 + 1) + 1);

    jwt_base64url_encode((const unsigned char *)text, strlen(text), out);
    return out;
}

/* signed_value - a value around payload signed with SECRET as Better Auth signs, expiring at
 * expires_at_ms: for payloads Better Auth would never write. */
static char *signed_value(const char *payload, int64_t expires_at_ms)
{
    char *msg = arena_printf(arena, "%.*s,\"expiresAt\":%lld}", (int)strlen(payload) - 1, payload,
                             (long long)expires_at_ms);
    char sig[JWT_MAC_B64_LEN + 1];

    ck_assert_int_eq(jwt_mac_b64(SECRET, SECRET_LEN, msg, strlen(msg), sig), 0);
    return b64(arena_printf(arena, "{\"session\":%s,\"expiresAt\":%lld,\"signature\":\"%s\"}",
                            payload, (long long)expires_at_ms, sig));
}

#define TOKEN "tokentokentokentokentokentokento"
#define SESSION_JSON(expires)                                                                      \
    "{\"expiresAt\":\"" expires "\",\"token\":\"" TOKEN "\",\"createdAt\":"                        \
    "\"2026-12-07T03:00:00.000Z\",\"updatedAt\":\"2026-12-07T03:00:00.000Z\",\"ipAddress\":"       \
    "\"\",\"userAgent\":\"\",\"userId\":\"u1\",\"id\":\"s1\"}"
#define USER_JSON                                                                                  \
    "{\"name\":\"N\",\"email\":\"n@example.com\",\"emailVerified\":true,\"image\":null,"           \
    "\"createdAt\":\"2026-12-07T03:00:00.000Z\",\"updatedAt\":\"2026-12-07T03:00:00.000Z\","       \
    "\"id\":\"u1\"}"
#define NOW 1796612400000LL /* 2026-12-07T03:00:00.000Z */
#define LIVE SESSION_JSON("2026-12-14T03:00:00.000Z")

/* Well signed, but not what a usable cookie holds. */
static const struct {
    const char *payload;
    enum cookie_cache_status want;
} signed_cases[] = {
    {"{\"session\":" LIVE ",\"user\":" USER_JSON ",\"updatedAt\":1,\"version\":\"1\"}", CACHE_HIT},
    /* Better Auth reads a missing version as "1". */
    {"{\"session\":" LIVE ",\"user\":" USER_JSON ",\"updatedAt\":1}", CACHE_HIT},
    {"{\"session\":" LIVE ",\"user\":" USER_JSON ",\"updatedAt\":1,\"version\":\"2\"}",
     CACHE_STALE},
    {"{\"session\":" LIVE ",\"user\":" USER_JSON ",\"updatedAt\":1,\"version\":1}", CACHE_STALE},
    {"{\"session\":" LIVE ",\"user\":" USER_JSON ",\"version\":\"1\"}", CACHE_STALE},
    {"{\"session\":" LIVE ",\"updatedAt\":1}", CACHE_STALE},
    {"{\"user\":" USER_JSON ",\"updatedAt\":1}", CACHE_STALE},
    /* The session inside has expired although the cookie has not. */
    {"{\"session\":" SESSION_JSON("2026-12-07T02:59:59.999Z") ",\"user\":" USER_JSON
                                                              ",\"updatedAt\":1}",
     CACHE_STALE},
    {"{\"session\":" SESSION_JSON("2026-12-14") ",\"user\":" USER_JSON ",\"updatedAt\":1}",
     CACHE_STALE},
    {"{\"session\":" SESSION_JSON("2026-13-14T03:00:00.000Z") ",\"user\":" USER_JSON
                                                              ",\"updatedAt\":1}",
     CACHE_STALE},
    {"{\"session\":" LIVE ",\"user\":{\"name\":\"N\",\"email\":\"n@example.com\","
     "\"emailVerified\":\"true\",\"createdAt\":\"x\",\"updatedAt\":\"x\",\"id\":\"u1\"},"
     "\"updatedAt\":1}",
     CACHE_STALE},
    {"{\"session\":" LIVE ",\"user\":" USER_JSON ",\"updatedAt\":1,\"expiresAt\":1}", CACHE_STALE},
};

START_TEST(test_signed_cases)
{
    struct fixture f = {.token = TOKEN};
    struct session_record s;
    struct user_record u;
    char *value = signed_value(signed_cases[_i].payload, NOW + 1000);

    ck_assert_int_eq(decode_at(&f, value, SECRET, NOW, &s, &u), signed_cases[_i].want);
    if (signed_cases[_i].want == CACHE_HIT) {
        ck_assert(u.email_verified);
        ck_assert_str_eq(s.id, "s1");
        ck_assert_int_eq(s.created_at_ms, NOW);
    }
}
END_TEST

/* Not a signed cookie at all. */
static const char *const malformed[] = {
    "",
    "x",
    "!!!!",
    "eyJ9",
    "W10",                                                         /* [] */
    "e30",                                                         /* {} */
    "eyJzZXNzaW9uIjp7fSwiZXhwaXJlc0F0IjoxLCJzaWduYXR1cmUiOiJ4In0", /* {"session":{},...} */
    "bnVsbA",                                                      /* null */
};

START_TEST(test_malformed)
{
    struct fixture f = {.token = TOKEN};
    struct session_record s;
    struct user_record u;

    ck_assert_int_eq(decode_at(&f, malformed[_i], SECRET, NOW, &s, &u), CACHE_STALE);
}
END_TEST

START_TEST(test_too_long)
{
    struct fixture f = {.token = TOKEN};
    char *value = arena_alloc(arena, COOKIE_CACHE_VALUE_MAX + 2);
    struct session_record s;
    struct user_record u;

    memset(value, 'A', COOKIE_CACHE_VALUE_MAX + 1);
    ck_assert_int_eq(decode_at(&f, value, SECRET, NOW, &s, &u), CACHE_STALE);
}
END_TEST

static const struct session_record a_session = {.id = "s1",
                                                .token = TOKEN,
                                                .user_id = "u1",
                                                .ip_address = "",
                                                .user_agent = "ua",
                                                .expires_at = "2026-12-14T03:00:00.000Z",
                                                .created_at = "2026-12-07T03:00:00.000Z",
                                                .updated_at = "2026-12-07T03:00:00.000Z"};
static const struct user_record a_user = {.id = "u1",
                                          .name = "N",
                                          .email = "n@example.com",
                                          .created_at = "2026-12-07T03:00:00.000Z",
                                          .updated_at = "2026-12-07T03:00:00.000Z"};

/* The Set-Cookie lines, and that what they carry reads back for the stated time. */
START_TEST(test_line)
{
    struct cookie_config c;
    struct session_record s;
    struct user_record u;
    char *line, *value, *end;

    cookie_config_init(&c, SECRET, false);
    ck_assert_int_eq(
        cookie_cache_line(arena, &c, &a_session, &a_user, &core, NOW, 300, true, &line), 0);
    ck_assert_str_eq(strchr(line, ';'), "; Max-Age=300; Path=/; HttpOnly; SameSite=Lax");
    ck_assert(strncmp(line, "better-auth.session_data=", 25) == 0);
    value = arena_strndup(arena, line + 25, (size_t)(strchr(line, ';') - line - 25));
    ck_assert_int_eq(
        cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW + 300000, &s, &u),
        CACHE_HIT);
    ck_assert_int_eq(
        cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW + 300001, &s, &u),
        CACHE_STALE);

    cookie_config_init(&c, SECRET, true);
    ck_assert_int_eq(
        cookie_cache_line(arena, &c, &a_session, &a_user, &core, NOW, 300, false, &line), 0);
    ck_assert(strncmp(line, "__Secure-better-auth.session_data=", 34) == 0);
    end = strchr(line, ';');
    ck_assert_str_eq(end, "; Path=/; HttpOnly; Secure; SameSite=Lax");
    value = arena_strndup(arena, line + 34, (size_t)(end - line - 34));
    ck_assert_int_eq(
        cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW + 60000, &s, &u),
        CACHE_HIT);
    ck_assert_int_eq(
        cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW + 60001, &s, &u),
        CACHE_STALE);
}
END_TEST

/* payload_user - the user object inside a session_data Set-Cookie line, as its text. */
static const char *payload_user(const char *line)
{
    const char *start = strchr(line, '=') + 1;
    char *value = arena_strndup(arena, start, (size_t)(strchr(line, ';') - start));
    struct json_object *outer = jwt_parse_b64_object(value, strlen(value)), *payload, *user;
    const char *text;

    ck_assert(json_object_object_get_ex(outer, "session", &payload));
    ck_assert(json_object_object_get_ex(payload, "user", &user));
    text = arena_strdup(arena, json_object_to_json_string_ext(user, JSON_C_TO_STRING_PLAIN));
    json_object_put(outer);
    return text;
}

/* With the twoFactor plugin on, the cached user carries twoFactorEnabled where Better Auth's
 * answers have it (before "id"), and it reads back; without the plugin it is left out, and a
 * cookie without it (or with null) reads as false. */
START_TEST(test_line_two_factor)
{
    struct cookie_config c;
    struct session_record s;
    struct user_record on = a_user, u;
    char *line, *value;

    on.two_factor_enabled = true;
    cookie_config_init(&c, SECRET, false);
    ck_assert_int_eq(
        cookie_cache_line(arena, &c, &a_session, &on, &with_two_factor, NOW, 300, true, &line), 0);
    ck_assert_str_eq(payload_user(line),
                     "{\"name\":\"N\",\"email\":\"n@example.com\",\"emailVerified\":false,"
                     "\"image\":null,\"createdAt\":\"2026-12-07T03:00:00.000Z\",\"updatedAt\":"
                     "\"2026-12-07T03:00:00.000Z\",\"twoFactorEnabled\":true,\"id\":\"u1\"}");
    value = arena_strndup(arena, line + 25, (size_t)(strchr(line, ';') - line - 25));
    ck_assert_int_eq(cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW, &s, &u),
                     CACHE_HIT);
    ck_assert(u.two_factor_enabled);
    ck_assert_int_eq(cookie_cache_line(arena, &c, &a_session, &on, &core, NOW, 300, true, &line),
                     0);
    ck_assert_ptr_null(strstr(payload_user(line), "twoFactorEnabled"));
    value = arena_strndup(arena, line + 25, (size_t)(strchr(line, ';') - line - 25));
    ck_assert_int_eq(cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW, &s, &u),
                     CACHE_HIT);
    ck_assert(!u.two_factor_enabled);
    value =
        signed_value("{\"session\":" LIVE ",\"user\":{\"name\":\"N\",\"email\":\"n@example.com\","
                     "\"emailVerified\":true,\"image\":null,\"createdAt\":"
                     "\"2026-12-07T03:00:00.000Z\",\"updatedAt\":\"2026-12-07T03:00:00.000Z\","
                     "\"twoFactorEnabled\":null,\"id\":\"u1\"},\"updatedAt\":1}",
                     NOW + 1000);
    ck_assert_int_eq(cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW, &s, &u),
                     CACHE_HIT);
    ck_assert(!u.two_factor_enabled);
}
END_TEST

/* banned_impersonated - a_user banned (with reason and end) and of two roles, and a_session
 * impersonated by admin1: every string the admin plugin adds to the records. */
static void banned_impersonated(struct user_record *u, struct session_record *s)
{
    *u = a_user;
    u->role = "user,ops";
    u->banned = true;
    u->ban_reason = "spam";
    u->ban_expires = "2031-01-02T03:04:05.678Z";
    *s = a_session;
    s->impersonated_by = "admin1";
}

/* The records cookie_cache_read answers live in the caller's arena, every string of them:
 * the admin plugin's role, ban and impersonatedBy were left pointing into the memo, which the
 * next cookie read rewrites. */
START_TEST(test_read_copies_admin_fields)
{
    struct cookie_config c;
    struct session_record imp, s1, s2;
    struct user_record banned, other = a_user, u1, u2;
    char *line1, *line2;

    banned_impersonated(&banned, &imp);
    other.role = "admin";
    cookie_config_init(&c, SECRET, false);
    ck_assert_int_eq(
        cookie_cache_line(arena, &c, &imp, &banned, &with_admin, NOW, 300, true, &line1), 0);
    ck_assert_int_eq(
        cookie_cache_line(arena, &c, &a_session, &other, &with_admin, NOW, 300, true, &line2), 0);
    line1 = arena_strndup(arena, line1, strcspn(line1, ";"));
    line2 = arena_strndup(arena, line2, strcspn(line2, ";"));
    ck_assert_int_eq(cookie_cache_read(arena, &c, line1, TOKEN, NOW, &s1, &u1), CACHE_HIT);
    ck_assert_int_eq(cookie_cache_read(arena, &c, line2, TOKEN, NOW, &s2, &u2), CACHE_HIT);
    ck_assert_str_eq(u2.role, "admin");
    ck_assert_str_eq(u1.role, "user,ops");
    ck_assert_str_eq(u1.ban_reason, "spam");
    ck_assert_str_eq(u1.ban_expires, "2031-01-02T03:04:05.678Z");
    ck_assert_str_eq(s1.impersonated_by, "admin1");
    ck_assert(arena_holds(arena, u1.role, 1) && arena_holds(arena, s1.impersonated_by, 1));
}
END_TEST

/* A banned, impersonated user's cookie with the admin view: the ban (its end as text and ms)
 * and impersonatedBy read back as written; a banExpires that is not Better Auth's ISO text is
 * no cookie of ours. */
START_TEST(test_line_admin)
{
    struct cookie_config c;
    struct session_record s, imp;
    struct user_record banned, u;
    char *line, *value;

    banned_impersonated(&banned, &imp);
    cookie_config_init(&c, SECRET, false);
    ck_assert_int_eq(
        cookie_cache_line(arena, &c, &imp, &banned, &with_admin, NOW, 300, true, &line), 0);
    value = arena_strndup(arena, line + 25, (size_t)(strchr(line, ';') - line - 25));
    ck_assert_int_eq(cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW, &s, &u),
                     CACHE_HIT);
    ck_assert_str_eq(u.role, "user,ops");
    ck_assert(u.banned);
    ck_assert_str_eq(u.ban_reason, "spam");
    ck_assert_str_eq(u.ban_expires, "2031-01-02T03:04:05.678Z");
    ck_assert_int_eq(u.ban_expires_ms, INT64_C(1925089445678));
    ck_assert_str_eq(s.impersonated_by, "admin1");
    value =
        signed_value("{\"session\":" LIVE ",\"user\":{\"name\":\"N\",\"email\":\"n@example.com\","
                     "\"emailVerified\":true,\"image\":null,\"createdAt\":"
                     "\"2026-12-07T03:00:00.000Z\",\"updatedAt\":\"2026-12-07T03:00:00.000Z\","
                     "\"banExpires\":\"tomorrow\",\"id\":\"u1\"},\"updatedAt\":1}",
                     NOW + 1000);
    ck_assert_int_eq(cookie_cache_decode(arena, SECRET, SECRET_LEN, value, TOKEN, NOW, &s, &u),
                     CACHE_STALE);
}
END_TEST

/* A user agent too long for one cookie: nothing is sent (Better Auth would chunk it). */
START_TEST(test_line_too_long)
{
    struct cookie_config c;
    struct session_record s = a_session;
    char *ua = arena_alloc(arena, 3001), *line = (char *)"unset";

    memset(ua, 'u', 3000);
    s.user_agent = ua;
    cookie_config_init(&c, SECRET, false);
    ck_assert_int_eq(cookie_cache_line(arena, &c, &s, &a_user, &core, NOW, 300, true, &line), 0);
    ck_assert_ptr_null(line);
}
END_TEST

/* Reading from a Cookie header: the first session_data wins, only under the right name. */
START_TEST(test_read_header)
{
    struct cookie_config c;
    struct session_record s;
    struct user_record u;
    const struct fixture *f = &fixtures[0];
    char *header;

    cookie_config_init(&c, SECRET, false);
    ck_assert_int_eq(cookie_cache_read(arena, &c, NULL, f->token, f->updated_at_ms, &s, &u),
                     CACHE_ABSENT);
    header = arena_printf(arena, "a=b; better-auth.session_data=%s; better-auth.session_data=x",
                          f->value);
    ck_assert_int_eq(cookie_cache_read(arena, &c, header, f->token, f->updated_at_ms, &s, &u),
                     CACHE_HIT);
    header =
        arena_printf(arena, "better-auth.session_data=x; better-auth.session_data=%s", f->value);
    ck_assert_int_eq(cookie_cache_read(arena, &c, header, f->token, f->updated_at_ms, &s, &u),
                     CACHE_STALE);
    header = arena_printf(arena, "__Secure-better-auth.session_data=%s", f->value);
    ck_assert_int_eq(cookie_cache_read(arena, &c, header, f->token, f->updated_at_ms, &s, &u),
                     CACHE_ABSENT);
    cookie_config_init(&c, SECRET, true);
    ck_assert_int_eq(cookie_cache_read(arena, &c, header, f->token, f->updated_at_ms, &s, &u),
                     CACHE_HIT);
}
END_TEST

/* The worker remembers the last value it verified: a second read of it must still apply the
 * token, the expiries and the secret of the config asked with. */
START_TEST(test_read_remembered)
{
    struct cookie_config c, other;
    struct session_record s;
    struct user_record u;
    const struct fixture *f = &fixtures[0];
    char *header = arena_printf(arena, "better-auth.session_data=%s", f->value);

    cookie_config_init(&c, SECRET, false);
    cookie_config_init(&other, "another-secret-of-at-least-32-chars!", false);
    for (int round = 0; round < 2; round++) {
        ck_assert_int_eq(cookie_cache_read(arena, &c, header, f->token, f->updated_at_ms, &s, &u),
                         CACHE_HIT);
        ck_assert_str_eq(s.token, f->token);
        ck_assert_str_eq(u.name, "Cache \xc3\x9c");
        ck_assert_int_eq(
            cookie_cache_read(arena, &c, header, fixtures[2].token, f->updated_at_ms, &s, &u),
            CACHE_STALE);
        ck_assert_int_eq(
            cookie_cache_read(arena, &c, header, f->token, f->expires_at_ms + 1, &s, &u),
            CACHE_STALE);
        ck_assert_int_eq(
            cookie_cache_read(arena, &other, header, f->token, f->updated_at_ms, &s, &u),
            CACHE_STALE);
    }
}
END_TEST

#define LOOP(tc, fn, n) tcase_add_loop_test(tc, fn, 0, (int)(n))

int main(void)
{
    Suite *s = suite_create("cookie_cache");
    TCase *rec = tcase_create("recorded");
    TCase *own = tcase_create("own");
    SRunner *sr;
    int failed;

    load_fixtures("cookies.tsv", fixtures, &nfixtures, 4);
    load_fixtures("two_factor.tsv", two_factor_fixtures, &ntwo_factor_fixtures, 2);
    load_fixtures("admin.tsv", admin_fixtures, &nadmin_fixtures, 2);
    tcase_add_checked_fixture(rec, setup, teardown);
    LOOP(rec, test_recorded_decode, nfixtures);
    LOOP(rec, test_recorded_reencode, nfixtures);
    LOOP(rec, test_recorded_two_factor, ntwo_factor_fixtures);
    LOOP(rec, test_recorded_admin, nadmin_fixtures);
    tcase_add_test(rec, test_recorded_lifetimes);
    tcase_add_test(rec, test_wrong_secret_or_token);
    LOOP(rec, test_tampered, nfixtures);
    suite_add_tcase(s, rec);
    tcase_add_checked_fixture(own, setup, teardown);
    LOOP(own, test_signed_cases, sizeof(signed_cases) / sizeof(signed_cases[0]));
    LOOP(own, test_malformed, sizeof(malformed) / sizeof(malformed[0]));
    tcase_add_test(own, test_too_long);
    tcase_add_test(own, test_line);
    tcase_add_test(own, test_line_two_factor);
    tcase_add_test(own, test_line_admin);
    tcase_add_test(own, test_read_copies_admin_fields);
    tcase_add_test(own, test_line_too_long);
    tcase_add_test(own, test_read_header);
    tcase_add_test(own, test_read_remembered);
    suite_add_tcase(s, own);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
