#!/bin/bash
# flows_store.sh - the store operations of the mail links against a real, migrated PostgreSQL:
# runs check_flows_store (test/integration/check_flows_store.c) in named and unnamed mode.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/stack.sh
source "$top_srcdir/test/lib/stack.sh"

stack_db_suite check_flows_store \
	"mail_issue, verification_find, password_reset, email_confirm, sign_up with a mail"
