#!/usr/bin/python3
"""openapi_check - schema/openapi.yaml as a test oracle.

  openapi_check.py lint CONTRACT
      The contract is structurally valid OpenAPI 3.x: the required top-level keys, every $ref
      resolves, operationIds present and unique, path parameters declared, responses with
      descriptions and valid status keys, every schema valid JSON Schema 2020-12.
  openapi_check.py check CONTRACT METHOD PATH STATUS HEADERS_FILE BODY_FILE
      One response against the contract: the status must be documented for that operation
      (an unlisted method or path must be the bare 404 of x-authfcgi-unrouted), the body must
      validate against the response schema with every $ref resolved, the Content-Type must be
      the documented one (none for an empty body), required headers must be there, every
      value of a documented header must match its schema, and the headers the contract speaks
      about (Set-Cookie, Location, ...) must not appear where it does not document them.
      HEADERS_FILE is what `curl -D` wrote (the last response block counts).
  openapi_check.py batch CONTRACT DIR
      Every exchange DIR/*.meta (one line: NAME<TAB>METHOD<TAB>PATH<TAB>STATUS, with
      .headers and .body files beside it); prints "PASS<TAB>NAME" or
      "FAIL<TAB>NAME<TAB>REASON" per exchange. Loads the contract once.
  openapi_check.py samples CONTRACT FILE
      Self-test: recorded responses that must pass or must fail (see test/fixtures/).

Exit status: 0 when everything passed, 1 when something failed, 2 for usage errors.
Needs python3-yaml and python3-jsonschema (Debian); run with /usr/bin/python3.
"""

import json
import os
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as e:  # a missing package is a failure to report, not a traceback
    print(f"openapi_check: {e}; install python3-yaml and python3-jsonschema", file=sys.stderr)
    sys.exit(1)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Headers whose presence means something: where the contract does not document one, the
# response must not carry it.
CONTROLLED_HEADERS = (
    "set-cookie",
    "set-auth-token",
    "access-control-expose-headers",
    "location",
    "retry-after",
    "x-retry-after",
    "cache-control",
    "pragma",
)
Validator = jsonschema.Draft202012Validator


class ContractError(Exception):
    pass


def load(path):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict):
        raise ContractError(f"{path}: not a YAML mapping")
    return doc


