/* check_digest - SHA-256 (FIPS 180-2 examples) and HMAC-SHA256 (RFC 4231 test cases) through
 * the reused contexts, calls interleaved and keys changing between calls, since a context that
 * kept state from the previous call is exactly what reuse could break. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static void check_sha256(const char *data, const char *want)
{
    unsigned char out[DIGEST_SHA256_LEN];
    char text[2 * DIGEST_SHA256_LEN + 1];

    ck_assert_int_eq(digest_sha256(data, strlen(data), out), 0);
    hex(out, sizeof out, text);
    ck_assert_str_eq(text, want);
}

static void check_hmac(const unsigned char *key, size_t key_len, const char *data, const char *want)
{
    unsigned char out[DIGEST_SHA256_LEN];
    char text[2 * DIGEST_SHA256_LEN + 1];

    ck_assert_int_eq(digest_hmac_sha256(key, key_len, data, strlen(data), out), 0);
    hex(out, sizeof out, text);
    ck_assert_str_eq(text, want);
}

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_TWO_BLOCKS "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
/* RFC 4231 test case 1: key = 20 bytes of 0x0b, data "Hi There". */
#define HMAC_CASE1 "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
/* RFC 4231 test case 2: key "Jefe". */
#define HMAC_CASE2 "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
/* RFC 4231 test case 6: a 131-byte key (longer than a block: hashed first). */
#define HMAC_CASE6 "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
/* HMAC-SHA256 with an empty key over "" (Python's hmac module). */
#define HMAC_EMPTY "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"

START_TEST(test_sha256)
{
    check_sha256("abc", SHA_ABC);
    check_sha256("", SHA_EMPTY);
    check_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", SHA_TWO_BLOCKS);
    check_sha256("abc", SHA_ABC);
}
END_TEST

START_TEST(test_hmac_keys_change)
{
    unsigned char key1[20], key6[131];

    memset(key1, 0x0b, sizeof key1);
    memset(key6, 0xaa, sizeof key6);
    for (int round = 0; round < 2; round++) {
        check_hmac(key1, sizeof key1, "Hi There", HMAC_CASE1);
        check_hmac((const unsigned char *)"Jefe", 4, "what do ya want for nothing?", HMAC_CASE2);
        check_sha256("abc", SHA_ABC);
        check_hmac(key6, sizeof key6, "Test Using Larger Than Block-Size Key - Hash Key First",
                   HMAC_CASE6);
        check_hmac((const unsigned char *)"", 0, "", HMAC_EMPTY);
    }
}
END_TEST

static Suite *digest_suite(void)
{
    Suite *s = suite_create("digest");
    TCase *tc = tcase_create("vectors");

    tcase_add_test(tc, test_sha256);
    tcase_add_test(tc, test_hmac_keys_change);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(digest_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
