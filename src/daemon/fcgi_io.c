/* fcgi_io - the FastCGI transport over libfcgi (the only file that includes it): wait for a
 * request with signals deliverable only while waiting, copy its params and bounded body into
 * a struct request, and write a struct response back.
 *
 * Why the waiting is done here and not inside libfcgi: libfcgi's read(2) and write(2) give up
 * on EINTR, so a signal arriving mid-request would cut that request. The worker therefore
 * keeps its stop signals blocked at all times except inside ppoll(2) below, which waits on the
 * listening socket (made non-blocking) with the caller's wait mask atomically installed. A
 * stop signal either interrupts the wait or stays pending until the request in hand is
 * answered; it is never lost and never interrupts a request.
 *
 * Connections are accepted here too, not by libfcgi (which is set up with no listening socket,
 * so it can never accept one itself): its OS_Accept checks FCGI_WEB_SERVER_ADDRS for IPv4 peers
 * only, lets IPv6 ones through unchecked, and waits up to 2 s on a unix peer that sends
 * nothing. Each accepted socket gets SO_RCVTIMEO/SO_SNDTIMEO of AUTHFCGI_FCGI_TIMEOUT_MS, so a
 * peer that stalls mid-request (no byte of its records, params or body, or a response it does
 * not read) makes libfcgi's read or write fail instead of holding the worker for ever. (Set on
 * each accepted socket, not once on the listening one: Linux 6.x copies the options to sockets
 * accepted over TCP but not over a unix socket, and in managed mode the listening socket is the
 * web server's.) And before libfcgi reads a request, params_ready checks that its begin record
 * and params are complete and bounded (fcgi_peek.h: libfcgi's own reading of oversized
 * lengths aborts the worker, CVE-2025-23016). */
#include "config.h"

#include "daemon/fcgi_io.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/arena.h"
#include "util/clock.h"
#include "util/client_ip.h"
#include "daemon/fcgi_peek.h"
#include "auth/http.h"
#include "util/log.h"

struct fcgi_io {
    FCGX_Request req;
    int listen_fd;
    sigset_t wait_mask;
    struct fcgi_io_limits limits;
    bool in_request;       /* accepted and not yet finished */
    int64_t conn_start_ms; /* when the connection was accepted, or its last request began */
    unsigned char peek[FCGI_PEEK_MAX]; /* params_ready's look at what libfcgi will read */
};

