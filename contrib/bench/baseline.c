/* baseline - the smallest get-session responder, the yardstick of contrib/bench/api-bench.sh:
 * libfcgi, the Better Auth session cookie parsed and its HMAC checked, one prepared SELECT of
 * the session by (SHA-256 of the) token joined to its user, a json-c reply. Nothing else: no
 * routing, no logging, no rate limit, no refresh. Prefork: WORKERS children accept on one
 * unix socket, each with its own PostgreSQL connection.
 *
 *   baseline SOCKET WORKERS       env: DATABASE_URL, AUTHFCGI_SECRET (the pool's secret),
 *                                 BASELINE_PLAIN=1 when session.token holds raw tokens
 * Build: cc -O2 baseline.c $(pkg-config --cflags --libs fcgi libpq json-c libcrypto)
 * A benchmark tool, not part of authfcgi: it exits on any setup error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcgiapp.h>
#include <json.h>
#include <libpq-fe.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define COOKIE_NAME "better-auth.session_token"
#define TOKEN_LEN 32
#define SIG_LEN 44 /* padded base64 of 32 bytes */
#define MAX_WORKERS 256

/* Timestamps come in PostgreSQL's ISO output with TimeZone UTC ("2026-11-25 21:08:20.164+00")
 * and are reshaped in C into Better Auth's "2026-11-25T21:08:20.164Z". */
static const char lookup_sql[] =
    "SELECT s.id, s.\"userId\", s.\"ipAddress\", s.\"userAgent\", s.\"expiresAt\", "
    "s.\"createdAt\", s.\"updatedAt\", u.id, u.name, u.email, u.\"emailVerified\", u.image, "
    "u.\"createdAt\", u.\"updatedAt\" FROM session s JOIN \"user\" u ON u.id = s.\"userId\" "
    "WHERE s.token = $1 AND s.\"expiresAt\" > now()";

static const char *secret;
static bool plain_tokens;
static volatile sig_atomic_t stopping;

static void die(const char *what)
{
    fprintf(stderr, "baseline: %s\n", what);
    exit(1);
}

static PGconn *db_connect(void)
{
    PGconn *c = PQconnectdb(getenv("DATABASE_URL"));
    PGresult *r;

    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "baseline: %s", PQerrorMessage(c));
        exit(1);
    }
    r = PQexec(c, "SET TimeZone TO 'UTC'");
    PQclear(r);
    r = PQprepare(c, "lookup", lookup_sql, 1, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "baseline: prepare: %s", PQerrorMessage(c));
        exit(1);
    }
    PQclear(r);
    return c;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* cookie_token - the verified 32-char token of the first session cookie, or false. */
static bool cookie_token(const char *header, char token[TOKEN_LEN + 1])
{
    const size_t nlen = sizeof(COOKIE_NAME) - 1;
    char value[256];
    size_t n = 0;
    const char *p = header, *dot;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char sig[SIG_LEN + 1];

    while (p != NULL && *p != '\0') {
        while (*p == ' ')
            p++;
        if (strncmp(p, COOKIE_NAME, nlen) == 0 && p[nlen] == '=')
            break;
        p = strchr(p, ';');
        if (p != NULL)
            p++;
    }
    if (p == NULL || *p == '\0')
        return false;
    for (p += nlen + 1; *p != '\0' && *p != ';' && n < sizeof(value) - 1; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
            value[n++] = (char)(hi * 16 + lo);
            p += 2;
        } else {
            value[n++] = *p;
        }
    }
    value[n] = '\0';
    dot = strrchr(value, '.');
    if (dot == NULL || dot - value != TOKEN_LEN || strlen(dot + 1) != SIG_LEN)
        return false;
    if (HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)value, TOKEN_LEN,
             mac, &maclen) == NULL)
        return false;
    EVP_EncodeBlock((unsigned char *)sig, mac, (int)maclen);
    if (CRYPTO_memcmp(sig, dot + 1, SIG_LEN) != 0)
        return false;
    memcpy(token, value, TOKEN_LEN);
    token[TOKEN_LEN] = '\0';
    return true;
}

