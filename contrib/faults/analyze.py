#!/usr/bin/env python3
"""analyze.py - the verdict on one fault of contrib/faults/fault-load.sh: what the clients saw
(loadgen.py's records) and what the database holds afterwards.

  analyze.py --responses FILE --marks FILE --fault NAME --title TEXT --deadline-ms N
             --run-id ID [--json FILE] [--p99-relative F]

MARKS holds "NAME WALLCLOCK" lines: fault_start, recovered (when the fault was lifted: the
server back, the backends resumed, PgBouncer back, the latency gone) and load_end. The
database is reached with psql through the usual PG* variables.

Checks (each PASS or FAIL in the table; the exit status is 1 when one fails):
  * responses only 2xx, 4xx, 429 or 503 - never another 5xx, never no answer
  * every 503 carries Retry-After
  * no request took longer than the deadline + 1 s
  * every sign-up answered 200 is in the database exactly once, with its credential account
  * no sign-up that got an error is half-written (a user without its credential account);
    one that got 503 but whose transaction committed (the connection died after COMMIT was
    sent: the outcome was unknown to authfcgi) is acceptable when complete - counted apart
  * p99 back under 200 ms within 10 s of recovery: the earliest moment after which no
    request failed and the p99 latency stayed under 200 ms (with --p99-relative F: under
    the larger of 200 ms and F times the p99 before the fault - for the suite's short run,
    which shares two CPUs with sanitizers and other tests; a full run uses the 200 ms)
  * no backend left "idle in transaction"
"""
import argparse
import collections
import json
import subprocess
import sys

P99_LIMIT_MS = 200
RECOVERY_LIMIT_S = 10


