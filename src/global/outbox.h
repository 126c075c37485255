/* outbox - the mail queue in PostgreSQL (table authfcgi_outbox, schema/004_outbox.sql): the
 * one enqueue operation the store runs inside a request's transaction, and the claim / mark
 * operations of the mailer. Every function runs statements of the table (stmt.c) on the given
 * db handle and returns its enum db_status.
 *
 * Delivery guarantees: a row is claimed by one mailer at a time (a lease); a mailer that dies
 * holding it leaves it to be retried when the lease ends. Mail is therefore delivered at
 * least once to the MTA, exactly once unless a mailer dies between the MTA accepting a message
 * and outbox_mark_sent; the stored message's Message-ID is fixed per row for that case. */
#ifndef AUTHFCGI_OUTBOX_H
#define AUTHFCGI_OUTBOX_H

#include <stdint.h>

#include "global/db.h"
#include "global/mail.h"

/* outbox_enqueue - queue the rendered message m as a pending row, due now. Call it from the
 * db_txn_fn unit that makes the state change the mail belongs to (db_transaction in
 * store_pg.c): the row then commits, or rolls back, with that change. DB_CONFLICT when a row
 * with m->message_id exists (a bug: Message-IDs are random). m is borrowed. */
enum db_status outbox_enqueue(struct db *db, const struct mail_message *m);

/* A row claimed for delivery. Strings are malloc'd; release with outbox_item_free (which wipes
 * the message: it holds a link that is a credential). */
struct outbox_item {
    int64_t id;
    int attempts; /* including this one */
    char *message_id;
    char *recipient;
    char *kind;
    char *message;
};

/* outbox_claim - take the oldest due row (pending and due, or 'sending' whose lease ended):
 * status 'sending', attempts + 1, leased for lease_s seconds, committed before returning.
 * DB_NOTFOUND when nothing is due. Concurrent mailers never receive the same row while a
 * lease lasts. */
enum db_status outbox_claim(struct db *db, int lease_s, struct outbox_item *out);
void outbox_item_free(struct outbox_item *item);

/* outbox_mark_sent - the MTA accepted the message: status 'sent', message wiped. DB_OK also
 * when the row was already marked sent. */
enum db_status outbox_mark_sent(struct db *db, int64_t id);

/* outbox_mark_deferred - the attempt failed: pending again, due in delay_s seconds, with
 * error kept in last_error. DB_NOTFOUND when the claim is no longer ours (the lease ran out
 * and another mailer took the row): nothing was changed. */
enum db_status outbox_mark_deferred(struct db *db, const struct outbox_item *item, int delay_s,
                                    const char *error);

/* outbox_mark_failed - the last attempt failed: status 'failed', message wiped (its link is a
 * credential), the rest of the row kept for the operator. Same DB_NOTFOUND rule as
 * outbox_mark_deferred. */
enum db_status outbox_mark_failed(struct db *db, const struct outbox_item *item, const char *error);

/* outbox_purge - delete up to 1000 sent or failed rows created more than days ago. DB_NOTFOUND
 * when there was none. */
enum db_status outbox_purge(struct db *db, int days);

/* outbox_counts - how many rows wait for delivery (pending or being sent) and how many
 * failed for good. */
enum db_status outbox_counts(struct db *db, int64_t *pending, int64_t *failed);

#endif
