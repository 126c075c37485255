/* store_contract - the behaviour every struct store must show, written once against store.h's
 * operations and run over the fake store of the handler tests (test/unit/check_store_contract)
 * and over store_pg on a migrated PostgreSQL (test/integration/check_store_contract), so the
 * fake the handler tests trust cannot drift from the product. */
#ifndef AUTHFCGI_STORE_CONTRACT_H
#define AUTHFCGI_STORE_CONTRACT_H

#include <check.h>
#include <stdint.h>

#include "global/store.h"

/* What a store under test provides besides store_ops: a fresh store per test, and the few
 * reads and edits of rows the interface has no operation for. Time-dependent behaviour is
 * tested by moving rows into the past, never by waiting. Ids and keys are random, so the
 * database may hold other rows. */
struct contract_backend {
    const char *name;
    struct store *(*open)(void); /* a store for one test; valid until close */
    void (*close)(void);
    /* rate_age - the rate-limit row of key (lastRequest) ms earlier. */
    void (*rate_age)(const char *key, int64_t ms);
    /* guard_age - the account-guard row of key (window start and lock) ms earlier. */
    void (*guard_age)(const char *key, int64_t ms);
    /* drop_credential - delete the user's credential accounts (as for an OAuth-only user). */
    void (*drop_credential)(const char *user_id);
    /* Assert how many rows there are, expired ones included. */
    void (*verification_rows_are)(const char *identifier, int n);
    void (*outbox_rows_are)(const char *message_id, int n);
    void (*session_rows_are)(const char *user_id, int n);
};

/* store_contract_suite - the contract's cases over b (borrowed for the suite's lifetime; the
 * cases run one at a time in one process). */
Suite *store_contract_suite(const struct contract_backend *b);

#endif
