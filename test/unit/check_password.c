/* check_password - Better Auth's scrypt hashes, as the reference server wrote them
 * (test/fixtures/betterauth-hashes.tsv, with NFKC-equivalent spellings), verify; yescrypt and
 * Better Auth hashes we write verify and nothing else does; the upgrade decision; refusals of
 * bad input and unknown hashes; the dummy verification costs what a real one does. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"

#define MAX_FIXTURES 64

struct fixture {
    char password[1024];
    char hash[200];
};

static struct fixture fixtures[MAX_FIXTURES];
static int nfixtures;
static int fixtures_non_ascii;

/* load_fixtures - the rows of betterauth-hashes.tsv (password TAB hash; '#' comments). */
static void load_fixtures(void)
{
    const char *srcdir = getenv("top_srcdir");
    char path[1024], line[2048];
    FILE *f;

    snprintf(path, sizeof(path), "%s/test/fixtures/betterauth-hashes.tsv",
             srcdir != NULL ? srcdir : ".");
    f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "check_password: cannot open %s (set top_srcdir)\n", path);
        exit(EXIT_FAILURE);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *tab;

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        tab = strchr(line, '\t');
        if (tab == NULL || nfixtures == MAX_FIXTURES || (size_t)(tab - line) >= 1024 ||
            strlen(tab + 1) >= 200) {
            fprintf(stderr, "check_password: bad fixture line: %s\n", line);
            exit(EXIT_FAILURE);
        }
        *tab = '\0';
        strcpy(fixtures[nfixtures].password, line);
        strcpy(fixtures[nfixtures].hash, tab + 1);
        for (const char *p = line; *p != '\0'; p++)
            if ((unsigned char)*p >= 0x80) {
                fixtures_non_ascii++;
                break;
            }
        nfixtures++;
    }
    fclose(f);
}

static const struct password_config yescrypt_default = {PASSWORD_YESCRYPT, PASSWORD_COST_DEFAULT};
static const struct password_config yescrypt_fast = {PASSWORD_YESCRYPT, 1};
static const struct password_config yescrypt_cost3 = {PASSWORD_YESCRYPT, 3};
static const struct password_config betterauth = {PASSWORD_BETTERAUTH, PASSWORD_COST_DEFAULT};

static enum password_status verify(const struct password_config *cfg, const char *pw,
                                   const char *stored, bool *upgrade)
{
    return password_verify(cfg, pw, strlen(pw), stored, upgrade);
}

/* ---- Better Auth hashes written by the reference server ---- */

START_TEST(test_fixture_file_is_substantial)
{
    /* Guards the loop below against an empty or truncated file passing vacuously. */
    ck_assert_int_ge(nfixtures, 20);
    ck_assert_int_ge(fixtures_non_ascii, 10);
}
END_TEST

START_TEST(test_betterauth_fixture)
{
    const struct fixture *fx = &fixtures[_i];
    char wrong[1100];
    bool upgrade = false;

    /* Configured for yescrypt: matches, and asks for an upgrade. */
    ck_assert_msg(verify(&yescrypt_default, fx->password, fx->hash, &upgrade) == PASSWORD_OK,
                  "row %d (%s) does not verify", _i, fx->password);
    ck_assert(upgrade);
    /* The same password with one more character is wrong. */
    snprintf(wrong, sizeof(wrong), "%sx", fx->password);
    ck_assert_int_eq(verify(&yescrypt_default, wrong, fx->hash, &upgrade), PASSWORD_MISMATCH);
    ck_assert(!upgrade);
}
END_TEST

/* Every byte of the stored hash counts: the salt, the first and the last of the key. */
START_TEST(test_betterauth_damaged)
{
    static const size_t positions[] = {0, 31, 33, 96, 160};
    char h[200];

    for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
        strcpy(h, fixtures[0].hash);
        h[positions[i]] = h[positions[i]] == '0' ? '1' : '0';
        ck_assert_msg(verify(&betterauth, fixtures[0].password, h, NULL) == PASSWORD_MISMATCH,
                      "hash damaged at %zu still verifies", positions[i]);
    }
}
END_TEST

