/* password - NFKC normalisation (utf8proc), yescrypt and other crypt(3) hashes (libxcrypt),
 * and Better Auth's scrypt "salt:key" format (OpenSSL). The only includer of <crypt.h>. */
#include "config.h"

#include "auth/password.h"

#include <crypt.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <utf8proc.h>

#include "util/digest.h"
#include "util/metrics.h"
#include "util/random.h"
#include "util/text.h"

/* Better Auth (@better-auth/utils/password): key = scrypt(NFKC(password), salt, N=16384,
 * r=16, p=1, dkLen=64), where the salt is the 32-character hex TEXT of 16 random bytes, used
 * as it is written rather than decoded. Stored as lowercase "salt:key". */
#define BA_SALT_BYTES 16
#define BA_SALT_HEX (2 * BA_SALT_BYTES)
#define BA_KEY_BYTES 64
#define BA_KEY_HEX (2 * BA_KEY_BYTES)
#define BA_HASH_LEN (BA_SALT_HEX + 1 + BA_KEY_HEX)
#define BA_SCRYPT_N 16384
#define BA_SCRYPT_R 16
#define BA_SCRYPT_P 1
/* Node runs it with maxmem = 2 * 128 * N * r; it needs about half of that. */
#define BA_SCRYPT_MAXMEM (2UL * 128 * BA_SCRYPT_N * BA_SCRYPT_R)

#define YESCRYPT_PREFIX "$y$"

_Static_assert(BA_HASH_LEN < PASSWORD_HASH_SIZE, "PASSWORD_HASH_SIZE holds a Better Auth hash");

enum hash_kind { HASH_UNKNOWN, HASH_BETTERAUTH, HASH_CRYPT };

/* A password after NFKC: bytes is NUL-terminated, len excludes the NUL, and all cap bytes
 * are wiped when it is released. */
struct normalised {
    char *bytes;
    size_t len;
    size_t cap;
};

/* normalised_release - wipe and free; safe on a released one. */
static void normalised_release(struct normalised *n)
{
    if (n->bytes != NULL) {
        explicit_bzero(n->bytes, n->cap);
        free(n->bytes);
    }
    n->bytes = NULL;
}

/* normalise - NFKC as JavaScript's String.prototype.normalize("NFKC"). Done in two passes
 * into one buffer we own, rather than with utf8proc_map, whose internal realloc could leave
 * an unwiped copy of the password in freed memory. The code points are re-encoded as UTF-8
 * in place; utf8proc needs one spare byte for the NUL. */
static enum password_status normalise(const char *pw, size_t len, struct normalised *out)
{
    const utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    const utf8proc_uint8_t *in = (const utf8proc_uint8_t *)pw;
    utf8proc_ssize_t count, again, bytes;
    utf8proc_int32_t *buf;

    out->bytes = NULL;
    if (len > (size_t)SSIZE_MAX / 32) /* keeps count * 4 below from overflowing */
        return PASSWORD_BAD_INPUT;
    count = utf8proc_decompose(in, (utf8proc_ssize_t)len, NULL, 0, opts);
    if (count < 0)
        return count == UTF8PROC_ERROR_INVALIDUTF8 ? PASSWORD_BAD_INPUT : PASSWORD_FAIL;
    out->cap = (size_t)count * sizeof(*buf) + 1;
    buf = malloc(out->cap);
    if (buf == NULL)
        return PASSWORD_FAIL;
    out->bytes = (char *)buf;
    again = utf8proc_decompose(in, (utf8proc_ssize_t)len, buf, count, opts);
    bytes = again == count ? utf8proc_reencode(buf, count, opts) : -1;
    if (bytes < 0) {
        normalised_release(out);
        return PASSWORD_FAIL;
    }
    out->len = (size_t)bytes;
    return PASSWORD_OK;
}

/* is_lower_hex - the len bytes at s are all 0-9a-f (what Node's toString("hex") writes). */
static bool is_lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* classify - which verifier a stored hash needs. Better Auth writes exactly 32 + 1 + 128
 * lowercase hex characters; crypt(3) hashes start with "$id$". Anything else, including
 * traditional DES hashes, is not something authfcgi or Better Auth ever stored. */
