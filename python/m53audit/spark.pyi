from typing import Any, Dict, Iterator

import pyarrow

SCHEMA: str

def audit_batches(batches: Iterator[pyarrow.RecordBatch]) -> Iterator[pyarrow.RecordBatch]: ...
def audit_with_pipe(df: Any, command: str = "m53audit") -> Any: ...
