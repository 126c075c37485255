/* harness_app - the world of one test for the suites that run the app over the fake store: the
 * store, an arena for requests, the settings and the app built from them, made and ended by
 * one call each instead of a copy in every suite. harness_settings is the reference peer's
 * configuration (auth.mjs); a suite changes the fields its tests are about. */
#ifndef AUTHFCGI_HARNESS_APP_H
#define AUTHFCGI_HARNESS_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/app.h"
#include "util/arena.h"
#include "fake_store.h"
#include "global/settings.h"

/* The world, owned by harness_app_new/harness_app_free; app points at settings. */
extern struct fake_store *fs;
extern struct arena *arena;
extern struct settings settings;
extern struct app app;
/* app_ready - whether app holds an app_init'ed app (harness_app_free frees it then). */
extern bool app_ready;

/* harness_settings - SECRET, BASE_URL, FRONT as the trusted origin, session tokens stored as
 * given (plain, as Better Auth stores them), yescrypt at cost 1 (fast); nothing else on. */
struct settings harness_settings(void);

/* harness_app_new - a new world: an empty fake store, a 64 KiB arena and app built from a copy
 * of s (asserting that app_init accepts it). harness_app_free ends the world. */
void harness_app_new(const struct settings *s);
void harness_app_free(void);

/* harness_app_build - build app again from a copy of s over the same store and arena (the one
 * before is freed); app_init's answer, with its message in err. harness_app_rebuild asserts
 * that it succeeds. s may be &settings. */
int harness_app_build(const struct settings *s, char *err, size_t errlen);
void harness_app_rebuild(const struct settings *s);

#endif
