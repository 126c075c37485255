/* totp - HOTP (RFC 4226 §5.3 dynamic truncation) over HMAC-SHA1, the TOTP window check and
 * base32, for the two-factor plugin. */
#include "config.h"

#include "util/totp.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

int totp_hotp(const uint8_t *key, size_t key_len, uint64_t counter, int digits, char *out)
{
    static const uint32_t mod[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    uint8_t msg[8], mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    uint32_t bin, v;
    int off;

    if (digits < 1 || digits > TOTP_MAX_DIGITS)
        return -1;
    for (int i = 7; i >= 0; i--, counter >>= 8)
        msg[i] = (uint8_t)counter;
    if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, key_len, msg, sizeof(msg), mac,
                  sizeof(mac), &mac_len) == NULL ||
        mac_len != 20)
        return -1;
    off = mac[19] & 0x0f;
    bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
          (uint32_t)mac[off + 2] << 8 | mac[off + 3];
    v = bin % mod[digits];
    for (int i = digits - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
    out[digits] = '\0';
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

bool totp_equal(const char *code, const char *expected)
{
    size_t n = strlen(expected), m = strlen(code);
    unsigned diff = (unsigned)(n ^ m);

    /* Past its end code reads as NULs, which differ from every digit. */
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(i < m ? code[i] : 0) ^ (unsigned char)expected[i];
    return diff == 0;
}

bool totp_verify(const uint8_t *key, size_t key_len, const char *code, int64_t now_s, int period_s,
                 int digits, int window)
{
    char expected[TOTP_MAX_DIGITS + 1];
    bool matched = false;
    int64_t counter;

    if (now_s < 0 || period_s <= 0)
        return false;
    counter = now_s / period_s;
    for (int i = -window; i <= window; i++) {
        if (counter + i < 0 ||
            totp_hotp(key, key_len, (uint64_t)(counter + i), digits, expected) != 0)
            continue;
        matched = totp_equal(code, expected) || matched;
    }
    OPENSSL_cleanse(expected, sizeof(expected));
    return matched;
}

void totp_base32(const uint8_t *data, size_t len, char *out)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    uint32_t buf = 0;
    int bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < len; i++) {
        buf = buf << 8 | data[i];
        bits += 8;
        while (bits >= 5) {
            out[o++] = alphabet[(buf >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0)
        out[o++] = alphabet[(buf << (5 - bits)) & 31];
    out[o] = '\0';
}
