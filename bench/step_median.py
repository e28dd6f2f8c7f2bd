#!/usr/bin/env python3
"""Median step time from a run's log, over steps FROM.. (inclusive).

usage: step_median.py hybc RUN/metrics.jsonl FROM   (hybc metrics.jsonl)
       step_median.py ref  train.log FROM           (PG train_gpt.py log)
Both logs carry the cumulative train_time (ms) of every logged step; with a
log line per step the differences are the step times.
"""
import json
import re
import statistics
import sys


def times(kind, path):
    out = {}
    with open(path) as f:
        for line in f:
            if kind == "hybc":
                try:
                    e = json.loads(line)
                except ValueError:
                    continue
                if e.get("kind", e.get("event")) == "train" and "train_time" in e:
                    out[int(e["step"])] = float(e["train_time"])
            else:
                m = re.search(r"step:(\d+)/\d+ train_loss:\S+ train_time:(\d+)ms", line)
                if m:
                    out[int(m.group(1))] = float(m.group(2))
    return out


def main():
    kind, path, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
    t = times(kind, path)
    steps = [s for s in sorted(t) if s > first and s - 1 in t]
    d = [t[s] - t[s - 1] for s in steps]
    if not d:
        print(f"{kind}: no per-step times in {path}")
        return 1
    print(f"{kind}: median step {statistics.median(d):.1f} ms over steps "
          f"{steps[0]}..{steps[-1]} (min {min(d):.1f}, max {max(d):.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
