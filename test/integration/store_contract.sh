#!/bin/bash
# store_contract.sh - the store contract against a real, migrated PostgreSQL: runs
# check_store_contract (test/integration/check_store_contract.c), the cases that
# test/unit/check_store_contract runs over the fake store, against store_pg.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"
# shellcheck source=test/lib/pg.sh
source "$top_srcdir/test/lib/pg.sh"
# shellcheck source=test/lib/stack.sh
source "$top_srcdir/test/lib/stack.sh"

stack_db_suite check_store_contract \
	"the store contract over store_pg, named and unnamed (unnamed only behind a pooler)"