static int set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* fcgi_io_open - libfcgi over listen_fd; see fcgi_io.h. */
int fcgi_io_open(struct fcgi_io **out, int listen_fd, const sigset_t *wait_mask,
                 const struct fcgi_io_limits *limits)
{
    static bool library_ready;

    if (!library_ready) {
        if (FCGX_Init() != 0) {
            log_event(LOG_LEVEL_ERROR, "fcgi_init_failed", NULL);
            return -1;
        }
        library_ready = true;
    }
    /* A lost accept race must come back as EAGAIN instead of blocking with signals blocked.
     * Linux does not pass O_NONBLOCK on to accepted sockets, which stay blocking. */
    if (set_nonblocking(listen_fd) != 0) {
        log_event(LOG_LEVEL_ERROR, "fcgi_socket_unusable", "fd=%d errno=%d", listen_fd, errno);
        return -1;
    }
    struct fcgi_io *io = calloc(1, sizeof *io);
    if (io == NULL)
        return -1;
    /* No listening socket for libfcgi: accept_connection hands it each connection. */
    if (FCGX_InitRequest(&io->req, -1, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
        free(io);
        return -1;
    }
    io->listen_fd = listen_fd;
    io->wait_mask = *wait_mask;
    io->limits = *limits;
    *out = io;
    return 0;
}

static void finish_request(struct fcgi_io *io)
{
    if (io->in_request) {
        FCGX_Finish_r(&io->req);
        io->in_request = false;
    }
}

/* fcgi_io_close - finish any request, close its connection, free io. NULL is a no-op. The
 * listening socket stays open: it belongs to the caller. */
void fcgi_io_close(struct fcgi_io *io)
{
    if (io == NULL)
        return;
    finish_request(io);
    FCGX_Free(&io->req, 1);
    free(io);
}

/* ------------------------------------------------------------------------------------------
 * Request */

/* The CGI variables a request is made of, picked out of libfcgi's environment in one pass:
 * FCGX_GetParam scans the whole of it for each name (18 scans were a tenth of a
 * get-session's instructions). */
enum cgi_var {
    VAR_ROLE,
    VAR_METHOD,
    VAR_URI,
    VAR_SCRIPT_NAME,
    VAR_PATH_INFO,
    VAR_QUERY_STRING,
    VAR_CONTENT_TYPE,
    VAR_CONTENT_LENGTH,
    VAR_REMOTE_ADDR,
    VAR_COOKIE,
    VAR_ORIGIN,
    VAR_REFERER,
    VAR_USER_AGENT,
    VAR_AUTHORIZATION,
    VAR_SEC_FETCH_SITE,
    VAR_SEC_FETCH_MODE,
    VAR_SEC_FETCH_DEST,
    VAR_ACCEPT,
    VAR_X_REQUESTED_WITH,
    VAR_HOST,
    VAR_AUTHORIZE,
    VAR_ORIGINAL_URI,
    VAR_ORIGINAL_METHOD,
    VAR_REQUEST_ID,
    VAR_UNIQUE_ID,
    VAR_REDIRECT_URL,
    VAR_REDIRECT_QUERY_STRING,
    VAR_REDIRECT_STATUS,
    VAR__COUNT
};

/* clang-format off */
#define CGI_NAME(s) {s, sizeof(s) - 1}
static const struct {
    const char *name;
    size_t len;
} cgi_names[VAR__COUNT] = {
    [VAR_ROLE] = CGI_NAME("FCGI_ROLE"),
    [VAR_METHOD] = CGI_NAME("REQUEST_METHOD"),
    [VAR_URI] = CGI_NAME("REQUEST_URI"),
    [VAR_SCRIPT_NAME] = CGI_NAME("SCRIPT_NAME"),
    [VAR_PATH_INFO] = CGI_NAME("PATH_INFO"),
    [VAR_QUERY_STRING] = CGI_NAME("QUERY_STRING"),
    [VAR_CONTENT_TYPE] = CGI_NAME("CONTENT_TYPE"),
    [VAR_CONTENT_LENGTH] = CGI_NAME("CONTENT_LENGTH"),
    [VAR_REMOTE_ADDR] = CGI_NAME("REMOTE_ADDR"),
    [VAR_COOKIE] = CGI_NAME("HTTP_COOKIE"),
    [VAR_ORIGIN] = CGI_NAME("HTTP_ORIGIN"),
    [VAR_REFERER] = CGI_NAME("HTTP_REFERER"),
    [VAR_USER_AGENT] = CGI_NAME("HTTP_USER_AGENT"),
    [VAR_AUTHORIZATION] = CGI_NAME("HTTP_AUTHORIZATION"),
    [VAR_SEC_FETCH_SITE] = CGI_NAME("HTTP_SEC_FETCH_SITE"),
    [VAR_SEC_FETCH_MODE] = CGI_NAME("HTTP_SEC_FETCH_MODE"),
    [VAR_SEC_FETCH_DEST] = CGI_NAME("HTTP_SEC_FETCH_DEST"),
    [VAR_ACCEPT] = CGI_NAME("HTTP_ACCEPT"),
    [VAR_X_REQUESTED_WITH] = CGI_NAME("HTTP_X_REQUESTED_WITH"),
    [VAR_HOST] = CGI_NAME("HTTP_HOST"),
    /* nginx's auth_request location sets these (authorize.h); a client's headers arrive as
     * HTTP_*, so none of them can be a client's. */
    [VAR_AUTHORIZE] = CGI_NAME("AUTHFCGI_AUTHORIZE"),
    [VAR_ORIGINAL_URI] = CGI_NAME("AUTHFCGI_ORIGINAL_URI"),
    [VAR_ORIGINAL_METHOD] = CGI_NAME("AUTHFCGI_ORIGINAL_METHOD"),
    [VAR_REQUEST_ID] = CGI_NAME("REQUEST_ID"), /* fastcgi_param REQUEST_ID $request_id; */
    [VAR_UNIQUE_ID] = CGI_NAME("UNIQUE_ID"),   /* Apache's mod_unique_id */
    [VAR_REDIRECT_URL] = CGI_NAME("REDIRECT_URL"), /* Apache's internal redirect */
    [VAR_REDIRECT_QUERY_STRING] = CGI_NAME("REDIRECT_QUERY_STRING"),
    [VAR_REDIRECT_STATUS] = CGI_NAME("REDIRECT_STATUS"),
};
#undef CGI_NAME
/* clang-format on */

/* read_vars - vars[i] = the value of cgi_names[i] in envp ("NAME=value" strings), or NULL.
 * The first of duplicates wins, as with FCGX_GetParam. Values are borrowed from envp. */
static void read_vars(char **envp, const char *vars[VAR__COUNT])
{
    for (int i = 0; i < VAR__COUNT; i++)
        vars[i] = NULL;
    for (char **e = envp; e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        if (eq == NULL)
            continue;
        size_t len = (size_t)(eq - *e);
        for (int i = 0; i < VAR__COUNT; i++) {
            if (cgi_names[i].len == len && vars[i] == NULL &&
                memcmp(cgi_names[i].name, *e, len) == 0) {
                vars[i] = eq + 1;
                break;
            }
        }
    }
}

/* fcgi_io_param_list - see fcgi_io.h. */
const char *fcgi_io_param_list(char **envp, const char *name, struct arena *arena)
{
    size_t len = strlen(name);
    struct arena_buf b;
    bool any = false;

    arena_buf_init(&b, arena);
    for (char **e = envp; e != NULL && *e != NULL; e++) {
        if (strncmp(*e, name, len) != 0 || (*e)[len] != '=')
            continue;
        if (any)
            arena_buf_add(&b, ", ", 2);
        arena_buf_add(&b, *e + len + 1, strlen(*e + len + 1));
        any = true;
    }
    return any ? b.s : NULL;
}

/* CONTENT_LENGTH as a size, or -1 when absent or not a plain decimal number. */
static long long content_length(const char *v)
{
    if (v == NULL || *v == '\0' || strspn(v, "0123456789") != strlen(v) || strlen(v) > 18)
        return -1;
    return strtoll(v, NULL, 10);
}

_Static_assert(FCGI_PEEK_BODY_MAX == REQUEST_MAX_BODY + 1,
               "params_ready waits for the body read_body reads, and no more");

/* Read at most REQUEST_MAX_BODY bytes; a larger body is flagged and never read. When the
 * length is unknown, read one byte past the limit to tell "exactly the limit" from "more".
 * Returns false when the stream broke before the body's end (the peer stalled past the
 * deadline, or went away): the request is not to be answered. */
static bool read_body(struct fcgi_io *io, struct request *req, struct arena *arena,
                      const char *length)
{
    long long declared = content_length(length);

    if (declared > REQUEST_MAX_BODY) {
        req->body_too_large = true;
        return true;
    }
    size_t want = declared >= 0 ? (size_t)declared : REQUEST_MAX_BODY + 1;
    if (want == 0)
        return true;
    /* nginx sends an empty CONTENT_LENGTH with every GET: look for a first byte before
     * reserving (and later wiping) a buffer of the largest body for a request that has none. */
    int first = -1;
    if (declared < 0 && (first = FCGX_GetChar(io->req.in)) == EOF)
        return FCGX_GetError(io->req.in) == 0;
    char *buf = arena_alloc(arena, want + 1);
    size_t got = 0;
    if (first >= 0)
        buf[got++] = (char)first;
    while (got < want) {
        int n = FCGX_GetStr(buf + got, (int)(want - got), io->req.in);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (FCGX_GetError(io->req.in) != 0 || (declared >= 0 && got < want))
        return false;
    if (got > REQUEST_MAX_BODY) {
        req->body_too_large = true;
        return true;
    }
    buf[got] = '\0';
    if (got > 0) {
        req->body = buf;
        req->body_len = got;
    }
    return true;
}

/* split_at_query - *path and *query (without its '?', "" when none) of uri, in the arena. */
static void split_at_query(const char *uri, const char **path, const char **query,
                           struct arena *arena)
{
    const char *q = strchr(uri, '?');

    *path = q != NULL ? arena_strndup(arena, uri, (size_t)(q - uri)) : arena_strdup(arena, uri);
    *query = arena_strdup(arena, q != NULL ? q + 1 : "");
}

static void split_uri(const char *const vars[VAR__COUNT], struct request *req, struct arena *arena)
{
    const char *uri = vars[VAR_URI];
    const char *script = vars[VAR_SCRIPT_NAME];
    const char *info = vars[VAR_PATH_INFO];
    const char *qs = vars[VAR_QUERY_STRING];

    /* Apache's internal redirect (ErrorDocument 401 /auth/sign-in, a rewrite): REQUEST_URI is
     * still the client's original, as sent; REDIRECT_URL its path decoded and normalised,
     * which REQUEST_URI's spells the same only when it has no escape, "//" or "."; the
     * document served now is SCRIPT_NAME (PATH_INFO, QUERY_STRING). */
    if (vars[VAR_REDIRECT_URL] != NULL && uri != NULL && script != NULL) {
        split_at_query(uri, &req->redirect_url, &req->redirect_query, arena);
        uri = NULL;
    } else if (vars[VAR_REDIRECT_URL] != NULL) {
        req->redirect_url = arena_strdup(arena, vars[VAR_REDIRECT_URL]);
        req->redirect_query = arena_strdup(arena, vars[VAR_REDIRECT_QUERY_STRING]);
    }
    if (uri != NULL) {
        split_at_query(uri, &req->path, &req->query, arena);
        return;
    }
    /* Some servers leave REQUEST_URI out; rebuild it from the CGI variables. */
    req->path = arena_printf(arena, "%s%s", script ? script : "", info ? info : "");
    req->query = arena_strdup(arena, qs ? qs : "");
}

/* peer_gone - nginx and lighttpd close their FastCGI connection when the client goes away; a
 * server that keeps it open is simply never seen as gone. Unread bytes (the rest of a body, a
 * record we do not parse) mean it is still there. */
static bool peer_gone(void *ctx)
{
    struct fcgi_io *io = ctx;
    char c;

    if (!io->in_request || io->req.ipcFd < 0)
        return false;
    ssize_t n = recv(io->req.ipcFd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE || errno == ENOTCONN));
}

/* role_of - libfcgi names the role of every request it hands over (FCGI_ROLE); a missing one
 * is a responder's (libfcgi before 2.4 set none). Anything but RESPONDER and AUTHORIZER is
 * never answered as a responder would: an AUTHORIZER served as one would answer 200. */
static enum request_role role_of(const char *role)
{
    if (role == NULL || strcmp(role, "RESPONDER") == 0)
        return ROLE_RESPONDER;
    return strcmp(role, "AUTHORIZER") == 0 ? ROLE_AUTHORIZER : ROLE_OTHER;
}

static bool fill_request(struct fcgi_io *io, struct request *req, struct arena *arena)
{
    const char *vars[VAR__COUNT];

    read_vars(io->req.envp, vars);
    const char *role = vars[VAR_ROLE];
    memset(req, 0, sizeof *req);
    req->arena = arena;
    req->role = role_of(role);
    req->method = arena_strdup(arena, vars[VAR_METHOD] != NULL ? vars[VAR_METHOD] : "");
    split_uri(vars, req, arena);
    /* Copies: libfcgi frees its environment when the request is finished. */
    req->content_type = arena_strdup(arena, vars[VAR_CONTENT_TYPE]);
    req->cookie = arena_strdup(arena, vars[VAR_COOKIE]);
    req->origin = arena_strdup(arena, vars[VAR_ORIGIN]);
    req->referer = arena_strdup(arena, vars[VAR_REFERER]);
    req->user_agent = arena_strdup(arena, vars[VAR_USER_AGENT]);
    req->authorization = arena_strdup(arena, vars[VAR_AUTHORIZATION]);
    req->sec_fetch_site = arena_strdup(arena, vars[VAR_SEC_FETCH_SITE]);
    req->sec_fetch_mode = arena_strdup(arena, vars[VAR_SEC_FETCH_MODE]);
    req->sec_fetch_dest = arena_strdup(arena, vars[VAR_SEC_FETCH_DEST]);
    req->x_forwarded_for = fcgi_io_param_list(io->req.envp, "HTTP_X_FORWARDED_FOR", arena);
    req->accept = arena_strdup(arena, vars[VAR_ACCEPT]);
    req->x_requested_with = arena_strdup(arena, vars[VAR_X_REQUESTED_WITH]);
    req->host = arena_strdup(arena, vars[VAR_HOST]);
    req->authorize = arena_strdup(arena, vars[VAR_AUTHORIZE]);
    req->original_uri = arena_strdup(arena, vars[VAR_ORIGINAL_URI]);
    req->original_method = arena_strdup(arena, vars[VAR_ORIGINAL_METHOD]);
    req->request_id = arena_strdup(arena, vars[VAR_REQUEST_ID] != NULL ? vars[VAR_REQUEST_ID]
                                                                       : vars[VAR_UNIQUE_ID]);
    req->remote_addr =
        arena_strdup(arena, vars[VAR_REMOTE_ADDR] != NULL ? vars[VAR_REMOTE_ADDR] : "");
    req->redirect_status = arena_strdup(arena, vars[VAR_REDIRECT_STATUS]);
    req->client_ip = "";
    /* An authorizer check has no body: lighttpd passes the original request's CONTENT_LENGTH
     * but sends none (reading would stall until the timeout), and nginx's subrequest is told
     * to send none. A body that may still come must not be taken for the next request. */
    if (req->role == ROLE_AUTHORIZER || req->authorize != NULL) {
        if (content_length(vars[VAR_CONTENT_LENGTH]) > 0)
            io->req.keepConnection = 0;
    } else if (!read_body(io, req, arena, vars[VAR_CONTENT_LENGTH])) {
        return false;
    }
    req->peer_gone = peer_gone;
    req->peer_ctx = io;
    /* Unread input must not be taken for the next request on a kept-alive connection. */
    if (req->body_too_large)
        io->req.keepConnection = 0;
    return true;
}

/* ------------------------------------------------------------------------------------------
 * Connections */

/* close_connection - close the connection now: no lingering read of what the peer may still
 * send (libfcgi's close waits for the peer's end, up to 2 s per read, for as long as it
 * trickles). */
static void close_connection(struct fcgi_io *io)
{
    io->req.detached = 1;
    FCGX_Free(&io->req, 1);
    io->in_request = false;
}

/* drop_connection - close_connection, saying why. */
static void drop_connection(struct fcgi_io *io, const char *phase)
{
    int64_t ms = clock_monotonic_ms() - io->conn_start_ms;
    bool timeout = ms >= io->limits.timeout_ms;

    log_event(timeout ? LOG_LEVEL_WARN : LOG_LEVEL_INFO, "fcgi_connection_dropped",
              "reason=%s phase=%s ms=%lld timeout_ms=%d", timeout ? "timeout" : "incomplete", phase,
              (long long)ms, io->limits.timeout_ms);
    close_connection(io);
}

/* params_ready - peek at the connection (MSG_PEEK: nothing is consumed) until fcgi_peek_scan
 * vouches for the begin record and params libfcgi will read first (CVE-2025-23016, see
 * fcgi_peek.h) and a responder's body, for at most the connection's deadline: read_body then
 * finds the body there (a body trickled a byte at a time held the worker for as long as each
 * byte came within the socket's timeout). poll(2) cannot wait for more bytes than
 * are already queued (peeked bytes stay queued, so the socket stays readable): while a partial
 * record is queued, look again after a pause that doubles up to 64 ms. Web servers write the
 * params in one go, so the first look normally decides. False after the connection was
 * closed (and, unless the peer simply ended a kept-alive connection, logged). */
static bool params_ready(struct fcgi_io *io)
{
    int fd = io->req.ipcFd;
    const char *why = "params";
    long pause_ms = 1;

    for (;;) {
        ssize_t n = recv(fd, io->peek, sizeof io->peek, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            close_connection(io); /* the peer ended it before a request */
            return false;
        }
        if (n > 0) {
            enum fcgi_peek v = fcgi_peek_scan(io->peek, (size_t)n, &why);
            if (v == FCGI_PEEK_OK)
                return true;
            if (v == FCGI_PEEK_BAD) {
                log_event(LOG_LEVEL_WARN, "fcgi_request_refused", "reason=%s", why);
                close_connection(io);
                return false;
            }
        }
        int64_t left = io->conn_start_ms + io->limits.timeout_ms - clock_monotonic_ms();
        if (left <= 0) {
            drop_connection(io, why); /* the part that did not come in time */
            return false;
        }
        if (n < 0) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            poll(&p, 1, (int)left);
            continue;
        }
        struct timespec pause = {.tv_nsec = (pause_ms < left ? pause_ms : left) * 1000000L};
        nanosleep(&pause, NULL);
        if (pause_ms < 64)
            pause_ms *= 2;
    }
}

