/* access - the rules file of the authorizer: parsing with one-line errors naming FILE:LINE,
 * first-match evaluation, and the path normalisation that makes "/public/../private" and
 * "/%70rivate" match the rules of the path the web server will actually serve. */
#include "config.h"

#include "auth/access.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/arena.h"
#include "util/email.h"
#include "util/text.h"

#define RULES_MAX_BYTES (1024 * 1024)
#define LINE_MAX_BYTES 4096
#define FIELDS_MAX 4

struct access_rules {
    struct access_rule *rules; /* count of them, the default last */
    size_t count;
};

/* What a request without a Host gets from the first rule naming a host that its path and
 * method reach: which host it is for cannot be told, and skipping the rule would hand the
 * request to a later, wider one (HTTP/1.0 needs no Host; the server serves its default). */
static const struct access_rule no_host_rule = {.where = (char *)"no-host",
                                                .decision = ACCESS_DENY};

static const char *const decision_names[] = {
    [ACCESS_PUBLIC] = "public",     [ACCESS_SIGNED_IN] = "signed-in",
    [ACCESS_VERIFIED] = "verified", [ACCESS_EMAIL] = "email",
    [ACCESS_ROLE] = "role",         [ACCESS_TWO_FACTOR] = "two-factor",
    [ACCESS_DENY] = "deny",
};

/* access_decision_name - see access.h. */
const char *access_decision_name(enum access_decision d)
{
    return decision_names[d];
}

/* ------------------------------------------------------------------------------------------
 * Parsing one rule */

/* Where a line is, for its messages. */
struct line_ctx {
    const char *name;
    size_t line;
    char *err;
    size_t errlen;
};

static int rule_fail(const struct line_ctx *l, const char *what, const char *value)
{
    if (value != NULL)
        return text_fail(l->err, l->errlen, "%s:%zu: %s: %.64s", l->name, l->line, what, value);
    return text_fail(l->err, l->errlen, "%s:%zu: %s", l->name, l->line, what);
}

static void rule_free(struct access_rule *r)
{
    free(r->where);
    free(r->prefix);
    if (r->has_regex)
        regfree(&r->regex);
    free(r->methods);
    free(r->host);
    for (size_t i = 0; i < r->nemails; i++)
        free(r->emails[i]);
    free(r->emails);
    for (size_t i = 0; i < r->nroles; i++)
        free(r->roles[i]);
    free(r->roles);
    memset(r, 0, sizeof *r);
}

static int parse_path(struct access_rule *r, const char *tok, const struct line_ctx *l)
{
    if (tok[0] == '~') {
        int rc = regcomp(&r->regex, tok + 1, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char why[128];
            regerror(rc, &r->regex, why, sizeof why);
            return rule_fail(l, "bad regular expression", why);
        }
        r->has_regex = true;
        return 0;
    }
    if (tok[0] != '/')
        return rule_fail(l, "a path starts with / (a prefix) or ~ (a regular expression)", tok);
    size_t len = strlen(tok);
    while (len > 1 && tok[len - 1] == '/')
        len--;
    /* "/" leaves the empty prefix, which matches every path. */
    if ((r->prefix = strndup(tok, len == 1 ? 0 : len)) == NULL)
        return rule_fail(l, "out of memory", NULL);
    return 0;
}

static bool is_method_list(const char *tok)
{
    if (tok[0] == ',' || tok[strlen(tok) - 1] == ',' || strstr(tok, ",,") != NULL)
        return false;
    return strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZ-,") == strlen(tok);
}

