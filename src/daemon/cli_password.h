/* cli_password - a new password for `authfcgi user create` and `set-password`: read from
 * standard input (one line), or asked twice without echo when standard input is a terminal;
 * never from the command line. Checked and hashed as the API does. */
#ifndef AUTHFCGI_CLI_PASSWORD_H
#define AUTHFCGI_CLI_PASSWORD_H

#include <stddef.h>

#include "auth/password.h"

struct settings;

/* cli_password_hash - read, check (PASSWORD_MIN_UNITS..PASSWORD_MAX_UNITS UTF-16 units of
 * UTF-8) and hash a new password under s's AUTHFCGI_PASSWORD_HASH and AUTHFCGI_PASSWORD_COST
 * into hash (PASSWORD_HASH_SIZE). Every copy of the password is wiped. Returns 0, or an exit
 * status after printing why (EX_DATAERR for a password the API would refuse, EX_NOINPUT for
 * none, EX_SOFTWARE when hashing fails). */
int cli_password_hash(const struct settings *s, char hash[PASSWORD_HASH_SIZE]);

#endif