static bool peer_allowed(const struct fcgi_io *io, const struct sockaddr_storage *ss, char *text,
                         size_t textlen)
{
    const void *addr;

    if (ss->ss_family == AF_INET)
        addr = &((const struct sockaddr_in *)ss)->sin_addr;
    else if (ss->ss_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    else
        return true; /* a unix socket: the file's permissions decide */
    if (inet_ntop(ss->ss_family, addr, text, (socklen_t)textlen) == NULL)
        return false;
    return io->limits.web_servers == NULL || io->limits.web_servers->count == 0 ||
           client_ip_listed(io->limits.web_servers, text);
}

/* accept_connection - take one connection off the listening socket into io->req. Returns 1 when
 * there is one, 0 when there was none to take (another worker won, the peer left, or it was
 * refused) and -1 when the listening socket is unusable. */
static int accept_connection(struct fcgi_io *io)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char text[INET6_ADDRSTRLEN] = "";

    memset(&ss, 0, sizeof ss);
    int fd = accept4(io->listen_fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
    if (fd < 0) {
        switch (errno) {
        case EAGAIN:
#if EWOULDBLOCK != EAGAIN
        case EWOULDBLOCK:
#endif
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case ECONNRESET:
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case ENETUNREACH:
            return 0;
        default:
            log_event(LOG_LEVEL_ERROR, "fcgi_accept_failed", "errno=%d", errno);
            return -1;
        }
    }
    if (!peer_allowed(io, &ss, text, sizeof text)) {
        log_event(LOG_LEVEL_WARN, "fcgi_peer_refused",
                  "peer=%s reason=\"not in FCGI_WEB_SERVER_ADDRS\"", text);
        close(fd);
        return 0;
    }
    struct timeval tv = {.tv_sec = io->limits.timeout_ms / 1000,
                         .tv_usec = (io->limits.timeout_ms % 1000) * 1000};
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
        log_event(LOG_LEVEL_ERROR, "fcgi_socket_unusable", "fd=%d errno=%d", fd, errno);
        close(fd);
        return 0;
    }
    /* Responses go out in one write: no reason to wait for an acknowledgement. */
    if (ss.ss_family != AF_UNIX)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    io->req.ipcFd = fd;
    return 1;
}

