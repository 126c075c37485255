/* cli_user - `authfcgi user ...`: list, show, create, set-password, verify-email,
 * revoke-sessions and delete users in the database the workers use, with the API's rules. */
#ifndef AUTHFCGI_CLI_USER_H
#define AUTHFCGI_CLI_USER_H

/* cli_user_main - argv[0] is "user". Returns the exit status (sysexits.h; see the help). */
int cli_user_main(int argc, char **argv);

#endif
