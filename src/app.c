/* app - the per-worker configuration handlers read, derived once from the settings. */
#include "config.h"

#include "app.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "settings.h"

/* app_init - see app.h. */
int app_init(struct app *app, const struct settings *s, struct store *store, char *err,
             size_t errlen)
{
    memset(app, 0, sizeof(*app));
    app->settings = s;
    app->store = store;
    cookie_config_init(&app->cookies, s->secret,
                       s->base_url != NULL && strncasecmp(s->base_url, "https:", 6) == 0);
    if (origin_policy_init(&app->origins, s->base_url, s->trusted_origins, err, errlen) != 0)
        return -1;
    if (client_ip_proxies_parse(&app->proxies, s->trusted_proxies, err, errlen) != 0) {
        origin_policy_free(&app->origins);
        return -1;
    }
    app->passwords.format = s->password_hash != NULL && strcmp(s->password_hash, "betterauth") == 0
                                ? PASSWORD_BETTERAUTH
                                : PASSWORD_YESCRYPT;
    app->passwords.cost = (unsigned long)s->password_cost;
    app->hash_session_tokens = s->session_storage == NULL || strcmp(s->session_storage, "plain") != 0;
    app->bearer = s->bearer;
    app->rate_limit = s->rate_limit;
    app->delete_user = s->delete_user;
    return 0;
}

/* app_free - see app.h. */
void app_free(struct app *app)
{
    origin_policy_free(&app->origins);
    client_ip_proxies_free(&app->proxies);
    memset(app, 0, sizeof(*app));
}
