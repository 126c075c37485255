/* two_factor_fixture - the twoFactor row Better Auth 1.7.25 wrote (test/fixtures/two_factor):
 * bob's secret and backup codes, encrypted under the reference peer's secret (the harness's
 * SECRET), with the authenticator key and one backup code they hold in clear. */
#ifndef AUTHFCGI_TWO_FACTOR_FIXTURE_H
#define AUTHFCGI_TWO_FACTOR_FIXTURE_H

#define BA_TWO_FACTOR_ID "87zbpYuGDXaXmqpiDW7K9RpCSyl7duUB"
#define BA_SECRET_ROW                                                                              \
    "bc284d345e40eb892206e5c4efd910d506af190a68db905d2544732491239c8857b103c3e6f582c10924f60d3b"   \
    "662ead986b75426ea02beb80da6c6330070423c493584cccd68545"
#define BA_CODES_ROW                                                                               \
    "427cd74850352258a344dfccbf6b626015c5746d9cbc81556bacc546a7af8fbaaf68929fb0245a7d06f9b6d646"   \
    "3b9febbecfea890984c3224794df5526c559bf4eb4a78158029e19c8cd1af72c508bf78552914d4e10541b9313"   \
    "390dc8b1b0adacbfbbececfdb63bebe3fc44efa84f6dd5e08e10b9bc9216eec03bd53fae9663181f076ffa345b"   \
    "1aae5deaef35437a58287b52091db869a963f472da9b0b330bb3739d57968432342e6e532e9b5201f1ec5bcb228a"
#define TOTP_KEY "44dsT_NgXKIg7tu7AMf_I-rU0mbxwudD"
#define BACKUP_CODE "GmS9a-enYZ5"

#endif
