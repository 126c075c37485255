/* mail - the messages authfcgi sends (password reset, e-mail verification, change of e-mail),
 * rendered as complete RFC 5322 text/plain mails ready for a sendmail-compatible command. Pure
 * formatting: no I/O after mail_config_new has read the template files.
 *
 * Messages are rendered when the request that causes them commits its state change, and stored
 * whole in the outbox (outbox.h): the mailer only pipes them to the MTA. Line ends are LF, the
 * local convention `sendmail -t -i` expects (the MTA writes CRLF on the wire). No header line
 * exceeds 998 bytes and header values never contain CR or LF: everything a user controls is
 * either refused (recipient, URL) or stripped of control characters and encoded (name). */
#ifndef AUTHFCGI_MAIL_H
#define AUTHFCGI_MAIL_H

#include <stddef.h>
#include <time.h>

struct arena;

enum mail_kind {
    MAIL_RESET_PASSWORD, /* "reset-password" */
    MAIL_VERIFY_EMAIL,   /* "verify-email" */
    MAIL_CHANGE_EMAIL,   /* "change-email": sent to the new address */
    MAIL_TWO_FACTOR_OTP, /* "two-factor-otp": a sign-in code ({{code}}, no link) */
    MAIL_KIND__MAX
};

/* Longest accepted AUTHFCGI_MAIL_FROM and recipient address, in bytes. */
#define MAIL_ADDRESS_MAX 320

/* mail_kind_name - the kind's name as stored in authfcgi_outbox.kind and used for template
 * file names ("reset-password"). Static storage. */
const char *mail_kind_name(enum mail_kind kind);

/* mail_check_from - the rule for AUTHFCGI_MAIL_FROM: "addr@domain" or "Display Name
 * <addr@domain>" (the name may be quoted and may be UTF-8). Returns NULL when acceptable, else
 * a static reason worded to follow "AUTHFCGI_MAIL_FROM: ". */
const char *mail_check_from(const char *from);

/* The per-process configuration: the From header, the domain of Message-IDs and one subject
 * and body template per kind. */
struct mail_config;

/* mail_config_new - from = AUTHFCGI_MAIL_FROM (must pass mail_check_from); template_dir =
 * AUTHFCGI_MAIL_TEMPLATE_DIR or NULL. A template directory may hold, per kind, <kind>.subject
 * (one line) and <kind>.txt (the body); a missing file keeps the built-in default. Templates
 * are UTF-8 text with the placeholders {{url}}, {{name}} and {{email}}; any other {{...}} is
 * refused, and a body must have {{url}} alone on its line. Returns 0 with *out owned by the
 * caller (release with mail_config_free), or -1 with one line in err naming the file. */
int mail_config_new(struct mail_config **out, const char *from, const char *template_dir, char *err,
                    size_t errlen);
void mail_config_free(struct mail_config *c);

/* What a message says. Borrowed for the duration of mail_render. */
struct mail_fields {
    const char *recipient; /* To: an address already validated by the handler (ASCII) */
    const char *url;       /* {{url}}: the link, printable ASCII without spaces */
    const char *name;      /* {{name}}: the user's name (UTF-8); NULL = "" */
    const char *email;     /* {{email}}: NULL = the recipient */
    const char *code;      /* {{code}}: a one-time code (two-factor-otp, which has no url) */
};

/* A rendered message; every string lives in the arena given to mail_render. */
struct mail_message {
    enum mail_kind kind;
    const char *recipient;
    const char *subject;    /* as rendered, UTF-8 (the header holds its encoded form) */
    const char *message_id; /* "<token.authfcgi@domain>", as in the Message-ID header */
    const char *text;       /* the whole message: header, blank line, body; LF line ends */
};

/* mail_render - render kind for f at time now (the Date header). The Message-ID is drawn from
 * the kernel's CSPRNG, so two renderings never share one. The text holds the link, which is a
 * credential: the arena wipes it on reset. Returns 0, or -1 with a static reason in *why (an
 * unusable recipient or URL, or a failing random source). */
int mail_render(const struct mail_config *c, enum mail_kind kind, const struct mail_fields *f,
                time_t now, struct arena *a, struct mail_message *out, const char **why);

/* The building blocks, exposed for the unit tests. Each returns a malloc'd NUL-terminated
 * string the caller frees, or NULL on invalid input (stated per function). */

/* mail_encode_words - value as RFC 2047 "B" encoded-words (=?UTF-8?B?...?=) of at most 64
 * characters each, separated by single spaces, never splitting a UTF-8 character. NULL when
 * value is not valid UTF-8. */
char *mail_encode_words(const char *value);

/* mail_quoted_printable - body as quoted-printable (RFC 2045) with lines of at most 76
 * characters; LF line ends stay hard line breaks. Never NULL. */
char *mail_quoted_printable(const char *body);

/* mail_date - the RFC 5322 date-time of t in UTC ("Mon, 02 Jan 2006 15:04:05 +0000") into buf
 * (at least 32 bytes). Returns buf. */
char *mail_date(char *buf, size_t size, time_t t);

#endif
