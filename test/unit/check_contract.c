/* check_contract - the route table and schema/openapi.yaml must describe the same API: every
 * route has a path + method + operationId in the contract and every contract operation has a
 * route; every row of the error table (http_errors) is an error the contract lists with that
 * status and message, and the contract lists no error the table lacks. The contract is
 * written in a regular layout (paths at two spaces, methods at four, operationId at six),
 * which this reader relies on and checks. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/http.h"
#include "auth/router.h"

#define MAX_OPS 128

struct operation {
    char path[256];
    char method[16];
    char operation_id[128];
    char setting[64]; /* x-authfcgi-setting: the setting that routes it, or "" */
};

static struct operation ops[MAX_OPS];
static size_t nops;

/* indent_of - number of leading spaces. */
static size_t indent_of(const char *line)
{
    size_t n = 0;

    while (line[n] == ' ')
        n++;
    return n;
}

/* load_contract - collect (path, method, operationId) from the paths: section. */
static void load_contract(void)
{
    const char *srcdir = getenv("top_srcdir");
    char file[1024], line[1024], path[256] = "", method[16] = "";
    bool in_paths = false;
    FILE *f;

    snprintf(file, sizeof(file), "%s/schema/openapi.yaml", srcdir != NULL ? srcdir : ".");
    f = fopen(file, "r");
    ck_assert_msg(f != NULL, "cannot open %s", file);
    nops = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t ind = indent_of(line);
        char *s = line + ind;

        s[strcspn(s, "\r\n")] = '\0';
        if (*s == '\0' || *s == '#')
            continue;
        if (ind == 0) {
            in_paths = strcmp(s, "paths:") == 0;
            continue;
        }
        if (!in_paths)
            continue;
        if (ind == 2) {
            ck_assert_msg(s[0] == '/' && s[strlen(s) - 1] == ':', "bad path line: %s", s);
            snprintf(path, sizeof(path), "%.*s", (int)(strlen(s) - 1), s);
            method[0] = '\0';
        } else if (ind == 4 && s[strlen(s) - 1] == ':') {
            size_t i;

            for (i = 0; s[i] != ':' && i + 1 < sizeof(method); i++)
                method[i] = (char)toupper((unsigned char)s[i]);
            method[i] = '\0';
        } else if (ind == 6 && strncmp(s, "operationId:", 12) == 0) {
            const char *id = s + 12;

            while (*id == ' ')
                id++;
            ck_assert_msg(nops < MAX_OPS, "too many operations");
            ck_assert_msg(method[0] != '\0', "operationId outside a method under %s", path);
            snprintf(ops[nops].path, sizeof(ops[nops].path), "%s", path);
            snprintf(ops[nops].method, sizeof(ops[nops].method), "%s", method);
            ck_assert_msg(strlen(id) < sizeof(ops[nops].operation_id), "operationId too long: %s",
                          id);
            snprintf(ops[nops].operation_id, sizeof(ops[nops].operation_id), "%.127s", id);
            ops[nops].setting[0] = '\0';
            nops++;
        } else if (ind == 6 && strncmp(s, "x-authfcgi-setting:", 19) == 0) {
            ck_assert_msg(nops > 0 && strcmp(ops[nops - 1].path, path) == 0 &&
                              strcmp(ops[nops - 1].method, method) == 0,
                          "x-authfcgi-setting before operationId under %s", path);
            snprintf(ops[nops - 1].setting, sizeof(ops[nops - 1].setting), "%.63s", s + 20);
        }
    }
    fclose(f);
    ck_assert_msg(nops > 0, "no operations found in %s", file);
}

/* contract_path_matches - "/api/auth/reset-password/{token}" matches a route path written
 * with ":token". */
static bool contract_path_matches(const char *contract, const char *route)
{
    while (*contract != '\0' && *route != '\0') {
        if (*contract == '{' && *route == ':') {
            while (*contract != '\0' && *contract != '}')
                contract++;
            while (*route != '\0' && *route != '/')
                route++;
            if (*contract == '}')
                contract++;
            continue;
        }
        if (*contract != *route)
            return false;
        contract++;
        route++;
    }
    return *contract == '\0' && *route == '\0';
}

