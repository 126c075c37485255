/* check_store_contract - the store contract (store_contract.c) over the fake store of the
 * handler tests: the fake must behave as store_pg does, which
 * test/integration/check_store_contract shows on the same cases. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fake_store.h"
#include "store_contract.h"

static struct fake_store *fs;

static struct store *fake_open(void)
{
    fs = fake_store_new();
    return fake_store_store(fs);
}

static void fake_close(void)
{
    fake_store_free(fs);
    fs = NULL;
}

static void fake_rate_age(const char *key, int64_t ms)
{
    ck_assert(fake_store_rate_age(fs, key, ms));
}

static void fake_guard_age(const char *key, int64_t ms)
{
    struct fake_guard *g = fake_store_guard(fs, key);

    ck_assert_ptr_nonnull(g);
    g->window_start_ms -= ms;
    g->locked_until_ms -= ms;
}

static void fake_drop_credential(const char *user_id)
{
    fake_store_remove_credentials(fs, user_id);
}

static void fake_verification_rows_are(const char *identifier, int n)
{
    ck_assert_uint_eq(fake_store_verification_rows(fs, identifier), (size_t)n);
}

static void fake_outbox_rows_are(const char *message_id, int n)
{
    int rows = 0;

    for (size_t i = 0; i < fake_store_mail_count(fs); i++)
        rows += strcmp(fake_store_mail_at(fs, i)->message_id, message_id) == 0;
    ck_assert_int_eq(rows, n);
}

static void fake_session_rows_are(const char *user_id, int n)
{
    ck_assert_uint_eq(fake_store_session_count(fs, user_id), (size_t)n);
}

static const struct contract_backend fake_backend = {
    .name = "store_contract_fake",
    .open = fake_open,
    .close = fake_close,
    .rate_age = fake_rate_age,
    .guard_age = fake_guard_age,
    .drop_credential = fake_drop_credential,
    .verification_rows_are = fake_verification_rows_are,
    .outbox_rows_are = fake_outbox_rows_are,
    .session_rows_are = fake_session_rows_are,
};

int main(void)
{
    SRunner *sr = srunner_create(store_contract_suite(&fake_backend));
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