/* Wait until the socket we serve from (a kept-alive connection, else the listening socket)
 * is readable, with only the wait mask's signals deliverable. */
static enum fcgi_accept wait_readable(struct fcgi_io *io)
{
    int fd = io->req.ipcFd >= 0 ? io->req.ipcFd : io->listen_fd;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    /* A kept-alive connection gets the deadline too: idle, it would keep the worker from the
     * listening socket. */
    struct timespec deadline = {.tv_sec = io->limits.timeout_ms / 1000,
                                .tv_nsec = (long)(io->limits.timeout_ms % 1000) * 1000000};

    int n = ppoll(&p, 1, fd == io->listen_fd ? NULL : &deadline, &io->wait_mask);
    if (n < 0 && errno == EINTR)
        return FCGI_ACCEPT_INTERRUPTED;
    if (n == 0) {
        io->conn_start_ms = clock_monotonic_ms() - io->limits.timeout_ms;
        drop_connection(io, "idle");
        return FCGI_ACCEPT_INTERRUPTED;
    }
    if (n < 0 || (fd == io->listen_fd && (p.revents & (POLLERR | POLLNVAL)))) {
        log_event(LOG_LEVEL_ERROR, "fcgi_wait_failed", "fd=%d errno=%d revents=%d", fd,
                  n < 0 ? errno : 0, p.revents);
        return FCGI_ACCEPT_ERROR;
    }
    return FCGI_ACCEPT_OK;
}

