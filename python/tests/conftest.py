"""Shared fixtures: the repository's CLI binary and the notes every entry
point must answer alike (the sample corpus and, from ../shared, the dev
set)."""

import json
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpora"


def cli_path() -> str:
    path = os.environ.get("M53AUDIT_BIN", str(ROOT / "target" / "release" / "m53audit"))
    if not pathlib.Path(path).exists():
        pytest.fail(f"{path} is missing: cargo build --release first (or set M53AUDIT_BIN)")
    return path


def load_notes():
    """The sample's JSON-lines notes and the dev set's (id, text, billed)."""
    notes = []
    paths = [ROOT / "corpora" / "sample" / "notes.jsonl"]
    dev = SHARED / "gold-dev.jsonl"
    if dev.exists():
        paths.append(dev)
    elif os.environ.get("M53AUDIT_WITHOUT_SHARED") != "1":
        pytest.fail(f"{dev} is missing (set M53AUDIT_WITHOUT_SHARED=1 to run without it)")
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                v = json.loads(line)
                notes.append({k: v[k] for k in ("id", "text", "billed") if k in v})
    return notes


def cli_records(notes):
    """The CLI's records of `notes` (JSON lines on stdin)."""
    stdin = "".join(json.dumps(n) + "\n" for n in notes)
    out = subprocess.run(
        [cli_path(), "audit", "-q", "-j", "1", "-"],
        input=stdin.encode(),
        capture_output=True,
        check=True,
    )
    return [json.loads(l) for l in out.stdout.decode().splitlines()]


@pytest.fixture(scope="session")
def notes():
    return load_notes()


@pytest.fixture(scope="session")
def cli(notes):
    return cli_records(notes)
