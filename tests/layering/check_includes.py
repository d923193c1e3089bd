#!/usr/bin/env python3
"""Fails when a file under src/ includes a header from a layer above its own.

The table LAYERS below is the one place where the layering of the tree is written down
(docs/architecture.md explains it). Each folder under src/ is a layer; a file belongs to the
deepest folder in the table that contains it. A layer may include its own headers and those of
the layers it lists, and, transitively, what those list. A folder under src/ that is not in the
table is an error too, so a new folder has to be placed in the layering before it can be used.

  check_includes.py [SRC_DIR]      check the tree (default: the repo's src/)
  check_includes.py --self-test    check the checker on a small tree with known violations
"""
from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

# layer -> the layers it may include directly. "*" means every layer (the cli, at the top).
# Folders planned in docs/ENGINEERING.md are listed already, so the rule holds the day they appear.
LAYERS: dict[str, list[str]] = {
    "core": [],
    "dns": ["core"],
    "dns/zone": ["dns"],
    "dns/zonecheck": ["dns/zone"],
    "net": ["core"],
    "smtp": ["core"],
    "resolver": ["dns/zone", "net"],  # dns/zone: root hints are a zone file
    "routing": ["dns"],
    "mailauth": ["dns", "resolver"],  # resolver: the DnsLookup over the resolver (resolver_lookup)
    "auth": ["dns/zonecheck", "net"],  # zonecheck: a zone its checks find broken is not served
    "queue": ["smtp"],
    "delivery": ["queue", "routing", "resolver", "smtp", "net"],
    "mta": ["smtp", "queue", "mailauth", "net", "resolver", "routing"],  # resolver: null-MX sender check
    "checks": ["dns/zonecheck", "resolver", "routing", "mailauth", "smtp", "net", "delivery"],  # delivery: the route driver
    "console": ["auth", "checks"],
    "cli": ["*"],
}

SOURCE_SUFFIXES = {".c", ".cc", ".cpp", ".cxx", ".h", ".hh", ".hpp", ".hxx", ".ipp", ".inc"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def allowed_layers(layer: str) -> set[str]:
    """The layer itself plus everything it may reach through LAYERS."""
    seen: set[str] = set()
    stack = [layer]
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        for dep in LAYERS[current]:
            if dep == "*":
                stack.extend(LAYERS)
            else:
                stack.append(dep)
    return seen


def layer_of(relative: str) -> str | None:
    """The deepest layer whose folder holds `relative` (a path relative to src/)."""
    parts = relative.split("/")[:-1]
    for depth in range(len(parts), 0, -1):
        candidate = "/".join(parts[:depth])
        if candidate in LAYERS:
            return candidate
    return None


def resolve_include(src: Path, including: Path, quote: str, target: str) -> str | None:
    """The included file as a path relative to src/, or None when it is not one of ours."""
    candidates = [including.parent / target] if quote == '"' else []
    candidates.append(src / target)
    for candidate in candidates:
        try:
            resolved = candidate.resolve()
            relative = resolved.relative_to(src.resolve())
        except (OSError, ValueError):
            continue
        if resolved.is_file():
            return relative.as_posix()
    # Not on disk (yet): judge a "dns/..."-style path by its folder, so a typo is not a pass.
    if quote == '"' and layer_of(target) is not None:
        return target
    return None


def check_tree(src: Path) -> list[str]:
    problems: list[str] = []
    for path in sorted(p for p in src.rglob("*") if p.suffix in SOURCE_SUFFIXES and p.is_file()):
        relative = path.relative_to(src).as_posix()
        layer = layer_of(relative)
        if layer is None:
            folder = relative.rsplit("/", 1)[0] if "/" in relative else "(src/ itself)"
            problems.append(f"src/{relative}: folder src/{folder} is in no layer; "
                            "add it to LAYERS in tests/layering/check_includes.py")
            continue
        allowed = allowed_layers(layer)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE_RE.match(line)
            if not match:
                continue
            included = resolve_include(src, path, match.group(1), match.group(2))
            if included is None:
                continue
            target_layer = layer_of(included)
            if target_layer is None or target_layer in allowed:
                continue
            problems.append(
                f"src/{relative}:{number}: layer {layer} may not include "
                f'"{match.group(2)}" (layer {target_layer}); it may include: '
                f"{', '.join(sorted(allowed))}")
    return problems


def self_test() -> int:
    tree = {
        "core/result.hpp": "#pragma once\n",
        "core/bad.hpp": '#include "dns/name.hpp"\n',                     # upward: core -> dns
        "dns/name.hpp": '#include "core/result.hpp"\n',
        "dns/bad.cpp": '#include "dns/zone/parser.hpp"\n',               # upward: dns -> dns/zone
        "dns/zone/parser.hpp": '#include "dns/name.hpp"\n#include <vector>\n',
        "dns/zone/parser.cpp": '#include "parser.hpp"\n#include "../name.hpp"\n',
        "dns/zone/bad.cpp": '  #  include <dns/zonecheck/check.hpp>\n',  # zone -> zonecheck
        "dns/zonecheck/check.hpp": '#include "dns/zone/parser.hpp"\n#include "core/result.hpp"\n',
        "smtp/bad.cpp": '#include "dns/missing.hpp"\n',                  # smtp -> dns (not on disk)
        "cli/main.cpp": '#include "dns/zonecheck/check.hpp"\n#include "smtp/bad.cpp"\n',
        "stray/x.cpp": "\n",                                             # folder in no layer
    }
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        for name, text in tree.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(text)
        problems = check_tree(src)
    flagged = sorted({p.split(":")[0] for p in problems})
    expected = sorted(f"src/{n}" for n in tree if "bad" in n or n.startswith("stray/"))
    if flagged != expected:
        print("self-test FAILED\n  expected:", expected, "\n  flagged: ", flagged)
        print("\n".join(problems))
        return 1
    print(f"self-test passed: {len(problems)} known violations found, no false alarms")
    return 0


def main(argv: list[str]) -> int:
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) > 2 or argv[1:2] in (["-h"], ["--help"]):
        print(__doc__)
        return 2
    src = Path(argv[1]) if len(argv) == 2 else Path(__file__).resolve().parents[2] / "src"
    if not src.is_dir():
        print(f"check_includes: {src}: not a folder", file=sys.stderr)
        return 2
    problems = check_tree(src)
    for problem in problems:
        print(problem)
    files = sum(1 for p in src.rglob("*") if p.suffix in SOURCE_SUFFIXES)
    print(f"layering: {files} files checked, {len(problems)} upward includes or unplaced folders")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
