/* harness - the application and seeded fake store the request-level fuzz targets share. */
#include "config.h"

#include "fuzz.h"

#include <string.h>
#include <time.h>

#include "fake_store.h"
#include "util/log.h"
#include "auth/password.h"

/* The anonymous send-verification-email answers no sooner than a floor (handler_email.c),
 * sleeping with clock_nanosleep: one such input would hold the fuzzer for half a second. The
 * fuzz programs' own definition wins over libc's for the code linked into them. */
int clock_nanosleep(clockid_t clock, int flags, const struct timespec *request,
                    struct timespec *remain)
{
    (void)clock;
    (void)flags;
    (void)request;
    (void)remain;
    return 0;
}

struct app fuzz_app;
struct settings fuzz_settings;
static char password_hash_of_users[PASSWORD_HASH_SIZE];
static struct fake_store *placeholder;

#define HOUR_MS (3600 * 1000LL)
#define DAY_MS (24 * HOUR_MS)
#define ALICE_ID "jIekEJBhZbNSSdM3t8WuI2uvHqYN4ceY"
#define BOB_ID "5HYHHAoNWU2F5fWx4IVyminru5S1mkVr"

void fuzz_app_init(void)
{
    char err[256];

    if (placeholder != NULL)
        return;
    /* Errors only: the injected store failures would flood the fuzzer's output. */
    log_set_level(LOG_LEVEL_ERROR);
    placeholder = fake_store_new();
    fuzz_settings = (struct settings){
        .secret = FUZZ_SECRET,
        .base_url = FUZZ_BASE_URL,
        .trusted_origins = FUZZ_TRUSTED,
        .session_storage = SESSION_STORAGE_PLAIN,
        .bearer = true,
        .rate_limit = true,
        .trusted_proxies = "10.0.0.0/8, ::1",
        .password_hash = PASSWORD_HASH_YESCRYPT,
        .password_cost = 1,
        .delete_user = true,
        .mail_from = "Example <noreply@example.com>",
        .change_email = true,
        .send_verification_on_sign_in = true,
        .pages = true,
    };
    if (app_init(&fuzz_app, &fuzz_settings, fake_store_store(placeholder), err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_app_init: %s\n", err);
        abort();
    }
    if (password_hash(&fuzz_app.passwords, "password123", strlen("password123"),
                      password_hash_of_users, sizeof password_hash_of_users) != PASSWORD_OK) {
        fprintf(stderr, "fuzz_app_init: password_hash failed\n");
        abort();
    }
}

struct fake_store *fuzz_world_new(void)
{
    struct fake_store *fs = fake_store_new();
    int64_t now = fake_store_now_ms();

    fake_store_add_user(fs, ALICE_ID, "Alice", "alice.632735@example.com", password_hash_of_users,
                        "RayEkyIJPVMbozg9wCaVUjxFV630JwBG", now - 3 * DAY_MS);
    fake_store_add_user(fs, BOB_ID, "Bob", "bob.632735@example.com", password_hash_of_users, NULL,
                        now - 3 * DAY_MS);
    /* A fresh session and one due for the sliding refresh. */
    fake_store_add_session(fs, "0GDVLI8T6xZVXGC2fzkg7NYpK7crwpsO",
                           "hDgBi1GhT1ZlMkfIZBJ49FZdu45guT8z", ALICE_ID, "fuzz", now - HOUR_MS,
                           now + 7 * DAY_MS - HOUR_MS);
    fake_store_add_session(fs, "6jkPEm5f4jf5I8wNATZ9X7ZXt1d5wVZE",
                           "nT2oTZSc2QjGKdyxXuAbvr2ujaLhTra3", ALICE_ID, NULL, now - 2 * DAY_MS,
                           now + 5 * DAY_MS);
    fake_store_add_verification(fs, "VerificationRow0000000000000000a",
                                "reset-password:fuzz-reset-token", ALICE_ID, now + HOUR_MS);
    fuzz_app.store = fake_store_store(fs);
    return fs;
}

void fuzz_world_free(struct fake_store *fs)
{
    fuzz_app.store = fake_store_store(placeholder);
    fake_store_free(fs);
}