static enum hash_kind classify(const char *stored)
{
    if (strlen(stored) == BA_HASH_LEN && stored[BA_SALT_HEX] == ':' &&
        is_lower_hex(stored, BA_SALT_HEX) && is_lower_hex(stored + BA_SALT_HEX + 1, BA_KEY_HEX))
        return HASH_BETTERAUTH;
    if (stored[0] == '$')
        return HASH_CRYPT;
    return HASH_UNKNOWN;
}

/* The test hook of password_trace; NULL in production. */
static void (*trace_fn)(const char *kind, void *ctx);
static void *trace_ctx;

/* password_trace - see password.h. */
void password_trace(void (*fn)(const char *kind, void *ctx), void *ctx)
{
    trace_fn = fn;
    trace_ctx = ctx;
}

static bool kind_name(const char *stored, char name[PASSWORD_KIND_SIZE]);

/* traced - report one hash about to be computed with setting (a hash or a setting). */
static void traced(const char *setting)
{
    char name[PASSWORD_KIND_SIZE];

    if (trace_fn != NULL)
        trace_fn(kind_name(setting, name) ? name : "?", trace_ctx);
}

/* betterauth_key - key_hex = lowercase hex of Better Auth's scrypt key for pw and the
 * 32-character salt text. */
static enum password_status betterauth_key(const struct normalised *pw, const char *salt_hex,
                                           char key_hex[BA_KEY_HEX + 1])
{
    unsigned char key[BA_KEY_BYTES];
    enum password_status st = PASSWORD_FAIL;

    if (trace_fn != NULL)
        trace_fn("scrypt", trace_ctx);
    metrics_count(METRIC_PASSWORD_HASHES);
    if (EVP_PBE_scrypt(pw->bytes, pw->len, (const unsigned char *)salt_hex, BA_SALT_HEX,
                       BA_SCRYPT_N, BA_SCRYPT_R, BA_SCRYPT_P, BA_SCRYPT_MAXMEM, key,
                       sizeof(key)) == 1) {
        text_hex_encode(key, sizeof(key), key_hex);
        st = PASSWORD_OK;
    }
    explicit_bzero(key, sizeof(key));
    return st;
}

/* verify_betterauth - recompute the key and compare the hex texts, as Better Auth does, but
 * in constant time. */
static enum password_status verify_betterauth(const struct normalised *pw, const char *stored)
{
    char key_hex[BA_KEY_HEX + 1];
    enum password_status st = betterauth_key(pw, stored, key_hex);

    if (st == PASSWORD_OK && CRYPTO_memcmp(key_hex, stored + BA_SALT_HEX + 1, BA_KEY_HEX) != 0)
        st = PASSWORD_MISMATCH;
    explicit_bzero(key_hex, sizeof(key_hex));
    return st;
}

/* What crypt(3) is given for a password it cannot take as it is. */
#define PREHASH_PREFIX "authfcgi-sha256:"
#define PREHASH_SIZE (sizeof PREHASH_PREFIX + 2 * DIGEST_SHA256_LEN)

/* crypt_phrase - the phrase crypt(3) hashes for pw: its NFKC form, a C string of at most
 * CRYPT_MAX_PASSPHRASE_SIZE - 1 bytes; or, for one with a NUL byte or longer (16 characters
 * of 128 can expand that far under NFKC, and Better Auth's scrypt takes them all: they used
 * to fail with a 500), PREHASH_PREFIX and the hex SHA-256 of the NFKC form, in buf. No such
 * password could be stored before, so no stored hash changes meaning. NULL on failure. */
static const char *crypt_phrase(const struct normalised *pw, char buf[PREHASH_SIZE])
{
    unsigned char d[DIGEST_SHA256_LEN];

    if (memchr(pw->bytes, '\0', pw->len) == NULL && pw->len < CRYPT_MAX_PASSPHRASE_SIZE)
        return pw->bytes;
    if (digest_sha256(pw->bytes, pw->len, d) != 0)
        return NULL;
    memcpy(buf, PREHASH_PREFIX, sizeof PREHASH_PREFIX - 1);
    text_hex_encode(d, sizeof d, buf + sizeof PREHASH_PREFIX - 1);
    explicit_bzero(d, sizeof d);
    return buf;
}

