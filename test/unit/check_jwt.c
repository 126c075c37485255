/* check_jwt - HS256 JWTs (jwt.c) and the verification-link tokens and URLs (mail_token.c)
 * against Better Auth 1.7.25's recorded ones: the tokens of [main-39] / [main-40] must come
 * out byte for byte from the same claims and secret, verify until exp and expire at exp
 * (jose's rule), and every malformed variant must be refused. Links are compared with the
 * recorded mail URLs of [main-30], [main-31], [main-37], [main-40] and [requireverification-01]. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/arena.h"
#include "auth/jwt.h"
#include "auth/mail_token.h"

#define SECRET "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya"
#define API_BASE "http://127.0.0.1:3000/api/auth"
#define ALICE_ID "jIekEJBhZbNSSdM3t8WuI2uvHqYN4ceY"
#define ALICE "alice.632735@example.com"

/* [main-39]: the verification token of alice, issued at 1795632744. */
#define VERIFY_PAYLOAD                                                                             \
    "{\"email\":\"" ALICE "\",\"userId\":\"" ALICE_ID "\",\"iat\":1795632744,\"exp\":1795636344}"
#define VERIFY_TOKEN                                                                               \
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSk"  \
    "JoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjMyNzQ0LCJleHAiOjE3OTU2MzYzNDR9."          \
    "Gqe1yagy8XjAuUpO5SNsUT3GICk8GJI6RpE1bFtP-DA"
/* [main-39]: the same user's token signed with exp in the past. */
#define EXPIRED_TOKEN                                                                              \
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSk"  \
    "JoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjI1NTQ1LCJleHAiOjE3OTU2MjkxNDV9."          \
    "OA6VuovNaEfsNEHJSAjrucMwswYtCdq92I159BBmnKQ"
/* [main-40]: the change-email token. */
#define CHANGE_PAYLOAD                                                                             \
    "{\"email\":\"" ALICE "\",\"updateTo\":\"alice.new.632735@example.com\",\"requestType\":"      \
    "\"change-email-verification\",\"userId\":\"" ALICE_ID "\",\"iat\":1795632745,\"exp\":"        \
    "1795636345}"
#define CHANGE_TOKEN                                                                               \
    "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVwZGF0ZVRvIjoiYWxpY2"  \
    "UubmV3LjYzMjczNUBleGFtcGxlLmNvbSIsInJlcXVlc3RUeXBlIjoiY2hhbmdlLWVtYWlsLXZlcmlmaWNhdGlvbiIs"   \
    "InVzZXJJZCI6ImpJZWtFSkJoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjMyNzQ1LCJleHAiOj"   \
    "E3OTU2MzYzNDV9.OhS-_kXOQfpvt8jkwv4RAaXunw_NVE1f-lRFwgnLwug"

static struct arena *arena;

static void setup(void)
{
    arena = arena_create(16 * 1024);
}

static void teardown(void)
{
    arena_destroy(arena);
}

static enum jwt_status verify_at(const char *token, int64_t now, struct json_object **claims)
{
    return jwt_verify(SECRET, strlen(SECRET), token, strlen(token), now, claims);
}

/* ---- base64url ---------------------------------------------------------------------------- */

static const struct {
    const char *bytes;
    const char *b64;
} b64_cases[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
    {"\xfb\xff\xbf", "-_-_"}, /* the two characters base64url changes */
    {"{\"alg\":\"HS256\"}", "eyJhbGciOiJIUzI1NiJ9"},
};

START_TEST(test_base64url_round_trip)
{
    const char *bytes = b64_cases[_i].bytes, *b64 = b64_cases[_i].b64;
    char enc[64];
    unsigned char dec[64];
    long n;

    ck_assert_uint_eq(jwt_base64url_encode((const unsigned char *)bytes, strlen(bytes), enc),
                      strlen(b64));
    ck_assert_str_eq(enc, b64);
    n = jwt_base64url_decode(b64, strlen(b64), dec);
    ck_assert_int_eq(n, (long)strlen(bytes));
    ck_assert_mem_eq(dec, bytes, (size_t)n);
}
END_TEST

/* Not base64url, or not its one spelling of a value. */
static const char *const b64_refused[] = {
    "Zg==",  /* padding */
    "Zm9v=", /* padding */
    "Z",     /* a lone character */
    "Zh",    /* trailing bits set: another spelling of "f" */
    "Zm9",   /* trailing bits set */
    "Zm+v",  /* standard base64 */
    "Zm/v",  /* standard base64 */
    "Zm9 v", /* a space */
    "Zm9v\n",
};

