/* check_contract - the route table and schema/openapi.yaml must describe the same API: every
 * route has a path + method + operationId in the contract and every contract operation has a
 * route. The contract is written in a regular layout (paths at two spaces, methods at four,
 * operationId at six), which this reader relies on and checks. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "router.h"

#define MAX_OPS 128

struct operation {
    char path[256];
    char method[16];
    char operation_id[128];
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
            nops++;
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

int main(void)
{
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("routes");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_every_route_is_in_the_contract);
    tcase_add_test(tc, test_every_contract_operation_has_a_route);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