/* fcgi_io_accept - see fcgi_io.h. */
enum fcgi_accept fcgi_io_accept(struct fcgi_io *io, struct request *req, struct arena *arena)
{
    finish_request(io);
    for (;;) {
        enum fcgi_accept w = wait_readable(io);
        if (w != FCGI_ACCEPT_OK)
            return w;
        if (io->req.ipcFd < 0) {
            int got = accept_connection(io);
            if (got < 0)
                return FCGI_ACCEPT_ERROR;
            if (got == 0)
                continue; /* another worker took it, or it was refused: wait again */
        }
        /* keepConnection: FCGX_Accept_r first finishes the previous request, which must not
         * close the connection handed to it. detached: on a broken connection libfcgi closes at
         * once instead of lingering. Both are libfcgi's own fields (fcgiapp.h). */
        io->conn_start_ms = clock_monotonic_ms();
        if (!params_ready(io))
            continue;
        io->req.keepConnection = 1;
        io->req.detached = 1;
        if (FCGX_Accept_r(&io->req) != 0) {
            /* The connection ended or stalled before its params were complete: libfcgi closed
             * it and, with no listening socket, came back instead of accepting another. */
            drop_connection(io, "params");
            continue;
        }
        io->req.detached = 0;
        io->in_request = true;
        if (fill_request(io, req, arena))
            return FCGI_ACCEPT_OK;
        drop_connection(io, "body");
        arena_reset(arena);
    }
}

