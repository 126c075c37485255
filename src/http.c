/* http - response builders shared by every handler, and small header helpers. Bodies and
 * header strings live in the request arena; nothing here frees. */
#include "config.h"

#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "arena.h"

/* JSON.stringify style: no spaces, '/' left alone. */
#define JSON_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* response_init - an empty 200 response whose strings come from arena. */
void response_init(struct response *resp, struct arena *arena)
{
    memset(resp, 0, sizeof(*resp));
    resp->status = 200;
    resp->arena = arena;
}

/* response_defer - see http.h. A second call would silently drop work: a bug. */
void response_defer(struct response *resp, void (*fn)(void *ctx), void *ctx)
{
    if (resp->deferred != NULL)
        abort();
    resp->deferred = fn;
    resp->deferred_ctx = ctx;
}

/* response_run_deferred - see http.h. */
void response_run_deferred(struct response *resp)
{
    void (*fn)(void *ctx) = resp->deferred;

    resp->deferred = NULL;
    if (fn != NULL)
        fn(resp->deferred_ctx);
}

/* response_header - append one header line. Running out of slots is a programming error: the
 * largest response we build (sign-in with cookies) uses well under RESPONSE_MAX_HEADERS. */
void response_header(struct response *resp, const char *name, const char *value)
{
    if (resp->nheaders >= RESPONSE_MAX_HEADERS)
        abort();
    resp->headers[resp->nheaders].name = arena_strdup(resp->arena, name);
    resp->headers[resp->nheaders].value = arena_strdup(resp->arena, value);
    resp->nheaders++;
}

/* response_json - serialise obj (NULL = the JSON literal null) and drop our reference. */
void response_json(struct response *resp, int status, struct json_object *obj)
{
    size_t len = 0;
    const char *text = json_object_to_json_string_length(obj, JSON_FLAGS, &len);

    resp->status = status;
    resp->body = arena_strndup(resp->arena, text, len);
    resp->body_len = len;
    json_object_put(obj);
}

/* response_error - Better Auth's error body: message first, then code when there is one. */
void response_error(struct response *resp, int status, const char *code, const char *message)
{
    struct json_object *obj = json_object_new_object();

    json_object_object_add(obj, "message", json_object_new_string(message));
    if (code != NULL)
        json_object_object_add(obj, "code", json_object_new_string(code));
    response_json(resp, status, obj);
}

/* response_unavailable - the one answer for "database unavailable": never a 200, never a
 * libpq message, always a hint when to come back. */
void response_unavailable(struct response *resp, int retry_after)
{
    char seconds[16];

    snprintf(seconds, sizeof(seconds), "%d", retry_after > 0 ? retry_after : 1);
    response_error(resp, 503, "SERVICE_UNAVAILABLE", "Service unavailable");
    response_header(resp, "Retry-After", seconds);
}

/* response_too_many - see http.h; the per-account sign-in limit answers the same way, so a
 * client cannot tell which limit it met. */
void response_too_many(struct response *resp, int retry_after)
{
    char seconds[16];

    snprintf(seconds, sizeof(seconds), "%d", retry_after > 0 ? retry_after : 1);
    response_error(resp, 429, NULL, "Too many requests. Please try again later.");
    response_header(resp, "X-Retry-After", seconds);
}

/* response_empty - status only: no body, so fcgi_io sends no Content-Type either. */
void response_empty(struct response *resp, int status)
{
    resp->status = status;
    resp->body = NULL;
    resp->body_len = 0;
}

/* http_media_type_is - compare the media type of a Content-Type value (before any ';',
 * surrounding blanks ignored) with media_type, case-insensitively. */
bool http_media_type_is(const char *content_type, const char *media_type)
{
    size_t len;
    const char *end;

    if (content_type == NULL)
        return false;
    while (*content_type == ' ' || *content_type == '\t')
        content_type++;
    end = strchr(content_type, ';');
    len = end != NULL ? (size_t)(end - content_type) : strlen(content_type);
    while (len > 0 && (content_type[len - 1] == ' ' || content_type[len - 1] == '\t'))
        len--;
    return len == strlen(media_type) && strncasecmp(content_type, media_type, len) == 0;
}

/* http_status_reason - reason phrases for the statuses we send. */
const char *http_status_reason(int status)
{
    static const struct {
        int status;
        const char *reason;
    } reasons[] = {
        {200, "OK"},
        {204, "No Content"},
        {302, "Found"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {413, "Payload Too Large"},
        {415, "Unsupported Media Type"},
        {422, "Unprocessable Entity"},
        {429, "Too Many Requests"},
        {499, "Client Closed Request"}, /* nginx's name: logged, never seen by the client */
        {500, "Internal Server Error"},
        {503, "Service Unavailable"},
    };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "Unknown";
}