/* crypt_compute - crypt(3) of pw (crypt_phrase) with setting (a stored hash or a fresh
 * setting) into out. A setting libxcrypt refuses is PASSWORD_BAD_HASH. The state (32 KiB,
 * holding password-derived data) is allocated per call and wiped. */
static enum password_status crypt_compute(const struct normalised *pw, const char *setting,
                                          char *out, size_t outlen)
{
    struct crypt_data *data;
    const char *h;
    enum password_status st;
    char prehashed[PREHASH_SIZE];
    const char *phrase = crypt_phrase(pw, prehashed);

    if (phrase == NULL || (data = calloc(1, sizeof(*data))) == NULL) {
        explicit_bzero(prehashed, sizeof prehashed);
        return PASSWORD_FAIL;
    }
    traced(setting);
    metrics_count(METRIC_PASSWORD_HASHES);
    errno = 0;
    h = crypt_rn(phrase, setting, data, (int)sizeof(*data));
    if (h == NULL || h[0] == '*')
        st = errno == EINVAL ? PASSWORD_BAD_HASH : PASSWORD_FAIL;
    else if (strlen(h) >= outlen)
        st = PASSWORD_FAIL;
    else {
        memcpy(out, h, strlen(h) + 1);
        st = PASSWORD_OK;
    }
    explicit_bzero(data, sizeof(*data));
    free(data);
    explicit_bzero(prehashed, sizeof prehashed);
    return st;
}

/* verify_crypt - recompute with the stored hash as setting and compare whole strings. */
static enum password_status verify_crypt(const struct normalised *pw, const char *stored)
{
    char computed[CRYPT_OUTPUT_SIZE];
    size_t len = strlen(stored);
    enum password_status st = crypt_compute(pw, stored, computed, sizeof(computed));

    if (st == PASSWORD_OK && (strlen(computed) != len || CRYPTO_memcmp(computed, stored, len) != 0))
        st = PASSWORD_MISMATCH;
    explicit_bzero(computed, sizeof(computed));
    return st;
}

/* yescrypt_setting - a "$y$<params>$<salt>" setting at cost. With fixed, the salt is all
 * zero bytes: the params are then comparable, and the dummy verification needs no CSPRNG.
 * Otherwise libxcrypt draws the salt from the kernel itself. */
static bool yescrypt_setting(unsigned long cost, bool fixed, char *out, size_t outlen)
{
    static const char zeros[16];

    return crypt_gensalt_rn(YESCRYPT_PREFIX, cost, fixed ? zeros : NULL,
                            fixed ? (int)sizeof(zeros) : 0, out, (int)outlen) != NULL;
}

/* is_current - is stored what password_hash would write with cfg? For yescrypt that is the
 * "$y$<params>$" prefix, which encodes the cost. An unusable cost upgrades nothing. */
static bool is_current(const struct password_config *cfg, enum hash_kind kind, const char *stored)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    const char *params_end;

    if (cfg->format == PASSWORD_BETTERAUTH)
        return kind == HASH_BETTERAUTH;
    if (!yescrypt_setting(cfg->cost, true, setting, sizeof(setting)))
        return true;
    params_end = strchr(setting + strlen(YESCRYPT_PREFIX), '$');
    if (params_end == NULL)
        return true;
    return strncmp(stored, setting, (size_t)(params_end - setting) + 1) == 0;
}

/* password_verify - classify first: an unknown format costs no hashing. */
enum password_status password_verify(const struct password_config *cfg, const char *pw,
                                     size_t pw_len, const char *stored, bool *needs_upgrade)
{
    enum hash_kind kind = stored != NULL ? classify(stored) : HASH_UNKNOWN;
    struct normalised norm;
    enum password_status st;

    if (needs_upgrade != NULL)
        *needs_upgrade = false;
    if (kind == HASH_UNKNOWN)
        return PASSWORD_BAD_HASH;
    st = normalise(pw, pw_len, &norm);
    if (st != PASSWORD_OK)
        return st;
    st = kind == HASH_BETTERAUTH ? verify_betterauth(&norm, stored) : verify_crypt(&norm, stored);
    normalised_release(&norm);
    if (st == PASSWORD_OK && needs_upgrade != NULL)
        *needs_upgrade = !is_current(cfg, kind, stored);
    return st;
}

