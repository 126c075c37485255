/* app - the per-worker configuration handlers read, derived once from the settings. */
#include "config.h"

#include "auth/app.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth/authorize.h"
#include "auth/page_view.h"
#include "global/mail.h"
#include "global/settings.h"

/* app_init - see app.h. */
int app_init(struct app *app, const struct settings *s, struct store *store, char *err,
             size_t errlen)
{
    memset(app, 0, sizeof(*app));
    app->settings = s;
    app->store = store;
    cookie_config_init(&app->cookies, s->secret,
                       s->base_url != NULL && strncasecmp(s->base_url, "https:", 6) == 0);
    app->cookies.bearer_unsigned = s->bearer_unsigned;
    if (origin_policy_init(&app->origins, s->base_url, s->trusted_origins, err, errlen) != 0)
        return -1;
    if (client_ip_proxies_parse(&app->proxies, s->trusted_proxies, err, errlen) != 0) {
        origin_policy_free(&app->origins);
        return -1;
    }
    if (s->require_email_verification && s->mail_from == NULL) {
        snprintf(err, errlen,
                 "AUTHFCGI_REQUIRE_EMAIL_VERIFICATION: needs AUTHFCGI_MAIL_FROM (without mail "
                 "nobody could verify an address, so nobody could sign in)");
        app_free(app);
        return -1;
    }
    if (s->mail_from != NULL &&
        mail_config_new(&app->mail, s->mail_from, s->mail_template_dir, err, errlen) != 0) {
        app_free(app);
        return -1;
    }
    if (s->pages && page_view_new(&app->pages, s->pages_template_dir, err, errlen) != 0) {
        app_free(app);
        return -1;
    }
    if (authorize_init(app, s, err, errlen) != 0) {
        app_free(app);
        return -1;
    }
    app->passwords.format =
        s->password_hash == PASSWORD_HASH_BETTERAUTH ? PASSWORD_BETTERAUTH : PASSWORD_YESCRYPT;
    app->passwords.cost = (unsigned long)s->password_cost;
    password_kinds_init(&app->hash_kinds, &app->passwords);
    app->hash_session_tokens = s->session_storage == SESSION_STORAGE_HASH;
    app->bearer = s->bearer;
    app->cookie_cache = s->cookie_cache;
    app->cookie_cache_max_age = s->cookie_cache_max_age;
    app->rate_limit = s->rate_limit;
    app->account_guard = s->rate_limit && s->account_guard;
    app->delete_user = s->delete_user;
    app->admin = s->admin;
    app->two_factor = s->two_factor;
    app->user_view.admin = s->admin;
    /* Better Auth's default appName when the setting is given empty. */
    app->app_name = s->app_name != NULL && *s->app_name != '\0' ? s->app_name : "Better Auth";
    app->user_view.two_factor = s->two_factor;
    app->change_email = s->change_email;
    app->require_email_verification = s->require_email_verification;
    app->verify_on_sign_up = s->send_verification_on_sign_up || s->require_email_verification;
    app->verify_on_sign_in = s->send_verification_on_sign_in;
    app->revoke_sessions_on_reset = s->revoke_sessions_on_reset;
    return 0;
}

/* app_free - see app.h. */
void app_free(struct app *app)
{
    origin_policy_free(&app->origins);
    client_ip_proxies_free(&app->proxies);
    if (app->mail != NULL)
        mail_config_free(app->mail);
    page_view_free(app->pages);
    authorize_free(app);
    memset(app, 0, sizeof(*app));
}
