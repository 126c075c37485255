/* rate_limit - rules, keys, and the one store call that counts a request. */
#include "config.h"

#include "auth/rate_limit.h"

#include <stdio.h>
#include <string.h>

#include "auth/app.h"
#include "auth/http.h"
#include "global/store.h"

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* rate_limit_rule_for - Better Auth's special rules, strict also for every route that hashes
 * a password (each guess costs a hash, wherever it is made), then Better Auth's default of 100
 * per 10 s. */
struct rate_limit_rule rate_limit_rule_for(const char *route_path, bool hashes)
{
    /* "/two-factor/": the twoFactor plugin's own rule, 3 per 10 s, as in Better Auth. */
    static const char *const strict[] = {"/sign-in", "/sign-up", "/change-password",
                                         "/change-email", "/two-factor/"};
    static const char *const mail[] = {"/request-password-reset", "/send-verification-email",
                                       "/forget-password", "/email-otp/send-verification-otp",
                                       "/email-otp/request-password-reset"};

    if (hashes)
        return (struct rate_limit_rule){10, 3};
    for (size_t i = 0; i < sizeof(strict) / sizeof(strict[0]); i++)
        if (starts_with(route_path, strict[i]))
            return (struct rate_limit_rule){10, 3};
    for (size_t i = 0; i < sizeof(mail) / sizeof(mail[0]); i++)
        if (starts_with(route_path, mail[i]))
            return (struct rate_limit_rule){60, 3};
    return (struct rate_limit_rule){10, 100};
}

/* rate_limit_check - see rate_limit.h. */
enum db_status rate_limit_check(const struct app *app, const struct request *req,
                                const char *route_path, bool hashes, bool *allowed,
                                int *retry_after_s)
{
    struct rate_limit_rule rule = rate_limit_rule_for(route_path, hashes);
    char key[512];

    snprintf(key, sizeof(key), "%s|%s", req->client_ip, route_path);
    return db_housekeeping(app->store->ops->rate_limit_hit(app->store->impl, key, rule.window_s,
                                                           rule.max, allowed, retry_after_s));
}