/* hash_betterauth - "salt:key" with 16 fresh random bytes as the salt. */
static enum password_status hash_betterauth(const struct normalised *pw, char *out, size_t outlen)
{
    unsigned char salt[BA_SALT_BYTES];
    char salt_hex[BA_SALT_HEX + 1], key_hex[BA_KEY_HEX + 1];
    enum password_status st;

    if (outlen < BA_HASH_LEN + 1)
        return PASSWORD_FAIL;
    if (random_bytes(salt, sizeof(salt)) != 0)
        return PASSWORD_FAIL;
    text_hex_encode(salt, sizeof(salt), salt_hex);
    st = betterauth_key(pw, salt_hex, key_hex);
    if (st == PASSWORD_OK) {
        memcpy(out, salt_hex, BA_SALT_HEX);
        out[BA_SALT_HEX] = ':';
        memcpy(out + BA_SALT_HEX + 1, key_hex, BA_KEY_HEX + 1);
    }
    explicit_bzero(key_hex, sizeof(key_hex));
    return st;
}

/* password_hash - the setting is made before normalising, so a bad cost fails fast. */
enum password_status password_hash(const struct password_config *cfg, const char *pw, size_t pw_len,
                                   char *out, size_t outlen)
{
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    struct normalised norm;
    enum password_status st;

    if (outlen == 0)
        return PASSWORD_FAIL;
    out[0] = '\0';
    if (cfg->format == PASSWORD_YESCRYPT &&
        !yescrypt_setting(cfg->cost, false, setting, sizeof(setting)))
        return PASSWORD_FAIL; /* libxcrypt refuses the cost */
    st = normalise(pw, pw_len, &norm);
    if (st != PASSWORD_OK)
        return st;
    if (cfg->format == PASSWORD_BETTERAUTH) {
        st = hash_betterauth(&norm, out, outlen);
    } else {
        st = crypt_compute(&norm, setting, out, outlen);
        if (st == PASSWORD_BAD_HASH) /* our own fresh setting: not the caller's fault */
            st = PASSWORD_FAIL;
    }
    normalised_release(&norm);
    if (st != PASSWORD_OK)
        explicit_bzero(out, outlen);
    return st;
}

/* password_dummy_verify - the real verification against a fixed hash of the configured
 * format, so the same code runs: normalisation, then yescrypt at the configured cost or
 * Better Auth's scrypt, then the comparison. */
void password_dummy_verify(const struct password_config *cfg, const char *pw, size_t pw_len)
{
    char stored[PASSWORD_HASH_SIZE];

    if (cfg->format == PASSWORD_BETTERAUTH) {
        memset(stored, '0', BA_HASH_LEN);
        stored[BA_SALT_HEX] = ':';
        stored[BA_HASH_LEN] = '\0';
    } else if (!yescrypt_setting(cfg->cost, true, stored, sizeof(stored))) {
        return;
    }
    (void)password_verify(cfg, pw, pw_len, stored, NULL);
}

/* ---- failures that cost the same (see password.h) ---- */

/* segment_end - the '$' that ends the segment starting at s, or NULL. */
static const char *segment_end(const char *s)
{
    return strchr(s, '$');
}

/* kind_name - what makes a hash cost what it costs: "scrypt" for Better Auth's (its parameters
 * are fixed), else the crypt(3) scheme with its cost parameters where the scheme has them
 * ("$y$j9T$", "$2b$10$", "$6$rounds=9000$"; plain "$6$" and the like have none). False for a
 * hash of no known format. Must group as STMT_PASSWORD_KINDS does. */
