#!/usr/bin/env python3
"""Import circles between the modules of each crate, and the largest non-test source files.

A module is a source file (`foo.rs` or `foo/mod.rs`); module A imports module B when A's non-test
code names a path that resolves into B: `use crate::b::..`, `super::b`, `self::b`, a child
`b::..` declared with `mod b`, or an inline `crate::b::x` in code (comments are skipped). Test
code is left out: `#[cfg(test)] mod ..` blocks inside a file and files declared only under
`#[cfg(test)]`. A circle is a strongly connected component of more than one module.

    scripts/module_cycles.py [--strict] [--max-lines N] [ROOT]

Without --strict an edge between a module and its own ancestor (a child naming `super::X`, a
parent re-exporting its child) does not count, as in most module-graph tools; with --strict it
does. Exit status 1 when a circle or a file over --max-lines (default 800) is found.
"""
import argparse
import pathlib
import re
import sys

SKIP_DIRS = {"target", "fuzz", ".git", "corpus"}


def crates(root):
    for toml in sorted(root.rglob("Cargo.toml")):
        rel = toml.relative_to(root)
        if any(p in SKIP_DIRS for p in rel.parts):
            continue
        src = toml.parent / "src"
        if src.is_dir():
            yield toml.parent, src


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(re.sub(r"//.*$", "", line) for line in text.splitlines())


def strip_test_blocks(text):
    """Removes `#[cfg(test)]` items (a `mod x { .. }` block or a `mod x;` line)."""
    out, i = [], 0
    pattern = re.compile(r"#\[cfg\(test\)\]\s*(pub(\([^)]*\))?\s+)?mod\s+\w+\s*([;{])")
    while True:
        m = pattern.search(text, i)
        if not m:
            out.append(text[i:])
            break
        out.append(text[i:m.start()])
        if m.group(3) == ";":
            i = m.end()
            continue
        depth, j = 1, m.end()
        while j < len(text) and depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            j += 1
        i = j
    return "".join(out)


def module_files(src):
    """Maps module path tuples to files for one crate, following `mod` declarations."""
    modules, test_only = {}, set()
    roots = [p for p in (src / "lib.rs", src / "main.rs") if p.exists()]
    roots += [p for p in (src / "bin").glob("*.rs")] if (src / "bin").is_dir() else []
    for root_file in roots:
        prefix = () if root_file.name in ("lib.rs",) else ("<" + root_file.stem + ">",)
        stack = [(prefix, root_file, root_file.parent, False)]
        while stack:
            path, file, dirn, is_test = stack.pop()
            modules[path] = file
            if is_test:
                test_only.add(path)
            text = strip_comments(file.read_text())
            for m in re.finditer(r"(#\[cfg\(test\)\]\s*)?(?:#\[[^\]]*\]\s*)*(pub(\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text):
                name = m.group(4)
                child_test = is_test or bool(m.group(1))
                here = dirn if file.name in ("lib.rs", "main.rs", "mod.rs") or file.parent.name == "bin" else dirn / file.stem
                for cand in (here / f"{name}.rs", here / name / "mod.rs"):
                    if cand.exists():
                        stack.append((path + (name,), cand, cand.parent, child_test))
                        break
    return modules, test_only


def resolve(path_segments, current, modules):
    """The deepest known module that `path_segments` (from `current`) points into."""
    segs = list(path_segments)
    if not segs:
        return None
    if segs[0] == "crate":
        base, segs = (), segs[1:]
    elif segs[0] in ("super", "self"):
        base = current
        while segs and segs[0] in ("super", "self"):
            if segs[0] == "super":
                base = base[:-1]
            segs = segs[1:]
    elif current + (segs[0],) in modules:
        base = current
    else:
        return None
    best = base
    for s in segs:
        if base + (s,) in modules:
            base = base + (s,)
            best = base
        else:
            break
    return best


def use_paths(text):
    """Every path of every `use` item (groups expanded), and inline `crate::`/`super::` paths."""
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        found += expand(m.group(1).replace("\n", " ").replace(" ", ""))
    for m in re.finditer(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text):
        found.append(m.group(1).split("::"))
    return found


def expand(tree, prefix=()):
    tree = tree.strip()
    if "{" not in tree:
        segs = [s for s in tree.split(" as ")[0].split("::") if s]
        return [list(prefix) + segs]
    head, _, rest = tree.partition("{")
    head_segs = [s for s in head.split("::") if s]
    body = rest[: rest.rfind("}")]
    parts, depth, cur = [], 0, ""
    for ch in body:
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        cur += ch
    parts.append(cur)
    out = []
    for p in parts:
        if p.strip():
            out += expand(p, tuple(prefix) + tuple(head_segs))
    return out


def sccs(nodes, edges):
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", default=".")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--max-lines", type=int, default=800)
    args = ap.parse_args()
    root = pathlib.Path(args.root).resolve()
    failed = False
    circles = 0
    largest = []
    for crate_dir, src in crates(root):
        modules, test_only = module_files(src)
        edges = {}
        for path, file in modules.items():
            if path in test_only:
                continue
            text = strip_test_blocks(strip_comments(file.read_text()))
            lines = len(file.read_text().splitlines())
            largest.append((lines, str(file.relative_to(root))))
            for segs in use_paths(text):
                target = resolve(segs, path, modules)
                if target is None or target == path or target in test_only:
                    continue
                if not args.strict and (target == path[: len(target)] or path == target[: len(path)]):
                    continue
                edges.setdefault(path, set()).add(target)
        for comp in sccs([p for p in modules if p not in test_only], edges):
            circles += 1
            failed = True
            names = ["::".join(p) or "<root>" for p in comp]
            print(f"circle in {crate_dir.relative_to(root)}: {' <-> '.join(names)}")
    largest.sort(reverse=True)
    print(f"import circles: {circles}")
    print("largest non-test source files:")
    for lines, name in largest[:10]:
        print(f"  {lines:6d} {name}")
        if lines > args.max_lines:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