START_TEST(test_every_route_is_in_the_contract)
{
    load_contract();
    for (size_t i = 0; i < route_count; i++) {
        bool found = false;

        for (size_t j = 0; j < nops && !found; j++)
            found = strcmp(ops[j].method, route_table[i].method) == 0 &&
                    contract_path_matches(ops[j].path, route_table[i].path) &&
                    strcmp(ops[j].operation_id, route_table[i].operation_id) == 0;
        ck_assert_msg(found, "route %s %s (%s) missing from schema/openapi.yaml",
                      route_table[i].method, route_table[i].path, route_table[i].operation_id);
    }
}
END_TEST

/* A plugin's routes (ROUTE_TWO_FACTOR: 404 unless AUTHFCGI_TWO_FACTOR) are exactly the
 * operations the contract marks with `x-authfcgi-setting: AUTHFCGI_TWO_FACTOR`. */
START_TEST(test_plugin_routes_are_marked)
{
    load_contract();
    for (size_t i = 0; i < route_count; i++)
        for (size_t j = 0; j < nops; j++) {
            bool plugin = (route_table[i].flags & ROUTE_TWO_FACTOR) != 0;

            if (strcmp(ops[j].method, route_table[i].method) != 0 ||
                !contract_path_matches(ops[j].path, route_table[i].path))
                continue;
            ck_assert_msg(plugin == (strcmp(ops[j].setting, "AUTHFCGI_TWO_FACTOR") == 0),
                          "%s %s: ROUTE_TWO_FACTOR %s but x-authfcgi-setting is \"%s\"",
                          ops[j].method, ops[j].path, plugin ? "set" : "unset", ops[j].setting);
        }
}
END_TEST

START_TEST(test_every_contract_operation_has_a_route)
{
    load_contract();
    for (size_t j = 0; j < nops; j++) {
        bool found = false;

        for (size_t i = 0; i < route_count && !found; i++)
            found = strcmp(ops[j].method, route_table[i].method) == 0 &&
                    contract_path_matches(ops[j].path, route_table[i].path);
        ck_assert_msg(found, "contract operation %s %s (%s) has no route", ops[j].method,
                      ops[j].path, ops[j].operation_id);
    }
}
END_TEST

/* ---- the error table (http_errors) against the contract's error responses ----
 * What the contract says about errors, read from the same regular layout: a response status
 * is a quoted `"NNN":` key; `code:` keys list codes (`const: X` or `- X` below them); a
 * message-only error is a `- not: {required: [code]}` item whose `message:` lists its
 * messages; a component (components.responses.X, components.schemas.X) holding codes or
 * messages gets the statuses of the responses that `$ref` it; and the Error schema gives each
 * code's fixed message (`code: {const: X}` then `message: {const: M}`). */

#define MAX_FACTS 512

struct fact {
    char what[160]; /* a code, or a message-only error's message */
    char owner[64]; /* "": directly under a status in paths; else the component holding it */
    int status;     /* under a status in paths; 0 in a component (see refs) */
};

static struct fact codes[MAX_FACTS], messages[MAX_FACTS], refs[MAX_FACTS], fixed[MAX_FACTS];
static size_t ncodes, nmessages, nrefs, nfixed;

static void add_fact(struct fact *list, size_t *n, const char *what, size_t len, const char *owner,
                     int status)
{
    ck_assert_msg(*n < MAX_FACTS, "too many facts in the contract");
    ck_assert_msg(len < sizeof(list[*n].what), "value too long: %.*s", (int)len, what);
    snprintf(list[*n].what, sizeof(list[*n].what), "%.*s", (int)len, what);
    snprintf(list[*n].owner, sizeof(list[*n].owner), "%s", owner);
    list[*n].status = status;
    (*n)++;
}

/* scalar - the YAML scalar at s up to a closing '}' or the end, unquoted; *len its length. */
static const char *scalar(const char *s, size_t *len)
{
    size_t n = strcspn(s, "}");

    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s++;
        n -= 2;
    }
    *len = n;
    return s;
}

/* status_key - NNN for a `"NNN":` line, else 0. */
static int status_key(const char *s)
{
    if (s[0] == '"' && isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]) &&
        isdigit((unsigned char)s[3]) && strcmp(s + 4, "\":") == 0)
        return atoi(s + 1);
    return 0;
}

