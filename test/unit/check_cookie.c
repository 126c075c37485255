/* check_cookie - signatures, Set-Cookie lines and Cookie/Authorization reading, checked against
 * what Better Auth 1.7.25 sent and accepted in the recorded transcripts (PROTOCOL.md §3, §11;
 * transcripts cookies-01/02, main-04/05/20/23/29, https-01, bearer-01/02), plus the edge cases
 * of better-call's parser. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/cookie.h"

/* The reference server's fixed test secret (auth.mjs), under which every value below was
 * recorded. */
#define SECRET "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya"

/* cookies-01: the token of a sign-up and the cookie value Better Auth set for it. */
#define TOKEN "wZ7wPndvaxUsbZdJ59VREr4sQznMm3p4"
#define SIG_RAW "SpuEJGfcaqmwhMPaY4tQvvh22hUAY+EH1fTU+Q93x48="
#define SIG_ENC "SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x48%3D"
#define NAME "better-auth.session_token"
#define SNAME "__Secure-better-auth.session_token"

/* https-01: a session of the https reference server. */
#define STOKEN "EXOdIlVaD3i7l0gaBv0BvJZMikh6a0Po"
#define SVALUE STOKEN ".XCYnyG0u%2BULrG2suCZQEcXSm0q4ThUdr1CPVi%2Bd%2FDGc%3D"

static struct cookie_config http_cfg, https_cfg, other_secret_cfg, unsigned_cfg;

static void setup(void)
{
    cookie_config_init(&http_cfg, SECRET, false);
    cookie_config_init(&https_cfg, SECRET, true);
    cookie_config_init(&other_secret_cfg, SECRET "x", false);
    cookie_config_init(&unsigned_cfg, SECRET, false);
    unsigned_cfg.bearer_unsigned = true; /* AUTHFCGI_BEARER_UNSIGNED=on */
}

/* ---- signing: every token/value pair the transcripts recorded ---- */

struct signed_case {
    const char *token;
    const char *cookie_value; /* as in the recorded Set-Cookie (percent-encoded) */
};

/* cookies-01, main-04, main-05, main-20, main-23, main-29, https-01, bearer-01, and the
 * dont_remember value (signed "true", main-05). */
static const struct signed_case signed_cases[] = {
    {TOKEN, TOKEN "." SIG_ENC},
    {"Ddl8GfYFMuvKHAEKwvYotEhZMY68C5pG",
     "Ddl8GfYFMuvKHAEKwvYotEhZMY68C5pG.wK7Qb3o6t9jAqTRUH4iVM7OE4OksRO3ldo7hAq8EOKU%3D"},
    {"5YcVFEiGs30Yow3DOFUKNyjnoU6K17l0",
     "5YcVFEiGs30Yow3DOFUKNyjnoU6K17l0.PqKs3ISux%2FxVOm%2Bvg8Y2qFX6BrDjq35YWJo%2FvW%2BP9nQ%3D"},
    {"hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z",
     "hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z.Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2%2FAsGOBA%3D"},
    {"K3X3yX5ocA2fDnWKcrPspOKpYnOAVkqi",
     "K3X3yX5ocA2fDnWKcrPspOKpYnOAVkqi.B36vAvC0tXKLwbg%2FKL0yvyYUEVS6u%2B%2FlaJ4KBjbxRms%3D"},
    {"rRyap5Pzwow9aA2vGzP17CW9uFj50hKO",
     "rRyap5Pzwow9aA2vGzP17CW9uFj50hKO.FQNrCSvvGh4o%2BN8kBKuTEkZw56dJt1ziO7JrZgc97yA%3D"},
    {STOKEN, SVALUE},
    {"0QkIXqeIOXuL1L7VtiTS9tZIpoqPZjsU",
     "0QkIXqeIOXuL1L7VtiTS9tZIpoqPZjsU.3a12FuQqWdWa7rmsy5p%2F7F5AdK3pU3AbUDQBpXsTKSs%3D"},
    {"true", "true.mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D"},
};

