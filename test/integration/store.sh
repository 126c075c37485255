#!/bin/bash
# store.sh - every store operation against a real, migrated PostgreSQL: runs check_store
# (test/integration/check_store.c) in named and unnamed mode, with the session time zone set
# far from UTC so the ISO timestamps are shown to be UTC whatever the server's settings.
set -euo pipefail
source "$top_srcdir/test/lib/common.sh"
source "$top_srcdir/test/lib/pg.sh"
source "$top_srcdir/test/lib/stack.sh"

# libpq sends PGTZ as the session's TimeZone: a half-hour offset catches any local-time slip.
stack_db_suite check_store "every store operation, named and unnamed, hashed and plain tokens" \
	PGTZ=Asia/Kolkata