/* load_errors - collect codes, message-only messages, refs and the Error schema's messages. */
static void load_errors(void)
{
    const char *srcdir = getenv("top_srcdir");
    char file[1024], line[1024], top[32] = "", group[32] = "", component[64] = "";
    char pending_code[160] = "";
    int status = 0;
    size_t status_ind = 0, code_ind = 0, not_ind = 0, message_ind = 0;
    bool in_code = false, in_not = false, in_message = false;
    FILE *f;

    snprintf(file, sizeof(file), "%s/schema/openapi.yaml", srcdir != NULL ? srcdir : ".");
    f = fopen(file, "r");
    ck_assert_msg(f != NULL, "cannot open %s", file);
    ncodes = nmessages = nrefs = nfixed = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t ind = indent_of(line), len;
        char *s = line + ind;
        const char *v, *owner;

        s[strcspn(s, "\r\n")] = '\0';
        if (*s == '\0' || *s == '#')
            continue;
        if (status != 0 && ind <= status_ind)
            status = 0;
        if (in_code && ind <= code_ind)
            in_code = false;
        if (in_message && ind <= message_ind)
            in_message = false;
        if (in_not && ind <= not_ind)
            in_not = in_message = false;
        if (ind == 0) {
            snprintf(top, sizeof(top), "%.31s", s);
            group[0] = component[0] = '\0';
            continue;
        }
        if (strcmp(top, "components:") == 0 && ind == 2)
            snprintf(group, sizeof(group), "%.31s", s);
        else if (strcmp(top, "components:") == 0 && ind == 4)
            snprintf(component, sizeof(component), "%.*s", (int)strcspn(s, ":"), s);
        owner = strcmp(top, "paths:") == 0 ? "" : component;
        if (strcmp(top, "paths:") == 0 && status_key(s) != 0) {
            status = status_key(s);
            status_ind = ind;
            continue;
        }
        if (status != 0 && (v = strstr(s, "$ref: \"#/components/")) != NULL) {
            v = strchr(v + 20, '/');
            ck_assert_msg(v != NULL, "bad $ref: %s", s);
            v++;
            add_fact(refs, &nrefs, v, strcspn(v, "\""), "", status);
            continue;
        }
        if (strcmp(s, "code:") == 0) {
            in_code = true;
            code_ind = ind;
            continue;
        }
        if (in_code && (strncmp(s, "const: ", 7) == 0 || strncmp(s, "- ", 2) == 0)) {
            v = scalar(strchr(s, ' ') + 1, &len);
            add_fact(codes, &ncodes, v, len, owner, *owner == '\0' ? status : 0);
            continue;
        }
        if (strcmp(s, "- not: {required: [code]}") == 0) {
            in_not = true;
            not_ind = ind;
            continue;
        }
        if (in_not && strcmp(s, "message:") == 0) {
            in_message = true;
            message_ind = ind;
            continue;
        }
        if (in_message && (strncmp(s, "const: ", 7) == 0 || strncmp(s, "- ", 2) == 0)) {
            v = scalar(strchr(s, ' ') + 1, &len);
            add_fact(messages, &nmessages, v, len, owner, *owner == '\0' ? status : 0);
            continue;
        }
        /* The Error schema: `- if: {... code: {const: X}}}` then a `const: M` for its message. */
        if (strcmp(component, "Error") == 0 && strcmp(group, "schemas:") == 0) {
            if ((v = strstr(s, "code: {const: ")) != NULL) {
                v = scalar(v + 14, &len);
                snprintf(pending_code, sizeof(pending_code), "%.*s", (int)len, v);
            } else if (pending_code[0] != '\0' && (v = strstr(s, "const: ")) != NULL) {
                v = scalar(v + 7, &len);
                add_fact(fixed, &nfixed, v, len, pending_code, 0);
                pending_code[0] = '\0';
            }
        }
    }
    fclose(f);
    ck_assert_msg(ncodes > 0 && nrefs > 0 && nfixed > 0, "no error codes found in %s", file);
}

/* contract_has - list holds what with status, directly or through a component some response
 * $refs under that status. */
