"""m53audit: does this chart support ICD-10-CM M53.83 (other specified
dorsopathies, cervicothoracic region), or does a more specific code apply?

The decisions are the Rust library's (the same as the ``m53audit`` command
line, byte for byte): this package moves notes in and records out.

    >>> import m53audit
    >>> a = m53audit.Auditor()
    >>> a.audit("Assessment: C7-T1 facet syndrome, non-degenerative.")["verdict"]
    'supported'
"""

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from . import _native

__all__ = ["Auditor", "to_pandas", "SCHEMA"]

#: The schema of :meth:`Auditor.audit_arrow`'s result (a ``pyarrow.Schema``).
SCHEMA = _native.schema()

NoteLike = Union[str, Mapping[str, Any]]


class Auditor:
    """An auditor: the lexicons compiled once, shared by all calls and threads.

    ``lexicons``: a directory whose lexicon files replace the built-in ones
    (as the CLI's ``--lexicons``); ``setting``: ``"outpatient"`` (default)
    or ``"inpatient"``, the care setting uncertain diagnoses are read for.
    """

    def __init__(self, lexicons: Optional[str] = None, setting: str = "outpatient"):
        self._native = _native.Auditor(None if lexicons is None else str(lexicons), setting)

    @property
    def trail(self) -> Dict[str, str]:
        """The m53audit version and the SHA-256 of the lexicons in force."""
        return self._native.trail

    def audit(self, text: str, id: Optional[Any] = None,
              billed: Optional[Union[str, Sequence[str]]] = None) -> Dict[str, Any]:
        """The record of one note: the same object as ``m53audit audit``'s
        JSON line (verdict, codes, score, checklist, gaps, evidence with byte
        offsets into the UTF-8 of ``text`` ...), or an error record
        (``{"id", "error": {"kind", "message"}}``) for an empty note."""
        return json.loads(self._native.audit_json(text, id, billed))

    def audit_many(self, notes: Iterable[NoteLike]) -> List[Dict[str, Any]]:
        """The records of many notes, in order, audited on every core with the
        GIL released. Each note is a text or a mapping with ``text`` and
        optional ``id`` and ``billed``; a note without an id gets its
        position."""
        return [json.loads(s) for s in self._native.audit_many_json(list(notes))]

    def audit_arrow(self, batch):
        """Audits a ``pyarrow.RecordBatch`` with a ``text`` column (and
        optional ``id`` and ``billed`` string columns), read in place, on
        every core; returns a RecordBatch of :data:`SCHEMA`: one row per
        input row with id, verdict, codes, score, billed_agrees, gaps,
        evidence (start, end, concept, assertion, section, decisive) and
        error (the kind, when the row could not be audited)."""
        return self._native.audit_arrow(batch)


def to_pandas(records_or_batch) -> "pandas.DataFrame":  # noqa: F821
    """A DataFrame of records (a list of :meth:`Auditor.audit` results: one
    row per note, nested fields kept as objects) or of an
    :meth:`Auditor.audit_arrow` result."""
    import pandas as pd

    if hasattr(records_or_batch, "to_pandas"):
        return records_or_batch.to_pandas()
    return pd.DataFrame.from_records(list(records_or_batch))
