#!/usr/bin/env python3
"""Prints the tables of BENCHMARKS.md from criterion's saved estimates.

Run after `cargo bench -p metronome-client --bench walk`:

    python3 scripts/bench-summary.py [target/criterion]

Medians with their 95 % confidence interval, throughput from the median,
and the ratios the targets are stated in (all from the same run).
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def folder(group):
    """criterion stores group `a/b` in the folder `a_b`."""
    return root / group.replace("/", "_")


def estimate(group, bench):
    path = folder(group) / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    median = json.loads(path.read_text())["median"]
    ci = median["confidence_interval"]
    return median["point_estimate"], ci["lower_bound"], ci["upper_bound"]


def ms(ns):
    return f"{ns / 1e6:.2f} ms"


def row(group, bench, elements):
    e = estimate(group, bench)
    if e is None:
        return None
    median, lo, hi = e
    rate = elements / (median / 1e9)
    return median, f"| {bench} | {ms(median)} | {ms(lo)} – {ms(hi)} | {rate:,.0f} |"


print("### Walks (items/s; for 1-item pages, items/s = requests/s)\n")
for shape, items in [("usage_200x100", 20000), ("usage_1000x1", 1000), ("costs_200x100", 20000), ("costs_1000x1", 1000)]:
    group = f"walk/{shape}"
    print(f"`{group}` ({items:,} items)\n")
    print("| loop | median | 95 % CI | items/s |")
    print("|---|---|---|---|")
    medians = {}
    for bench in ["baseline", "sdk", "sdk_prefetch1"]:
        r = row(group, bench, items)
        if r:
            medians[bench] = r[0]
            print(r[1])
    if "baseline" in medians:
        for bench in ["sdk", "sdk_prefetch1"]:
            if bench in medians:
                print(f"\n{bench} / baseline throughput: **{medians['baseline'] / medians[bench]:.3f}**", end="")
        print("\n")

print("### Decode (bytes → page)\n")
print("| page | decoder | median | MiB/s |")
print("|---|---|---|---|")
for page in ["usage_page_100", "costs_page_100"]:
    for bench in ["serde_json_value", "typed"]:
        e = estimate(f"decode/{page}", bench)
        bench_json = folder(f"decode/{page}") / bench / "new" / "benchmark.json"
        if e is None or not bench_json.exists():
            continue
        size = json.loads(bench_json.read_text())["throughput"]["Bytes"]
        print(f"| {page} ({size:,} B) | {bench} | {e[0] / 1e3:.1f} µs | {size / (e[0] / 1e9) / 2**20:,.0f} |")

print("\n### Prefetch (40 pages, 5 ms per response, 5 ms of work per page)\n")
print("| look-ahead | median | 95 % CI | speed-up vs 0 |")
print("|---|---|---|---|")
base = estimate("prefetch/usage_40x100_5ms_latency_5ms_work", "0")
for depth in ["0", "1", "2"]:
    e = estimate("prefetch/usage_40x100_5ms_latency_5ms_work", depth)
    if e and base:
        print(f"| {depth} | {ms(e[0])} | {ms(e[1])} – {ms(e[2])} | {base[0] / e[0]:.2f}× |")

print("\n### Partitions (8 customers, 32 pages of 25, 5 ms per response)\n")
print("| walk | median | 95 % CI | speed-up |")
print("|---|---|---|---|")
single = estimate("partitions/usage_8_customers_32x25_5ms_latency", "single_walk")
for bench in ["single_walk", "4_partitions"]:
    e = estimate("partitions/usage_8_customers_32x25_5ms_latency", bench)
    if e and single:
        print(f"| {bench} | {ms(e[0])} | {ms(e[1])} – {ms(e[2])} | {single[0] / e[0]:.2f}× |")
