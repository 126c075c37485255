/* config_test - `authfcgi config-test`: the configuration `authfcgi serve` would run with,
 * shown with its secrets redacted and checked, database and migrations included; what
 * `nginx -t` and `postconf -n` give their admins. */
#ifndef AUTHFCGI_CONFIG_TEST_H
#define AUTHFCGI_CONFIG_TEST_H

/* config_test_main - argv[0] is "config-test". Prints every effective setting on stdout,
 * one line per problem on stderr; returns 0 when there is none, else the exit status of the
 * first (sysexits.h: EX_CONFIG, EX_UNAVAILABLE for an unreachable database). */
int config_test_main(int argc, char **argv);

#endif