def psql(sql):
    out = subprocess.run(
        ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def p99(values):
    if not values:
        return 0.0
    v = sorted(values)
    return v[min(len(v) - 1, int(0.99 * len(v)))]


def bad(r):
    """A response that is not a normal answer: 503, another 5xx, or none."""
    return r["status"] == 0 or r["status"] >= 500


def recovery(records, recovered_at, end, limit):
    """(seconds after recovered_at, p99 after) of the earliest moment from which every request
    succeeded and the p99 stayed under the limit; (None, p99) when that never happened with
    at least 2 s and 20 requests of evidence."""
    recs = sorted((r for r in records if r["t"] >= recovered_at), key=lambda r: r["t"])
    # Suffix facts: index of the last bad request.
    last_bad = -1
    for i, r in enumerate(recs):
        if bad(r):
            last_bad = i
    best = None
    for i in range(last_bad + 1, len(recs)):
        t0 = recs[i]["t"]
        if end - t0 < 2 or len(recs) - i < 20:
            break
        p = p99([r["ms"] for r in recs[i:]])
        if p < limit:
            best = (max(0.0, t0 - recovered_at), p)
            break
    if best is None:
        return None, p99([r["ms"] for r in recs[last_bad + 1:]])
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", required=True)
    ap.add_argument("--marks", required=True)
    ap.add_argument("--fault", required=True)
    ap.add_argument("--title", required=True)
    ap.add_argument("--deadline-ms", type=int, required=True)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--json")
    ap.add_argument("--p99-relative", type=float)
    a = ap.parse_args()

    records = [json.loads(line) for line in open(a.responses) if line.strip()]
    marks = {}
    for line in open(a.marks):
        name, t = line.split()
        marks[name] = float(t)
    start, recovered_at = marks["fault_start"], marks["recovered"]
    end = marks.get("load_end", max((r["t"] for r in records), default=recovered_at))

    ops = collections.Counter(r["op"] for r in records)
    status = collections.Counter(r["status"] for r in records)
    n2 = sum(n for s, n in status.items() if 200 <= s < 300)
    n429 = status.get(429, 0)
    n4 = sum(n for s, n in status.items() if 400 <= s < 500 and s != 429)
    n503 = status.get(503, 0)
    other = [r for r in records if not (200 <= r["status"] < 300 or 400 <= r["status"] < 500
                                        or r["status"] == 503)]
    no_ra = sum(1 for r in records if r["status"] == 503 and not r["ra"])
    slowest = max((r["ms"] for r in records), default=0.0)
    late = sum(1 for r in records if r["ms"] > a.deadline_ms + 1000)
    baseline = p99([r["ms"] for r in records if r["t"] < start and not bad(r)])
    during = [r for r in records if start <= r["t"] < recovered_at]
    limit = P99_LIMIT_MS
    if a.p99_relative:
        limit = max(limit, a.p99_relative * baseline)
    rec_s, rec_p99 = recovery(records, recovered_at, end, limit)

    # The database: every user of this run, with its credential accounts (with a password).
    rows = psql(
        "SELECT u.email, count(*) OVER (PARTITION BY u.email), "
        "(SELECT count(*) FROM account a WHERE a.\"userId\" = u.id "
        "AND a.\"providerId\" = 'credential' AND a.password IS NOT NULL) "
        "FROM \"user\" u WHERE u.email LIKE 'fl-%s-%%'" % a.run_id.replace("'", "")
    )
    in_db = {email: (int(n), int(acc)) for email, n, acc in rows}
    signups = [r for r in records if r["op"] == "sign-up" and r.get("email")]
    ok_signups = [r for r in signups if r["status"] == 200]
    err_signups = [r for r in signups if r["status"] != 200]
    ok_present = sum(1 for r in ok_signups if in_db.get(r["email"], (0, 0)) == (1, 1))
    err_absent = sum(1 for r in err_signups if r["email"] not in in_db)
    err_committed = [r for r in err_signups if r["email"] in in_db]
    err_committed_complete = sum(1 for r in err_committed if in_db[r["email"]] == (1, 1))
    half = sum(1 for n, acc in in_db.values() if acc != 1)
    idle_txn = int(psql("SELECT count(*) FROM pg_stat_activity "
                        "WHERE state LIKE 'idle in transaction%'")[0][0])

    checks = []

    def check(name, value, passed, limit=""):
        checks.append((name, value, passed, limit))

    check("responses", "%d (get-session %d, sign-in %d, sign-up %d, sign-out %d)" % (
        len(records), ops["get-session"], ops["sign-in"], ops["sign-up"], ops["sign-out"]),
        len(records) > 0)
    check("2xx / 4xx / 429 / 503", "%d / %d / %d / %d" % (n2, n4, n429, n503), True)
    check("other 5xx or no answer", str(len(other)), not other,
          "0" + ("; e.g. %s" % json.dumps(other[0]) if other else ""))
    check("503 without Retry-After", str(no_ra), no_ra == 0, "0")
    check("slowest response", "%.0f ms" % slowest, late == 0,
          "<= %d ms (deadline + 1 s); %d over" % (a.deadline_ms + 1000, late))
    check("during the fault", "%d requests, %d answered 503" % (
        len(during), sum(1 for r in during if r["status"] == 503)), True)
    check("sign-ups answered 200 in DB once", "%d / %d" % (ok_present, len(ok_signups)),
          ok_present == len(ok_signups))
    check("sign-ups with an error: absent", "%d / %d" % (err_absent, len(err_signups)), True)
    check("...committed anyway (unknown outcome)", "%d, complete %d" % (
        len(err_committed), err_committed_complete),
        err_committed_complete == len(err_committed), "complete")
    check("half-written users (no credential)", str(half), half == 0, "0")
    check("p99 before the fault", "%.0f ms" % baseline, True)
    if rec_s is None:
        check("p99 < %d ms again after recovery" % limit,
              "never (p99 %.0f ms)" % rec_p99, False, "<= %d s" % RECOVERY_LIMIT_S)
    else:
        check("p99 < %d ms again after recovery" % limit,
              "%.1f s (p99 then %.0f ms)" % (rec_s, rec_p99), rec_s <= RECOVERY_LIMIT_S,
              "<= %d s" % RECOVERY_LIMIT_S)
    check("backends idle in transaction", str(idle_txn), idle_txn == 0, "0")

    failed = [c for c in checks if not c[2]]
    print("== fault: %s - %s" % (a.fault, a.title))
    for name, value, passed, limit in checks:
        print("  %-40s %-44s %s%s" % (name, value, "PASS" if passed else "FAIL",
                                      (" (" + limit + ")") if limit else ""))
    print("  => %s" % ("PASS" if not failed else "FAIL (%d checks)" % len(failed)))
    if a.json:
        with open(a.json, "a") as f:
            f.write(json.dumps({
                "fault": a.fault, "title": a.title, "requests": len(records),
                "ok2xx": n2, "4xx": n4, "429": n429, "503": n503, "other": len(other),
                "no_retry_after": no_ra, "slowest_ms": slowest, "deadline_ms": a.deadline_ms,
                "signups_ok": len(ok_signups), "signups_ok_present": ok_present,
                "signups_err": len(err_signups), "signups_err_committed": len(err_committed),
                "half_written": half, "p99_before_ms": baseline, "recovery_s": rec_s,
                "p99_after_ms": rec_p99, "p99_limit_ms": limit, "idle_in_txn": idle_txn,
                "during": len(during), "passed": not failed,
            }) + "\n")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
