/* fuzz - what the libFuzzer targets in test/fuzz share: the entry points libFuzzer calls (the
 * same ones replay.c calls when the targets are built with gcc to replay the committed corpus
 * under `make check`), the invariant check that turns a broken promise into a crash libFuzzer
 * keeps a reproducer of, and the application every request-level target runs against. */
#ifndef AUTHFCGI_FUZZ_H
#define AUTHFCGI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth/app.h"
#include "global/settings.h"

struct fake_store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* FUZZ_CHECK - an invariant: when it does not hold, say which and abort (libFuzzer saves the
 * input as crash-*, a replay test fails). */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant failed (%s:%d): ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The configuration the targets run with: the reference peer's (see handler_harness.h), with
 * every optional feature on so that every route and branch is reachable. */
#define FUZZ_SECRET "ref-peer-secret-Zq7Vb2Lk9Xw4Tn6Rs1Pm8Hc3Jd5Gf0Ya"
#define FUZZ_BASE_URL "http://127.0.0.1:3000"
#define FUZZ_TRUSTED "http://localhost:8080"

/* fuzz_app_init - once per process: settings and app over a placeholder store, and the
 * password hash the seeded users get (hashed once: a hash per input would starve the fuzzer).
 * Aborts on failure. */
void fuzz_app_init(void);

/* fuzz_world_new - a fresh fake store for one input, seeded with Alice and Bob (password
 * "password123"), two live sessions of Alice's (the handler_harness.h cookies H_COOKIE and
 * N_COOKIE work) and a reset token "fuzz-reset-token" for her; the app is pointed at it.
 * fuzz_world_free releases it. */
struct fake_store *fuzz_world_new(void);
void fuzz_world_free(struct fake_store *fs);

extern struct app fuzz_app;
extern struct settings fuzz_settings;

#endif