static bool contract_has(const struct fact *list, size_t n, const char *what, int status)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].what, what) != 0)
            continue;
        if (list[i].owner[0] == '\0' && list[i].status == status)
            return true;
        for (size_t j = 0; list[i].owner[0] != '\0' && j < nrefs; j++)
            if (strcmp(refs[j].what, list[i].owner) == 0 && refs[j].status == status)
                return true;
    }
    return false;
}

/* table_has - http_errors holds a row with code (NULL: message-only with message) and status. */
static bool table_has(const char *code, const char *message, int status)
{
    for (int e = 0; e < HTTP_ERROR__MAX; e++) {
        const struct http_error_def *d = &http_errors[e];

        if (d->status != status)
            continue;
        if (code != NULL ? d->code != NULL && strcmp(d->code, code) == 0
                         : d->code == NULL && strcmp(d->message, message) == 0)
            return true;
    }
    return false;
}

/* for_each_status - fn(f, status) for every status under which the contract lists f. */
static void for_each_status(const struct fact *f, void (*fn)(const struct fact *f, int status))
{
    if (f->owner[0] == '\0') {
        fn(f, f->status);
        return;
    }
    for (size_t j = 0; j < nrefs; j++)
        if (strcmp(refs[j].what, f->owner) == 0)
            fn(f, refs[j].status);
}

START_TEST(test_every_error_row_is_in_the_contract)
{
    load_errors();
    for (int e = 0; e < HTTP_ERROR__MAX; e++) {
        const struct http_error_def *d = &http_errors[e];

        ck_assert_msg(d->status >= 400 && d->status <= 599, "row %d: status %d", e, d->status);
        if (d->code == NULL) {
            ck_assert_msg(d->message != NULL, "row %d has neither code nor message", e);
            ck_assert_msg(contract_has(messages, nmessages, d->message, d->status),
                          "message-only error %d \"%s\" not in the contract under %d", e,
                          d->message, d->status);
            continue;
        }
        ck_assert_msg(contract_has(codes, ncodes, d->code, d->status),
                      "code %s (row %d) not in the contract under %d", d->code, e, d->status);
    }
}
END_TEST

/* A code's message in the table is the one the Error schema fixes for it; a row that words
 * its message per answer has none fixed there. */
START_TEST(test_error_messages_match_the_contract)
{
    load_errors();
    for (int e = 0; e < HTTP_ERROR__MAX; e++) {
        const struct http_error_def *d = &http_errors[e];
        const char *contract = NULL;

        if (d->code == NULL)
            continue;
        for (size_t i = 0; i < nfixed && contract == NULL; i++)
            if (strcmp(fixed[i].owner, d->code) == 0)
                contract = fixed[i].what;
        if (d->message == NULL)
            continue; /* worded per answer: the contract gives a pattern, if anything */
        ck_assert_msg(contract != NULL, "code %s has no fixed message in the Error schema",
                      d->code);
        ck_assert_msg(strcmp(contract, d->message) == 0,
                      "code %s: table says \"%s\", the contract \"%s\"", d->code, d->message,
                      contract);
    }
}
END_TEST

static void code_is_in_the_table(const struct fact *f, int status)
{
    ck_assert_msg(table_has(f->what, NULL, status),
                  "the contract answers %s with %d; http_errors has no such row", f->what, status);
}

static void message_is_in_the_table(const struct fact *f, int status)
{
    ck_assert_msg(table_has(NULL, f->what, status),
                  "the contract answers \"%s\" (no code) with %d; http_errors has no such row",
                  f->what, status);
}

START_TEST(test_every_contract_error_is_in_the_table)
{
    load_errors();
    for (size_t i = 0; i < ncodes; i++)
        for_each_status(&codes[i], code_is_in_the_table);
    for (size_t i = 0; i < nmessages; i++)
        for_each_status(&messages[i], message_is_in_the_table);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("routes");
    TCase *errors = tcase_create("errors");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_every_route_is_in_the_contract);
    tcase_add_test(tc, test_plugin_routes_are_marked);
    tcase_add_test(tc, test_every_contract_operation_has_a_route);
    suite_add_tcase(s, tc);
    tcase_add_test(errors, test_every_error_row_is_in_the_contract);
    tcase_add_test(errors, test_error_messages_match_the_contract);
    tcase_add_test(errors, test_every_contract_error_is_in_the_table);
    suite_add_tcase(s, errors);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
