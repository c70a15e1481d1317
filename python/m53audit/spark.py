"""Running m53audit on Spark.

With the wheel installed on the cluster (executors import ``m53audit``)::

    from m53audit import spark as m53spark
    out = df.select("id", "text", "billed").mapInArrow(
        m53spark.audit_batches, m53spark.SCHEMA)

Without it, any cluster can pipe JSON lines through the command line
(``m53audit`` on every executor's PATH, or shipped with ``--files``)::

    out = m53spark.audit_with_pipe(df, "m53audit")

Both give the CLI's answers for the same notes.
"""

import json
from typing import Iterator

#: The Spark schema of :func:`audit_batches`' output, as a DDL string.
SCHEMA = (
    "id string, verdict string, codes array<string>, score int, "
    "billed_agrees boolean, gaps array<string>, "
    "evidence array<struct<start:bigint,end:bigint,concept:string,"
    "assertion:string,section:string,decisive:boolean>>, error string"
)

_AUDITOR = None


def _auditor():
    """One auditor per Python worker (the lexicons compile once)."""
    global _AUDITOR
    if _AUDITOR is None:
        from . import Auditor

        _AUDITOR = Auditor()
    return _AUDITOR


def audit_batches(batches: Iterator) -> Iterator:
    """For ``DataFrame.mapInArrow``: audits each Arrow batch (columns
    ``text`` and optional ``id``, ``billed``) into a batch of :data:`SCHEMA`."""
    auditor = _auditor()
    for batch in batches:
        yield auditor.audit_arrow(batch)


def audit_with_pipe(df, command: str = "m53audit"):
    """The fallback for clusters without the wheel: each partition's notes
    as JSON lines through ``command audit -q -j 1 -``, the records parsed
    back; returns an RDD of record dicts (the CLI's JSON lines)."""
    cols = [c for c in ("id", "text", "billed") if c in df.columns]
    lines = df.select(*cols).rdd.map(lambda r: json.dumps(r.asDict()))
    return lines.pipe(f"{command} audit -q -j 1 -").map(json.loads)
