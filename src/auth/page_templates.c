/* page_templates - the compiled-in templates of the built-in pages and their stylesheet (a
 * declared table: page_view.h says what each placeholder stands for). A site replaces any of
 * them with a file of the same name in AUTHFCGI_PAGES_TEMPLATE_DIR. */
#include "config.h"

#include "auth/page_view.h"

/* clang-format off */
static const char *const builtin[PAGE_TEMPLATE__MAX] = {
    [PAGE_LAYOUT] =
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>{{title}}</title>\n"
        "<link rel=\"stylesheet\" href=\"/auth/style.css\">\n"
        "</head>\n"
        "<body>\n"
        "<main>\n"
        "{{content}}"
        "</main>\n"
        "</body>\n"
        "</html>\n",
    [PAGE_SIGN_IN] =
        "<h1>Sign in</h1>\n"
        "{{error}}"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<label for=\"email\">E-mail address</label>\n"
        "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required "
        "value=\"{{email}}\"{{invalid}}>\n"
        "<label for=\"password\">Password</label>\n"
        "<input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"current-password\" required{{invalid}}>\n"
        "<input type=\"hidden\" name=\"rememberMe\" value=\"false\">\n"
        "<label class=\"check\"><input type=\"checkbox\" name=\"rememberMe\" value=\"true\" "
        "checked> Keep me signed in</label>\n"
        "<button type=\"submit\">Sign in</button>\n"
        "</form>\n"
        "{{links}}",
    [PAGE_SIGN_UP] =
        "<h1>Create an account</h1>\n"
        "{{error}}"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<label for=\"name\">Name</label>\n"
        "<input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"name\" required "
        "value=\"{{name}}\"{{invalid}}>\n"
        "<label for=\"email\">E-mail address</label>\n"
        "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required "
        "value=\"{{email}}\"{{invalid}}>\n"
        "<label for=\"password\">Password <span class=\"hint\">(at least 8 characters)</span>"
        "</label>\n"
        "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" "
        "required minlength=\"8\" maxlength=\"128\"{{invalid}}>\n"
        "<button type=\"submit\">Create account</button>\n"
        "</form>\n"
        "{{links}}",
    [PAGE_SIGN_OUT] =
        "<h1>Sign out</h1>\n"
        "{{error}}"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<p>Sign out of this site on this device?</p>\n"
        "<button type=\"submit\">Sign out</button>\n"
        "</form>\n"
        "{{links}}",
    [PAGE_FORGOT_PASSWORD] =
        "<h1>Forgot your password?</h1>\n"
        "{{error}}"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<p>Enter your e-mail address: we will send you a link to choose a new password.</p>\n"
        "<label for=\"email\">E-mail address</label>\n"
        "<input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"email\" required "
        "value=\"{{email}}\"{{invalid}}>\n"
        "<button type=\"submit\">Send the link</button>\n"
        "</form>\n"
        "{{links}}",
    [PAGE_RESET_PASSWORD] =
        "<h1>Choose a new password</h1>\n"
        "{{error}}"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<input type=\"hidden\" name=\"token\" value=\"{{token}}\">\n"
        "<label for=\"newPassword\">New password <span class=\"hint\">(at least 8 "
        "characters)</span></label>\n"
        "<input id=\"newPassword\" name=\"newPassword\" type=\"password\" "
        "autocomplete=\"new-password\" required minlength=\"8\" maxlength=\"128\"{{invalid}}>\n"
        "<button type=\"submit\">Change password</button>\n"
        "</form>\n"
        "{{links}}",
    [PAGE_TWO_FACTOR] =
        "<h1>Two-factor sign-in</h1>\n"
        "{{error}}"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<input type=\"hidden\" name=\"method\" value=\"totp\">\n"
        "<label for=\"code\">Code from your authenticator app</label>\n"
        "<input id=\"code\" name=\"code\" type=\"text\" inputmode=\"numeric\" "
        "autocomplete=\"one-time-code\" required{{invalid}}>\n"
        "<label class=\"check\"><input type=\"checkbox\" name=\"trustDevice\" value=\"true\">"
        " Trust this device for 30 days</label>\n"
        "<button type=\"submit\">Verify</button>\n"
        "</form>\n"
        "<details>\n"
        "<summary>Use a backup code instead</summary>\n"
        "<form method=\"post\" action=\"{{action}}\">\n"
        "<input type=\"hidden\" name=\"method\" value=\"backup\">\n"
        "<label for=\"backupCode\">Backup code</label>\n"
        "<input id=\"backupCode\" name=\"code\" type=\"text\" autocomplete=\"off\" "
        "required>\n"
        "<label class=\"check\"><input type=\"checkbox\" name=\"trustDevice\" value=\"true\">"
        " Trust this device for 30 days</label>\n"
        "<button type=\"submit\">Use the backup code</button>\n"
        "</form>\n"
        "</details>\n"
        "{{otp}}"
        "{{links}}",
    [PAGE_MESSAGE] =
        "<h1>{{title}}</h1>\n"
        "{{error}}"
        "<p class=\"message\">{{message}}</p>\n"
        "{{links}}",
    [PAGE_STYLE] =
        "*,*::before,*::after{box-sizing:border-box}\n"
        "html{font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;background:#f4f5f7}\n"
        "body{margin:0;padding:1rem}\n"
        "main{max-width:26rem;margin:2rem auto;padding:1.5rem;background:#fff;"
        "border:1px solid #d0d4da;border-radius:.5rem}\n"
        "h1{font-size:1.5rem;margin:0 0 1rem}\n"
        "label{display:block;margin:.75rem 0 .25rem;font-weight:600}\n"
        "label.check{font-weight:400}\n"
        "input[type=email],input[type=password],input[type=text]{display:block;width:100%;"
        "padding:.5rem;font:inherit;border:1px solid #6b7280;border-radius:.25rem}\n"
        "input[aria-invalid=true]{border-color:#b00020}\n"
        "input:focus,button:focus,a:focus,.error:focus{outline:3px solid #1d4ed8;"
        "outline-offset:2px}\n"
        "button{margin-top:1rem;width:100%;padding:.6rem;font:inherit;font-weight:600;"
        "color:#fff;background:#1d4ed8;border:0;border-radius:.25rem;cursor:pointer}\n"
        ".error{padding:.5rem .75rem;color:#b00020;background:#fdecee;border-left:4px solid "
        "#b00020}\n"
        ".hint{font-weight:400;font-size:.875rem;color:#4b5563}\n"
        ".links{list-style:none;padding:0;margin:1rem 0 0}\n"
        ".links li{margin:.25rem 0}\n"
        "a{color:#1d4ed8}\n"
        "details{margin:1rem 0 0}\n"
        "summary{cursor:pointer;color:#1d4ed8}\n"
        "button.secondary{color:#1d4ed8;background:#fff;border:1px solid #1d4ed8}\n"
        "@media (max-width:24rem){body{padding:.5rem}main{margin:0;padding:1rem}}\n",
};
/* clang-format on */

/* page_builtin - see page_view.h. */
const char *page_builtin(enum page_template t)
{
    return builtin[t];
}