START_TEST(test_sign_matches_recorded)
{
    const struct signed_case *c = &signed_cases[_i];
    char sig[COOKIE_SIGNED_SIZE], enc[COOKIE_ENCODED_SIZE];

    ck_assert_int_eq(cookie_sign(&http_cfg, c->token, sig, sizeof(sig)), 0);
    ck_assert_int_eq(cookie_encode_component(sig, enc, sizeof(enc)), 0);
    ck_assert_str_eq(enc, c->cookie_value);
    /* The signature does not depend on the secure flag, and does on the secret. */
    ck_assert_int_eq(cookie_sign(&https_cfg, c->token, enc, sizeof(enc)), 0);
    ck_assert_str_eq(enc, sig);
    ck_assert_int_eq(cookie_sign(&other_secret_cfg, c->token, enc, sizeof(enc)), 0);
    ck_assert_str_ne(enc, sig);
}
END_TEST

/* bearer-01: set-auth-token carries the decoded form, with + / =. */
START_TEST(test_sign_decoded_form)
{
    char sig[COOKIE_SIGNED_SIZE];

    ck_assert_int_eq(cookie_sign(&http_cfg, "ChVwZOSehQfniLvIPg7KL19VpB7f084Y", sig, sizeof(sig)),
                     0);
    ck_assert_str_eq(
        sig, "ChVwZOSehQfniLvIPg7KL19VpB7f084Y.7t/tWMPksvkiRJ7deuY+BYQpt+aMQiOW3aypZ5FbIlc=");
    ck_assert_int_eq(cookie_sign(&http_cfg, TOKEN, sig, sizeof(sig)), 0);
    ck_assert_str_eq(sig, TOKEN "." SIG_RAW);
}
END_TEST

START_TEST(test_sign_refuses)
{
    char sig[COOKIE_SIGNED_SIZE], small[32 + 1 + 44]; /* one byte short for TOKEN */
    char long_value[COOKIE_VALUE_MAX + 2];

    memset(long_value, 'a', sizeof(long_value) - 1);
    long_value[sizeof(long_value) - 1] = '\0';
    ck_assert_int_eq(cookie_sign(&http_cfg, "", sig, sizeof(sig)), -1);
    ck_assert_int_eq(cookie_sign(&http_cfg, long_value, sig, sizeof(sig)), -1);
    long_value[COOKIE_VALUE_MAX] = '\0'; /* exactly the maximum is fine */
    ck_assert_int_eq(cookie_sign(&http_cfg, long_value, sig, sizeof(sig)), 0);
    ck_assert_int_eq(cookie_sign(&http_cfg, TOKEN, small, sizeof(small)), -1);
    ck_assert_int_eq(cookie_sign(&http_cfg, TOKEN, sig, sizeof(small) + 1), 0);
}
END_TEST

/* ---- encodeURIComponent ---- */

struct encode_case {
    const char *in, *out;
};

static const struct encode_case encode_cases[] = {
    {"", ""},
    {"azAZ09-_.!~*'()", "azAZ09-_.!~*'()"},
    {"+/=", "%2B%2F%3D"},
    {" \"#$%&,:;<>?@[\\]^`{|}", "%20%22%23%24%25%26%2C%3A%3B%3C%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D"},
    {"\x01\x7F", "%01%7F"},
    {"caf\xC3\xA9", "caf%C3%A9"}, /* UTF-8 bytes, upper-case hex */
    {"\xF0\x9F\x98\x80", "%F0%9F%98%80"},
};

START_TEST(test_encode_component)
{
    const struct encode_case *c = &encode_cases[_i];
    char out[256];

    ck_assert_int_eq(cookie_encode_component(c->in, out, sizeof(out)), 0);
    ck_assert_str_eq(out, c->out);
    /* Exactly enough room works, one byte less does not. */
    ck_assert_int_eq(cookie_encode_component(c->in, out, strlen(c->out) + 1), 0);
    ck_assert_int_eq(cookie_encode_component(c->in, out, strlen(c->out)), -1);
}
END_TEST

/* ---- Set-Cookie lines, byte for byte ---- */

START_TEST(test_session_line_remembered)
{
    char line[COOKIE_LINE_SIZE];

    /* main-04 */
    ck_assert_int_eq(cookie_session_line(&http_cfg, "Ddl8GfYFMuvKHAEKwvYotEhZMY68C5pG", true, line,
                                         sizeof(line)),
                     0);
    ck_assert_str_eq(line,
                     "better-auth.session_token=Ddl8GfYFMuvKHAEKwvYotEhZMY68C5pG."
                     "wK7Qb3o6t9jAqTRUH4iVM7OE4OksRO3ldo7hAq8EOKU%3D; Max-Age=604800; Path=/; "
                     "HttpOnly; SameSite=Lax");
    /* https-01, the refreshed cookie */
    ck_assert_int_eq(cookie_session_line(&https_cfg, STOKEN, true, line, sizeof(line)), 0);
    ck_assert_str_eq(line, "__Secure-better-auth.session_token=" SVALUE
                           "; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax");
}
END_TEST

