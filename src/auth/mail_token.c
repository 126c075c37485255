/* mail_token - Better Auth's verification JWT claims (plus our jti) and the mail link URLs. */
#include "config.h"

#include "auth/mail_token.h"

#include <string.h>

#include <json-c/json.h>

#include "util/arena.h"
#include "auth/cookie.h"
#include "util/email.h"

#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

static void add_string(struct json_object *o, const char *key, const char *value)
{
    if (value != NULL)
        json_object_object_add(o, key, json_object_new_string(value));
}

/* mail_token_sign - see mail_token.h. */
char *mail_token_sign(struct arena *a, const char *secret, size_t secret_len, struct mail_claims *c,
                      int64_t now_s)
{
    struct json_object *o = json_object_new_object();
    char *token;

    c->iat = now_s;
    c->exp = now_s + MAIL_TOKEN_TTL_S;
    add_string(o, "email", c->email);
    add_string(o, "updateTo", c->update_to);
    add_string(o, "requestType", c->request_type);
    add_string(o, "userId", c->user_id);
    add_string(o, "jti", c->jti);
    json_object_object_add(o, "iat", json_object_new_int64(c->iat));
    json_object_object_add(o, "exp", json_object_new_int64(c->exp));
    token = jwt_sign(a, secret, secret_len, json_object_to_json_string_ext(o, JSON_FLAGS));
    json_object_put(o);
    return token;
}

/* read_string - *out = an arena copy of the string claim key, NULL when it is absent. Returns
 * false for a claim of another type (Better Auth's zod schema would throw on it). */
static bool read_string(struct arena *a, struct json_object *claims, const char *key,
                        const char **out)
{
    struct json_object *v;

    *out = NULL;
    if (!json_object_object_get_ex(claims, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_string))
        return false;
    *out = arena_strndup(a, json_object_get_string(v), (size_t)json_object_get_string_len(v));
    return true;
}

static int64_t read_seconds(struct json_object *claims, const char *key)
{
    struct json_object *v;

    if (!json_object_object_get_ex(claims, key, &v) ||
        !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
        return 0;
    return json_object_get_int64(v);
}

/* mail_token_read - see mail_token.h. */
enum jwt_status mail_token_read(struct arena *a, const char *secret, size_t secret_len,
                                const char *token, size_t len, int64_t now_s,
                                struct mail_claims *out)
{
    struct json_object *claims = NULL;
    enum jwt_status st = jwt_verify(secret, secret_len, token, len, now_s, &claims);
    bool ok;

    memset(out, 0, sizeof(*out));
    if (st != JWT_OK)
        return st;
    ok = read_string(a, claims, "email", &out->email) && out->email != NULL &&
         email_is_valid(out->email, strlen(out->email)) &&
         read_string(a, claims, "updateTo", &out->update_to) &&
         read_string(a, claims, "requestType", &out->request_type) &&
         read_string(a, claims, "userId", &out->user_id) &&
         read_string(a, claims, "jti", &out->jti);
    out->iat = read_seconds(claims, "iat");
    out->exp = read_seconds(claims, "exp");
    json_object_put(claims);
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return JWT_INVALID;
    }
    return JWT_OK;
}

/* encoded - encodeURIComponent(s) in the arena. */
static char *encoded(struct arena *a, const char *s)
{
    size_t size = 3 * strlen(s) + 1;
    char *out = arena_alloc(a, size);

    /* 3 bytes per input byte always fit: it cannot fail. */
    (void)cookie_encode_component(s, out, size);
    return out;
}

/* mail_token_reset_link - see mail_token.h. */
char *mail_token_reset_link(struct arena *a, const char *api_base, const char *token,
                            const char *redirect_to)
{
    const char *callback = redirect_to != NULL && redirect_to[0] != '\0' ? redirect_to : "";

    return arena_printf(a, "%s/reset-password/%s?callbackURL=%s", api_base, token,
                        encoded(a, callback));
}

/* mail_token_verify_link - see mail_token.h. */
char *mail_token_verify_link(struct arena *a, const char *api_base, const char *jwt,
                             const char *callback)
{
    const char *target = callback != NULL && callback[0] != '\0' ? callback : "/";

    return arena_printf(a, "%s/verify-email?token=%s&callbackURL=%s", api_base, jwt,
                        encoded(a, target));
}
