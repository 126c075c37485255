#!/bin/bash
# test/unit/contract.sh - schema/openapi.yaml is a structurally valid OpenAPI 3.x document
# (test/lib/openapi_check.py lint), the linter refuses broken copies of it, and the
# contract accepts real Better Auth responses and refuses defective ones
# (test/fixtures/contract-samples.txt). check_contract compares it with the route table.
set -euo pipefail
# shellcheck source=test/lib/common.sh
source "$top_srcdir/test/lib/common.sh"

# Debian's python3 with python3-yaml and python3-jsonschema (a pyenv python on PATH would not
# see them).
PY=/usr/bin/python3
CHECK=$top_srcdir/test/lib/openapi_check.py
CONTRACT=$top_srcdir/schema/openapi.yaml
tmpdir_new

if ! "$PY" -c 'import yaml, jsonschema' 2>"$TEST_TMP/import.err"; then
	not_ok "python3-yaml and python3-jsonschema importable by $PY: $(cat "$TEST_TMP/import.err")"
	finish
fi

if "$PY" "$CHECK" lint "$CONTRACT" >"$TEST_TMP/lint.out" 2>&1; then
	ok "schema/openapi.yaml lints as OpenAPI 3.x"
else
	not_ok "schema/openapi.yaml lints as OpenAPI 3.x"
	sed 's/^/# /' "$TEST_TMP/lint.out"
fi

# broken NAME PYTHON-EXPR - a copy of the contract changed by one Python statement on `d`
# must not lint.
broken() {
	local name=$1 change=$2 copy=$TEST_TMP/broken.yaml
	"$PY" - "$CONTRACT" "$copy" "$change" <<-'PYEOF'
		import sys, yaml
		d = yaml.safe_load(open(sys.argv[1]))
		exec(sys.argv[3])
		yaml.safe_dump(d, open(sys.argv[2], "w"), sort_keys=False)
	PYEOF
	# A refusal is a "lint:" line and exit status 1, not a crash.
	if ! "$PY" "$CHECK" lint "$copy" >"$TEST_TMP/broken.out" 2>&1 &&
		[[ $(head -n 1 "$TEST_TMP/broken.out") == lint:* ]]; then
		ok "lint refuses a contract with $name ($(head -n 1 "$TEST_TMP/broken.out"))"
	else
		not_ok "lint refuses a contract with $name"
		sed 's/^/# /' "$TEST_TMP/broken.out"
	fi
}
# shellcheck disable=SC2016 # Python, not shell, in single quotes
broken "a dangling \$ref" \
	'd["paths"]["/api/auth/ok"]["get"]["responses"]["429"]["$ref"] = "#/components/responses/Nope"'
broken "a duplicate operationId" \
	'd["paths"]["/readyz"]["get"]["operationId"] = "healthz"'
broken "no info.version" 'del d["info"]["version"]'
broken "an OpenAPI 2 version" 'd["openapi"] = "2.0"'
broken "an invalid JSON Schema" 'd["components"]["schemas"]["Id"]["type"] = "strnig"'
broken "a response without description" \
	'del d["paths"]["/healthz"]["get"]["responses"]["200"]["description"]'
broken "an unquoted status code" \
	'r = d["paths"]["/healthz"]["get"]["responses"]; r[200] = r.pop("200")'
broken "an undefined security scheme" \
	'd["paths"]["/api/auth/list-sessions"]["get"]["security"] = [{"cookie": []}]'
broken "an undeclared path parameter" \
	'd["paths"]["/api/auth/x/{id}"] = {"get": {"operationId": "x", "responses": {"200": {"description": "x"}}}}'

"$PY" "$CHECK" samples "$CONTRACT" "$top_srcdir/test/fixtures/contract-samples.txt" \
	>"$TEST_TMP/samples.out" 2>&1 && rc=0 || rc=$?
while IFS= read -r line; do
	case $line in
	"not ok "*) not_ok "sample ${line#not ok * - }" ;;
	"ok "*) ok "sample ${line#ok * - }" ;;
	esac
done <"$TEST_TMP/samples.out"
if ((rc != 0)) && ! grep -q '^not ok ' "$TEST_TMP/samples.out"; then
	not_ok "openapi_check.py samples exited $rc"
	sed 's/^/# /' "$TEST_TMP/samples.out"
fi

finish
