/* harness_app - the world of one test over the fake store (see harness_app.h). */
#include "config.h"

#include "harness_app.h"

#include <check.h>

#include "handler_harness.h"

struct fake_store *fs;
struct arena *arena;
struct settings settings;
struct app app;
bool app_ready;

struct settings harness_settings(void)
{
    return (struct settings){
        .secret = SECRET,
        .base_url = BASE_URL,
        .trusted_origins = FRONT,
        .session_storage = SESSION_STORAGE_PLAIN,
        .password_hash = PASSWORD_HASH_YESCRYPT,
        .password_cost = 1,
    };
}

void harness_app_new(const struct settings *s)
{
    fs = fake_store_new();
    arena = arena_create(64 * 1024);
    app_ready = false;
    harness_app_rebuild(s);
}

void harness_app_free(void)
{
    if (app_ready)
        app_free(&app);
    app_ready = false;
    fake_store_free(fs);
    fs = NULL;
    arena_destroy(arena);
    arena = NULL;
}

int harness_app_build(const struct settings *s, char *err, size_t errlen)
{
    struct settings copy = *s;
    int rc;

    if (app_ready)
        app_free(&app);
    settings = copy;
    rc = app_init(&app, &settings, fake_store_store(fs), err, errlen);
    app_ready = rc == 0;
    return rc;
}

void harness_app_rebuild(const struct settings *s)
{
    char err[256];

    ck_assert_msg(harness_app_build(s, err, sizeof(err)) == 0, "%s", err);
}
