"""The "Sign, Verify, GenerateMac vs moto" section of BENCHMARKS.md (used by bench_report.py).

The section sits between two HTML comment markers, so that `BENCH_ONLY_ASYM=1 scripts/bench.sh`
(which measures only these series, into results-asym.jsonl) can replace it in the BENCHMARKS.md
a full run wrote, leaving every other section as it was; a full run renders it in place with the
rest of the file.

Rows are the lines of results.jsonl: points with "target" (nitro-kms or moto) and "series" (one of
ASYM_SERIES), failed points ("failed": true), and one "series": "asym_meta" line (date, command,
load average before and after).
"""

BEGIN = "<!-- bench-asym:begin (scripts/bench_report_asym.py) -->"
END = "<!-- bench-asym:end -->"
ASYM_SERIES = [
    "Sign (ECC_NIST_P256)",
    "Sign (RSA_2048)",
    "Verify (ECC_NIST_P256)",
    "GenerateMac (HMAC_256)",
]
ALGORITHMS = {
    "Sign (ECC_NIST_P256)": "ECDSA_SHA_256",
    "Sign (RSA_2048)": "RSASSA_PSS_SHA_256",
    "Verify (ECC_NIST_P256)": "ECDSA_SHA_256",
    "GenerateMac (HMAC_256)": "HMAC_SHA_256",
}


def has_rows(rows):
    """Whether `rows` hold any point of the section's series."""
    return any(r.get("series") in ASYM_SERIES for r in rows)


def _ok_rps(r):
    req = r.get("requests") or 0
    err = r.get("errors") or 0
    rps = r.get("requests_per_second") or 0.0
    return rps * (req - err) / req if req else 0.0


def _points(rows):
    """{(target, series): {concurrency: row}} of the section's series (failed points too)."""
    out = {}
    for r in rows:
        if r.get("series") in ASYM_SERIES and r.get("target") in ("nitro-kms", "moto"):
            out.setdefault((r["target"], r["series"]), {})[int(r.get("concurrency", 0))] = r
    return out


def section(rows, fmt_int, fmt_ms, fmt_ratio, md_table):
    """The section's markdown, markers included (the formatting helpers are bench_report's)."""
    meta = next((r for r in rows if r.get("series") == "asym_meta"), {})
    pts = _points(rows)
    L = [BEGIN, "## Sign, Verify, GenerateMac vs moto\n"]
    if not pts:
        L.append("Not measured in this run (`BENCH_ONLY_ASYM=1 scripts/bench.sh target/release` "
                 "measures it alone).\n")
        L.append(END)
        return "\n".join(L) + "\n"
    L.append(
        "`nitro-kms bench --operation Sign|Verify|GenerateMac --key-spec SPEC --key-id KEY` against "
        "the simulated chain (HTTP, through the proxy) and against moto_server %s, the same load "
        "generator on the same machine, one after the other. Every request signs (or MACs) the "
        "same 32-byte message, `MessageType` `RAW`; Verify checks one signature made before the "
        "clock starts. The algorithm follows the key spec: ECDSA_SHA_256 for ECC_NIST_P256, "
        "RSASSA_PSS_SHA_256 for RSA_2048, HMAC_SHA_256 for HMAC_256. The ratio divides "
        "successful requests per second (nitro-kms / moto).\n" % meta.get("moto_version", "?"))
    info = [
        ["command", "`%s`" % meta.get("command", "?")],
        ["date", meta.get("date", "?")],
        ["commit", "`%s`%s" % (meta.get("git", "?"),
                               " (with uncommitted changes)" if meta.get("git_dirty") else "")],
        ["machine", "%s cores (`nproc`), %s" % (meta.get("nproc", "?"), meta.get("cpu", "?"))],
        ["load average (`uptime`)", "%s before, %s after" % (
            meta.get("loadavg_before", "?"), meta.get("loadavg_after", "?"))],
        ["shared cores", "other work (builds and tests of other sessions) ran on the same cores "
                         "while this was measured, as the load average shows: the absolute "
                         "figures are lower than on an idle machine; nitro-kms and moto were "
                         "measured under the same conditions, minutes apart, so their ratio is "
                         "the figure to read"],
    ]
    L.append(md_table(["", ""], info, [":---", ":---"]) + "\n")
    for series in ASYM_SERIES:
        n = pts.get(("nitro-kms", series), {})
        m = pts.get(("moto", series), {})
        if not n and not m:
            continue
        rows_out = []
        notes = []
        for c in sorted(set(n) | set(m)):
            a, b = n.get(c), m.get(c)
            a_ok = a if a and not a.get("failed") else None
            b_ok = b if b and not b.get("failed") else None
            ratio = (_ok_rps(a_ok) / _ok_rps(b_ok)) if (a_ok and b_ok and _ok_rps(b_ok)) else None
            rows_out.append([
                c,
                fmt_int(a_ok["requests_per_second"]) if a_ok else "—",
                fmt_int(b_ok["requests_per_second"]) if b_ok else "—",
                fmt_ratio(ratio),
                fmt_ms(a_ok["p99_ms"]) if a_ok else "—",
                fmt_ms(b_ok["p99_ms"]) if b_ok else "—",
                "%s / %s" % (fmt_int(a_ok.get("errors", 0)) if a_ok else "—",
                             fmt_int(b_ok.get("errors", 0)) if b_ok else "—"),
            ])
            for who, r in (("nitro-kms", a), ("moto", b)):
                if r and r.get("failed"):
                    notes.append("%s x%d failed: %s" % (who, c, r.get("reason", "?")))
                elif r and r.get("errors") and r.get("first_error"):
                    notes.append("%s x%d: %d error%s, the first: %s" % (
                        who, c, r["errors"], "" if r["errors"] == 1 else "s",
                        str(r["first_error"]).replace("\n", " ")[:300]))
        L.append("**%s**, %s\n" % (series, ALGORITHMS[series]))
        text = md_table(["connections", "nitro-kms req/s", "moto req/s", "ratio",
                         "nitro-kms p99 ms", "moto p99 ms", "errors (nitro-kms / moto)"],
                        rows_out)
        if notes:
            text += "\n\n" + "\n".join("- " + x for x in notes)
        L.append(text + "\n")
    L.append(END)
    return "\n".join(L) + "\n"


def splice(document, text, before="## Every series", begin=BEGIN, end_marker=END):
    """`document` with its section replaced by `text`: between the markers (this section's, or
    `begin` and `end_marker` for another's) if it has them, else inserted before the `before`
    heading, else appended."""
    start, end = document.find(begin), document.find(end_marker)
    if start != -1 and end > start:
        return document[:start] + text.rstrip("\n") + document[end + len(end_marker):]
    at = document.find("\n" + before + "\n")
    if at != -1:
        return document[:at + 1] + text + "\n" + document[at + 1:]
    return document.rstrip("\n") + "\n\n" + text
