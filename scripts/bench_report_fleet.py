"""The "Fleet on etcd" section of BENCHMARKS.md (issue 19; the results of scripts/bench_fleet.sh).

The section sits between two HTML comment markers, so that `BENCH_ONLY_FLEET=1 scripts/bench.sh`
(which measures only the fleet, into results-fleet.jsonl) replaces it in the BENCHMARKS.md a full
run wrote, leaving every other section as it was; a full run (bench_report.py) renders it in place.

Rows are lines of results.jsonl: mutation points ("target" files or etcd, "series" one of
MUTATIONS), GenerateDataKey points ("series" "GenerateDataKey (fleet)", "target" "etcd, 1 enclave"
or "etcd, 3 enclaves" summed over the three), failover runs ("series" "failover", "ms"), failed
points ("failed": true), and one "fleet_meta" line (date, command, commit, lease TTL, load).

    python3 scripts/bench_report_fleet.py --results target/bench/results-fleet.jsonl --out BENCHMARKS.md
"""

import argparse
import json
import statistics
import sys

sys.dont_write_bytecode = True  # no scripts/__pycache__ from importing the module beside this one
import bench_report_asym  # noqa: E402

BEGIN = "<!-- bench-fleet:begin (scripts/bench_report_fleet.py) -->"
END = "<!-- bench-fleet:end -->"
MUTATIONS = ["CreateKey", "CreateAlias", "TagResource"]
GDK = "GenerateDataKey (fleet)"
SERIES = set(MUTATIONS) | {GDK, "failover", "fleet_meta"}


def _int(x):
    return "{:,.0f}".format(x)


def _ms(x):
    return "%.3g" % x if x < 100 else _int(x)


def _table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---:"] * len(header)) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def _points(rows, series):
    """{(target, concurrency): row} of `series`."""
    return {(r.get("target"), int(r.get("concurrency", 0))): r
            for r in rows if r.get("series") == series}


def _cell(r, key="requests_per_second", fmt=_int):
    if r is None:
        return "—"
    if r.get("failed"):
        return "failed"
    return fmt(r[key])