def pointer(doc, ref):
    """The node a local reference "#/a/b" names."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        raise ContractError(f"$ref {ref!r}: only local references (#/...) are supported")
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise ContractError(f"$ref {ref} does not resolve (at {part!r})")
    return node


def resolve(doc, node, depth=0):
    """A copy of node with every $ref replaced by its target. A $ref with siblings other than
    summary/description becomes allOf [target] + siblings (JSON Schema 2020-12 semantics)."""
    if depth > 64:
        raise ContractError("$ref chain too deep (a cycle?)")
    if isinstance(node, list):
        return [resolve(doc, x, depth) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = resolve(doc, pointer(doc, node["$ref"]), depth + 1)
        rest = {k: resolve(doc, v, depth) for k, v in node.items() if k != "$ref"}
        if not rest:
            return target
        if set(rest) <= {"summary", "description"} and isinstance(target, dict):
            merged = dict(target)
            merged.update(rest)
            return merged
        return {"allOf": [target], **rest}
    return {k: resolve(doc, v, depth) for k, v in node.items()}


# ---- lint ----------------------------------------------------------------------------------


def walk_refs(node, where, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref":
                out.append((where, v))
            else:
                walk_refs(v, f"{where}/{k}", out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            walk_refs(v, f"{where}/{i}", out)


def schemas_in(node, where, out):
    """Every JSON Schema position of an OpenAPI (resolved) fragment."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "schema" and isinstance(v, (dict, bool)):
                out.append((f"{where}/schema", v))
            elif str(k).startswith("x-"):
                continue
            else:
                schemas_in(v, f"{where}/{k}", out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            schemas_in(v, f"{where}/{i}", out)


def lint(doc, deep=True):
    """Problems of the document (strings). deep adds the JSON Schema meta-schema check of
    every schema, which takes a while; the checks of responses only need the structure."""
    errors = []
    err = errors.append

    version = doc.get("openapi")
    if not isinstance(version, str) or not re.fullmatch(r"3\.[0-9]+\.[0-9]+", version):
        err(f"openapi: must be a 3.x.y version string, got {version!r}")
    info = doc.get("info")
    if not isinstance(info, dict):
        err("info: missing")
    else:
        for key in ("title", "version"):
            if not isinstance(info.get(key), str) or not info[key]:
                err(f"info.{key}: missing")
    paths = doc.get("paths")
    if not isinstance(paths, dict) or not paths:
        err("paths: missing or empty")
        paths = {}
    allowed_top = {"openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks",
                   "components", "security", "tags", "externalDocs"}
    for key in doc:
        if key not in allowed_top and not str(key).startswith("x-"):
            err(f"unknown top-level key {key!r}")

    refs = []
    walk_refs(doc, "#", refs)
    for where, ref in refs:
        try:
            pointer(doc, ref)
        except ContractError as e:
            err(f"{where}: {e}")
    if errors:
        return errors  # the rest needs resolvable references
    try:
        rdoc = resolve(doc, doc)
    except ContractError as e:
        return [str(e)]

    schemes = set((rdoc.get("components") or {}).get("securitySchemes") or {})

    def check_security(where, reqs):
        if not isinstance(reqs, list):
            err(f"{where}: security must be a list")
            return
        for req in reqs:
            if not isinstance(req, dict):
                err(f"{where}: a security requirement must be a mapping")
                continue
            for name in req:
                if name not in schemes:
                    err(f"{where}: security scheme {name!r} is not defined")

    check_security("security", rdoc.get("security", []))
    seen_ids = {}
    for path, item in rdoc["paths"].items():
        if not isinstance(path, str) or not path.startswith("/"):
            err(f"path {path!r}: must start with '/'")
            continue
        if not isinstance(item, dict):
            err(f"{path}: path item must be a mapping")
            continue
        template_params = set(re.findall(r"\{([^}/]+)\}", path))
        for key, op in item.items():
            if key in ("summary", "description", "servers", "parameters") or \
                    str(key).startswith("x-"):
                continue
            if key not in METHODS:
                err(f"{path}: {key!r} is not an HTTP method")
                continue
            where = f"{key.upper()} {path}"
            if not isinstance(op, dict):
                err(f"{where}: operation must be a mapping")
                continue
            op_id = op.get("operationId")
            if not isinstance(op_id, str) or not op_id:
                err(f"{where}: no operationId")
            elif op_id in seen_ids:
                err(f"{where}: operationId {op_id!r} also used by {seen_ids[op_id]}")
            else:
                seen_ids[op_id] = where
            params = list(item.get("parameters", [])) + list(op.get("parameters", []))
            declared = set()
            for p in params:
                if not isinstance(p, dict) or "name" not in p or "in" not in p:
                    err(f"{where}: parameter without name/in")
                    continue
                if p["in"] not in ("query", "header", "path", "cookie"):
                    err(f"{where}: parameter {p['name']}: bad 'in' {p['in']!r}")
                if "schema" not in p and "content" not in p:
                    err(f"{where}: parameter {p['name']}: needs schema or content")
                if p["in"] == "path":
                    declared.add(p["name"])
                    if p.get("required") is not True:
                        err(f"{where}: path parameter {p['name']} must be required")
            for name in template_params - declared:
                err(f"{where}: path parameter {{{name}}} not declared")
            for name in declared - template_params:
                err(f"{where}: path parameter {name} not in the path")
            if "security" in op:
                check_security(where, op["security"])
            body = op.get("requestBody")
            if body is not None and not (isinstance(body, dict) and body.get("content")):
                err(f"{where}: requestBody without content")
            responses = op.get("responses")
            if not isinstance(responses, dict) or not responses:
                err(f"{where}: no responses")
                continue
            for status, resp in responses.items():
                if not isinstance(status, str) or not re.fullmatch(
                        r"default|[1-5](XX|[0-9][0-9])", status):
                    err(f"{where}: bad response key {status!r} (quote status codes)")
                if not isinstance(resp, dict) or not isinstance(resp.get("description"), str):
                    err(f"{where} {status}: response without description")
                    continue
                for hname, h in (resp.get("headers") or {}).items():
                    if not isinstance(h, dict) or ("schema" not in h and "content" not in h):
                        err(f"{where} {status}: header {hname} needs schema or content")
                    for pat in (h or {}).get("x-authfcgi-lines", []):
                        try:
                            re.compile(pat)
                        except re.error as e:
                            err(f"{where} {status}: header {hname}: bad line pattern: {e}")
                for media in (resp.get("content") or {}):
                    if "/" not in media:
                        err(f"{where} {status}: bad media type {media!r}")

    if not deep:
        return errors
    # The schemas as written ($ref kept): each is checked once, not once per use.
    found = []
    schemas_in(doc, "#", found)
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        found.append((f"#/components/schemas/{name}", schema))
    for where, schema in found:
        try:
            Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            err(f"{where}: not a valid JSON Schema 2020-12: {e.message}")
            continue
        for sub in iter_patterns(schema):
            try:
                re.compile(sub)
            except re.error as e:
                err(f"{where}: pattern {sub!r}: {e}")
    return errors


def iter_patterns(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "pattern" and isinstance(v, str):
                yield v
            else:
                yield from iter_patterns(v)
    elif isinstance(node, list):
        for v in node:
            yield from iter_patterns(v)


# ---- checking one response -----------------------------------------------------------------


class Contract:
    def __init__(self, path):
        self.doc = load(path)
        problems = lint(self.doc, deep=False)
        if problems:
            raise ContractError("contract does not lint: " + "; ".join(problems[:5]))
        self.rdoc = resolve(self.doc, self.doc)
        self.routes = []
        for tmpl, item in self.rdoc["paths"].items():
            parts = re.split(r"\{[^}/]+\}", tmpl)
            rx = "[^/]+".join(re.escape(p) for p in parts)
            self.routes.append((re.compile(f"^{rx}$"), tmpl, item))
        self.format_checker = jsonschema.FormatChecker()

    def operation(self, method, path):
        for rx, tmpl, item in self.routes:
            if rx.match(path):
                op = item.get(method.lower())
                return (tmpl, op) if isinstance(op, dict) else (tmpl, None)
        return (None, None)

    def validate(self, schema, instance):
        v = Validator(schema, format_checker=self.format_checker)
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message}"
            for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
        ]

    def check(self, method, path, status, headers, body):
        """Problems (a list of strings; empty = conforms)."""
        problems = []
        path = path.split("?", 1)[0].split("#", 1)[0]
        values = {}
        for name, value in headers:
            values.setdefault(name.lower(), []).append(value)
        ctype = (values.get("content-type") or [None])[0]
        tmpl, op = self.operation(method, path)
        if op is None:
            unrouted = self.rdoc.get("x-authfcgi-unrouted", {"status": 404})
            if status != unrouted.get("status", 404):
                what = f"no {method.upper()} on {tmpl}" if tmpl else "path not in the contract"
                problems.append(f"{what}: expected the unrouted {unrouted.get('status')}, "
                                f"got {status}")
            if body:
                problems.append(f"unrouted answer must have an empty body, got {len(body)} bytes")
            if ctype is not None:
                problems.append(f"unrouted answer must have no Content-Type, got {ctype!r}")
            return problems

        op_name = op.get("operationId", f"{method.upper()} {tmpl}")
        responses = op.get("responses", {})
        resp = (responses.get(str(status)) or responses.get(f"{str(status)[0]}XX")
                or responses.get("default"))
        if resp is None:
            return [f"status {status} is not documented for {op_name} "
                    f"(documented: {', '.join(sorted(responses))})"]

        content = resp.get("content") or {}
        instance = None
        if not body:
            if content and not resp.get("x-authfcgi-empty"):
                problems.append(f"{op_name} {status}: empty body, but the contract documents "
                                f"{', '.join(content)}")
            if ctype is not None and ctype != resp.get("x-authfcgi-empty-content-type"):
                problems.append(f"{op_name} {status}: empty body with Content-Type {ctype!r}")
        elif not content:
            problems.append(f"{op_name} {status}: the contract documents no body, got "
                            f"{len(body)} bytes")
        else:
            media = (ctype or "").split(";", 1)[0].strip().lower()
            if media not in content:
                problems.append(f"{op_name} {status}: Content-Type {ctype!r}, documented: "
                                f"{', '.join(content)}")
            else:
                try:
                    instance = json.loads(body.decode("utf-8"), parse_constant=_no_constants)
                except (UnicodeDecodeError, ValueError) as e:
                    problems.append(f"{op_name} {status}: body is not JSON: {e}")
                else:
                    schema = content[media].get("schema", {})
                    for p in self.validate(schema, instance):
                        problems.append(f"{op_name} {status}: {p}")

        documented = {n.lower(): h for n, h in (resp.get("headers") or {}).items()}
        for name, h in documented.items():
            got = values.get(name, [])
            required = h.get("required")
            # x-authfcgi-required-unless: {member: value}: not required when the JSON body has
            # these members with these values (sign-up's cookie when "token" is null).
            unless = h.get("x-authfcgi-required-unless")
            if required and unless and isinstance(instance, dict) and all(
                    k in instance and instance[k] == v for k, v in unless.items()):
                required = False
            if required and not got:
                problems.append(f"{op_name} {status}: required header {name} missing")
            for value in got:
                for p in self.validate(h.get("schema", {}), coerce_header(h.get("schema"), value)):
                    problems.append(f"{op_name} {status}: header {name} {value!r}: {p}")
            lines = h.get("x-authfcgi-lines")
            if lines and got:
                least = h.get("x-authfcgi-min-lines", len(lines))
                if not least <= len(got) <= len(lines):
                    problems.append(f"{op_name} {status}: {len(got)} {name} lines, expected "
                                    f"{least}..{len(lines)}")
                for i, (pat, value) in enumerate(zip(lines, got)):
                    if not re.search(pat, value):
                        problems.append(f"{op_name} {status}: {name} line {i + 1} {value!r} "
                                        f"does not match {pat!r}")
        for name in CONTROLLED_HEADERS:
            if name in values and name not in documented:
                problems.append(f"{op_name} {status}: header {name} ({values[name][0]!r}) is "
                                "not documented for this response")
        return problems


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def coerce_header(schema, value):
    """Header values are text; an integer-typed header must be a plain decimal integer."""
    if isinstance(schema, dict) and schema.get("type") == "integer":
        return int(value) if re.fullmatch(r"-?[0-9]+", value) else value
    return value


