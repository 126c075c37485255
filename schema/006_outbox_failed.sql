-- 006_outbox_failed: a mail that failed for good loses its message, as a sent one does. The
-- message holds the link, which is a credential (a reset link sets the password for an hour),
-- and a reader of the table must not find live links in mail that is done with. What an
-- operator needs stays: recipient, kind, subject, Message-ID, status, attempts, timestamps
-- and last_error. 004 allowed a NULL message only once sent; rows that failed before this
-- migration are wiped here.

ALTER TABLE authfcgi_outbox DROP CONSTRAINT IF EXISTS authfcgi_outbox_check;
ALTER TABLE authfcgi_outbox DROP CONSTRAINT IF EXISTS authfcgi_outbox_message_check;
ALTER TABLE authfcgi_outbox ADD CONSTRAINT authfcgi_outbox_message_check
    CHECK (message IS NOT NULL OR status IN ('sent', 'failed'));

UPDATE authfcgi_outbox SET message = NULL
    WHERE status IN ('sent', 'failed') AND message IS NOT NULL;

COMMENT ON COLUMN authfcgi_outbox.message IS
    'the whole RFC 5322 message (LF line ends) piped to AUTHFCGI_SENDMAIL; NULL once sent or failed';