/* parse_methods - ",A,B," for matching; GET brings HEAD along (servers answer HEAD as GET). */
static int parse_methods(struct access_rule *r, const char *tok, const struct line_ctx *l)
{
    if (r->methods != NULL)
        return rule_fail(l, "methods given twice", tok);
    if (!is_method_list(tok))
        return rule_fail(l, "bad methods (upper-case names separated by commas, e.g. GET,HEAD)",
                         tok);
    size_t size = strlen(tok) + 8;
    if ((r->methods = malloc(size)) == NULL)
        return rule_fail(l, "out of memory", NULL);
    snprintf(r->methods, size, ",%s,", tok);
    if (strstr(r->methods, ",GET,") != NULL && strstr(r->methods, ",HEAD,") == NULL)
        strcat(r->methods, "HEAD,");
    return 0;
}

static int parse_host(struct access_rule *r, const char *value, const struct line_ctx *l)
{
    const char *name = strncmp(value, "*.", 2) == 0 ? value + 2 : value;

    if (r->host != NULL)
        return rule_fail(l, "host= given twice", value);
    if (*name == '\0' || name[0] == '.' ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
            strlen(name))
        return rule_fail(l, "bad host (a name such as example.com or *.example.com)", value);
    /* Unchecked, a host lost to out of memory would leave the rule for every host. */
    if ((r->host = strdup(value)) == NULL)
        return rule_fail(l, "out of memory", NULL);
    for (char *p = r->host; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return 0;
}

/* email_entry_ok - "user@domain" as sign-up accepts it, or "@domain". */
static bool email_entry_ok(const char *e, size_t n)
{
    if (n > 1 && e[0] == '@') {
        char probe[300];
        int len = snprintf(probe, sizeof probe, "x%.*s", (int)n, e);
        return len > 0 && (size_t)len < sizeof probe && email_is_valid(probe, (size_t)len);
    }
    return email_is_valid(e, n);
}

/* parse_list - the comma-separated entries of list into *items (*n of them, malloc'd), each
 * one accepted by ok; empty and bad are the messages for an empty list and a refused entry. */
static int parse_list(const char *list, bool (*ok)(const char *, size_t), char ***items, size_t *n,
                      const char *empty, const char *bad, const struct line_ctx *l)
{
    if (*list == '\0')
        return rule_fail(l, empty, NULL);
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        if (!ok(p, len)) {
            char what[128];
            snprintf(what, sizeof what, "%.*s", (int)(len < 100 ? len : 100), p);
            return rule_fail(l, bad, what);
        }
        char **grown = realloc(*items, (*n + 1) * sizeof *grown);
        if (grown == NULL)
            return rule_fail(l, "out of memory", NULL);
        *items = grown;
        if ((grown[*n] = strndup(p, len)) == NULL)
            return rule_fail(l, "out of memory", NULL);
        (*n)++;
        p += len;
        if (*p == '\0')
            return 0;
    }
}

static int parse_emails(struct access_rule *r, const char *list, const struct line_ctx *l)
{
    if (parse_list(list, email_entry_ok, &r->emails, &r->nemails,
                   "email: needs addresses or @domains separated by commas",
                   "bad address in email: (user@domain or @domain)", l) != 0)
        return -1;
    for (size_t i = 0; i < r->nemails; i++)
        email_lowercase(r->emails[i], strlen(r->emails[i]));
    return 0;
}

/* role_ok - a role name as Better Auth's roles are spelt: letters, digits, '-', '_'. */
static bool role_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
            return false;
    return true;
}

static int parse_roles(struct access_rule *r, const char *list, const struct line_ctx *l)
{
    return parse_list(list, role_ok, &r->roles, &r->nroles,
                      "role: needs role names separated by commas",
                      "bad role name in role: (letters, digits, - and _)", l);
}

