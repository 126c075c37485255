/* check_xchacha - HChaCha20 and XChaCha20-Poly1305 against draft-irtf-cfrg-xchacha-03 (§2.2.1,
 * A.3.1), tampering refused, and Better Auth's storage format: rows Better Auth 1.7.25 wrote
 * (test/fixtures/two_factor/rows.jsonl, bob) decrypt to the secret and backup codes it
 * answered, and what authfcgi encrypts decrypts again (test/fixtures/two_factor/interop.sh
 * shows Better Auth's symmetricDecrypt reading it). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xchacha.h"

static void unhex(const char *hex, uint8_t *out)
{
    for (size_t i = 0; hex[2 * i] != '\0'; i++) {
        unsigned v;

        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void tohex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

START_TEST(test_hchacha20)
{
    uint8_t key[32], nonce[16], out[32];
    char text[65];

    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    unhex("000000090000004a0000000031415927", nonce);
    hchacha20(key, nonce, out);
    tohex(out, 32, text);
    ck_assert_str_eq(text, "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
}
END_TEST

static const char sunscreen[] = "Ladies and Gentlemen of the class of '99: If I could offer you "
                                "only one tip for the future, sunscreen would be it.";
#define A31_CT                                                                                     \
    "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4e"   \
    "da7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2"   \
    "383565d3fff921f9664c97637da9768812f615c68b13b52ec0875924c1c7987947deafd8780acf49"

START_TEST(test_aead_vector)
{
    uint8_t key[32], nonce[24], aad[12], ct[sizeof(sunscreen) - 1 + 16], pt[sizeof(sunscreen)];
    char text[2 * sizeof(ct) + 1];
    size_t n = sizeof(sunscreen) - 1;

    unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", key);
    unhex("404142434445464748494a4b4c4d4e4f5051525354555657", nonce);
    unhex("50515253c0c1c2c3c4c5c6c7", aad);
    ck_assert_int_eq(xchacha_seal(key, nonce, aad, sizeof(aad), (const uint8_t *)sunscreen, n, ct),
                     0);
    tohex(ct, sizeof(ct), text);
    ck_assert_str_eq(text, A31_CT);
    ck_assert_int_eq(xchacha_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), pt), 0);
    ck_assert(memcmp(pt, sunscreen, n) == 0);
    ct[3] ^= 1;
    ck_assert_int_eq(xchacha_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), pt), -1);
    ct[3] ^= 1;
    aad[0] ^= 1;
    ck_assert_int_eq(xchacha_open(key, nonce, aad, sizeof(aad), ct, sizeof(ct), pt), -1);
}
END_TEST

#define PEER_SECRET "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya"
#define BOB_SECRET_ROW                                                                             \
    "bc284d345e40eb892206e5c4efd910d506af190a68db905d2544732491239c8857b103c3e6f582c10924f60d3b"   \
    "662ead986b75426ea02beb80da6c6330070423c493584cccd68545"
#define BOB_CODES_ROW                                                                              \
    "427cd74850352258a344dfccbf6b626015c5746d9cbc81556bacc546a7af8fbaaf68929fb0245a7d06f9b6d646"   \
    "3b9febbecfea890984c3224794df5526c559bf4eb4a78158029e19c8cd1af72c508bf78552914d4e10541b9313"   \
    "390dc8b1b0adacbfbbececfdb63bebe3fc44efa84f6dd5e08e10b9bc9216eec03bd53fae9663181f076ffa345b"   \
    "1aae5deaef35437a58287b52091db869a963f472da9b0b330bb3739d57968432342e6e532e9b5201f1ec5bcb228a"
#define BOB_CODES                                                                                  \
    "[\"GmS9a-enYZ5\",\"L42Mn-sm7ka\",\"zd20h-OmHzu\",\"i6200-AmgDn\",\"A65rm-qDhRQ\",\"4zMC6-"    \
    "7un1p\",\"Kik3M-kXxOQ\",\"Ox2wQ-KM7LZ\",\"ydazF-23x0T\",\"owV2W-IXh0L\"]"

START_TEST(test_better_auth_rows)
{
    size_t len = 0;
    uint8_t *plain = xchacha_ba_decrypt(PEER_SECRET, BOB_SECRET_ROW, &len);

    ck_assert_ptr_nonnull(plain);
    ck_assert_uint_eq(len, 32);
    ck_assert_str_eq((char *)plain, "44dsT_NgXKIg7tu7AMf_I-rU0mbxwudD");
    free(plain);
    plain = xchacha_ba_decrypt(PEER_SECRET, BOB_CODES_ROW, &len);
    ck_assert_ptr_nonnull(plain);
    ck_assert_str_eq((char *)plain, BOB_CODES);
    free(plain);
    /* The envelope of versioned secrets around the same text. */
    plain = xchacha_ba_decrypt(PEER_SECRET, "$ba$1$" BOB_SECRET_ROW, &len);
    ck_assert_ptr_nonnull(plain);
    free(plain);
    ck_assert_ptr_null(xchacha_ba_decrypt("another secret", BOB_SECRET_ROW, &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "zz", &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "abc", &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "00", &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "$ba$x$00", &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "", &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "$ba", &len));
    ck_assert_ptr_null(xchacha_ba_decrypt(PEER_SECRET, "$ba$", &len));
}
END_TEST

START_TEST(test_round_trip)
{
    char *a = xchacha_ba_encrypt(PEER_SECRET, (const uint8_t *)"hello", 5);
    char *b = xchacha_ba_encrypt(PEER_SECRET, (const uint8_t *)"hello", 5);
    size_t len = 0;
    uint8_t *plain;

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(strlen(a), 2 * (24 + 5 + 16));
    ck_assert_str_ne(a, b); /* a fresh nonce each time */
    plain = xchacha_ba_decrypt(PEER_SECRET, a, &len);
    ck_assert_ptr_nonnull(plain);
    ck_assert_uint_eq(len, 5);
    ck_assert_str_eq((char *)plain, "hello");
    free(plain);
    free(a);
    free(b);
}
END_TEST

/* emit - for test/e2e/xchacha_interop.sh: "--encrypt TEXT" prints TEXT encrypted under the
 * peer's secret, "--decrypt HEX" prints what HEX decrypts to. */
static int emit(const char *op, const char *arg)
{
    size_t len = 0;
    char *text = strcmp(op, "--encrypt") == 0
                     ? xchacha_ba_encrypt(PEER_SECRET, (const uint8_t *)arg, strlen(arg))
                     : (char *)xchacha_ba_decrypt(PEER_SECRET, arg, &len);

    if (text == NULL)
        return EXIT_FAILURE;
    puts(text);
    free(text);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    Suite *s;
    TCase *tc = tcase_create("core");
    SRunner *sr;
    int failed;

    if (argc == 3)
        return emit(argv[1], argv[2]);
    s = suite_create("xchacha");
    tcase_add_test(tc, test_hchacha20);
    tcase_add_test(tc, test_aead_vector);
    tcase_add_test(tc, test_better_auth_rows);
    tcase_add_test(tc, test_round_trip);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