START_TEST(test_session_line_not_remembered)
{
    char line[COOKIE_LINE_SIZE];

    /* main-05: no Max-Age, then the dont_remember cookie */
    ck_assert_int_eq(cookie_session_line(&http_cfg, "5YcVFEiGs30Yow3DOFUKNyjnoU6K17l0", false, line,
                                         sizeof(line)),
                     0);
    ck_assert_str_eq(line,
                     "better-auth.session_token=5YcVFEiGs30Yow3DOFUKNyjnoU6K17l0."
                     "PqKs3ISux%2FxVOm%2Bvg8Y2qFX6BrDjq35YWJo%2FvW%2BP9nQ%3D; Path=/; HttpOnly; "
                     "SameSite=Lax");
    ck_assert_int_eq(cookie_dont_remember_line(&http_cfg, line, sizeof(line)), 0);
    ck_assert_str_eq(
        line, "better-auth.dont_remember=true.mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D;"
              " Path=/; HttpOnly; SameSite=Lax");
    /* https-01 */
    ck_assert_int_eq(cookie_session_line(&https_cfg, STOKEN, false, line, sizeof(line)), 0);
    ck_assert_str_eq(line, "__Secure-better-auth.session_token=" SVALUE
                           "; Path=/; HttpOnly; Secure; SameSite=Lax");
    ck_assert_int_eq(cookie_dont_remember_line(&https_cfg, line, sizeof(line)), 0);
    ck_assert_str_eq(line, "__Secure-better-auth.dont_remember=true."
                           "mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D; Path=/; HttpOnly; "
                           "Secure; SameSite=Lax");
}
END_TEST

START_TEST(test_line_too_small)
{
    char line[COOKIE_LINE_SIZE];
    size_t need;

    ck_assert_int_eq(cookie_session_line(&http_cfg, TOKEN, true, line, sizeof(line)), 0);
    need = strlen(line) + 1;
    ck_assert_int_eq(cookie_session_line(&http_cfg, TOKEN, true, line, need), 0);
    ck_assert_int_eq(cookie_session_line(&http_cfg, TOKEN, true, line, need - 1), -1);
    ck_assert_int_eq(cookie_session_line(&http_cfg, "", true, line, sizeof(line)), -1);
}
END_TEST

START_TEST(test_deletion_lines)
{
    const char *const *plain = cookie_deletion_lines(&http_cfg);
    const char *const *secure = cookie_deletion_lines(&https_cfg);

    /* main-23, main-29: in this order */
    ck_assert_str_eq(plain[0],
                     "better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    ck_assert_str_eq(plain[1],
                     "better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    ck_assert_str_eq(plain[2],
                     "better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax");
    /* https-01 */
    ck_assert_str_eq(secure[0], "__Secure-better-auth.session_token=; Max-Age=0; Path=/; HttpOnly; "
                                "Secure; SameSite=Lax");
    ck_assert_str_eq(secure[1], "__Secure-better-auth.session_data=; Max-Age=0; Path=/; HttpOnly; "
                                "Secure; SameSite=Lax");
    ck_assert_str_eq(secure[2], "__Secure-better-auth.dont_remember=; Max-Age=0; Path=/; HttpOnly; "
                                "Secure; SameSite=Lax");
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(cookie_name(&http_cfg, COOKIE_SESSION_TOKEN), NAME);
    ck_assert_str_eq(cookie_name(&http_cfg, COOKIE_SESSION_DATA), "better-auth.session_data");
    ck_assert_str_eq(cookie_name(&http_cfg, COOKIE_DONT_REMEMBER), "better-auth.dont_remember");
    ck_assert_str_eq(cookie_name(&https_cfg, COOKIE_SESSION_TOKEN), SNAME);
    ck_assert_str_eq(cookie_name(&https_cfg, COOKIE_SESSION_DATA),
                     "__Secure-better-auth.session_data");
    ck_assert_str_eq(cookie_name(&https_cfg, COOKIE_DONT_REMEMBER),
                     "__Secure-better-auth.dont_remember");
}
END_TEST

/* ---- reading the session cookie from a Cookie header ---- */

enum which_cfg { HTTP, HTTPS, OTHER_SECRET, UNSIGNED };