static int parse_decision(struct access_rule *r, const char *tok, const struct line_ctx *l)
{
    static const enum access_decision plain[] = {ACCESS_PUBLIC, ACCESS_SIGNED_IN, ACCESS_VERIFIED,
                                                 ACCESS_TWO_FACTOR, ACCESS_DENY};

    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (strcmp(tok, decision_names[plain[i]]) == 0) {
            r->decision = plain[i];
            return 0;
        }
    }
    if (strncmp(tok, "email:", 6) == 0) {
        r->decision = ACCESS_EMAIL;
        return parse_emails(r, tok + 6, l);
    }
    if (strncmp(tok, "role:", 5) == 0) {
        r->decision = ACCESS_ROLE;
        return parse_roles(r, tok + 5, l);
    }
    return rule_fail(l,
                     "unknown decision (public, signed-in, verified, email:..., role:..., "
                     "two-factor, deny)",
                     tok);
}

/* split_fields - cut line (modified) at blanks; at most FIELDS_MAX + 1 are counted. */
static size_t split_fields(char *line, char *fields[FIELDS_MAX + 1])
{
    size_t n = 0;
    char *save = NULL;

    for (char *tok = strtok_r(line, " \t\r", &save); tok != NULL;
         tok = strtok_r(NULL, " \t\r", &save)) {
        if (n <= FIELDS_MAX)
            fields[n] = tok;
        n++;
    }
    return n;
}

/* parse_rule - one non-blank, non-comment line (modified) into r. */
static int parse_rule(struct access_rule *r, char *line, const struct line_ctx *l)
{
    char *fields[FIELDS_MAX + 1];
    size_t n = split_fields(line, fields);

    if (n < 2)
        return rule_fail(l, "a rule is PATH [METHODS] [host=HOST] DECISION", NULL);
    if (n > FIELDS_MAX)
        return rule_fail(l, "too many fields (PATH [METHODS] [host=HOST] DECISION)",
                         fields[FIELDS_MAX]);
    if (parse_path(r, fields[0], l) != 0)
        return -1;
    for (size_t i = 1; i + 1 < n; i++) {
        int rc = strncmp(fields[i], "host=", 5) == 0 ? parse_host(r, fields[i] + 5, l)
                                                     : parse_methods(r, fields[i], l);
        if (rc != 0)
            return -1;
    }
    return parse_decision(r, fields[n - 1], l);
}

/* ------------------------------------------------------------------------------------------
 * A whole file */

static int add_rule(struct access_rules *set, struct access_rule *r, const char *where)
{
    struct access_rule *grown = realloc(set->rules, (set->count + 1) * sizeof *grown);

    if (grown == NULL || (r->where = strdup(where)) == NULL) {
        if (grown != NULL)
            set->rules = grown;
        return -1;
    }
    set->rules = grown;
    set->rules[set->count++] = *r;
    return 0;
}

/* parse_line - one line of the file (len bytes at text, no newline). */
static int parse_line(struct access_rules *set, const char *text, size_t len,
                      const struct line_ctx *l)
{
    char buf[LINE_MAX_BYTES + 1], where[300];
    struct access_rule r = {0};

    if (len > LINE_MAX_BYTES)
        return rule_fail(l, "line too long", NULL);
    memcpy(buf, text, len);
    buf[len] = '\0';
    size_t lead = strspn(buf, " \t\r");
    if (buf[lead] == '\0' || buf[lead] == '#')
        return 0;
    if (parse_rule(&r, buf, l) != 0) {
        rule_free(&r);
        return -1;
    }
    snprintf(where, sizeof where, "%s:%zu", l->name, l->line);
    if (add_rule(set, &r, where) != 0) {
        rule_free(&r);
        return rule_fail(l, "out of memory", NULL);
    }
    return 0;
}

/* access_rules_parse - see access.h. */
int access_rules_parse(struct access_rules **out, const char *name, const char *text, char *err,
                       size_t errlen)
{
    struct access_rules *set = calloc(1, sizeof *set);
    struct line_ctx l = {.name = name, .err = err, .errlen = errlen};
    struct access_rule dflt = {.decision = ACCESS_SIGNED_IN};

    *out = NULL;
    if (set == NULL)
        return text_fail(err, errlen, "%s: out of memory", name);
    for (const char *p = text; p != NULL && *p != '\0';) {
        size_t len = strcspn(p, "\n");
        l.line++;
        if (parse_line(set, p, len, &l) != 0) {
            access_rules_free(set);
            return -1;
        }
        p += len + (p[len] == '\n');
    }
    if (add_rule(set, &dflt, "default") != 0) {
        access_rules_free(set);
        return text_fail(err, errlen, "%s: out of memory", name);
    }
    *out = set;
    return 0;
}

