/* two_factor - Better Auth 1.7.25's twoFactor plugin behind AUTHFCGI_TWO_FACTOR: TOTP
 * enrolment, backup codes, the second step of a sign-in and "trust this device", stored as
 * Better Auth stores them (test/fixtures/two_factor/NOTES.md). The routes are in router.c's
 * table with ROUTE_TWO_FACTOR (404 while the plugin is off). */
#ifndef AUTHFCGI_TWO_FACTOR_H
#define AUTHFCGI_TWO_FACTOR_H

#include <stdbool.h>

#include "global/store.h"

struct call;

/* two_factor_sign_in - after sign-in checked the password of user: true when the plugin has
 * answered (the {"twoFactorRedirect":true,...} challenge, or an error), false when the sign-in
 * goes on to its session (plugin off, user not enrolled, or a trusted device, whose cookie is
 * then renewed). remember is the sign-in's rememberMe: the challenge keeps it in the
 * dont_remember cookie, where the second step reads it as Better Auth's does. */
bool two_factor_sign_in(struct call *c, const struct user_record *user, bool remember);

void two_factor_enable(struct call *c);
void two_factor_disable(struct call *c);
void two_factor_get_totp_uri(struct call *c);
void two_factor_verify_totp(struct call *c);
void two_factor_generate_backup_codes(struct call *c);
void two_factor_verify_backup_code(struct call *c);
void two_factor_send_otp(struct call *c);
void two_factor_verify_otp(struct call *c);

#endif
