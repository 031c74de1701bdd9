#!/usr/bin/env python3
"""Checks shared by `make eif` (scripts/eif.sh) and `make docker-check` (scripts/docker_check.sh).

    deploy_checks.py config FILE [--production] [--refuse-placeholder] [--enclave-bin PATH]
        Asks the enclave binary itself: `nitro-kms-enclave --check-config FILE [--production]`
        parses FILE with the enclave's own parser, applies its start-up checks and, with
        --production, the rules of an enclave image (no simulation settings, no test CA, no
        ephemeral key; a seal root relayed through the parent; a vsock listen address), all in
        enclave/src/config/file_check.rs. The binary: --enclave-bin, else $NITRO_KMS_ENCLAVE_BIN,
        else target/release, else target/debug (under $CARGO_TARGET_DIR when set).
        --refuse-placeholder: refuse the example's placeholder seal-root key (an image must name
        a real key).

    deploy_checks.py credentials FILE
        The proxy's credentials TOML: [[credential]] tables with the fields parent-proxy reads.

    deploy_checks.py dockerfile [--build-arg NAME=VALUE ...]
        The Dockerfile's COPY sources exist in the build context and are not excluded by
        .dockerignore, every workspace member is copied, and the final stage runs nothing
        (no RUN, no SHELL, exec-form ENTRYPOINT only).

    deploy_checks.py measurements BUILD_OUTPUT JSON_OUT
        Finds the JSON document in `nitro-cli build-enclave` (or describe-eif) output, writes it to
        JSON_OUT and prints PCR0, PCR1, PCR2 (and PCR8 when the EIF is signed).

Exit status 0 when everything holds, 1 with one line per problem otherwise. Python 3.11+ parses
TOML with tomllib; older Pythons fall back to a parser for the flat `key = value` files used here.
"""

import fnmatch
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLACEHOLDER_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def fail(problems):
    for p in problems:
        print(f"  FAIL {p}", file=sys.stderr)
    sys.exit(1)


# --- TOML -------------------------------------------------------------------------------------


def load_toml(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        try:
            import tomli as tomllib  # the same parser, from PyPI
        except ImportError:
            return parse_flat_toml(data.decode("utf-8"), path)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path}: not valid TOML: {e}") from None


def parse_flat_toml(text, path):
    """`key = "string" | integer | true | false` lines, comments and blank lines: all FileConfig has."""
    out = {}
    line_re = re.compile(r'^([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|-?\d[\d_]*|true|false)\s*(#.*)?$')
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise ValueError(
                f"{path}:{n}: cannot parse {line!r} without Python 3.11's tomllib (or tomli)"
            )
        key, value = m.group(1), m.group(2)
        if key in out:
            raise ValueError(f"{path}:{n}: duplicate key {key}")
        if value.startswith('"'):
            out[key] = json.loads(value)
        elif value in ("true", "false"):
            out[key] = value == "true"
        else:
            out[key] = int(value.replace("_", ""))
    return out


def struct_fields(rel_path, name):
    """The field names of `struct NAME` in a Rust file: with serde, they are the TOML keys."""
    src_path = os.path.join(ROOT, rel_path)
    with open(src_path, encoding="utf-8") as f:
        src = f.read()
    m = re.search(r"(?:pub(?:\([^)]*\))?\s+)?struct " + name + r"\s*\{(.*?)\n\}", src, re.S)
    if not m:
        raise ValueError(f"{rel_path}: no `struct {name} {{ ... }}` found")
    body = m.group(1)
    if "serde(rename" in body or "serde(alias" in body or "rename_all" in src[: m.start()][-300:]:
        raise ValueError(f"{rel_path}: {name} renames fields; teach scripts/deploy_checks.py")
    keys = re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?([a-z_][a-z0-9_]*)\s*:", body, re.M)
    if not keys:
        raise ValueError(f"{rel_path}: {name} has no fields?")
    return keys