/* read_file - the whole file, NUL-terminated (malloc'd), or NULL with err filled. */
static char *read_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char *text = f != NULL ? malloc(RULES_MAX_BYTES + 1) : NULL;
    size_t got = text != NULL ? fread(text, 1, RULES_MAX_BYTES + 1, f) : 0;

    if (f == NULL || text == NULL || ferror(f) || got > RULES_MAX_BYTES) {
        int e = errno;
        text_fail(err, errlen, "%s: cannot be read: %s", path,
                  f == NULL || ferror(f) ? strerror(e)
                  : text == NULL         ? "out of memory"
                                         : "larger than 1 MiB");
        free(text);
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    fclose(f);
    text[got] = '\0';
    if (strlen(text) != got) {
        text_fail(err, errlen, "%s: cannot be read: it holds a NUL byte", path);
        free(text);
        return NULL;
    }
    return text;
}

/* access_rules_load - see access.h. */
int access_rules_load(struct access_rules **out, const char *path, char *err, size_t errlen)
{
    if (path == NULL)
        return access_rules_parse(out, "default", "", err, errlen);
    char *text = read_file(path, err, errlen);
    if (text == NULL)
        return -1;
    int rc = access_rules_parse(out, path, text, err, errlen);
    free(text);
    return rc;
}

/* access_rules_free - see access.h. */
void access_rules_free(struct access_rules *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->count; i++)
        rule_free(&r->rules[i]);
    free(r->rules);
    free(r);
}

/* ------------------------------------------------------------------------------------------
 * Matching */