START_TEST(test_base64url_refused)
{
    unsigned char dec[64];
    const char *s = b64_refused[_i];

    ck_assert_int_eq(jwt_base64url_decode(s, strlen(s), dec), -1);
}
END_TEST

/* ---- signing and verifying ----------------------------------------------------------------- */

/* Better Auth's tokens come out byte for byte from their claims text. */
START_TEST(test_sign_matches_better_auth)
{
    ck_assert_str_eq(jwt_sign(arena, SECRET, strlen(SECRET), VERIFY_PAYLOAD), VERIFY_TOKEN);
    ck_assert_str_eq(jwt_sign(arena, SECRET, strlen(SECRET), CHANGE_PAYLOAD), CHANGE_TOKEN);
}
END_TEST

/* mail_token_sign writes Better Auth's claims in Better Auth's order. */
START_TEST(test_mail_token_claims_order)
{
    struct mail_claims verify = {.email = ALICE, .user_id = ALICE_ID};
    struct mail_claims change = {.email = ALICE,
                                 .update_to = "alice.new.632735@example.com",
                                 .request_type = MAIL_TOKEN_CHANGE_EMAIL,
                                 .user_id = ALICE_ID};

    ck_assert_str_eq(mail_token_sign(arena, SECRET, strlen(SECRET), &verify, 1795632744),
                     VERIFY_TOKEN);
    ck_assert_int_eq(verify.iat, 1795632744);
    ck_assert_int_eq(verify.exp, 1795632744 + 3600);
    ck_assert_str_eq(mail_token_sign(arena, SECRET, strlen(SECRET), &change, 1795632745),
                     CHANGE_TOKEN);
}
END_TEST

/* A recorded token is valid up to the second before exp and expired from exp on (jose:
 * exp <= now). */
START_TEST(test_verify_until_exp)
{
    struct json_object *claims = NULL, *v;

    ck_assert_int_eq(verify_at(VERIFY_TOKEN, 1795632744, &claims), JWT_OK);
    ck_assert_ptr_nonnull(claims);
    ck_assert(json_object_object_get_ex(claims, "userId", &v));
    ck_assert_str_eq(json_object_get_string(v), ALICE_ID);
    json_object_put(claims);
    ck_assert_int_eq(verify_at(VERIFY_TOKEN, 1795636343, &claims), JWT_OK);
    json_object_put(claims);
    ck_assert_int_eq(verify_at(VERIFY_TOKEN, 1795636344, &claims), JWT_EXPIRED);
    ck_assert_ptr_null(claims);
    ck_assert_int_eq(verify_at(EXPIRED_TOKEN, 1795632745, &claims), JWT_EXPIRED);
    ck_assert_ptr_null(claims);
}
END_TEST

/* hs256 - a token over any header and payload text, signed as jwt_sign signs. */
static const char *hs256(const char *header, const char *payload, const char *secret)
{
    char h[512], p[512], sig[64];
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    const char *signing;

    jwt_base64url_encode((const unsigned char *)header, strlen(header), h);
    jwt_base64url_encode((const unsigned char *)payload, strlen(payload), p);
    signing = arena_printf(arena, "%s.%s", h, p);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)signing, strlen(signing),
         mac, &maclen);
    jwt_base64url_encode(mac, maclen, sig);
    return arena_printf(arena, "%s.%s", signing, sig);
}

#define HDR "{\"alg\":\"HS256\"}"
#define NOW 1795632800