static void stored_form(const char *token, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char d[32];
    unsigned int len = 0;

    if (plain_tokens) {
        strcpy(out, token);
        return;
    }
    EVP_Digest(token, TOKEN_LEN, d, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

/* iso - "2026-11-25 21:08:20.164+00" -> a json string "2026-11-25T21:08:20.164Z". */
static json_object *iso(const char *pg)
{
    char out[32];
    const char *f = pg + 19; /* '.' before a fraction, else the zone */
    int i = 0, k = 0;

    memcpy(out, pg, 10);
    out[10] = 'T';
    memcpy(out + 11, pg + 11, 8);
    i = 19;
    out[i++] = '.';
    if (*f == '.')
        for (f++; k < 3 && *f >= '0' && *f <= '9'; k++)
            out[i++] = *f++;
    for (; k < 3; k++)
        out[i++] = '0';
    out[i++] = 'Z';
    return json_object_new_string_len(out, i);
}

static json_object *text_or_null(PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? NULL : json_object_new_string(PQgetvalue(r, 0, col));
}

static void reply(FCGX_Stream *out, const char *body)
{
    FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n"
              "Cache-Control: no-store\r\nPragma: no-cache\r\n\r\n",
              out);
    FCGX_PutS(body, out);
}

static void serve(int listen_fd)
{
    FCGX_Request req;
    PGconn *db = db_connect();

    if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
        die("FCGX_InitRequest");
    while (!stopping && FCGX_Accept_r(&req) == 0) {
        char token[TOKEN_LEN + 1], stored[65];
        const char *cookie = FCGX_GetParam("HTTP_COOKIE", req.envp);
        const char *params[1] = {stored};
        PGresult *r;

        if (cookie == NULL || !cookie_token(cookie, token)) {
            reply(req.out, "null");
            continue;
        }
        stored_form(token, stored);
        r = PQexecPrepared(db, "lookup", 1, params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            PQclear(r);
            FCGX_PutS("Status: 500 Internal Server Error\r\n\r\n", req.out);
            if (PQstatus(db) != CONNECTION_OK)
                PQreset(db);
            continue;
        }
        if (PQntuples(r) == 0) {
            PQclear(r);
            reply(req.out, "null");
            continue;
        }
        json_object *s = json_object_new_object(), *u = json_object_new_object();
        json_object *top = json_object_new_object();
        json_object_object_add(s, "expiresAt", iso(PQgetvalue(r, 0, 4)));
        json_object_object_add(s, "token", json_object_new_string(token));
        json_object_object_add(s, "createdAt", iso(PQgetvalue(r, 0, 5)));
        json_object_object_add(s, "updatedAt", iso(PQgetvalue(r, 0, 6)));
        json_object_object_add(s, "ipAddress", text_or_null(r, 2));
        json_object_object_add(s, "userAgent", text_or_null(r, 3));
        json_object_object_add(s, "userId", json_object_new_string(PQgetvalue(r, 0, 1)));
        json_object_object_add(s, "id", json_object_new_string(PQgetvalue(r, 0, 0)));
        json_object_object_add(u, "name", json_object_new_string(PQgetvalue(r, 0, 8)));
        json_object_object_add(u, "email", json_object_new_string(PQgetvalue(r, 0, 9)));
        json_object_object_add(u, "emailVerified",
                               json_object_new_boolean(PQgetvalue(r, 0, 10)[0] == 't'));
        json_object_object_add(u, "image", text_or_null(r, 11));
        json_object_object_add(u, "createdAt", iso(PQgetvalue(r, 0, 12)));
        json_object_object_add(u, "updatedAt", iso(PQgetvalue(r, 0, 13)));
        json_object_object_add(u, "id", json_object_new_string(PQgetvalue(r, 0, 7)));
        json_object_object_add(top, "session", s);
        json_object_object_add(top, "user", u);
        reply(req.out, json_object_to_json_string_ext(top, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(top);
        PQclear(r);
    }
    PQfinish(db);
    _exit(0);
}

static void on_stop(int sig)
{
    (void)sig;
    stopping = 1;
}

int main(int argc, char **argv)
{
    pid_t kids[MAX_WORKERS];
    int workers, fd;
    struct sigaction sa;

    if (argc != 3 || (workers = atoi(argv[2])) < 1 || workers > MAX_WORKERS)
        die("usage: baseline SOCKET WORKERS (env DATABASE_URL, AUTHFCGI_SECRET)");
    secret = getenv("AUTHFCGI_SECRET");
    if (secret == NULL || getenv("DATABASE_URL") == NULL)
        die("DATABASE_URL and AUTHFCGI_SECRET must be set");
    plain_tokens = getenv("BASELINE_PLAIN") != NULL && strcmp(getenv("BASELINE_PLAIN"), "1") == 0;
    if (FCGX_Init() != 0)
        die("FCGX_Init");
    unlink(argv[1]);
    fd = FCGX_OpenSocket(argv[1], 1024);
    if (fd < 0)
        die("cannot listen on the socket");
    chmod(argv[1], 0666);

    for (int i = 0; i < workers; i++) {
        kids[i] = fork();
        if (kids[i] < 0)
            die("fork");
        if (kids[i] == 0)
            serve(fd);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    while (!stopping)
        pause();
    for (int i = 0; i < workers; i++)
        kill(kids[i], SIGKILL);
    while (wait(NULL) > 0 || errno == EINTR)
        ;
    unlink(argv[1]);
    return 0;
}