static bool path_matches(const struct access_rule *r, const char *path)
{
    if (r->prefix == NULL)
        return !r->has_regex || regexec(&r->regex, path, 0, NULL, 0) == 0;
    size_t n = strlen(r->prefix);
    return strncmp(path, r->prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* method_matches - any case: Apache passes a "post" on as it came, and the apps behind it
 * (Django, Flask, Symfony) take it for POST, so a rule about POST must judge it. */
static bool method_matches(const struct access_rule *r, const char *method)
{
    if (r->methods == NULL)
        return true;
    size_t n = strlen(method);
    if (n == 0 || strchr(method, ',') != NULL)
        return false;
    for (const char *p = r->methods + 1; *p != '\0'; p += strcspn(p, ",") + 1)
        if (strncasecmp(p, method, n) == 0 && p[n] == ',')
            return true;
    return false;
}

/* host_matches - the Host header without its port (and a final '.'), any case; never
 * called without one. */
static bool host_matches(const struct access_rule *r, const char *host)
{
    if (r->host == NULL)
        return true;
    size_t n = host[0] == '[' ? strcspn(host, "]") + (host[strcspn(host, "]")] == ']')
                              : strcspn(host, ":");
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (strncmp(r->host, "*.", 2) != 0)
        return n == strlen(r->host) && strncasecmp(host, r->host, n) == 0;
    size_t suffix = strlen(r->host) - 1; /* ".example.com" */
    return n > suffix && strncasecmp(host + n - suffix, r->host + 1, suffix) == 0;
}

/* access_rules_match - see access.h. */
const struct access_rule *access_rules_match(const struct access_rules *r, const char *method,
                                             const char *host, const char *path)
{
    for (size_t i = 0; i + 1 < r->count; i++) {
        const struct access_rule *rule = &r->rules[i];
        if (!path_matches(rule, path) || !method_matches(rule, method))
            continue;
        if (rule->host != NULL && (host == NULL || *host == '\0'))
            return &no_host_rule;
        if (host_matches(rule, host))
            return rule;
    }
    return &r->rules[r->count - 1];
}

/* access_email_allowed - see access.h. */
bool access_email_allowed(const struct access_rule *rule, const char *email)
{
    const char *at = email != NULL ? strrchr(email, '@') : NULL;

    if (at == NULL)
        return false;
    for (size_t i = 0; i < rule->nemails; i++) {
        const char *e = rule->emails[i];
        if (e[0] == '@' ? strcasecmp(at, e) == 0 : strcasecmp(email, e) == 0)
            return true;
    }
    return false;
}

/* access_rules_first - see access.h. */
const char *access_rules_first(const struct access_rules *r, enum access_decision d)
{
    for (size_t i = 0; r != NULL && i < r->count; i++)
        if (r->rules[i].decision == d)
            return r->rules[i].where;
    return NULL;
}

/* access_role_allowed - see access.h. Names compare exactly, as Better Auth's do. */
bool access_role_allowed(const struct access_rule *rule, const char *roles)
{
    const char *p = roles != NULL && roles[0] != '\0' ? roles : "user";

    for (;;) {
        size_t n = strcspn(p, ",");
        for (size_t i = 0; i < rule->nroles; i++)
            if (strlen(rule->roles[i]) == n && strncmp(rule->roles[i], p, n) == 0)
                return true;
        if (p[n] == '\0')
            return false;
        p += n + 1;
    }
}

/* ------------------------------------------------------------------------------------------
 * Paths */

/* pop_segment - drop the last segment of out[0..*n) (which starts with '/'). */
static void pop_segment(const char *out, size_t *n)
{
    while (*n > 0 && out[*n - 1] != '/')
        (*n)--;
    if (*n > 1)
        (*n)--;
    while (*n > 0 && out[*n - 1] != '/')
        (*n)--;
}

/* resolve_dots - remove "." and ".." segments and empty ones from the decoded path in place
 * (RFC 3986 5.2.4, with "//" merged as web servers do). */
static void resolve_dots(char *p)
{
    size_t n = 0;

    for (const char *seg = p; *seg != '\0';) {
        seg += strspn(seg, "/");
        size_t len = strcspn(seg, "/");
        bool last = seg[len] == '\0';
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.')) {
            if (len == 2)
                pop_segment(p, &n);
            if (n == 0 || p[n - 1] != '/')
                p[n++] = '/';
        } else if (len > 0) {
            if (n == 0 || p[n - 1] != '/')
                p[n++] = '/';
            memmove(p + n, seg, len);
            n += len;
            if (!last)
                p[n++] = '/';
        }
        seg += len;
    }
    if (n == 0)
        p[n++] = '/';
    p[n] = '\0';
}

/* access_normalize_path - see access.h. */
char *access_normalize_path(struct arena *a, const char *raw, size_t len)
{
    if (len == 0 || raw[0] != '/')
        return NULL;
    char *out = arena_alloc(a, len + 2);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (raw[i] != '%') {
            /* nginx and lighttpd serve the path up to a raw '#' but pass it on whole
             * ($request_uri, REQUEST_URI): "/closed/x#/../../open/" would be judged as /open/.
             * No client sends a fragment, so refusing it costs nobody anything. */
            if (raw[i] == '\0' || raw[i] == '#')
                return NULL;
            out[n++] = raw[i];
            continue;
        }
        int hi = i + 2 < len ? text_hex_value(raw[i + 1]) : -1;
        int lo = hi >= 0 ? text_hex_value(raw[i + 2]) : -1;
        if (lo < 0 || (hi == 0 && lo == 0))
            return NULL;
        out[n++] = (char)(hi * 16 + lo);
        i += 2;
    }
    out[n] = '\0';
    resolve_dots(out);
    return out;
}