def parse_headers(text):
    """(status, [(name, value)]) of the last response block of a `curl -D` dump."""
    blocks, cur = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("HTTP/"):
            cur = [line]
            blocks.append(cur)
        elif line and cur:
            cur.append(line)
    if not blocks:
        return None, []
    block = blocks[-1]
    m = re.match(r"HTTP/\S+\s+([0-9]{3})", block[0])
    status = int(m.group(1)) if m else None
    headers = []
    for line in block[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return status, headers


# ---- command line --------------------------------------------------------------------------


def cmd_lint(contract):
    problems = lint(load(contract))
    for p in problems:
        print(f"lint: {p}")
    if not problems:
        print(f"lint: {contract} is a structurally valid OpenAPI document")
    return 1 if problems else 0


def check_files(c, method, path, status, headers_file, body_file):
    with open(headers_file, encoding="utf-8", errors="replace") as f:
        dumped_status, headers = parse_headers(f.read())
    with open(body_file, "rb") as f:
        body = f.read()
    problems = []
    if dumped_status is not None and dumped_status != status:
        problems.append(f"status {status} given, but the headers say {dumped_status}")
    return problems + c.check(method, path, status, headers, body)


def cmd_check(contract, method, path, status, headers_file, body_file):
    c = Contract(contract)
    problems = check_files(c, method, path, int(status), headers_file, body_file)
    for p in problems:
        print(p)
    return 1 if problems else 0


def cmd_batch(contract, directory):
    c = Contract(contract)
    failed = 0
    for meta in sorted(f for f in os.listdir(directory) if f.endswith(".meta")):
        stem = os.path.join(directory, meta[:-5])
        with open(stem + ".meta", encoding="utf-8") as f:
            name, method, path, status = f.read().rstrip("\n").split("\t")
        try:
            problems = check_files(c, method, path, int(status), stem + ".headers", stem + ".body")
        except (OSError, ValueError) as e:
            problems = [f"cannot check: {e}"]
        if problems:
            failed += 1
            print(f"FAIL\t{name}\t{' | '.join(problems)}")
        else:
            print(f"PASS\t{name}")
    return 1 if failed else 0


def read_samples(path):
    """### pass|fail METHOD PATH STATUS description / header lines / blank / body lines."""
    samples, cur, in_body = [], None, False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("### "):
                expect, method, target, status, *desc = line[4:].split(" ")
                cur = {"expect": expect, "method": method, "path": target,
                       "status": int(status), "desc": " ".join(desc), "headers": [], "body": []}
                samples.append(cur)
                in_body = False
            elif cur is None or (line.startswith("#") and not in_body):
                continue
            elif not in_body:
                if line == "":
                    in_body = True
                else:
                    name, value = line.split(":", 1)
                    cur["headers"].append((name.strip(), value.strip()))
            else:
                cur["body"].append(line)
    for s in samples:
        s["body"] = "\n".join(s["body"]).strip("\n").encode("utf-8")
    return samples


def cmd_samples(contract, path):
    c = Contract(contract)
    failed = 0
    samples = read_samples(path)
    for i, s in enumerate(samples, 1):
        problems = c.check(s["method"], s["path"], s["status"], s["headers"], s["body"])
        good = (not problems) if s["expect"] == "pass" else bool(problems)
        label = f"{s['expect']}: {s['method']} {s['path']} {s['status']} {s['desc']}"
        if good:
            print(f"ok {i} - {label}" + (f"  [{problems[0]}]" if problems else ""))
        else:
            failed += 1
            why = "; ".join(problems) if problems else "the contract accepted it"
            print(f"not ok {i} - {label}: {why}")
    print(f"1..{len(samples)}")
    return 1 if failed or not samples else 0


def main(argv):
    usage = __doc__.split("\n\n")[1]
    try:
        if len(argv) == 3 and argv[1] == "lint":
            return cmd_lint(argv[2])
        if len(argv) == 8 and argv[1] == "check":
            return cmd_check(*argv[2:])
        if len(argv) == 4 and argv[1] == "batch":
            return cmd_batch(argv[2], argv[3])
        if len(argv) == 4 and argv[1] == "samples":
            return cmd_samples(argv[2], argv[3])
    except (ContractError, OSError, yaml.YAMLError) as e:
        print(f"openapi_check: {e}", file=sys.stderr)
        return 1
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
