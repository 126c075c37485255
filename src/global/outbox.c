/* outbox - the queue operations over authfcgi_outbox: enqueue (inside the caller's
 * transaction), claim with a lease, and the three outcomes of a delivery attempt. The SQL and
 * the reasoning about concurrent mailers are in stmt.c (STMT_OUTBOX_*). */
#include "config.h"

#include "global/outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/text.h"

/* Room for a 64-bit integer in decimal, sign and NUL included. */
#define INT_TEXT_SIZE 24

/* The columns STMT_OUTBOX_CLAIM returns. */
enum outbox_col {
    OUTBOX_COL_ID,
    OUTBOX_COL_MESSAGE_ID,
    OUTBOX_COL_RECIPIENT,
    OUTBOX_COL_KIND,
    OUTBOX_COL_MESSAGE,
    OUTBOX_COL_ATTEMPTS,
    OUTBOX_COL__COUNT
};

/* outbox_enqueue - see outbox.h. */
enum db_status outbox_enqueue(struct db *db, const struct mail_message *m)
{
    const char *params[] = {mail_kind_name(m->kind), m->recipient, m->subject, m->message_id,
                            m->text};
    enum db_status st = db_exec(db, STMT_OUTBOX_INSERT, params, NULL);

    /* An INSERT of one row that reports none cannot happen; if it did, it is a bug. */
    return st == DB_NOTFOUND ? DB_FAIL : st;
}

static char *copy(const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        abort();
    return p;
}

/* outbox_claim - see outbox.h. */
enum db_status outbox_claim(struct db *db, int lease_s, struct outbox_item *out)
{
    char lease[INT_TEXT_SIZE];
    const char *params[] = {lease};
    struct db_result *r = NULL;
    int64_t attempts;

    memset(out, 0, sizeof *out);
    snprintf(lease, sizeof lease, "%d", lease_s);
    enum db_status st = db_exec(db, STMT_OUTBOX_CLAIM, params, &r);
    if (st == DB_OK) {
        const char *v[OUTBOX_COL__COUNT];
        for (int c = 0; c < OUTBOX_COL__COUNT; c++)
            v[c] = db_result_value(r, 0, c);
        if (text_parse_int64(v[OUTBOX_COL_ID], &out->id) != 0 ||
            text_parse_int64(v[OUTBOX_COL_ATTEMPTS], &attempts) != 0 || attempts < 1 ||
            attempts > INT32_MAX || v[OUTBOX_COL_MESSAGE_ID] == NULL ||
            v[OUTBOX_COL_RECIPIENT] == NULL || v[OUTBOX_COL_KIND] == NULL ||
            v[OUTBOX_COL_MESSAGE] == NULL) {
            /* The schema's CHECK keeps message non-NULL on undelivered rows: a bug. */
            log_event(LOG_LEVEL_ERROR, "store_bad_row", "stmt=%s column=outbox",
                      stmt_table[STMT_OUTBOX_CLAIM].name);
            st = DB_FAIL;
        } else {
            out->attempts = (int)attempts;
            out->message_id = copy(v[OUTBOX_COL_MESSAGE_ID]);
            out->recipient = copy(v[OUTBOX_COL_RECIPIENT]);
            out->kind = copy(v[OUTBOX_COL_KIND]);
            out->message = copy(v[OUTBOX_COL_MESSAGE]);
        }
    }
    db_result_free(r);
    return st;
}

void outbox_item_free(struct outbox_item *item)
{
    if (item->message != NULL) {
        explicit_bzero(item->message, strlen(item->message));
        free(item->message);
    }
    free(item->message_id);
    free(item->recipient);
    free(item->kind);
    memset(item, 0, sizeof *item);
}

/* outbox_mark_sent - see outbox.h. */
enum db_status outbox_mark_sent(struct db *db, int64_t id)
{
    char idtext[INT_TEXT_SIZE];
    const char *params[] = {idtext};

    snprintf(idtext, sizeof idtext, "%" PRId64, id);
    enum db_status st = db_exec(db, STMT_OUTBOX_SENT, params, NULL);
    return st == DB_NOTFOUND ? DB_OK : st;
}

/* outbox_mark_deferred - see outbox.h. */
enum db_status outbox_mark_deferred(struct db *db, const struct outbox_item *item, int delay_s,
                                    const char *error)
{
    char idtext[INT_TEXT_SIZE], attempts[INT_TEXT_SIZE], delay[INT_TEXT_SIZE];
    const char *params[] = {idtext, attempts, delay, error};

    snprintf(idtext, sizeof idtext, "%" PRId64, item->id);
    snprintf(attempts, sizeof attempts, "%d", item->attempts);
    snprintf(delay, sizeof delay, "%d", delay_s);
    return db_exec(db, STMT_OUTBOX_DEFER, params, NULL);
}

/* outbox_mark_failed - see outbox.h. */
enum db_status outbox_mark_failed(struct db *db, const struct outbox_item *item, const char *error)
{
    char idtext[INT_TEXT_SIZE], attempts[INT_TEXT_SIZE];
    const char *params[] = {idtext, attempts, error};

    snprintf(idtext, sizeof idtext, "%" PRId64, item->id);
    snprintf(attempts, sizeof attempts, "%d", item->attempts);
    return db_exec(db, STMT_OUTBOX_FAIL, params, NULL);
}

/* outbox_purge - see outbox.h. */
enum db_status outbox_purge(struct db *db, int days)
{
    char daytext[INT_TEXT_SIZE];
    const char *params[] = {daytext};

    snprintf(daytext, sizeof daytext, "%d", days);
    return db_exec(db, STMT_OUTBOX_PURGE, params, NULL);
}

/* outbox_counts - see outbox.h. */
enum db_status outbox_counts(struct db *db, int64_t *pending, int64_t *failed)
{
    struct db_result *r = NULL;
    enum db_status st = db_exec(db, STMT_OUTBOX_COUNTS, NULL, &r);

    if (st == DB_OK) {
        const char *p = db_result_value(r, 0, 0), *f = db_result_value(r, 0, 1);
        if (p == NULL || f == NULL || text_parse_int64(p, pending) != 0 ||
            text_parse_int64(f, failed) != 0)
            st = DB_FAIL;
    }
    db_result_free(r);
    return st;
}