static bool kind_name(const char *stored, char name[PASSWORD_KIND_SIZE])
{
    const char *id_end, *end;
    size_t id_len, len;

    if (classify(stored) == HASH_BETTERAUTH) {
        strcpy(name, "scrypt");
        return true;
    }
    if (stored[0] != '$' || (id_end = segment_end(stored + 1)) == NULL)
        return false;
    id_len = (size_t)(id_end - stored - 1);
    end = id_end;
    if ((id_len == 1 && stored[1] == 'y') || (id_len == 2 && stored[1] == '2') ||
        strncmp(id_end + 1, "rounds=", 7) == 0) {
        end = segment_end(id_end + 1);
        if (end == NULL)
            return false;
    }
    len = (size_t)(end - stored) + 1;
    if (len >= PASSWORD_KIND_SIZE)
        return false;
    memcpy(name, stored, len);
    name[len] = '\0';
    return true;
}

/* kind_dummy - a hash to verify against that costs what stored costs: Better Auth's with a
 * zero salt and key, or stored's crypt(3) setting (its parameters and salt, without the
 * hash: bcrypt's is the 29 characters before the hash, the others' ends at the last '$'). */
static bool kind_dummy(const char *stored, char out[PASSWORD_HASH_SIZE])
{
    const char *last = strrchr(stored, '$');
    size_t len = strlen(stored);

    if (classify(stored) == HASH_BETTERAUTH) {
        memset(out, '0', BA_HASH_LEN);
        out[BA_SALT_HEX] = ':';
        out[BA_HASH_LEN] = '\0';
        return true;
    }
    if (stored[0] != '$' || last == NULL)
        return false;
    if (stored[1] == '2' && len > 29)
        len = 29;
    else if (last > stored + 1)
        len = (size_t)(last - stored);
    if (len >= PASSWORD_HASH_SIZE)
        return false;
    memcpy(out, stored, len);
    out[len] = '\0';
    return true;
}

/* kinds_find - the index of name in kinds, or -1. */
static int kinds_find(const struct password_kinds *kinds, const char *name)
{
    for (size_t i = 0; i < kinds->count; i++)
        if (strcmp(kinds->kind[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* kinds_add - the index of stored's kind, added if new and there is room; -1 otherwise. */
static int kinds_add(struct password_kinds *kinds, const char *stored)
{
    char name[PASSWORD_KIND_SIZE];
    int i;

    if (stored == NULL || !kind_name(stored, name))
        return -1;
    i = kinds_find(kinds, name);
    if (i >= 0 || kinds->count == PASSWORD_KINDS_MAX)
        return i;
    if (!kind_dummy(stored, kinds->kind[kinds->count].dummy))
        return -1;
    strcpy(kinds->kind[kinds->count].name, name);
    return (int)kinds->count++;
}

/* password_kinds_init - see password.h. */
void password_kinds_init(struct password_kinds *kinds, const struct password_config *cfg)
{
    char stored[PASSWORD_HASH_SIZE];

    kinds->count = 0;
    if (cfg->format == PASSWORD_BETTERAUTH) {
        memset(stored, '0', BA_HASH_LEN);
        stored[BA_SALT_HEX] = ':';
        stored[BA_HASH_LEN] = '\0';
    } else if (!yescrypt_setting(cfg->cost, true, stored, sizeof(stored) - 1)) {
        return; /* a cost libxcrypt refuses: password_hash fails too */
    } else {
        strcat(stored, "$"); /* a setting made a hash: kind_dummy drops what follows the '$' */
    }
    (void)kinds_add(kinds, stored);
}

/* password_kinds_add - see password.h. */
bool password_kinds_add(struct password_kinds *kinds, const char *stored)
{
    return kinds_add(kinds, stored) >= 0;
}

/* password_verify_equally - the real verification first, so that a success returns at once.
 * A stored hash that computed nothing (unreadable, or refused by libxcrypt) stands for no
 * kind: then every kind is computed, as for an unknown address. */
enum password_status password_verify_equally(const struct password_config *cfg,
                                             struct password_kinds *kinds, const char *pw,
                                             size_t pw_len, const char *stored, bool *needs_upgrade)
{
    enum password_status st = password_verify(cfg, pw, pw_len, stored, needs_upgrade);
    int own = st != PASSWORD_BAD_HASH ? kinds_add(kinds, stored) : -1;

    if (st == PASSWORD_OK)
        return st;
    for (size_t i = 0; i < kinds->count; i++)
        if ((int)i != own)
            (void)password_verify(cfg, pw, pw_len, kinds->kind[i].dummy, NULL);
    return st;
}
