/* password - password hashes. New ones are libxcrypt yescrypt, or Better Auth's own scrypt
 * format for a database shared with a running Better Auth server; verification takes both and
 * any other crypt(3) hash and says when a hash should be rewritten; a dummy verification makes
 * an unknown e-mail cost what a wrong password costs (PROTOCOL.md §5).
 *
 * Every password is normalised to Unicode NFKC (utf8proc) before it is hashed, in every
 * format, as Better Auth does: "ﬁ" and "fi", or a composed and a decomposed "Å", are the same
 * password, also after an upgrade to yescrypt. Length limits (8..128 UTF-16 units, counted
 * before normalisation) are the caller's; see text_utf16_length.
 *
 * The only file that includes libxcrypt. Functions are reentrant and allocate only
 * temporarily (a yescrypt state, scrypt's 32 MiB); every intermediate copy of a password
 * is wiped. Run time is the hash's: ~30 ms for yescrypt at the default cost, ~135 ms for
 * Better Auth's scrypt (CEILINGS.md). */
#ifndef AUTHFCGI_PASSWORD_H
#define AUTHFCGI_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

enum password_format {
    PASSWORD_YESCRYPT,   /* "$y$...": libxcrypt yescrypt at the configured cost */
    PASSWORD_BETTERAUTH, /* "salt:key": 32 hex, ':', 128 hex, scrypt N=16384 r=16 p=1 */
};

/* yescrypt cost: libxcrypt's scale, each step doubling the work. 0 means libxcrypt's default
 * (5, written "$y$j9T"). */
#define PASSWORD_COST_DEFAULT 0
#define PASSWORD_COST_MIN 1
#define PASSWORD_COST_MAX 11

/* A new password's length in UTF-16 code units, counted before normalisation (Better Auth's
 * minPasswordLength and maxPasswordLength defaults): sign-up, reset, change and `authfcgi user`
 * apply them. */
#define PASSWORD_MIN_UNITS 8
#define PASSWORD_MAX_UNITS 128

/* Enough for any hash password_hash writes, with its NUL. */
#define PASSWORD_HASH_SIZE 256

struct password_config {
    enum password_format format; /* what password_hash writes */
    unsigned long cost;          /* yescrypt cost, PASSWORD_COST_MIN..MAX or _DEFAULT */
};

enum password_status {
    PASSWORD_OK,        /* hashed; or verified: the password matches */
    PASSWORD_MISMATCH,  /* verify: a wrong password */
    PASSWORD_BAD_INPUT, /* the password is not UTF-8 */
    PASSWORD_BAD_HASH,  /* verify: the stored hash is in no known format, or damaged */
    PASSWORD_FAIL,      /* an internal error: CSPRNG, memory, libcrypto or libxcrypt */
};

/* password_hash - hash the pw_len bytes of UTF-8 at pw (NUL-terminated or not) in
 * cfg->format, with a fresh random salt, into out (PASSWORD_HASH_SIZE is enough) as a
 * NUL-terminated string. Returns PASSWORD_OK, PASSWORD_BAD_INPUT or PASSWORD_FAIL (also for a
 * bad cost, or out too small); out is the empty string unless PASSWORD_OK. */
enum password_status password_hash(const struct password_config *cfg, const char *pw, size_t pw_len,
                                   char *out, size_t outlen);

/* password_verify - does pw match stored (account.password; NULL is PASSWORD_BAD_HASH)?
 * stored may be a Better Auth "salt:key" or any crypt(3) hash libxcrypt computes ("$y$",
 * "$2b$", "$6$", ...). Compared in constant time. On PASSWORD_OK, *needs_upgrade says whether
 * the hash is not what password_hash would write now (another format, or yescrypt at another
 * cost): the caller may then store a new hash of pw, and must not fail the sign-in if that
 * does not work. *needs_upgrade is false on every other result. */
enum password_status password_verify(const struct password_config *cfg, const char *pw,
                                     size_t pw_len, const char *stored, bool *needs_upgrade);

/* password_dummy_verify - the work of password_verify against a hash of cfg->format, for a
 * sign-in whose e-mail matched no account, so it is not told apart by its timing. Hashes of
 * another format than cfg->format (Better Auth ones not yet upgraded) still take their own
 * time. Has no result. */
void password_dummy_verify(const struct password_config *cfg, const char *pw, size_t pw_len);

/* ---- failures that cost the same ----
 * A sign-in for an unknown address must cost what a known address with a wrong password costs.
 * One dummy hash in the configured format is not enough once the stored hashes differ: an
 * adopted Better Auth database keeps scrypt hashes (~135 ms) until each user signs in, next to
 * yescrypt ones (~30 ms); an older AUTHFCGI_PASSWORD_COST leaves yescrypt at another cost; an
 * unreadable hash costs no hash at all. Whatever the unknown address cost, some known ones
 * would be told apart. So every failed verification computes one hash of each kind in play
 * (the configured one, and each found in the database or met since), the real hash standing
 * for its own kind: the same work, with the same code, whatever was stored. A successful one
 * computes the real hash only.
 *
 * Why work rather than a time floor: a floor must be calibrated against hashes whose time
 * moves with the machine's load, so under load either the floor or the real hash shows; and
 * a sleeping worker is held as long as a computing one (the floor would save CPU, not
 * workers). Equal work follows the load by itself, is exact, and is what the tests can check.
 * Its price: a failed sign-in costs the sum of the kinds in play (one hash when the database
 * holds only the configured kind, as in a database authfcgi made), at most PASSWORD_KINDS_MAX
 * hashes; a kind met when the table is full is computed on top, for its own accounts only. */

#define PASSWORD_KINDS_MAX 4
#define PASSWORD_KIND_SIZE 64

/* The kinds of hash in play: worker-lifetime, filled at start and as hashes are met. */
struct password_kinds {
    size_t count;
    struct {
        char name[PASSWORD_KIND_SIZE];  /* "scrypt", or a crypt prefix: "$y$j9T$", "$2b$10$" */
        char dummy[PASSWORD_HASH_SIZE]; /* verified against, it costs what the kind costs */
    } kind[PASSWORD_KINDS_MAX];
};

/* password_kinds_init - the configured format's kind alone. */
void password_kinds_init(struct password_kinds *kinds, const struct password_config *cfg);

/* password_kinds_add - add the kind of a stored hash (not the hash: a dummy with its
 * parameters and salt). False when stored is of no known format, or when the kind is new and
 * the table is full; true when it is in the table. */
bool password_kinds_add(struct password_kinds *kinds, const char *stored);

/* password_verify_equally - password_verify (stored NULL: PASSWORD_BAD_HASH, for an unknown
 * address or an account without a password), and on any result but PASSWORD_OK one dummy
 * verification of each kind in kinds besides the one the real hash computed. Adds the kind of
 * a readable stored hash to kinds. */
enum password_status password_verify_equally(const struct password_config *cfg,
                                             struct password_kinds *kinds, const char *pw,
                                             size_t pw_len, const char *stored,
                                             bool *needs_upgrade);

/* password_trace - a test's view of the work done: fn(kind, ctx) is called with the kind name
 * (as in struct password_kinds) of every hash computed, real or dummy; NULL stops it. */
void password_trace(void (*fn)(const char *kind, void *ctx), void *ctx);

#endif
