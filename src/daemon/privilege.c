/* privilege - resolve AUTHFCGI_USER / AUTHFCGI_GROUP and drop to them, after OpenBSD slowcgi:
 * supplementary groups, group, user, in that order (each step needs the privilege the next
 * one gives up), then prove that setuid(0) fails. */
#include "config.h"

#include "daemon/privilege.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "global/settings.h"
#include "util/text.h"

static bool running_as_root(void)
{
    return getuid() == 0 || geteuid() == 0 || getgid() == 0 || getegid() == 0;
}

/* A name, or a number when no entry has that name (as chown(1) does). */
static int parse_id(const char *v, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n >= (unsigned long)(uid_t)-1)
        return -1;
    *out = n;
    return 0;
}

/* privilege_resolve - see privilege.h. */
int privilege_resolve(const struct settings *s, struct privilege *p, char *err, size_t errlen)
{
    unsigned long id;

    memset(p, 0, sizeof *p);
    if (!running_as_root())
        return 0;
    if (s->user == NULL)
        return text_fail(
            err, errlen,
            "AUTHFCGI_USER: not set, and authfcgi does not serve as root; set it to an "
            "unprivileged user (e.g. authfcgi) to drop to, or start as that user");
    struct passwd *pw = getpwnam(s->user);
    if (pw == NULL && parse_id(s->user, &id) == 0)
        pw = getpwuid((uid_t)id);
    if (pw == NULL)
        return text_fail(err, errlen, "AUTHFCGI_USER: no user \"%s\"", s->user);
    if (pw->pw_uid == 0)
        return text_fail(err, errlen, "AUTHFCGI_USER: \"%s\" is root; name an unprivileged user",
                         s->user);
    if (strlen(pw->pw_name) >= sizeof p->user)
        return text_fail(err, errlen, "AUTHFCGI_USER: user name too long");
    p->uid = pw->pw_uid;
    p->gid = pw->pw_gid;
    strcpy(p->user, pw->pw_name);
    if (pw->pw_dir != NULL && strlen(pw->pw_dir) < sizeof p->home)
        strcpy(p->home, pw->pw_dir);
    if (s->group != NULL) {
        struct group *gr = getgrnam(s->group);
        if (gr == NULL && parse_id(s->group, &id) == 0)
            gr = getgrgid((gid_t)id);
        if (gr == NULL)
            return text_fail(err, errlen, "AUTHFCGI_GROUP: no group \"%s\"", s->group);
        p->gid = gr->gr_gid;
    }
    if (p->gid == 0)
        return text_fail(err, errlen, "%s: the group would be root (gid 0); name another",
                         s->group != NULL ? "AUTHFCGI_GROUP" : "AUTHFCGI_USER");
    p->drop = true;
    return 0;
}

/* privilege_drop - see privilege.h. */
int privilege_drop(const struct privilege *p, char *err, size_t errlen)
{
    if (p->drop) {
        if (initgroups(p->user, p->gid) != 0)
            return text_fail(err, errlen, "AUTHFCGI_USER: cannot set the groups of %s: %s", p->user,
                             strerror(errno));
        if (setgid(p->gid) != 0)
            return text_fail(err, errlen, "AUTHFCGI_GROUP: cannot switch to gid %ld: %s",
                             (long)p->gid, strerror(errno));
        if (setuid(p->uid) != 0)
            return text_fail(err, errlen, "AUTHFCGI_USER: cannot switch to %s: %s", p->user,
                             strerror(errno));
        if (setuid(0) != -1 || seteuid(0) != -1)
            return text_fail(err, errlen,
                             "AUTHFCGI_USER: root could be regained after switching to %s",
                             p->user);
        if (getuid() != p->uid || geteuid() != p->uid || getgid() != p->gid || getegid() != p->gid)
            return text_fail(err, errlen, "AUTHFCGI_USER: the switch to %s did not take", p->user);
        if (p->home[0] != '\0' ? setenv("HOME", p->home, 1) != 0 : unsetenv("HOME") != 0)
            return text_fail(err, errlen, "AUTHFCGI_USER: cannot set HOME: %s", strerror(errno));
    }
    return privilege_check(err, errlen);
}

/* privilege_check - see privilege.h. */
int privilege_check(char *err, size_t errlen)
{
    if (running_as_root())
        return text_fail(
            err, errlen,
            "AUTHFCGI_USER: refusing to serve as root (uid %ld, euid %ld, gid %ld, egid "
            "%ld); set AUTHFCGI_USER or start as an unprivileged user",
            (long)getuid(), (long)geteuid(), (long)getgid(), (long)getegid());
    return 0;
}