/* Each of these must be refused as JWT_INVALID (or JWT_EXPIRED where said) at NOW. */
static const struct {
    const char *name;
    const char *header; /* NULL: token is given as is */
    const char *payload;
    const char *token;
    enum jwt_status want;
} verify_cases[] = {
    {"good", HDR, "{\"email\":\"a@example.com\",\"exp\":1795636344}", NULL, JWT_OK},
    {"extra header member", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "{\"exp\":1795636344}", NULL,
     JWT_OK},
    {"no exp", HDR, "{\"email\":\"a@example.com\"}", NULL, JWT_OK},
    {"exp as a fraction", HDR, "{\"exp\":1795632800.5}", NULL, JWT_OK},
    {"exp now", HDR, "{\"exp\":1795632800}", NULL, JWT_EXPIRED},
    {"exp as a string", HDR, "{\"exp\":\"1795636344\"}", NULL, JWT_INVALID},
    {"iat as a string", HDR, "{\"iat\":\"1\",\"exp\":1795636344}", NULL, JWT_INVALID},
    {"nbf in the future", HDR, "{\"nbf\":1795632801,\"exp\":1795636344}", NULL, JWT_INVALID},
    {"nbf now", HDR, "{\"nbf\":1795632800,\"exp\":1795636344}", NULL, JWT_OK},
    {"alg none", "{\"alg\":\"none\"}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"alg HS512", "{\"alg\":\"HS512\"}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"alg lower case", "{\"alg\":\"hs256\"}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"no alg", "{\"typ\":\"JWT\"}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"crit", "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"b64 false", "{\"alg\":\"HS256\",\"b64\":false}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"header an array", "[\"HS256\"]", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"header not JSON", "{alg:HS256}", "{\"exp\":1795636344}", NULL, JWT_INVALID},
    {"claims an array", HDR, "[1,2]", NULL, JWT_INVALID},
    {"claims a string", HDR, "\"x\"", NULL, JWT_INVALID},
    {"claims with trailing text", HDR, "{\"exp\":1795636344} x", NULL, JWT_INVALID},
    {"claims not JSON", HDR, "{\"exp\":", NULL, JWT_INVALID},
    {"not a JWT", NULL, NULL, "not-a-jwt", JWT_INVALID},
    {"empty", NULL, NULL, "", JWT_INVALID},
    {"two parts", NULL, NULL, "eyJhbGciOiJIUzI1NiJ9.e30", JWT_INVALID},
    {"four parts", NULL, NULL, VERIFY_TOKEN ".x", JWT_INVALID},
    {"signature cut", NULL, NULL,
     "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSk"
     "JoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjMyNzQ0LCJleHAiOjE3OTU2MzYzNDR9."
     "Gqe1yagy8XjAuUpO5SNsUT3GICk8GJI6RpE1bFtP-D",
     JWT_INVALID},
    {"signature changed", NULL, NULL,
     "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSk"
     "JoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjMyNzQ0LCJleHAiOjE3OTU2MzYzNDR9."
     "Gqe1yagy8XjAuUpO5SNsUT3GICk8GJI6RpE1bFtP-DB",
     JWT_INVALID},
    {"payload changed", NULL, NULL,
     "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSk"
     "JoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjMyNzQ0LCJleHAiOjE3OTU2MzYzNDV9."
     "Gqe1yagy8XjAuUpO5SNsUT3GICk8GJI6RpE1bFtP-DA",
     JWT_INVALID},
    {"padded signature", NULL, NULL, VERIFY_TOKEN "=", JWT_INVALID},
    /* Expired AND badly signed: the signature is checked first, so it is merely invalid. */
    {"expired, bad signature", NULL, NULL,
     "eyJhbGciOiJIUzI1NiJ9.eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSk"
     "JoWmJOU1NkTTN0OFd1STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjI1NTQ1LCJleHAiOjE3OTU2MjkxNDV9."
     "OA6VuovNaEfsNEHJSAjrucMwswYtCdq92I159BBmnKR",
     JWT_INVALID},
};

START_TEST(test_verify_cases)
{
    const char *token = verify_cases[_i].token;
    struct json_object *claims = NULL;
    enum jwt_status st;

    if (verify_cases[_i].header != NULL)
        token = hs256(verify_cases[_i].header, verify_cases[_i].payload, SECRET);
    st = verify_at(token, NOW, &claims);
    ck_assert_msg(st == verify_cases[_i].want, "%s: status %d, expected %d", verify_cases[_i].name,
                  st, verify_cases[_i].want);
    ck_assert_msg((claims != NULL) == (st == JWT_OK), "%s: claims", verify_cases[_i].name);
    json_object_put(claims);
}
END_TEST

/* Another secret (another deployment, or Better Auth with its own): invalid. */
START_TEST(test_verify_other_secret)
{
    struct json_object *claims = NULL;
    const char *token = hs256(HDR, "{\"exp\":1795636344}", SECRET "x");

    ck_assert_int_eq(verify_at(token, NOW, &claims), JWT_INVALID);
    ck_assert_ptr_null(claims);
}
END_TEST

/* ---- the verification claims ---------------------------------------------------------------- */

START_TEST(test_mail_token_round_trip)
{
    struct mail_claims in = {.email = ALICE,
                             .update_to = "new@example.com",
                             .request_type = MAIL_TOKEN_CHANGE_EMAIL,
                             .user_id = ALICE_ID,
                             .jti = "J7tiJ7tiJ7tiJ7tiJ7tiJ7tiJ7tiJ7ti"};
    struct mail_claims out;
    const char *token = mail_token_sign(arena, SECRET, strlen(SECRET), &in, 1000000000);

    ck_assert_int_eq(mail_token_read(arena, SECRET, strlen(SECRET), token, strlen(token),
                                     1000000000 + MAIL_TOKEN_TTL_S - 1, &out),
                     JWT_OK);
    ck_assert_str_eq(out.email, ALICE);
    ck_assert_str_eq(out.update_to, "new@example.com");
    ck_assert_str_eq(out.request_type, MAIL_TOKEN_CHANGE_EMAIL);
    ck_assert_str_eq(out.user_id, ALICE_ID);
    ck_assert_str_eq(out.jti, in.jti);
    ck_assert_int_eq(out.iat, 1000000000);
    ck_assert_int_eq(out.exp, 1000000000 + MAIL_TOKEN_TTL_S);
    ck_assert_int_eq(mail_token_read(arena, SECRET, strlen(SECRET), token, strlen(token),
                                     1000000000 + MAIL_TOKEN_TTL_S, &out),
                     JWT_EXPIRED);
}
END_TEST

/* Better Auth's own tokens read fine: they just have no jti (the handler refuses them). */
START_TEST(test_mail_token_reads_better_auth)
{
    struct mail_claims out;

    ck_assert_int_eq(mail_token_read(arena, SECRET, strlen(SECRET), CHANGE_TOKEN,
                                     strlen(CHANGE_TOKEN), 1795632746, &out),
                     JWT_OK);
    ck_assert_str_eq(out.email, ALICE);
    ck_assert_str_eq(out.update_to, "alice.new.632735@example.com");
    ck_assert_str_eq(out.request_type, "change-email-verification");
    ck_assert_ptr_null(out.jti);
}
END_TEST

/* Claims Better Auth's zod schema would not accept. */
static const char *const bad_claims[] = {
    "{\"userId\":\"u\",\"exp\":1795636344}",
    "{\"email\":\"not-an-address\",\"exp\":1795636344}",
    "{\"email\":\"A@Example.com \",\"exp\":1795636344}",
    "{\"email\":1,\"exp\":1795636344}",
    "{\"email\":\"a@example.com\",\"userId\":7,\"exp\":1795636344}",
    "{\"email\":\"a@example.com\",\"updateTo\":null,\"exp\":1795636344}",
    "{\"email\":\"a@example.com\",\"requestType\":[],\"exp\":1795636344}",
    "{\"email\":\"a@example.com\",\"jti\":{},\"exp\":1795636344}",
};

START_TEST(test_mail_token_bad_claims)
{
    struct mail_claims out;
    const char *token = hs256(HDR, bad_claims[_i], SECRET);

    ck_assert_int_eq(
        mail_token_read(arena, SECRET, strlen(SECRET), token, strlen(token), NOW, &out),
        JWT_INVALID);
    ck_assert_ptr_null(out.email);
}
END_TEST

/* ---- links ------------------------------------------------------------------------------- */

static const struct {
    const char *token;
    const char *callback;
    const char *want;
} reset_links[] = {
    /* [main-30] */
    {"Js4MBhbBXKcsSjnMkQZlnYBL", "http://localhost:8080/reset",
     API_BASE "/reset-password/Js4MBhbBXKcsSjnMkQZlnYBL?callbackURL=http%3A%2F%2Flocalhost%3A8080"
              "%2Freset"},
    /* [main-31]: no redirectTo */
    {"3TJiQaVELXUS8YzP51cik8LL", NULL,
     API_BASE "/reset-password/3TJiQaVELXUS8YzP51cik8LL?callbackURL="},
    {"3TJiQaVELXUS8YzP51cik8LL", "",
     API_BASE "/reset-password/3TJiQaVELXUS8YzP51cik8LL?callbackURL="},
    /* encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ) and encodes the rest as UTF-8 */
    {"t", "/r?a=1&b=c d#f", API_BASE "/reset-password/t?callbackURL=%2Fr%3Fa%3D1%26b%3Dc%20d%23f"},
    {"t", "/-_.!~*'()", API_BASE "/reset-password/t?callbackURL=%2F-_.!~*'()"},
    {"t", "/caf\xc3\xa9/\xe2\x82\xac",
     API_BASE "/reset-password/t?callbackURL=%2Fcaf%C3%A9%2F%E2%82%AC"},
};

START_TEST(test_reset_links)
{
    ck_assert_str_eq(
        mail_token_reset_link(arena, API_BASE, reset_links[_i].token, reset_links[_i].callback),
        reset_links[_i].want);
}
END_TEST

static const struct {
    const char *callback;
    const char *want;
} verify_links[] = {
    {"/verified", API_BASE "/verify-email?token=" VERIFY_TOKEN "&callbackURL=%2Fverified"}, /* 37 */
    {NULL, API_BASE "/verify-email?token=" VERIFY_TOKEN "&callbackURL=%2F"}, /* main-42 */
    {"", API_BASE "/verify-email?token=" VERIFY_TOKEN "&callbackURL=%2F"},
    {"/welcome", API_BASE "/verify-email?token=" VERIFY_TOKEN "&callbackURL=%2Fwelcome"}, /* rv */
    {"http://localhost:8080/v?a=1",
     API_BASE "/verify-email?token=" VERIFY_TOKEN "&callbackURL=http%3A%2F%2Flocalhost%3A8080%2Fv"
              "%3Fa%3D1"},
};

START_TEST(test_verify_links)
{
    ck_assert_str_eq(
        mail_token_verify_link(arena, API_BASE, VERIFY_TOKEN, verify_links[_i].callback),
        verify_links[_i].want);
}
END_TEST

/* The whole recorded mail URL of [main-37], from the claims. */
START_TEST(test_recorded_verification_url)
{
    struct mail_claims claims = {.email = ALICE, .user_id = ALICE_ID};
    const char *jwt = mail_token_sign(arena, SECRET, strlen(SECRET), &claims, 1795632744);

    ck_assert_str_eq(
        mail_token_verify_link(arena, "http://127.0.0.1:3000/api/auth", jwt, "/verified"),
        "http://127.0.0.1:3000/api/auth/verify-email?token=eyJhbGciOiJIUzI1NiJ9."
        "eyJlbWFpbCI6ImFsaWNlLjYzMjczNUBleGFtcGxlLmNvbSIsInVzZXJJZCI6ImpJZWtFSkJoWmJOU1NkTTN0OFd1"
        "STJ1dkhxWU40Y2VZIiwiaWF0IjoxNzk1NjMyNzQ0LCJleHAiOjE3OTU2MzYzNDR9.Gqe1yagy8XjAuUpO5SNsUT3G"
        "ICk8GJI6RpE1bFtP-DA&callbackURL=%2Fverified");
}
END_TEST

#define LOOP(tc, fn, table)                                                                        \
    tcase_add_loop_test(tc, fn, 0, (int)(sizeof(table) / sizeof((table)[0])))

int main(void)
{
    Suite *s = suite_create("jwt");
    TCase *b64 = tcase_create("base64url");
    TCase *jwt = tcase_create("jwt");
    TCase *claims = tcase_create("mail_token claims");
    TCase *links = tcase_create("mail_token links");
    SRunner *sr;
    int failed;

    LOOP(b64, test_base64url_round_trip, b64_cases);
    LOOP(b64, test_base64url_refused, b64_refused);
    suite_add_tcase(s, b64);
    tcase_add_checked_fixture(jwt, setup, teardown);
    tcase_add_test(jwt, test_sign_matches_better_auth);
    tcase_add_test(jwt, test_verify_until_exp);
    LOOP(jwt, test_verify_cases, verify_cases);
    tcase_add_test(jwt, test_verify_other_secret);
    suite_add_tcase(s, jwt);
    tcase_add_checked_fixture(claims, setup, teardown);
    tcase_add_test(claims, test_mail_token_claims_order);
    tcase_add_test(claims, test_mail_token_round_trip);
    tcase_add_test(claims, test_mail_token_reads_better_auth);
    LOOP(claims, test_mail_token_bad_claims, bad_claims);
    suite_add_tcase(s, claims);
    tcase_add_checked_fixture(links, setup, teardown);
    LOOP(links, test_reset_links, reset_links);
    LOOP(links, test_verify_links, verify_links);
    tcase_add_test(links, test_recorded_verification_url);
    suite_add_tcase(s, links);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