/* ------------------------------------------------------------------------------------------
 * Response */

static bool header_is_safe(const struct http_header *h)
{
    return h->name != NULL && h->value != NULL && *h->name != '\0' &&
           strpbrk(h->name, "\r\n: ") == NULL && strpbrk(h->value, "\r\n") == NULL;
}

static bool has_header(const struct response *resp, const char *name)
{
    for (size_t i = 0; i < resp->nheaders; i++) {
        if (resp->headers[i].name != NULL && strcasecmp(resp->headers[i].name, name) == 0)
            return true;
    }
    return false;
}

/* Our own formatting: libfcgi's FCGX_FPrintF knows no %zu. */
static void put_header(FCGX_Stream *out, const char *name, const char *value)
{
    FCGX_PutS(name, out);
    FCGX_PutS(": ", out);
    FCGX_PutS(value, out);
    FCGX_PutS("\r\n", out);
}

static void write_headers(FCGX_Stream *out, const struct response *resp)
{
    int status = resp->status >= 100 && resp->status <= 599 ? resp->status : 500;
    char buf[64];

    snprintf(buf, sizeof buf, "%d %s", status, http_status_reason(status));
    put_header(out, "Status", buf);
    for (size_t i = 0; i < resp->nheaders; i++) {
        const struct http_header *h = &resp->headers[i];
        if (!header_is_safe(h)) {
            /* A CR or LF would let a value start a header of its own. */
            log_event(LOG_LEVEL_ERROR, "response_header_dropped", "index=%zu", i);
            continue;
        }
        put_header(out, h->name, h->value);
    }
    if (resp->body != NULL) {
        if (!has_header(resp, "Content-Type"))
            put_header(out, "Content-Type", "application/json");
        snprintf(buf, sizeof buf, "%zu", resp->body_len);
        put_header(out, "Content-Length", buf);
    }
    FCGX_PutS("\r\n", out);
}

