"""The README's Quick start, as a newcomer meets it: its block holds exactly the two commands,
and the first (scripts/demo), read from the README, succeeds in a clean clone of HEAD.

The clone configures and builds the mxkit binary in a build folder of its own; its compiles come
from ccache, filled by the release build of the tree under test (scripts/bootstrap sets it up), so
this takes seconds (9 s measured) instead of the quarter hour a cold build takes on two cores. The packages step of scripts/bootstrap is
skipped (MXKIT_NO_INSTALL=1): the machine running the suite has them already, and apt must not
run from a test. Set MXKIT_SKIP_FRESH_CLONE=1 to leave this test out of a quick local run.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def quick_start_commands(readme: str) -> list[str]:
    """The lines of the first ```sh block under '## Quick start'."""
    section = readme.split("## Quick start", 1)
    assert len(section) == 2, "README has no '## Quick start' section"
    body = section[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.S)
    assert block, "the Quick start section has no ```sh block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_exactly_demo_and_test():
    commands = quick_start_commands((REPO / "README.md").read_text())
    assert commands == ["scripts/demo", "scripts/test"]
    for command in commands:
        assert os.access(REPO / command, os.X_OK), f"{command} is not an executable file"


@pytest.mark.skipif(os.environ.get("MXKIT_SKIP_FRESH_CLONE") == "1", reason="MXKIT_SKIP_FRESH_CLONE=1")
def test_first_quick_start_command_succeeds_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "mxkit"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)], check=True,
                   timeout=120)
    first = quick_start_commands((clone / "README.md").read_text())[0]
    # scripts/bootstrap compiles through ccache (a package it installs) with paths relative to the
    # tree, so the clone's build takes what the suite's own release build put in the cache.
    env = dict(os.environ, MXKIT_NO_INSTALL="1", TMPDIR=str(tmp_path))
    # --json so the test reads the outcome instead of matching prose; the command is the README's.
    done = subprocess.run(["bash", "-c", first + " --json"], cwd=clone, env=env, capture_output=True,
                          text=True, timeout=1500)
    assert done.returncode == 0, done.stderr[-4000:] + done.stdout[-4000:]
    document = json.loads(done.stdout)
    assert document["ok"] is True
    assert (clone / "build" / "release" / "mxkit").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith("mxkit-demo.")] == []