START_TEST(test_betterauth_no_upgrade_when_configured)
{
    bool upgrade = true;

    ck_assert_int_eq(verify(&betterauth, fixtures[0].password, fixtures[0].hash, &upgrade),
                     PASSWORD_OK);
    ck_assert(!upgrade);
}
END_TEST

/* NFKC folds width and compatibility forms, never case or accents. */
START_TEST(test_betterauth_nfkc_is_not_case_folding)
{
    const char *hash = NULL;

    for (int i = 0; i < nfixtures && hash == NULL; i++)
        if (strcmp(fixtures[i].password, "fianc\xC3\xA9-Pass1") == 0)
            hash = fixtures[i].hash;
    ck_assert_ptr_nonnull(hash);
    ck_assert_int_eq(verify(&betterauth, "fianc\xC3\xA9-Pass1", hash, NULL), PASSWORD_OK);
    ck_assert_int_eq(verify(&betterauth, "fianc\xC3\xA9-pass1", hash, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(verify(&betterauth, "fiance-Pass1", hash, NULL), PASSWORD_MISMATCH);
}
END_TEST

/* ---- writing ---- */

static bool all_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdef", s[i]) || s[i] == '\0')
            return false;
    return true;
}

START_TEST(test_betterauth_write)
{
    char a[PASSWORD_HASH_SIZE], b[PASSWORD_HASH_SIZE];
    const char *pw = "\uFB01anc\u00E9"; /* "ﬁancé" */
    bool upgrade = true;

    ck_assert_int_eq(password_hash(&betterauth, pw, strlen(pw), a, sizeof(a)), PASSWORD_OK);
    ck_assert_uint_eq(strlen(a), 161);
    ck_assert_int_eq(a[32], ':');
    ck_assert(all_lower_hex(a, 32) && all_lower_hex(a + 33, 128));
    ck_assert_int_eq(verify(&betterauth, pw, a, &upgrade), PASSWORD_OK);
    ck_assert(!upgrade);
    ck_assert_int_eq(verify(&betterauth, "fiance\xCC\x81", a, NULL), PASSWORD_OK); /* NFKC */
    ck_assert_int_eq(verify(&betterauth, "fianc\xC3\xA9!", a, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(verify(&yescrypt_default, pw, a, &upgrade), PASSWORD_OK);
    ck_assert(upgrade);
    /* Fresh salt every time. */
    ck_assert_int_eq(password_hash(&betterauth, pw, strlen(pw), b, sizeof(b)), PASSWORD_OK);
    ck_assert_str_ne(a, b);
    ck_assert_int_ne(memcmp(a, b, 32), 0);
}
END_TEST

START_TEST(test_yescrypt_round_trip)
{
    char a[PASSWORD_HASH_SIZE], b[PASSWORD_HASH_SIZE];
    const char *pw = "correct horse battery staple";
    bool upgrade = true;

    ck_assert_int_eq(password_hash(&yescrypt_fast, pw, strlen(pw), a, sizeof(a)), PASSWORD_OK);
    ck_assert_msg(strncmp(a, "$y$j75$", 7) == 0, "cost 1 hash is %s", a);
    ck_assert_int_eq(verify(&yescrypt_fast, pw, a, &upgrade), PASSWORD_OK);
    ck_assert(!upgrade);
    ck_assert_int_eq(verify(&yescrypt_fast, "correct horse battery stapl", a, &upgrade),
                     PASSWORD_MISMATCH);
    ck_assert(!upgrade);
    ck_assert_int_eq(verify(&yescrypt_fast, "", a, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_hash(&yescrypt_fast, pw, strlen(pw), b, sizeof(b)), PASSWORD_OK);
    ck_assert_str_ne(a, b);
    /* A damaged hash part no longer matches. */
    b[strlen(b) - 2] = b[strlen(b) - 2] == 'A' ? 'B' : 'A';
    ck_assert_int_eq(verify(&yescrypt_fast, pw, b, NULL), PASSWORD_MISMATCH);
}
END_TEST

START_TEST(test_yescrypt_default_cost)
{
    char h[PASSWORD_HASH_SIZE];
    bool upgrade = true;

    /* CEILINGS.md: libxcrypt's default is written $y$j9T. */
    ck_assert_int_eq(password_hash(&yescrypt_default, "password123", 11, h, sizeof(h)),
                     PASSWORD_OK);
    ck_assert_msg(strncmp(h, "$y$j9T$", 7) == 0, "default-cost hash is %s", h);
    ck_assert_int_eq(verify(&yescrypt_default, "password123", h, &upgrade), PASSWORD_OK);
    ck_assert(!upgrade);
}
END_TEST

/* The same NFKC rule holds after an upgrade to yescrypt. */
START_TEST(test_yescrypt_nfkc)
{
    char h[PASSWORD_HASH_SIZE];
    const char *pw = "\xEF\xBC\xB0\xEF\xBD\x81ss-\xE2\x85\xAB"; /* "Ｐａss-Ⅻ" */

    ck_assert_int_eq(password_hash(&yescrypt_fast, pw, strlen(pw), h, sizeof(h)), PASSWORD_OK);
    ck_assert_int_eq(verify(&yescrypt_fast, "Pass-XII", h, NULL), PASSWORD_OK);
    ck_assert_int_eq(verify(&yescrypt_fast, pw, h, NULL), PASSWORD_OK);
    ck_assert_int_eq(verify(&yescrypt_fast, "pass-XII", h, NULL), PASSWORD_MISMATCH);
}
END_TEST

/* ---- the upgrade decision: every known format, under each configuration ---- */

struct upgrade_case {
    const char *stored; /* hash of "password123" */
    bool under_default, under_cost3, under_betterauth;
};

static const struct upgrade_case upgrade_cases[] = {
    /* yescrypt at cost 3 */
    {"$y$j7T$d/1MWtTWHJjPMBlEwP8w2.$OcbmFwgrK9zlfyLDYH/L8KSIBmVxXIaosGmYmFtiRY7", true, false,
     true},
    /* gost-yescrypt, sha512crypt, sha256crypt, bcrypt, scrypt, md5crypt: all libxcrypt's */
    {"$gy$j7T$ANzVaKGJx2RrNqgeysXXp.$twRlukCm0Hy1wINqmF5KuCPuMFwSGcUq.PFo0287Lm1", true, true,
     true},
    {"$6$6SfL7wh8tLpb3akz$GOPifkZzkSCW1gvh7gMRrLJEcg7f5eHy.."
     "yICCX1RJywQjWfpfrUL8uTP6l8f9ZBzLd2aNq0Wo."
     "SSho0/xFVZ0",
     true, true, true},
    {"$5$LYFZf1KFPhPEAtxR$qL/eb7mwXjLOoqPjfNnfE/yQndLM9P94LC.DWX6Hrj/", true, true, true},
    {"$2b$05$r8iKl.b65jT5xiNLHHdQfOcbbr5C836IO4a2PftS.2VbNHQPx6zT6", true, true, true},
    {"$7$CU..../....2kOdLGgHNym6xAPa1kChq1$z484MvDYlpcdKLKmJ9/9iSvqO1tZkU8g6w9SXczfOlC", true, true,
     true},
    {"$1$QqgPmyov$TytXAMQSN7FBJxmaeaHYS/", true, true, true},
    /* Better Auth (transcripts cookies-03) */
    {"2afcbb8d3fbca9e9dfc10f5423f54497:"
     "f3341eec526d9cafcb3c3805dd896062091299579e7a1c4d1bef3b870b73b"
     "b0c5019d6bbd15291f99c37cf2f2d1fc251746a83f5f0ba5e7a1d3a1528c5038506",
     true, true, false},
};

START_TEST(test_upgrade_decision)
{
    const struct upgrade_case *c = &upgrade_cases[_i];
    bool upgrade;

    ck_assert_int_eq(verify(&yescrypt_default, "password123", c->stored, &upgrade), PASSWORD_OK);
    ck_assert_msg(upgrade == c->under_default, "%s under the default cost", c->stored);
    ck_assert_int_eq(verify(&yescrypt_cost3, "password123", c->stored, &upgrade), PASSWORD_OK);
    ck_assert_msg(upgrade == c->under_cost3, "%s under cost 3", c->stored);
    ck_assert_int_eq(verify(&betterauth, "password123", c->stored, &upgrade), PASSWORD_OK);
    ck_assert_msg(upgrade == c->under_betterauth, "%s under betterauth", c->stored);
    ck_assert_int_eq(verify(&yescrypt_default, "password124", c->stored, &upgrade),
                     PASSWORD_MISMATCH);
    ck_assert(!upgrade);
}
END_TEST

/* A yescrypt hash written at the configured cost, then the cost is raised: upgrade. */
START_TEST(test_upgrade_after_cost_change)
{
    char h[PASSWORD_HASH_SIZE];
    bool upgrade;

    ck_assert_int_eq(password_hash(&yescrypt_fast, "password123", 11, h, sizeof(h)), PASSWORD_OK);
    ck_assert_int_eq(verify(&yescrypt_fast, "password123", h, &upgrade), PASSWORD_OK);
    ck_assert(!upgrade);
    ck_assert_int_eq(verify(&yescrypt_cost3, "password123", h, &upgrade), PASSWORD_OK);
    ck_assert(upgrade);
}
END_TEST

/* ---- refusals ---- */

struct bad_hash_case {
    const char *stored;
};

static const struct bad_hash_case bad_hashes[] = {
    {""},
    {"password123"},   /* a plaintext column */
    {"abJnggxhB/yWI"}, /* traditional DES: never written by anyone we follow */
    {"$"},
    {"$y$"},
    {"$y$!!!$abc$def"},
    {"$unknown$abc"},
    {"$2b$99$abc"},
    {"*0"},
    /* Better Auth shape, damaged: upper-case hex, short key, long key, no ':' */
    {"2AFCBB8D3FBCA9E9DFC10F5423F54497:"
     "F3341EEC526D9CAFCB3C3805DD896062091299579E7A1C4D1BEF3B870B73B"
     "B0C5019D6BBD15291F99C37CF2F2D1FC251746A83F5F0BA5E7A1D3A1528C5038506"},
    {"2afcbb8d3fbca9e9dfc10f5423f54497:"
     "f3341eec526d9cafcb3c3805dd896062091299579e7a1c4d1bef3b870b73b"
     "b0c5019d6bbd15291f99c37cf2f2d1fc251746a83f5f0ba5e7a1d3a1528c50385"},
    {"2afcbb8d3fbca9e9dfc10f5423f54497:"
     "f3341eec526d9cafcb3c3805dd896062091299579e7a1c4d1bef3b870b73b"
     "b0c5019d6bbd15291f99c37cf2f2d1fc251746a83f5f0ba5e7a1d3a1528c50385060"},
    {"2afcbb8d3fbca9e9dfc10f5423f54497;"
     "f3341eec526d9cafcb3c3805dd896062091299579e7a1c4d1bef3b870b73b"
     "b0c5019d6bbd15291f99c37cf2f2d1fc251746a83f5f0ba5e7a1d3a1528c5038506"},
};

START_TEST(test_bad_hash)
{
    bool upgrade = true;

    ck_assert_int_eq(verify(&yescrypt_default, "password123", bad_hashes[_i].stored, &upgrade),
                     PASSWORD_BAD_HASH);
    ck_assert(!upgrade);
}
END_TEST

START_TEST(test_null_hash)
{
    bool upgrade = true;

    ck_assert_int_eq(verify(&yescrypt_default, "password123", NULL, &upgrade), PASSWORD_BAD_HASH);
    ck_assert(!upgrade);
}
END_TEST

static const char *const invalid_utf8[] = {
    "pass\xFFword",
    "password\xC3",
    "\xC0\xAFpassword",
    "pass\xED\xA0\x80word",
};

START_TEST(test_invalid_utf8)
{
    const char *pw = invalid_utf8[_i];
    char h[PASSWORD_HASH_SIZE];
    bool upgrade = true;

    ck_assert_int_eq(password_hash(&yescrypt_fast, pw, strlen(pw), h, sizeof(h)),
                     PASSWORD_BAD_INPUT);
    ck_assert_str_eq(h, "");
    ck_assert_int_eq(password_hash(&betterauth, pw, strlen(pw), h, sizeof(h)), PASSWORD_BAD_INPUT);
    ck_assert_int_eq(verify(&yescrypt_default, pw, upgrade_cases[0].stored, &upgrade),
                     PASSWORD_BAD_INPUT);
    ck_assert(!upgrade);
    ck_assert_int_eq(verify(&betterauth, pw, upgrade_cases[7].stored, NULL), PASSWORD_BAD_INPUT);
}
END_TEST

/* U+0000 is a character JSON can carry. Better Auth's scrypt takes it; crypt(3) cannot take
 * it as it is, so yescrypt hashes the SHA-256 of the whole (it was refused: sign-up answered
 * 500), never the part before the NUL. */
START_TEST(test_embedded_nul)
{
    const char pw[] = "pass\0word";
    char h[PASSWORD_HASH_SIZE];

    ck_assert_int_eq(password_hash(&yescrypt_fast, pw, sizeof(pw) - 1, h, sizeof(h)), PASSWORD_OK);
    ck_assert_int_eq(password_verify(&yescrypt_fast, pw, sizeof(pw) - 1, h, NULL), PASSWORD_OK);
    ck_assert_int_eq(password_verify(&yescrypt_fast, "pass", 4, h, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_verify(&yescrypt_fast, "pass\0wore", 9, h, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_hash(&betterauth, pw, sizeof(pw) - 1, h, sizeof(h)), PASSWORD_OK);
    ck_assert_int_eq(password_verify(&betterauth, pw, sizeof(pw) - 1, h, NULL), PASSWORD_OK);
    /* The length is honoured: the bytes after the NUL count. */
    ck_assert_int_eq(password_verify(&betterauth, "pass", 4, h, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_verify(&betterauth, "pass\0wore", 9, h, NULL), PASSWORD_MISMATCH);
}
END_TEST

/* 128 x U+337B "㍻" is 128 UTF-16 units but 768 bytes after NFKC ("平成" each): over crypt(3)'s
 * 511-byte phrase limit, so yescrypt hashes the SHA-256 of the whole NFKC form (it was refused,
 * and sign-up answered 500; 16 x U+FDFA, 528 bytes, too), never a truncation: one character
 * changed at the end is another password. Better Auth's format takes it as it is. */
START_TEST(test_long_after_nfkc)
{
    char pw[128 * 3 + 1], h[PASSWORD_HASH_SIZE];

    for (int i = 0; i < 128; i++)
        memcpy(pw + 3 * i, "\xE3\x8D\xBB", 3);
    pw[sizeof(pw) - 1] = '\0';
    ck_assert_int_eq(password_hash(&yescrypt_fast, pw, strlen(pw), h, sizeof(h)), PASSWORD_OK);
    ck_assert_int_eq(verify(&yescrypt_fast, pw, h, NULL), PASSWORD_OK);
    memcpy(pw + sizeof(pw) - 4, "abc", 3); /* the last character, changed */
    ck_assert_int_eq(verify(&yescrypt_fast, pw, h, NULL), PASSWORD_MISMATCH);
    ck_assert_int_eq(password_hash(&betterauth, pw, strlen(pw), h, sizeof(h)), PASSWORD_OK);
    ck_assert_int_eq(verify(&betterauth, pw, h, NULL), PASSWORD_OK);
}
END_TEST

START_TEST(test_bad_config_and_buffers)
{
    const struct password_config too_costly = {PASSWORD_YESCRYPT, PASSWORD_COST_MAX + 1};
    char h[PASSWORD_HASH_SIZE];
    bool upgrade = true;

    ck_assert_int_eq(password_hash(&too_costly, "password123", 11, h, sizeof(h)), PASSWORD_FAIL);
    /* Nothing to upgrade to: a sign-in must not keep failing to rewrite the hash. */
    ck_assert_int_eq(verify(&too_costly, "password123", upgrade_cases[0].stored, &upgrade),
                     PASSWORD_OK);
    ck_assert(!upgrade);
    ck_assert_int_eq(password_hash(&betterauth, "password123", 11, h, 161), PASSWORD_FAIL);
    ck_assert_int_eq(password_hash(&yescrypt_fast, "password123", 11, h, 20), PASSWORD_FAIL);
    ck_assert_int_eq(password_hash(&yescrypt_fast, "password123", 11, h, 0), PASSWORD_FAIL);
}
END_TEST

/* ---- timing equalisation ---- */

/* CPU time of this thread, not wall time: the work a hash does, which a loaded machine (CI runs
 * suites in parallel) does not stretch the way it stretches wall-clock time. */
static double seconds_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The fastest of a few runs of each, so a preempted run does not decide. An empty dummy would
 * take microseconds; the real work takes milliseconds. */
static void assert_dummy_costs_as_much(const struct password_config *cfg, const char *stored)
{
    double real = 1e9, dummy = 1e9;

    for (int i = 0; i < 4; i++) {
        double t0 = seconds_now(), t1, t2;

        (void)verify(cfg, "wrong password", stored, NULL);
        t1 = seconds_now();
        password_dummy_verify(cfg, "wrong password", 14);
        t2 = seconds_now();
        if (t1 - t0 < real)
            real = t1 - t0;
        if (t2 - t1 < dummy)
            dummy = t2 - t1;
    }
    ck_assert_msg(dummy > 0.5 * real && dummy < 2.0 * real, "dummy %.1f ms, real %.1f ms",
                  dummy * 1e3, real * 1e3);
}

START_TEST(test_dummy_yescrypt)
{
    char h[PASSWORD_HASH_SIZE];

    ck_assert_int_eq(password_hash(&yescrypt_cost3, "password123", 11, h, sizeof(h)), PASSWORD_OK);
    assert_dummy_costs_as_much(&yescrypt_cost3, h);
}
END_TEST

START_TEST(test_dummy_betterauth)
{
    assert_dummy_costs_as_much(&betterauth, upgrade_cases[7].stored);
}
END_TEST

static Suite *password_suite(void)
{
    Suite *s = suite_create("password");
    TCase *ba = tcase_create("betterauth");
    TCase *write = tcase_create("write");
    TCase *refuse = tcase_create("refuse");
    TCase *timing = tcase_create("timing");

    tcase_add_test(ba, test_fixture_file_is_substantial);
    tcase_add_loop_test(ba, test_betterauth_fixture, 0, nfixtures);
    tcase_add_test(ba, test_betterauth_damaged);
    tcase_add_test(ba, test_betterauth_no_upgrade_when_configured);
    tcase_add_test(ba, test_betterauth_nfkc_is_not_case_folding);
    suite_add_tcase(s, ba);

    tcase_add_test(write, test_betterauth_write);
    tcase_add_test(write, test_yescrypt_round_trip);
    tcase_add_test(write, test_yescrypt_default_cost);
    tcase_add_test(write, test_yescrypt_nfkc);
    tcase_add_loop_test(write, test_upgrade_decision, 0,
                        sizeof(upgrade_cases) / sizeof(upgrade_cases[0]));
    tcase_add_test(write, test_upgrade_after_cost_change);
    suite_add_tcase(s, write);

    tcase_add_loop_test(refuse, test_bad_hash, 0, sizeof(bad_hashes) / sizeof(bad_hashes[0]));
    tcase_add_test(refuse, test_null_hash);
    tcase_add_loop_test(refuse, test_invalid_utf8, 0,
                        sizeof(invalid_utf8) / sizeof(invalid_utf8[0]));
    tcase_add_test(refuse, test_embedded_nul);
    tcase_add_test(refuse, test_long_after_nfkc);
    tcase_add_test(refuse, test_bad_config_and_buffers);
    suite_add_tcase(s, refuse);

    /* Each scrypt takes ~135 ms on an idle core; leave room for a loaded CI machine. */
    tcase_set_timeout(ba, 60);
    tcase_set_timeout(write, 60);
    tcase_set_timeout(timing, 120);
    tcase_add_test(timing, test_dummy_yescrypt);
    tcase_add_test(timing, test_dummy_betterauth);
    suite_add_tcase(s, timing);
    return s;
}

int main(void)
{
    SRunner *sr;
    int failed;

    load_fixtures();
    sr = srunner_create(password_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
