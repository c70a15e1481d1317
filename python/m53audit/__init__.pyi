from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import pandas
import pyarrow

SCHEMA: pyarrow.Schema
NoteLike = Union[str, Mapping[str, Any]]

class Auditor:
    def __init__(self, lexicons: Optional[str] = None, setting: str = "outpatient") -> None: ...
    @property
    def trail(self) -> Dict[str, str]: ...
    def audit(
        self,
        text: str,
        id: Optional[Any] = None,
        billed: Optional[Union[str, Sequence[str]]] = None,
    ) -> Dict[str, Any]: ...
    def audit_many(self, notes: Iterable[NoteLike]) -> List[Dict[str, Any]]: ...
    def audit_arrow(self, batch: pyarrow.RecordBatch) -> pyarrow.RecordBatch: ...

def to_pandas(
    records_or_batch: Union[Iterable[Dict[str, Any]], pyarrow.RecordBatch],
) -> pandas.DataFrame: ...
