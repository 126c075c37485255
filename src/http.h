/* http - the request and response as handlers see them: plain structs filled from FastCGI
 * params by fcgi_io, and helpers to build JSON, error and empty responses.
 *
 * Every pointer in a request and every string added to a response lives in the request's
 * arena and is gone after the request; copy what must outlive it. */
#ifndef AUTHFCGI_HTTP_H
#define AUTHFCGI_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct arena;
struct json_object;

#define REQUEST_MAX_BODY (64 * 1024)
#define RESPONSE_MAX_HEADERS 16

enum request_role { ROLE_RESPONDER, ROLE_AUTHORIZER };

struct request {
    enum request_role role;
    const char *method; /* "GET", "POST", ... never NULL */
    const char *path;   /* REQUEST_URI up to '?', never NULL */
    const char *query;  /* after '?', "" when none */
    /* Headers we act on; NULL when absent. */
    const char *content_type;
    const char *cookie;
    const char *origin;
    const char *referer;
    const char *user_agent;
    const char *authorization;
    const char *sec_fetch_site;
    const char *sec_fetch_mode;
    const char *sec_fetch_dest;
    const char *x_forwarded_for;
    /* The web server's id for the request (REQUEST_ID, else UNIQUE_ID), unchecked: see
     * request_id.h. Never a client's header. NULL when absent. */
    const char *request_id;
    const char *remote_addr; /* FastCGI REMOTE_ADDR, "" when absent */
    const char *client_ip;   /* resolved by the dispatcher (client_ip module); "" when unknown */
    const char *body;        /* NUL-terminated copy; NULL when there is none */
    size_t body_len;
    bool body_too_large;     /* CONTENT_LENGTH over REQUEST_MAX_BODY: body was not read */
    struct arena *arena;
    /* Set by the transport: true once the web server has dropped the request (its client went
     * away), called with peer_ctx. NULL when the transport cannot tell. */
    bool (*peer_gone)(void *peer_ctx);
    void *peer_ctx;
};

struct http_header {
    const char *name;
    const char *value;
};

struct response {
    int status;
    struct http_header headers[RESPONSE_MAX_HEADERS];
    size_t nheaders;
    const char *body; /* NULL = no body and no Content-Type */
    size_t body_len;
    struct arena *arena;
    /* Work the handler left for after the answer (response_defer); NULL when there is none. */
    void (*deferred)(void *ctx);
    void *deferred_ctx;
};

void response_init(struct response *resp, struct arena *arena);

/* response_defer - run fn(ctx) once this response has been delivered and its request ended
 * (response_run_deferred): work the answer does not depend on then keeps no client waiting,
 * and the answer's timing cannot tell whether it was done. fn reports its failures to the log
 * only. One per response; ctx and everything fn uses must live in the request's arena or
 * longer. */
void response_defer(struct response *resp, void (*fn)(void *ctx), void *ctx);

/* response_run_deferred - run and forget the deferred work, if any. The caller of the
 * transport calls it after writing the response (also when the client had gone), before the
 * request's arena is reset. */
void response_run_deferred(struct response *resp);

/* response_header - add a header line; name and value are copied into the arena. */
void response_header(struct response *resp, const char *name, const char *value);

/* response_json - status + application/json body serialised the JSON.stringify way
 * (no spaces, '/' not escaped). Takes over the reference to obj (may be NULL for `null`). */
void response_json(struct response *resp, int status, struct json_object *obj);

/* response_error - {"message":...,"code":...}; code may be NULL for a message-only error. */
void response_error(struct response *resp, int status, const char *code, const char *message);

/* response_unavailable - 503 SERVICE_UNAVAILABLE with Retry-After: retry_after seconds. */
void response_unavailable(struct response *resp, int retry_after);

/* response_too_many - Better Auth's rate-limit answer: 429 {"message":"Too many requests.
 * Please try again later."} (no code) with X-Retry-After: retry_after seconds (at least 1). */
void response_too_many(struct response *resp, int retry_after);

/* response_empty - a status with no body and no Content-Type (Better Auth's 404). */
void response_empty(struct response *resp, int status);

/* request_header_token - case-insensitive media type match before ';' (for Content-Type). */
bool http_media_type_is(const char *content_type, const char *media_type);

/* http_status_reason - "OK", "Not Found", ... for the Status line. */
const char *http_status_reason(int status);

#endif