static void write_body(FCGX_Stream *out, const struct response *resp)
{
    const char *p = resp->body;
    size_t left = resp->body != NULL ? resp->body_len : 0;

    while (left > 0) {
        int chunk = left > 65536 ? 65536 : (int)left;
        if (FCGX_PutStr(p, chunk, out) != chunk)
            return;
        p += chunk;
        left -= (size_t)chunk;
    }
}

/* fcgi_io_respond - write resp and end the request, flushing it to the web server now rather
 * than at the next accept. */
int fcgi_io_respond(struct fcgi_io *io, const struct response *resp)
{
    if (!io->in_request)
        return -1;
    FCGX_Stream *out = io->req.out;
    write_headers(out, resp);
    write_body(out, resp);
    /* Closing stderr first makes stdout the last writer, so its close appends the end of the
     * stream and FCGI_END_REQUEST to the buffered response: one write() per response instead
     * of a flush followed by a second write for the closing records. */
    FCGX_FClose(io->req.err);
    int rc = FCGX_FClose(out) != 0 || FCGX_GetError(out) != 0 ? -1 : 0;
    /* A peer that does not take its response (SO_SNDTIMEO ran out) is not waited for again. */
    if (rc != 0)
        io->req.detached = 1;
    finish_request(io);
    return rc;
}

/* fcgi_io_fd_is_listening_socket - true when fd is a socket in the listening state. */
int fcgi_io_fd_is_listening_socket(int fd)
{
    int listening = 0;
    socklen_t len = sizeof listening;

    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0)
        return listening != 0;
    if (errno != ENOPROTOOPT)
        return 0;
    /* Without SO_ACCEPTCONN, do as libfcgi does: a socket with no peer. */
    struct sockaddr_storage sa;
    len = sizeof sa;
    return getpeername(fd, (struct sockaddr *)&sa, &len) != 0 && errno == ENOTCONN;
}
