/* fuzz_token - libFuzzer target: the credentials a client presents. Byte 0 picks the reader
 * (modulo 4), the rest is its input:
 *   0  a Cookie header: cookie_get, cookie_read_signed for each cookie, session_resolve
 *   1  an Authorization header: cookie_read_bearer, session_resolve (bearer tokens on)
 *   2  a JWT (the verify-email token): jwt_verify
 *   3  base64url text: jwt_base64url_decode / _encode
 *
 * Invariants: values come back NUL-terminated within their buffers; what verifies as signed
 * verifies again once re-signed (cookie_sign agrees with the reader); a session is VALID only
 * for a token the store holds; base64url decoding is canonical (decode then encode gives the
 * input back, encode then decode gives the bytes back); jwt_verify returns claims exactly on
 * JWT_OK. */
#include "config.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "util/arena.h"
#include "auth/cookie.h"
#include "fake_store.h"
#include "fuzz.h"
#include "auth/http.h"
#include "auth/jwt.h"
#include "auth/session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_app_init();
    return 0;
}

static void check_signed(const char *value)
{
    char line[COOKIE_SIGNED_SIZE + 64], back[COOKIE_VALUE_MAX + 1];
    const struct cookie_config *c = &fuzz_app.cookies;

    FUZZ_CHECK(strlen(value) >= 1 && strlen(value) <= COOKIE_VALUE_MAX, "signed value length %zu",
               strlen(value));
    char *signed_value =
        line + snprintf(line, sizeof line, "%s=", cookie_name(c, COOKIE_SESSION_TOKEN));
    FUZZ_CHECK(cookie_sign(c, value, signed_value, COOKIE_SIGNED_SIZE) == 0, "cookie_sign");
    /* A value with ';' or blanks at its ends cannot come back through a Cookie header. */
    if (strpbrk(value, ";%\"") != NULL || value[0] == ' ' || value[strlen(value) - 1] == ' ')
        return;
    FUZZ_CHECK(cookie_read_signed(c, line, COOKIE_SESSION_TOKEN, back, sizeof back) == COOKIE_OK &&
                   strcmp(back, value) == 0,
               "re-signed %s does not verify", value);
}

static void check_session(struct arena *a, const char *cookie, const char *authorization)
{
    struct fake_store *fs = fuzz_world_new();
    struct request req = {
        .method = "GET",
        .path = "/api/auth/get-session",
        .query = "",
        .cookie = cookie,
        .authorization = authorization,
        .remote_addr = "192.0.2.10",
        .client_ip = "",
        .arena = a,
    };
    struct response resp;
    struct session_state st;

    response_init(&resp, a);
    if (session_resolve(&fuzz_app, &req, &resp, SESSION_REFRESH, &st) == DB_OK &&
        st.found == SESSION_VALID)
        FUZZ_CHECK(fake_store_session_by_token(fs, st.session.token) != NULL ||
                       fake_store_session_by_token(fs, st.token) != NULL,
                   "session VALID for a token the store does not hold: %s", st.token);
    fuzz_world_free(fs);
}

static void cookies(struct arena *a, const char *header)
{
    char out[COOKIE_VALUE_MAX + 1];
    static const enum cookie_kind kinds[] = {COOKIE_SESSION_TOKEN, COOKIE_SESSION_DATA,
                                             COOKIE_DONT_REMEMBER};

    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        const char *name = cookie_name(&fuzz_app.cookies, kinds[i]);
        char small[8];
        if (cookie_get(header, name, out, sizeof out) == COOKIE_OK)
            FUZZ_CHECK(strlen(out) < sizeof out && out[0] != '\0', "cookie_get value");
        if (cookie_get(header, name, small, sizeof small) == COOKIE_OK)
            FUZZ_CHECK(strlen(small) < sizeof small, "cookie_get overflows a small buffer");
        if (cookie_read_signed(&fuzz_app.cookies, header, kinds[i], out, sizeof out) == COOKIE_OK)
            check_signed(out);
    }
    check_session(a, header, NULL);
}

static void bearer(struct arena *a, const char *header)
{
    char out[COOKIE_VALUE_MAX + 1];

    if (cookie_read_bearer(&fuzz_app.cookies, header, out, sizeof out) == COOKIE_OK)
        FUZZ_CHECK(out[0] != '\0' && strlen(out) <= COOKIE_VALUE_MAX, "bearer value");
    check_session(a, NULL, header);
}

static void jwt(const char *token, size_t len)
{
    struct json_object *claims = (struct json_object *)&claims; /* must be overwritten */
    enum jwt_status st =
        jwt_verify(FUZZ_SECRET, strlen(FUZZ_SECRET), token, len, 1764000000, &claims);

    FUZZ_CHECK((st == JWT_OK) == (claims != NULL), "jwt_verify status %d, claims %p", (int)st,
               (void *)claims);
    if (claims != NULL)
        FUZZ_CHECK(json_object_is_type(claims, json_type_object), "claims not an object");
    json_object_put(claims);
}

static void base64url(struct arena *a, const char *text, size_t len)
{
    unsigned char *bin = arena_alloc(a, 3 * (len / 4) + 2 + 1);
    char *again = arena_alloc(a, 4 * ((len + 2) / 3) + 1 + 1);
    long n = jwt_base64url_decode(text, len, bin);

    if (n >= 0) {
        size_t m = jwt_base64url_encode(bin, (size_t)n, again);
        FUZZ_CHECK(m == len && memcmp(again, text, len) == 0, "decode/encode not canonical: %.*s",
                   (int)len, text);
    }
    size_t m = jwt_base64url_encode((const unsigned char *)text, len, again);
    unsigned char *back = arena_alloc(a, 3 * (m / 4) + 2 + 1);
    FUZZ_CHECK(jwt_base64url_decode(again, m, back) == (long)len && memcmp(back, text, len) == 0,
               "encode/decode loses bytes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct arena *a = arena_create(16 * 1024);
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    /* Headers arrive as C strings (FastCGI params). */
    const char *text = arena_strndup(a, in, len);

    switch (data[0] % 4) {
    case 0:
        cookies(a, text);
        break;
    case 1:
        bearer(a, text);
        break;
    case 2:
        jwt(in, len);
        break;
    default:
        base64url(a, in, len);
        break;
    }
    arena_destroy(a);
    return 0;
}
