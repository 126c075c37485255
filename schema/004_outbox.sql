-- 004_outbox: the mail outbox. A request that sends mail (password reset, e-mail
-- verification, change of e-mail) inserts the complete, rendered message here in the same
-- transaction as its state change, so a mail exists exactly when the change committed.
-- `authfcgi mail` delivers due rows through the sendmail command (src/daemon/mailer.c).
--
-- Life of a row: pending -> sending (claimed by one mailer: attempts + 1, next_attempt_at =
-- the end of its lease) -> sent (message wiped: the link in it is a credential), or back to
-- pending with next_attempt_at = now + backoff when the command fails, or failed after
-- AUTHFCGI_MAIL_MAX_ATTEMPTS. A 'sending' row whose lease ran out (its mailer died) is due
-- again. Delivery is at least once at the MTA boundary: a mailer that dies after the command
-- succeeded but before it recorded 'sent' leaves the row to be sent again; message_id is fixed
-- per row (it is in the stored message), so receivers can recognise the duplicate.

CREATE TABLE IF NOT EXISTS authfcgi_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('reset-password', 'verify-email', 'change-email')),
    recipient text NOT NULL,
    subject text NOT NULL,
    message_id text NOT NULL UNIQUE,
    message text,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    sent_at timestamptz,
    CHECK (message IS NOT NULL OR status = 'sent')
);

-- The mailers' scan: due rows in order, only over rows still to deliver.
CREATE INDEX IF NOT EXISTS authfcgi_outbox_due_idx ON authfcgi_outbox (next_attempt_at)
    WHERE status IN ('pending', 'sending');

COMMENT ON TABLE authfcgi_outbox IS
    'mail outbox of authfcgi: rendered messages, delivered by authfcgi mail';
COMMENT ON COLUMN authfcgi_outbox.message IS
    'the whole RFC 5322 message (LF line ends) piped to AUTHFCGI_SENDMAIL; NULL once sent';
COMMENT ON COLUMN authfcgi_outbox.next_attempt_at IS
    'pending: when the row is due; sending: when the claiming mailer''s lease ends';
