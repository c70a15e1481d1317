"""Throughput of the Python entry points beside the CLI, on the MTSamples
transcriptions (../shared/corpora/mtsamples/mtsamples.csv): notes/s and
MB/s for the CLI with -j 1 and all cores, Auditor.audit_arrow in one
process (one batch, all cores, and one core via RAYON_NUM_THREADS=1 in a
child), and Spark local[2] mapInArrow. Each figure is the best of
--repeat runs; ratios are to the CLI in the same run.

    .venv/bin/python python/bench/throughput.py [--notes 5000] [--repeat 3] [--spark]
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = pathlib.Path(__file__).resolve().parents[2]
MTSAMPLES = ROOT.parent / "shared" / "corpora" / "mtsamples" / "mtsamples.csv"
CLI = os.environ.get("M53AUDIT_BIN", str(ROOT / "target" / "release" / "m53audit"))


def load(n):
    t = pacsv.read_csv(MTSAMPLES)
    texts = [x for x in t.column("transcription").to_pylist() if x and x.strip()][:n]
    return pa.record_batch({"id": [str(i) for i in range(len(texts))], "text": texts})


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def cli_time(path, jobs, repeat):
    def run():
        subprocess.run([CLI, "audit", "-q", "-j", str(jobs), path, "-o", "/dev/null"], check=True)
    return best(run, repeat)


def arrow_child(batch_path, threads, repeat):
    """audit_arrow's best time in a child process with `threads` rayon threads."""
    code = (
        "import sys,time,pyarrow as pa,m53audit;"
        "b=pa.ipc.open_file(sys.argv[1]).get_batch(0);a=m53audit.Auditor();a.audit_arrow(b.slice(0,10));"
        "ts=[];\n"
        "for _ in range(int(sys.argv[2])):\n t=time.perf_counter();a.audit_arrow(b);ts.append(time.perf_counter()-t)\n"
        "print(min(ts))"
    )
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, "-c", code, batch_path, str(repeat)], env=env,
                         capture_output=True, check=True, text=True)
    return float(out.stdout.strip())


def spark_time(batch, repeat):
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from pyspark.sql import SparkSession
    from m53audit import spark as m53spark

    s = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate())
    df = s.createDataFrame(batch.to_pandas()).repartition(2).cache()
    df.count()

    def run():
        df.mapInArrow(m53spark.audit_batches, m53spark.SCHEMA).write.format("noop").mode("overwrite").save()
    t = best(run, repeat)
    s.stop()
    return t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--notes", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--spark", action="store_true", help="also time Spark local[2] mapInArrow")
    args = ap.parse_args()
    batch = load(args.notes)
    nbytes = sum(len(t.encode()) for t in batch.column("text").to_pylist())
    with tempfile.TemporaryDirectory() as d:
        jsonl = os.path.join(d, "notes.jsonl")
        with open(jsonl, "w") as f:
            for row in batch.to_pylist():
                f.write(json.dumps(row) + "\n")
        arrow_path = os.path.join(d, "batch.arrow")
        with pa.ipc.new_file(arrow_path, batch.schema) as w:
            w.write_batch(batch)
        rows = [("CLI -j 1", cli_time(jsonl, 1, args.repeat)),
                ("audit_arrow, 1 thread", arrow_child(arrow_path, 1, args.repeat)),
                ("CLI, all cores", cli_time(jsonl, os.cpu_count(), args.repeat)),
                ("audit_arrow, all cores", arrow_child(arrow_path, os.cpu_count(), args.repeat))]
        if args.spark:
            rows.append(("Spark local[2] mapInArrow", spark_time(batch, args.repeat)))
    base = rows[0][1]
    print(f"{batch.num_rows} notes, {nbytes / 1e6:.1f} MB")
    print(f"{'entry point':28} {'seconds':>8} {'notes/s':>9} {'MB/s':>6} {'vs CLI -j 1':>11}")
    for name, t in rows:
        print(f"{name:28} {t:8.2f} {batch.num_rows / t:9.0f} {nbytes / 1e6 / t:6.2f} {t / base:10.2f}x")


if __name__ == "__main__":
    main()
