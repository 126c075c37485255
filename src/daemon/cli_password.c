/* cli_password - reading a new password without echo or argv, and hashing it as sign-up does. */
#include "config.h"

#include "daemon/cli_password.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "daemon/cli.h"
#include "global/settings.h"
#include "util/text.h"

/* Room for PASSWORD_MAX_UNITS code units of UTF-8 (at most 3 bytes each, 4 per surrogate
 * pair), a line end and more, so that a longer one is told apart. */
#define PASSWORD_INPUT_MAX 1024

/* read_line - one line of f into buf without its "\n" or "\r\n"; 0, -1 at end of input
 * before any byte, or LINE_TOO_LONG when the line does not fit. */
#define LINE_TOO_LONG 1
static int read_line(FILE *f, char *buf, size_t size, size_t *len)
{
    if (fgets(buf, (int)size, f) == NULL)
        return -1;
    *len = strlen(buf);
    if (*len > 0 && buf[*len - 1] == '\n')
        buf[--*len] = '\0';
    else if (!feof(f))
        return LINE_TOO_LONG;
    if (*len > 0 && buf[*len - 1] == '\r')
        buf[--*len] = '\0';
    return 0;
}

/* The terminal's modes before the prompt and while it shows, for on_signal. */
static struct termios saved_modes, quiet_modes;

/* on_signal - ^C, ^Z and the like at the prompt: echo back on, then the signal's default
 * action at once (the handler's own mask would defer it to the return). Death ends it there;
 * a stop returns once continued (fg), and the prompt's modes come back: what is typed then
 * must not show either. Only async-signal-safe calls. */
static void on_signal(int sig)
{
    int saved_errno = errno;
    sigset_t just;

    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_modes);
    signal(sig, SIG_DFL);
    sigemptyset(&just);
    sigaddset(&just, sig);
    sigprocmask(SIG_UNBLOCK, &just, NULL);
    raise(sig);
    signal(sig, on_signal);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet_modes);
    errno = saved_errno;
}

/* ask - prompt on stderr and read a line from the terminal on stdin with echo off. */
static int ask(const char *prompt, char *buf, size_t size, size_t *len)
{
    static const int deadly[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
    void (*before[sizeof deadly / sizeof deadly[0]])(int);

    if (tcgetattr(STDIN_FILENO, &saved_modes) != 0)
        return -1;
    quiet_modes = saved_modes;
    quiet_modes.c_lflag &= ~(tcflag_t)ECHO;
    quiet_modes.c_lflag |= ECHONL;
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++)
        before[i] = signal(deadly[i], on_signal);
    int rc = -1;
    /* Echo goes off (and what was typed ahead is dropped) before the prompt shows: what is
     * typed after it is never echoed nor lost. */
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet_modes) == 0) {
        fputs(prompt, stderr);
        fflush(stderr);
        rc = read_line(stdin, buf, size, len);
    }
    tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_modes);
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0]; i++)
        signal(deadly[i], before[i]);
    return rc;
}

/* too_long - the answer to a line longer than any password the API accepts. */
static int too_long(void)
{
    return cli_fail(EX_DATAERR, "password: too long (at most %d characters)", PASSWORD_MAX_UNITS);
}

/* read_password - from the terminal (twice, they must agree) or one line of stdin. Returns 0
 * or an exit status after the line. */
static int read_password(char *buf, size_t size, size_t *len)
{
    char again[PASSWORD_INPUT_MAX];
    size_t again_len = 0;

    /* Unbuffered: stdio's buffer of stdin would keep the line, unwiped, until exit. fgets
     * then reads a byte at a time, and nothing past the line end. */
    if (setvbuf(stdin, NULL, _IONBF, 0) != 0)
        return cli_fail(EX_SOFTWARE, "standard input cannot be read unbuffered");
    if (!isatty(STDIN_FILENO)) {
        int rc = read_line(stdin, buf, size, len);

        if (rc == LINE_TOO_LONG)
            return too_long();
        if (rc != 0)
            return cli_fail(EX_NOINPUT, "no password on standard input (one line expected)");
        return 0;
    }
    int rc = ask("New password: ", buf, size, len);

    if (rc == 0)
        rc = ask("Repeat it: ", again, sizeof again, &again_len);
    if (rc != 0) {
        explicit_bzero(again, sizeof again);
        return rc == LINE_TOO_LONG ? too_long() : cli_fail(EX_NOINPUT, "no password given");
    }
    bool same = again_len == *len && memcmp(again, buf, *len) == 0;
    explicit_bzero(again, sizeof again);
    return same ? 0 : cli_fail(EX_DATAERR, "the two passwords differ");
}

/* check_length - the API's rule (handler_password_length): 0 or EX_DATAERR after the line. */
static int check_length(const char *pw, size_t len)
{
    size_t units = 0;

    if (text_utf16_length(pw, len, &units) != 0)
        return cli_fail(EX_DATAERR, "password: not valid UTF-8");
    if (units < PASSWORD_MIN_UNITS)
        return cli_fail(EX_DATAERR, "password: too short (at least %d characters)",
                        PASSWORD_MIN_UNITS);
    if (units > PASSWORD_MAX_UNITS)
        return too_long();
    return 0;
}

int cli_password_hash(const struct settings *s, char hash[PASSWORD_HASH_SIZE])
{
    const struct password_config cfg = {
        .format =
            s->password_hash == PASSWORD_HASH_BETTERAUTH ? PASSWORD_BETTERAUTH : PASSWORD_YESCRYPT,
        .cost = (unsigned long)s->password_cost,
    };
    char pw[PASSWORD_INPUT_MAX];
    size_t len = 0;

    int rc = read_password(pw, sizeof pw, &len);
    if (rc == 0)
        rc = check_length(pw, len);
    if (rc == 0) {
        enum password_status ps = password_hash(&cfg, pw, len, hash, PASSWORD_HASH_SIZE);
        if (ps == PASSWORD_BAD_INPUT)
            rc = cli_fail(EX_DATAERR, "password: not accepted by the hash (a NUL byte?)");
        else if (ps != PASSWORD_OK)
            rc = cli_fail(EX_SOFTWARE, "password: hashing failed");
    }
    explicit_bzero(pw, sizeof pw);
    return rc;
}