struct read_case {
    const char *what;
    enum which_cfg cfg;
    const char *header;
    enum cookie_status status;
    const char *token; /* expected on COOKIE_OK */
};

#define VALID NAME "=" TOKEN "." SIG_ENC
#define SIG43 "SpuEJGfcaqmwhMPaY4tQvvh22hUAY+EH1fTU+Q93x48"

static const struct read_case read_cases[] = {
    {"no header", HTTP, NULL, COOKIE_ABSENT, NULL},
    {"empty header", HTTP, "", COOKIE_ABSENT, NULL},
    {"other cookies only", HTTP, "a=b; c=d", COOKIE_ABSENT, NULL},
    {"percent-encoded (as set)", HTTP, VALID, COOKIE_OK, TOKEN},
    {"raw + / = (cookies-02)", HTTP, NAME "=" TOKEN "." SIG_RAW, COOKIE_OK, TOKEN},
    {"lower-case escapes", HTTP,
     NAME "=" TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2bEH1fTU%2bQ93x48%3d", COOKIE_OK, TOKEN},
    {"mixed raw and encoded", HTTP,
     NAME "=" TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU+Q93x48%3D", COOKIE_OK, TOKEN},
    {"double quotes (cookies-02)", HTTP, NAME "=\"" TOKEN "." SIG_ENC "\"", COOKIE_OK, TOKEN},
    {"opening quote only: last char dropped", HTTP, NAME "=\"" TOKEN "." SIG_ENC, COOKIE_INVALID,
     NULL},
    {"among other cookies", HTTP, "theme=dark; " VALID "; lang=en", COOKIE_OK, TOKEN},
    {"spaces and tabs trimmed", HTTP, "  \t" NAME " \t=  " TOKEN "." SIG_ENC " \t; x=y", COOKIE_OK,
     TOKEN},
    {"no space after ';'", HTTP, "a=b;" VALID, COOKIE_OK, TOKEN},
    {"pair without '=' skipped", HTTP, "junk; " VALID, COOKIE_OK, TOKEN},
    {"first wins: bogus first (cookies-02)", HTTP,
     NAME "=bogus.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; " VALID, COOKIE_INVALID, NULL},
    {"first wins: valid first (cookies-02)", HTTP, VALID "; " NAME "=bogus", COOKIE_OK, TOKEN},
    {"first wins: an empty first hides the second", HTTP, NAME "=; " VALID, COOKIE_ABSENT, NULL},
    {"empty quoted value", HTTP, NAME "=\"\"", COOKIE_ABSENT, NULL},
    {"43-char signature, no '=' (cookies-02)", HTTP, NAME "=" TOKEN "." SIG43, COOKIE_INVALID,
     NULL},
    {"44 chars not ending in '='", HTTP, NAME "=" TOKEN "." SIG43 "A", COOKIE_INVALID, NULL},
    {"45-char signature", HTTP, NAME "=" TOKEN "." SIG43 "==", COOKIE_INVALID, NULL},
    {"tampered signature (main-20)", HTTP,
     NAME "=hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z.Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2%2FAsGAAAAOBA%3D",
     COOKIE_INVALID, NULL},
    {"untampered (main-20)", HTTP,
     NAME "=hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z.Wy2tSR8o0RHlQgMg7pMx9w23mLhohq16gnw2%2FAsGOBA%3D",
     COOKIE_OK, "hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z"},
    {"tampered token", HTTP, NAME "=wZ7wPndvaxUsbZdJ59VREr4sQznMm3p5." SIG_ENC, COOKIE_INVALID,
     NULL},
    {"unsigned raw token (main-20)", HTTP, NAME "=" TOKEN, COOKIE_INVALID, NULL},
    {"garbage (main-20)", HTTP, NAME "=garbage", COOKIE_INVALID, NULL},
    {"empty token before the dot", HTTP, NAME "=." SIG_ENC, COOKIE_INVALID, NULL},
    {"split at the LAST dot", HTTP, NAME "=a." TOKEN "." SIG_ENC, COOKIE_INVALID, NULL},
    {"malformed escape: value kept raw", HTTP, NAME "=" TOKEN "." SIG_ENC "%zz", COOKIE_INVALID,
     NULL},
    {"escaped NUL", HTTP, NAME "=" TOKEN "%00." SIG_ENC, COOKIE_INVALID, NULL},
    {"name is case-sensitive", HTTP, "Better-Auth.session_token=" TOKEN "." SIG_ENC, COOKIE_ABSENT,
     NULL},
    {"longer name", HTTP, NAME "2=" TOKEN "." SIG_ENC, COOKIE_ABSENT, NULL},
    {"name suffix", HTTP, "x" VALID, COOKIE_ABSENT, NULL},
    {"another secret", OTHER_SECRET, VALID, COOKIE_INVALID, NULL},
    {"__Secure- name on http (cookies-02)", HTTP, SNAME "=" TOKEN "." SIG_ENC, COOKIE_ABSENT, NULL},
    {"plain name on https (https-01)", HTTPS, NAME "=" SVALUE, COOKIE_ABSENT, NULL},
    {"__Secure- name on https (https-01)", HTTPS, SNAME "=" SVALUE, COOKIE_OK, STOKEN},
    {"https: plain first, prefixed second", HTTPS, NAME "=bogus; " SNAME "=" SVALUE, COOKIE_OK,
     STOKEN},
};

static const struct cookie_config *config_of(enum which_cfg w)
{
    return w == HTTP           ? &http_cfg
           : w == HTTPS        ? &https_cfg
           : w == OTHER_SECRET ? &other_secret_cfg
                               : &unsigned_cfg;
}

START_TEST(test_read_session)
{
    const struct read_case *c = &read_cases[_i];
    char token[COOKIE_VALUE_MAX + 1] = "untouched";
    enum cookie_status st = cookie_read_signed(config_of(c->cfg), c->header, COOKIE_SESSION_TOKEN,
                                               token, sizeof(token));

    ck_assert_msg(st == c->status, "%s: status %d, want %d", c->what, st, c->status);
    if (c->status == COOKIE_OK)
        ck_assert_str_eq(token, c->token);
    else
        ck_assert_msg(token[0] == '\0', "%s: out not cleared", c->what);
}
END_TEST

START_TEST(test_read_too_long)
{
    size_t n = 4000;
    char *header = malloc(n + sizeof(NAME "="));
    char token[COOKIE_VALUE_MAX + 1];

    ck_assert_ptr_nonnull(header);
    strcpy(header, NAME "=");
    memset(header + strlen(header), 'A', n);
    header[sizeof(NAME "=") - 1 + n] = '\0';
    ck_assert_int_eq(
        cookie_read_signed(&http_cfg, header, COOKIE_SESSION_TOKEN, token, sizeof(token)),
        COOKIE_INVALID);
    free(header);
}
END_TEST

START_TEST(test_read_small_out)
{
    char token[8];

    /* A caller buffer that cannot hold the token is a bug on our side, not a forged cookie. */
    ck_assert_int_eq(
        cookie_read_signed(&http_cfg, VALID, COOKIE_SESSION_TOKEN, token, sizeof(token)),
        COOKIE_FAIL);
}
END_TEST

START_TEST(test_read_dont_remember)
{
    char value[COOKIE_VALUE_MAX + 1];
    const char *header =
        VALID "; better-auth.dont_remember=true.mYpNzf5Dt9Sfb0iwvLnvZ8jJmmrMejOBopNq8uArbNE%3D";

    ck_assert_int_eq(
        cookie_read_signed(&http_cfg, header, COOKIE_DONT_REMEMBER, value, sizeof(value)),
        COOKIE_OK);
    ck_assert_str_eq(value, "true");
    ck_assert_int_eq(
        cookie_read_signed(&http_cfg, VALID, COOKIE_DONT_REMEMBER, value, sizeof(value)),
        COOKIE_ABSENT);
    ck_assert_int_eq(cookie_read_signed(&http_cfg, "better-auth.dont_remember=true",
                                        COOKIE_DONT_REMEMBER, value, sizeof(value)),
                     COOKIE_INVALID);
}
END_TEST

START_TEST(test_get_plain)
{
    char value[64];

    ck_assert_int_eq(cookie_get("better-auth.session_data=abc%20def; x=1",
                                "better-auth.session_data", value, sizeof(value)),
                     COOKIE_OK);
    ck_assert_str_eq(value, "abc def");
    ck_assert_int_eq(cookie_get("x=1", "better-auth.session_data", value, sizeof(value)),
                     COOKIE_ABSENT);
    ck_assert_int_eq(cookie_get("x=12345678", "x", value, 8), COOKIE_INVALID); /* does not fit */
    ck_assert_int_eq(cookie_get("x=1234567", "x", value, 8), COOKIE_OK);
    ck_assert_int_eq(cookie_get("x=100%", "x", value, sizeof(value)), COOKIE_OK);
    ck_assert_str_eq(value, "100%"); /* decodeURIComponent would throw: kept as it stands */
    ck_assert_int_eq(cookie_get("x=\"", "x", value, sizeof(value)), COOKIE_ABSENT);
    ck_assert_int_eq(cookie_get("x==a=", "x", value, sizeof(value)), COOKIE_OK);
    ck_assert_str_eq(value, "=a="); /* the first '=' separates */
    ck_assert_int_eq(cookie_get("=v; x=1", "", value, sizeof(value)), COOKIE_OK);
    ck_assert_str_eq(value, "v");
    ck_assert_int_eq(cookie_get("a=1\xA0; x=\xA0 2\xA0", "x", value, sizeof(value)), COOKIE_OK);
    ck_assert_str_eq(value, "2"); /* U+00A0 trimmed, as JavaScript's trim does */
}
END_TEST

/* ---- Authorization: Bearer ---- */

#define BTOKEN "ChVwZOSehQfniLvIPg7KL19VpB7f084Y"
#define BSIG_RAW "7t/tWMPksvkiRJ7deuY+BYQpt+aMQiOW3aypZ5FbIlc="
#define BSIG_ENC "7t%2FtWMPksvkiRJ7deuY%2BBYQpt%2BaMQiOW3aypZ5FbIlc%3D"

static const struct read_case bearer_cases[] = {
    {"no header", HTTP, NULL, COOKIE_ABSENT, NULL},
    {"Basic (bearer-02)", HTTP, "Basic Zm9vOmJhcg==", COOKIE_ABSENT, NULL},
    {"signed, raw (bearer-02)", HTTP, "Bearer " BTOKEN "." BSIG_RAW, COOKIE_OK, BTOKEN},
    {"signed, percent-encoded", HTTP, "Bearer " BTOKEN "." BSIG_ENC, COOKIE_OK, BTOKEN},
    /* A bare token is refused unless AUTHFCGI_BEARER_UNSIGNED (requireSignature: true). */
    {"raw token: refused by default", HTTP, "Bearer " BTOKEN, COOKIE_INVALID, NULL},
    {"raw token, trimmed: refused by default", HTTP, "Bearer   " BTOKEN " \t", COOKIE_INVALID,
     NULL},
    {"raw token with '%': refused by default", HTTP, "Bearer abc%41", COOKIE_INVALID, NULL},
    {"raw token, unsigned allowed (bearer-02)", UNSIGNED, "Bearer " BTOKEN, COOKIE_OK, BTOKEN},
    {"unknown raw token: the lookup decides (bearer-02)", UNSIGNED,
     "Bearer ChVwZOSehQfniLvIPg7KL19VpB7f084x", COOKIE_OK, "ChVwZOSehQfniLvIPg7KL19VpB7f084x"},
    {"raw token with '%' stays raw", UNSIGNED, "Bearer abc%41", COOKIE_OK, "abc%41"},
    {"signed, with unsigned allowed too", UNSIGNED, "Bearer " BTOKEN "." BSIG_ENC, COOKIE_OK,
     BTOKEN},
    {"tampered signature, with unsigned allowed too", UNSIGNED,
     "Bearer " BTOKEN ".7t/tWMPksvkiRJ7deuY+BYQpt+aMQiOW3aypZ5FbIld=", COOKIE_INVALID, NULL},
    {"scheme in any case", HTTP, "bEaReR " BTOKEN "." BSIG_RAW, COOKIE_OK, BTOKEN},
    {"value trimmed", HTTP, "Bearer   " BTOKEN "." BSIG_RAW " \t", COOKIE_OK, BTOKEN},
    {"value trimmed, unsigned allowed", UNSIGNED, "Bearer   " BTOKEN " \t", COOKIE_OK, BTOKEN},
    {"empty value", HTTP, "Bearer ", COOKIE_ABSENT, NULL},
    {"blank value", HTTP, "Bearer  \t ", COOKIE_ABSENT, NULL},
    {"no space after the scheme", HTTP, "Bearer", COOKIE_ABSENT, NULL},
    {"tab after the scheme", HTTP, "Bearer\t" BTOKEN, COOKIE_ABSENT, NULL},
    {"other scheme starting alike", HTTP, "Bearerx " BTOKEN, COOKIE_ABSENT, NULL},
    {"tampered signature", HTTP,
     "Bearer " BTOKEN ".7t/tWMPksvkiRJ7deuY+BYQpt+aMQiOW3aypZ5FbIld=", COOKIE_INVALID, NULL},
    {"another secret", OTHER_SECRET, "Bearer " BTOKEN "." BSIG_RAW, COOKIE_INVALID, NULL},
    {"two dots", HTTP, "Bearer x." BTOKEN "." BSIG_RAW, COOKIE_INVALID, NULL},
    {"short signature", HTTP, "Bearer " BTOKEN ".abc", COOKIE_INVALID, NULL},
    {"url-safe base64 is not accepted", HTTP,
     "Bearer " BTOKEN ".7t_tWMPksvkiRJ7deuY-BYQpt-aMQiOW3aypZ5FbIlc=", COOKIE_INVALID, NULL},
};

START_TEST(test_read_bearer)
{
    const struct read_case *c = &bearer_cases[_i];
    char token[COOKIE_VALUE_MAX + 1] = "untouched";
    enum cookie_status st = cookie_read_bearer(config_of(c->cfg), c->header, token, sizeof(token));

    ck_assert_msg(st == c->status, "%s: status %d, want %d", c->what, st, c->status);
    if (c->status == COOKIE_OK)
        ck_assert_str_eq(token, c->token);
    else
        ck_assert_msg(token[0] == '\0', "%s: out not cleared", c->what);
}
END_TEST

START_TEST(test_read_bearer_too_long)
{
    char header[7 + COOKIE_VALUE_MAX + 2];
    char token[COOKIE_VALUE_MAX + 1];

    memcpy(header, "Bearer ", 7);
    memset(header + 7, 'a', COOKIE_VALUE_MAX + 1);
    header[sizeof(header) - 1] = '\0';
    ck_assert_int_eq(cookie_read_bearer(&unsigned_cfg, header, token, sizeof(token)),
                     COOKIE_INVALID);
    header[sizeof(header) - 2] = '\0'; /* exactly COOKIE_VALUE_MAX */
    ck_assert_int_eq(cookie_read_bearer(&unsigned_cfg, header, token, sizeof(token)), COOKIE_OK);
    ck_assert_uint_eq(strlen(token), COOKIE_VALUE_MAX);
}
END_TEST

/* What we set, we read back: sign -> Set-Cookie -> Cookie header -> token, both schemes. */
START_TEST(test_round_trip)
{
    const struct cookie_config *cfgs[] = {&http_cfg, &https_cfg};
    char line[COOKIE_LINE_SIZE], token[COOKIE_VALUE_MAX + 1], sig[COOKIE_SIGNED_SIZE];
    char header[COOKIE_LINE_SIZE + 16];

    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(cookie_session_line(cfgs[i], "AbC123xyz", true, line, sizeof(line)), 0);
        line[strcspn(line, ";")] = '\0'; /* keep NAME=VALUE, as a browser sends it back */
        snprintf(header, sizeof(header), "a=b; %s", line);
        ck_assert_int_eq(
            cookie_read_signed(cfgs[i], header, COOKIE_SESSION_TOKEN, token, sizeof(token)),
            COOKIE_OK);
        ck_assert_str_eq(token, "AbC123xyz");
        ck_assert_int_eq(cookie_sign(cfgs[i], "AbC123xyz", sig, sizeof(sig)), 0);
        snprintf(header, sizeof(header), "Bearer %s", sig);
        ck_assert_int_eq(cookie_read_bearer(cfgs[i], header, token, sizeof(token)), COOKIE_OK);
        ck_assert_str_eq(token, "AbC123xyz");
    }
}
END_TEST

/* A signed value may itself contain '.': the cookie reader splits at the LAST one (better-call),
 * while the bearer plugin verifies the part before the FIRST one, so Better Auth rejects such a
 * bearer value. Ours are dot-free tokens; the rule is checked with a dotted one. */
START_TEST(test_dotted_value)
{
    char sig[COOKIE_SIGNED_SIZE], enc[COOKIE_ENCODED_SIZE], header[COOKIE_LINE_SIZE];
    char value[COOKIE_VALUE_MAX + 1];

    ck_assert_int_eq(cookie_sign(&http_cfg, "v1.abc", sig, sizeof(sig)), 0);
    ck_assert_int_eq(cookie_encode_component(sig, enc, sizeof(enc)), 0);
    snprintf(header, sizeof(header), NAME "=%s", enc);
    ck_assert_int_eq(
        cookie_read_signed(&http_cfg, header, COOKIE_SESSION_TOKEN, value, sizeof(value)),
        COOKIE_OK);
    ck_assert_str_eq(value, "v1.abc");
    snprintf(header, sizeof(header), "Bearer %s", sig);
    ck_assert_int_eq(cookie_read_bearer(&http_cfg, header, value, sizeof(value)), COOKIE_INVALID);
}
END_TEST

/* The value last verified is remembered (no second HMAC): what it remembers must never let
 * in the same value under another secret, nor one differing in a byte, nor a longer one. */
START_TEST(test_read_remembered)
{
    char token[COOKIE_VALUE_MAX + 1];
    struct cookie_config same_length; /* a length check alone does not tell the secrets apart */
    const char *forged[] = {
        NAME "=" TOKEN ".TpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x48%3D", /* first */
        NAME "=" TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x49%3D", /* last */
        NAME "=X" TOKEN ".SpuEJGfcaqmwhMPaY4tQvvh22hUAY%2BEH1fTU%2BQ93x48%3D",
    };

    cookie_config_init(&same_length, "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Yb", false);
    ck_assert_uint_eq(same_length.secret_len, http_cfg.secret_len);
    for (int round = 0; round < 2; round++) {
        ck_assert_int_eq(
            cookie_read_signed(&http_cfg, VALID, COOKIE_SESSION_TOKEN, token, sizeof(token)),
            COOKIE_OK);
        ck_assert_str_eq(token, TOKEN);
        ck_assert_int_eq(cookie_read_signed(&other_secret_cfg, VALID, COOKIE_SESSION_TOKEN, token,
                                            sizeof(token)),
                         COOKIE_INVALID);
        ck_assert_str_eq(token, "");
        ck_assert_int_eq(
            cookie_read_signed(&http_cfg, VALID, COOKIE_SESSION_TOKEN, token, sizeof(token)),
            COOKIE_OK);
        ck_assert_int_eq(
            cookie_read_signed(&same_length, VALID, COOKIE_SESSION_TOKEN, token, sizeof(token)),
            COOKIE_INVALID);
        ck_assert_int_eq(
            cookie_read_signed(&http_cfg, VALID, COOKIE_SESSION_TOKEN, token, sizeof(token)),
            COOKIE_OK);
        for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++)
            ck_assert_int_eq(cookie_read_signed(&http_cfg, forged[i], COOKIE_SESSION_TOKEN, token,
                                                sizeof(token)),
                             COOKIE_INVALID);
    }
}
END_TEST

