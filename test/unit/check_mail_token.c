/* check_mail_token - the mail-link credentials (mail_token.h) beyond what check_jwt proves
 * against Better Auth's recorded tokens and links: which claims are written and in what
 * order when some are NULL, that iat/exp are written back, that a read copies its claims into
 * the arena, looks at exactly len bytes, and leaves nothing behind when it refuses. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "auth/jwt.h"
#include "auth/mail_token.h"

#define SECRET "mail-token-test-secret-0123456789abcdef"
#define NOW 1800000000

static struct arena *arena;

static void setup(void)
{
    arena = arena_create(16 * 1024);
}

static void teardown(void)
{
    arena_destroy(arena);
}

/* payload - the claims text of a compact JWS, decoded. */
static const char *payload(const char *token)
{
    const char *dot1 = strchr(token, '.'), *dot2;
    unsigned char *out;
    long n;

    ck_assert_ptr_nonnull(dot1);
    dot2 = strchr(dot1 + 1, '.');
    ck_assert_ptr_nonnull(dot2);
    out = arena_alloc(arena, 3 * ((size_t)(dot2 - dot1) / 4) + 3);
    n = jwt_base64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), out);
    ck_assert_int_ge(n, 0);
    out[n] = '\0';
    return (const char *)out;
}

static const char *sign(struct mail_claims *c)
{
    const char *token = mail_token_sign(arena, SECRET, strlen(SECRET), c, NOW);

    ck_assert_ptr_nonnull(token);
    return token;
}

/* Our jti goes after Better Auth's claims and before iat/exp; NULL claims are left out. */
START_TEST(test_sign_claims)
{
    struct mail_claims only_email = {.email = "a@example.com"};
    struct mail_claims with_jti = {.email = "a@example.com", .user_id = "u1", .jti = "J1"};
    struct mail_claims all = {.email = "a@example.com",
                              .update_to = "b@example.com",
                              .request_type = MAIL_TOKEN_CHANGE_EMAIL,
                              .user_id = "u1",
                              .jti = "J2",
                              .iat = 5,
                              .exp = 6};

    ck_assert_str_eq(payload(sign(&only_email)),
                     "{\"email\":\"a@example.com\",\"iat\":1800000000,\"exp\":1800003600}");
    ck_assert_str_eq(payload(sign(&with_jti)), "{\"email\":\"a@example.com\",\"userId\":\"u1\","
                                               "\"jti\":\"J1\",\"iat\":1800000000,\"exp\":"
                                               "1800003600}");
    ck_assert_str_eq(payload(sign(&all)),
                     "{\"email\":\"a@example.com\",\"updateTo\":\"b@example.com\",\"requestType\":"
                     "\"change-email-verification\",\"userId\":\"u1\",\"jti\":\"J2\",\"iat\":"
                     "1800000000,\"exp\":1800003600}");
    /* Whatever the caller had in iat/exp is replaced by the issue time and its TTL. */
    ck_assert_int_eq(all.iat, NOW);
    ck_assert_int_eq(all.exp, NOW + MAIL_TOKEN_TTL_S);
}
END_TEST

/* The claims read are arena copies: the token's buffer may go away. Absent ones are NULL. */
START_TEST(test_read_copies)
{
    struct mail_claims in = {.email = "a@example.com", .jti = "J3"}, out;
    char *buf = strdup(sign(&in));

    ck_assert_int_eq(mail_token_read(arena, SECRET, strlen(SECRET), buf, strlen(buf), NOW, &out),
                     JWT_OK);
    memset(buf, 'x', strlen(buf));
    free(buf);
    ck_assert_str_eq(out.email, "a@example.com");
    ck_assert_str_eq(out.jti, "J3");
    ck_assert_ptr_null(out.update_to);
    ck_assert_ptr_null(out.request_type);
    ck_assert_ptr_null(out.user_id);
    ck_assert_int_eq(out.iat, NOW);
    ck_assert_int_eq(out.exp, NOW + MAIL_TOKEN_TTL_S);
}
END_TEST

/* Only len bytes count: a token followed by other text reads when len stops at its end, and a
 * len one short of it is a different (badly signed) token. */
START_TEST(test_read_len)
{
    struct mail_claims in = {.email = "a@example.com"}, out;
    const char *token = sign(&in);
    const char *padded = arena_printf(arena, "%s&callbackURL=%%2F", token);

    ck_assert_int_eq(
        mail_token_read(arena, SECRET, strlen(SECRET), padded, strlen(token), NOW, &out), JWT_OK);
    ck_assert_str_eq(out.email, "a@example.com");
    ck_assert_int_eq(
        mail_token_read(arena, SECRET, strlen(SECRET), token, strlen(token) - 1, NOW, &out),
        JWT_INVALID);
}
END_TEST

/* A refusal leaves no claims behind for a careless caller to use. */
START_TEST(test_read_refused_clears)
{
    struct mail_claims in = {.email = "a@example.com", .user_id = "u1", .jti = "J4"}, out;
    const char *token = sign(&in);

    memset(&out, 0x5a, sizeof(out));
    ck_assert_int_eq(mail_token_read(arena, "another-secret", 14, token, strlen(token), NOW, &out),
                     JWT_INVALID);
    ck_assert_ptr_null(out.email);
    ck_assert_ptr_null(out.user_id);
    ck_assert_ptr_null(out.jti);
    memset(&out, 0x5a, sizeof(out));
    ck_assert_int_eq(mail_token_read(arena, SECRET, strlen(SECRET), token, strlen(token),
                                     NOW + MAIL_TOKEN_TTL_S, &out),
                     JWT_EXPIRED);
    ck_assert_ptr_null(out.email);
    ck_assert_ptr_null(out.jti);
}
END_TEST

/* iat and exp of another type read as 0 rather than refusing the token (jwt_verify already
 * refuses a non-numeric exp; iat is only informative). */
START_TEST(test_read_missing_iat)
{
    const char *token =
        jwt_sign(arena, SECRET, strlen(SECRET), "{\"email\":\"a@example.com\",\"exp\":1900000000}");
    struct mail_claims out;

    ck_assert_int_eq(
        mail_token_read(arena, SECRET, strlen(SECRET), token, strlen(token), NOW, &out), JWT_OK);
    ck_assert_int_eq(out.iat, 0);
    ck_assert_int_eq(out.exp, 1900000000);
}
END_TEST

/* The configured API base is used as given, a path prefix included. */
START_TEST(test_links_keep_base)
{
    ck_assert_str_eq(mail_token_reset_link(arena, "https://h.example/base/api/auth", "TOK", "/x"),
                     "https://h.example/base/api/auth/reset-password/TOK?callbackURL=%2Fx");
    ck_assert_str_eq(mail_token_verify_link(arena, "https://h.example/api/auth", "a.b.c", "/"),
                     "https://h.example/api/auth/verify-email?token=a.b.c&callbackURL=%2F");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mail_token");
    TCase *tc = tcase_create("mail_token");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_sign_claims);
    tcase_add_test(tc, test_read_copies);
    tcase_add_test(tc, test_read_len);
    tcase_add_test(tc, test_read_refused_clears);
    tcase_add_test(tc, test_read_missing_iat);
    tcase_add_test(tc, test_links_keep_base);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