def enclave_binary(explicit):
    """The nitro-kms-enclave to ask: --enclave-bin, else $NITRO_KMS_ENCLAVE_BIN, else the release
    build, else the debug build under $CARGO_TARGET_DIR (default target/)."""
    if explicit:
        return explicit
    if os.environ.get("NITRO_KMS_ENCLAVE_BIN"):
        return os.environ["NITRO_KMS_ENCLAVE_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    for profile in ("release", "debug"):
        candidate = os.path.join(target, profile, "nitro-kms-enclave")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    fail([
        f"no nitro-kms-enclave in {target}/release or {target}/debug: build it "
        "(cargo build --release --locked -p nitro-kms-enclave) or pass --enclave-bin PATH"
    ])


def check_config(path, production, refuse_placeholder, binary):
    """The enclave itself checks the file (`--check-config`): its parser, its start-up checks and,
    with --production, the rules of an enclave image (enclave/src/config/file_check.rs)."""
    binary = enclave_binary(binary)
    argv = [binary, "--check-config", path] + (["--production"] if production else [])
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        fail([f"{binary}: {e}"])
    for line in done.stdout.splitlines():
        if line.startswith("note "):
            print(f"  {line}")
    if done.returncode != 0:
        problems = [l for l in done.stderr.splitlines() if l.strip()]
        fail(problems or [f"{binary} --check-config {path}: status {done.returncode}"])
    if refuse_placeholder:
        # Not a rule of the enclave: the example's key is a placeholder nobody owns.
        try:
            seal_root = str(load_toml(path).get("seal_root", ""))
        except (OSError, ValueError) as e:
            fail([str(e)])
        if seal_root.endswith("key/" + PLACEHOLDER_KEY_ID):
            fail([
                f"{path}: seal_root is the example's placeholder key; name your own KMS key "
                "(docs/deploy-nitro.md, 'The seal-root key')"
            ])
    ok = [l for l in done.stdout.splitlines() if l.startswith("ok ")]
    print(f"  ok   {ok[-1][3:] if ok else path} (nitro-kms-enclave --check-config)")


def check_credentials(path):
    """The proxy's credentials file: [[credential]] tables whose keys are fields of `Entry` in
    common/api/src/sigv4/access_keys.rs, each principal an ARN, no access key id twice."""
    try:
        known = struct_fields("common/api/src/sigv4/access_keys.rs", "Entry")
        top = struct_fields("common/api/src/sigv4/access_keys.rs", "File")
        data = load_toml(path)
    except (OSError, ValueError) as e:
        fail([str(e)])
    problems = [f"{path}: top-level key `{k}` is not a field of File in access_keys.rs" for k in data if k not in top]
    entries = data.get("credential", [])
    seen = set()
    for i, entry in enumerate(entries):
        where = f"{path}: credential #{i + 1}"
        for k in sorted(set(entry) - set(known)):
            problems.append(f"{where}: `{k}` is not a field of Entry in common/api/src/sigv4/access_keys.rs")
        optional = {"session_token"}
        for k in sorted(set(known) - set(entry) - optional):
            problems.append(f"{where}: `{k}` is missing")
        if not str(entry.get("principal", "")).startswith("arn:"):
            problems.append(f"{where}: principal {entry.get('principal')!r} is not an ARN")
        if entry.get("access_key_id") in seen:
            problems.append(f"{where}: access key id {entry.get('access_key_id')} appears twice")
        seen.add(entry.get("access_key_id"))
    if problems:
        fail(problems)
    print(f"  ok   {path}: {len(entries)} credentials, keys as common/api/src/sigv4/access_keys.rs reads them")


# --- Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions(path):
    """(line number, INSTRUCTION, arguments) with continuations joined and comments dropped."""
    out, buf, start = [], "", 0
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not buf and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if not buf:
                start = n
            if line.endswith("\\"):
                buf += line[:-1] + " "
                continue
            buf += line
            word, _, rest = buf.strip().partition(" ")
            out.append((start, word.upper(), rest.strip()))
            buf = ""
    return out


def dockerignore_patterns():
    path = os.path.join(ROOT, ".dockerignore")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


def ignored(rel, patterns):
    verdict = False
    for p in patterns:
        negate = p.startswith("!")
        p = p.lstrip("!").strip("/")
        parts = rel.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        hit = any(
            fnmatch.fnmatch(x, p) or (p.startswith("**/") and fnmatch.fnmatch(x.split("/")[-1], p[3:]))
            for x in prefixes
        )
        if hit:
            verdict = not negate
    return verdict


def workspace_members():
    path = os.path.join(ROOT, "Cargo.toml")
    try:
        return load_toml(path).get("workspace", {}).get("members", [])
    except ValueError:
        # Without tomllib the workspace manifest (tables, arrays) cannot be parsed: read the line.
        with open(path, encoding="utf-8") as f:
            m = re.search(r"^members\s*=\s*\[(.*?)\]", f.read(), re.M | re.S)
        return re.findall(r'"([^"]+)"', m.group(1)) if m else []


def check_dockerfile(build_args):
    path = os.path.join(ROOT, "Dockerfile")
    problems = []
    instructions = dockerfile_instructions(path)
    stages = [i for i, ins in enumerate(instructions) if ins[1] == "FROM"]
    if len(stages) < 2:
        fail([f"Dockerfile: {len(stages)} stage(s); expected a builder stage and a final stage"])
    patterns = dockerignore_patterns()
    args, copied, froms, notes = {}, [], [], []
    final_start = stages[-1]
    for idx, (line, word, rest) in enumerate(instructions):
        where = f"Dockerfile:{line}"
        if word == "FROM":
            args = {}  # an ARG is scoped to the stage that declares it
            image = rest.split()[0]
            froms.append(image)
            variant = image.split("@")[0].rsplit("/", 1)[-1]
            if "debug" in variant.partition(":")[2] or variant.endswith(":latest"):
                problems.append(f"{where}: FROM {image}: a debug or `latest` tag (debug images carry a shell)")
            if "@sha256:" not in image:
                notes.append(f"FROM {image} is not pinned by digest (see the Dockerfile's header)")
        elif word == "ARG":
            key, _, default = rest.partition("=")
            args[key.strip()] = build_args.get(key.strip(), default.strip().strip('"'))
        elif word == "COPY":
            tokens = rest.split()
            if tokens and tokens[0].startswith("["):
                tokens = json.loads(rest)
            flags = [t for t in tokens if t.startswith("--")]
            sources = [t for t in tokens if not t.startswith("--")][:-1]
            if any(f.startswith("--from=") for f in flags):
                continue
            for src in sources:
                expanded = re.sub(
                    r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: args.get(m.group(1), m.group(0)), src
                )
                if "$" in expanded:
                    problems.append(f"{where}: COPY source {src} uses an undeclared ARG")
                    continue
                rel = os.path.normpath(expanded).lstrip("./") or "."
                if not os.path.exists(os.path.join(ROOT, rel)):
                    problems.append(f"{where}: COPY source {expanded} does not exist")
                elif rel != "." and ignored(rel, patterns):
                    problems.append(f"{where}: COPY source {expanded} is excluded by .dockerignore")
                else:
                    copied.append(rel)
        if idx > final_start:
            if word in ("RUN", "SHELL"):
                problems.append(f"{where}: {word} in the final stage: it has no shell, and must run nothing")
            if word in ("ENTRYPOINT", "CMD") and not rest.startswith("["):
                problems.append(f"{where}: {word} in shell form needs /bin/sh: use the JSON (exec) form")
            if word == "USER":
                problems.append(f"{where}: USER is ignored by the enclave's init (it runs the entrypoint as root)")
    final = [ins for ins in instructions[final_start:] if ins[1] == "ENTRYPOINT"]
    want = ["/usr/local/bin/nitro-kms-enclave", "--config", "/etc/nitro-kms/enclave.toml"]
    if not final or json.loads(final[-1][2]) != want:
        problems.append(f"Dockerfile: the final stage's ENTRYPOINT is not {json.dumps(want)}")
    # The builder's glibc must not be newer than the final stage's, or the binary will not start.
    if froms and "debian12" in froms[-1] and not any("bookworm" in f for f in froms[:-1]):
        problems.append(
            f"Dockerfile: the final stage is Debian 12 ({froms[-1]}) but no builder stage is a "
            "bookworm image: a newer builder glibc makes a binary that cannot start there"
        )
    for member in workspace_members():
        if not any(member == c or member.startswith(c.rstrip("/") + "/") or c == "." for c in copied):
            problems.append(f"Dockerfile: workspace member {member} is not copied into the builder stage")
    for n in notes:
        print(f"  note {n}")
    if problems:
        fail(problems)
    print(
        f"  ok   Dockerfile: {len(stages)} stages, {len(copied)} COPY sources present and not "
        "ignored, every workspace member copied, final stage runs nothing (exec-form ENTRYPOINT)"
    )


# --- nitro-cli output ------------------------------------------------------------------------


def measurements(build_output, json_out):
    with open(build_output, encoding="utf-8", errors="replace") as f:
        text = f.read()
    decoder = json.JSONDecoder()
    doc = None
    for m in re.finditer(r"^\{", text, re.M):
        try:
            candidate, _ = decoder.raw_decode(text[m.start():])
        except json.JSONDecodeError:
            continue
        if isinstance(candidate, dict) and "Measurements" in candidate:
            doc = candidate
            break
    if doc is None:
        fail([f"{build_output}: no JSON document with Measurements in nitro-cli's output"])
    with open(json_out, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    pcrs = doc["Measurements"]
    for name in ("PCR0", "PCR1", "PCR2", "PCR8"):
        if name in pcrs:
            print(f"{name}={pcrs[name]}")
    if "PCR0" not in pcrs:
        fail([f"{build_output}: Measurements has no PCR0"])


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, rest = argv[1], argv[2:]
    if cmd == "config" and rest:
        binary = None
        if "--enclave-bin" in rest:
            i = rest.index("--enclave-bin")
            if i + 1 >= len(rest):
                print(__doc__, file=sys.stderr)
                return 2
            binary = rest[i + 1]
        check_config(rest[0], "--production" in rest, "--refuse-placeholder" in rest, binary)
    elif cmd == "credentials" and rest:
        check_credentials(rest[0])
    elif cmd == "dockerfile":
        build_args = {}
        for i, a in enumerate(rest):
            if a == "--build-arg" and i + 1 < len(rest):
                k, _, v = rest[i + 1].partition("=")
                build_args[k] = v
        check_dockerfile(build_args)
    elif cmd == "measurements" and len(rest) == 2:
        measurements(rest[0], rest[1])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