static Suite *cookie_suite(void)
{
    Suite *s = suite_create("cookie");
    TCase *sign = tcase_create("sign");
    TCase *lines = tcase_create("set-cookie");
    TCase *read = tcase_create("read");

    tcase_add_checked_fixture(sign, setup, NULL);
    tcase_add_checked_fixture(lines, setup, NULL);
    tcase_add_checked_fixture(read, setup, NULL);

    tcase_add_loop_test(sign, test_sign_matches_recorded, 0,
                        sizeof(signed_cases) / sizeof(signed_cases[0]));
    tcase_add_test(sign, test_sign_decoded_form);
    tcase_add_test(sign, test_sign_refuses);
    tcase_add_loop_test(sign, test_encode_component, 0,
                        sizeof(encode_cases) / sizeof(encode_cases[0]));
    suite_add_tcase(s, sign);

    tcase_add_test(lines, test_session_line_remembered);
    tcase_add_test(lines, test_session_line_not_remembered);
    tcase_add_test(lines, test_line_too_small);
    tcase_add_test(lines, test_deletion_lines);
    tcase_add_test(lines, test_names);
    suite_add_tcase(s, lines);

    tcase_add_loop_test(read, test_read_session, 0, sizeof(read_cases) / sizeof(read_cases[0]));
    tcase_add_test(read, test_read_too_long);
    tcase_add_test(read, test_read_small_out);
    tcase_add_test(read, test_read_dont_remember);
    tcase_add_test(read, test_get_plain);
    tcase_add_loop_test(read, test_read_bearer, 0, sizeof(bearer_cases) / sizeof(bearer_cases[0]));
    tcase_add_test(read, test_read_bearer_too_long);
    tcase_add_test(read, test_round_trip);
    tcase_add_test(read, test_dotted_value);
    tcase_add_test(read, test_read_remembered);
    suite_add_tcase(s, read);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cookie_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