def section(rows):
    """The section's markdown, markers included."""
    meta = next((r for r in rows if r.get("series") == "fleet_meta"), {})
    L = [BEGIN, "## Fleet on etcd (issue 19)\n"]
    if not meta or meta.get("skipped"):
        L.append("Not measured in this run%s (`BENCH_ONLY_FLEET=1 scripts/bench.sh "
                 "target/release` measures it alone; it needs etcd on PATH).\n"
                 % (": " + meta["reason"] if meta.get("reason") else ""))
        L.append(END)
        return "\n".join(L) + "\n"
    L.append(
        "`scripts/bench_fleet.sh`: mutations per second with `storage = \"files\"` (the sealed "
        "state on the parent) and `storage = \"etcd\"` (a three-member etcd %s cluster with TLS "
        "and client certificates on loopback, reached through the parent's egress relay, TLS "
        "ending in the enclave), each request one journal record; GenerateDataKey through one "
        "enclave, then through three at once (one `nitro-kms bench` per parent, summed: the "
        "followers serve it from their replicated state); and failover: kill -9 of the leader's "
        "enclave, then `nitro-kms create-key` tried on each parent in turn until one is "
        "acknowledged. Everything runs on the same cores: three enclaves, three etcd members "
        "and the load generators share them, so the three-enclave figure shows the overhead of "
        "a fleet on one machine, not its scaling across machines.\n"
        % meta.get("etcd", "?").replace("etcd Version: ", ""))
    L.append(_table(["", ""], [
        ["command", "`%s`" % meta.get("command", "?")],
        ["build", "`target/%s`" % meta.get("binaries", "?")],
        ["date", meta.get("date", "?")],
        ["commit", "`%s`%s" % (meta.get("git", "?"),
                               " (with uncommitted changes)" if meta.get("git_dirty") else "")],
        ["machine", "%s cores (`nproc`), %s" % (meta.get("nproc", "?"), meta.get("cpu", "?"))],
        ["points", "%s s each, at %s connections" % (meta.get("duration_s", "?"),
                                                      meta.get("concurrency", "?"))],
        ["lease TTL", "%s s" % meta.get("ttl_s", "?")],
        ["etcd --max-request-bytes", "%s (etcd's default, 1.5 MiB, caps the sealed snapshot, "
                                     "one put, at ~3,000 keys: see below)"
         % _int(meta["max_request_bytes"]) if meta.get("max_request_bytes") else "default"],
        ["keys in the store", "%s after the mutation series (the snapshot grows with them)"
         % meta.get("keys", "?")],
        ["load average", "%s before, %s after (other sessions' builds share these cores)" % (
            meta.get("loadavg_before", "?"), meta.get("loadavg_after", "?"))],
    ]).replace("|---:|---:|", "|:---|:---|") + "\n")

    L.append("**Mutations per second**, files vs etcd\n")
    out, notes = [], []
    for op in MUTATIONS:
        pts = _points(rows, op)
        for c in sorted({c for (_, c) in pts}):
            f, e = pts.get(("files", c)), pts.get(("etcd", c))
            ok = f and e and not f.get("failed") and not e.get("failed")
            out.append([op, c, _cell(f), _cell(e),
                        "%.2f×" % (e["requests_per_second"] / f["requests_per_second"])
                        if ok and f["requests_per_second"] else "—",
                        _cell(f, "p99_ms", _ms), _cell(e, "p99_ms", _ms),
                        "%s / %s" % (_cell(f, "errors"), _cell(e, "errors"))])
            for who, r in (("files", f), ("etcd", e)):
                if r and r.get("failed"):
                    notes.append("%s %s x%d failed: %s" % (who, op, c, r.get("reason", "?")))
                elif r and r.get("errors") and r.get("first_error"):
                    notes.append("%s %s x%d, the first error: %s" % (
                        who, op, c, str(r["first_error"]).replace("\n", " ")[:300]))
    text = _table(["operation", "connections", "files req/s", "etcd req/s", "etcd / files",
                   "files p99 ms", "etcd p99 ms", "errors (files / etcd)"], out)
    if notes:
        text += "\n\n" + "\n".join("- " + n for n in notes)
    L.append(text + "\n")

    L.append("**GenerateDataKey**, one enclave vs three (connections per enclave)\n")
    pts = _points(rows, GDK)
    out = []
    for c in sorted({c for (_, c) in pts}):
        one, three = pts.get(("etcd, 1 enclave", c)), pts.get(("etcd, 3 enclaves", c))
        out.append([c, _cell(one), _cell(three),
                    " + ".join(str(x) for x in three.get("per_enclave", []))
                    if three and not three.get("failed") else "—",
                    _cell(one, "p99_ms", _ms), _cell(three, "p99_ms", _ms)])
    L.append(_table(["connections each", "1 enclave req/s", "3 enclaves req/s (sum)",
                     "per enclave", "1 enclave p99 ms", "3 enclaves p99 ms (worst)"], out) + "\n")

    L.append("A snapshot is one etcd put of the whole sealed state, so its cost grows with the "
             "store, and with etcd's default `--max-request-bytes` (1.5 MiB; the JSON gateway "
             "carries it in base64) a store past about 3,000 keys can no longer be snapshotted: "
             "etcd answers `request is too large` and writes then fail with "
             "`DependencyTimeoutException` (measured while making this table). These members run "
             "with 10 MiB; an operator sizes `--max-request-bytes` for the store.\n")
    runs = [r for r in rows if r.get("series") == "failover"]
    ok = sorted(r["ms"] for r in runs if not r.get("failed"))
    L.append("**Failover**: kill -9 of the leader's enclave to the first acknowledged write\n")
    if ok:
        L.append(_table(["runs", "failed", "median ms", "worst ms", "best ms", "every run (ms)"], [[
            len(runs), len(runs) - len(ok), _int(statistics.median(ok)), _int(max(ok)),
            _int(min(ok)), ", ".join(_int(r["ms"]) if not r.get("failed") else "failed"
                                     for r in sorted(runs, key=lambda r: r.get("run", 0)))]]) + "\n")
        L.append("With a lease TTL of %s s, a new leader waits for the old lease to expire "
                 "(up to the TTL after the leader's last keepalive) and for the next election (won by a "
                 "follower, or by the killed enclave's new process, which its parent restarts at "
                 "once); every enclave answers again before the next run.\n"
                 % meta.get("ttl_s", "?"))
    else:
        L.append("No run succeeded.\n")
    L.append(END)
    return "\n".join(L) + "\n"


def splice(document, text):
    """`document` with the fleet section replaced by `text` (or inserted before "Every series")."""
    return bench_report_asym.splice(document, text, begin=BEGIN, end_marker=END)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", required=True)
    ap.add_argument("--out", default="BENCHMARKS.md")
    args = ap.parse_args()
    with open(args.results) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    with open(args.out) as f:
        document = f.read()
    with open(args.out, "w") as f:
        f.write(splice(document, section(rows)))
    print("wrote the fleet section of %s" % args.out)


if __name__ == "__main__":
    main()
