#!/usr/bin/env python3
"""viewlib's standing against its peers, from one sitting's measurements.

Reads the stdout of `cargo bench -p viewlib --bench kernels` (criterion) and the JSON lines of
`../shared/peers/peers.py bench` (OpenCV, NumPy, Pillow), run one after the other on the same
machine, and writes:

- a Markdown table (stdout): per kernel, image and thread count, viewlib's median, the fastest
  peer's, their ratio, and each side's time as a multiple of its own same-run memcpy of the
  image (the machine's limit for a pass over the bytes);
- an SVG chart (--svg): the same times as multiples of the same-run memcpy, viewlib beside
  every peer, on a log scale, so the standing shows at a glance.

Only the Python standard library is used.

    python3 viewlib/benches/standing.py --kernels r1/kernels.txt r2/kernels.txt ... \
        --peers r1/peers.jsonl r2/peers.jsonl ... [--portable r1/portable.txt ...] [--svg out.svg]

With several rounds (files in the same order for each flag), every time is the median over the
rounds, and ratios are taken between those medians: on a shared machine whose memory bandwidth
drifts, one round can be slow throughout.
"""
import argparse
import html
import json
import math
import re
import sys

IMAGES = [("rgba_4096", "4096x4096 RGBA"), ("rgb_1080p", "1920x1080 RGB")]
CROP = "2048x2048 of 4096x4096 RGBA"

# (row label, viewlib bench id, peer op in peers.py, Rust peers' bench ids, limit bench id,
#  image label override for the peers' rows)
ROWS = [
    ("invert in place", "invert_all", "invert in place", [], "copy_baseline", None),
    ("invert channel 1 (strided view)", "invert_one_channel_view",
     "invert channel 1 in place (strided)", ["ndarray_invert_one_channel_mapv_inplace"],
     "copy_baseline", None),
    ("invert channel 1 (masked pass)", "invert_one_channel_masked",
     "invert channel 1 in place (strided)", ["ndarray_invert_one_channel_mapv_inplace"],
     "copy_baseline", None),
    ("flip horizontal in place", "flip_horizontal_in_place", "flip horizontal in place",
     ["image_crate_flip_horizontal_in_place"], "copy_baseline", None),
    ("flip vertical in place", "flip_vertical_in_place", "flip vertical in place",
     ["image_crate_flip_vertical_in_place"], "copy_baseline", None),
    ("extract channel 1 into a plane", "extract_channel_into",
     "extract channel 1 into existing plane", [], "copy_baseline", None),
    ("grayscale BT.601 into a plane", "luma_into_bt601", "grayscale (luma) into existing plane",
     [], "copy_baseline", None),
    ("grayscale Rec.709 into a plane", "luma_into", "grayscale (luma) into existing plane",
     ["image_crate_grayscale"], "copy_baseline", None),
    ("LUT (gamma) in place", "lut_map_in_place", "LUT (gamma 0.8) in place", [],
     "copy_baseline", None),
    ("crop 2048x2048 into a buffer", "crop_materialize_into", "crop copy into existing buffer",
     ["ndarray_crop_assign"], "crop_copy_baseline", CROP),
    ("crop 2048x2048 to a new image", "crop_to_image_buf", "crop copy (materialize)", [],
     "crop_copy_baseline", CROP),
]

# The Rust peers run in viewlib's bench process (one thread), against its memcpy.
RUST_PEERS = {
    "ndarray_invert_one_channel_mapv_inplace": "ndarray mapv_inplace",
    "image_crate_flip_horizontal_in_place": "image flip_horizontal_in_place",
    "image_crate_flip_vertical_in_place": "image flip_vertical_in_place",
    "image_crate_grayscale": "image grayscale (new buffer)",
    "ndarray_crop_assign": "ndarray assign",
}

UNITS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def criterion_medians(path):
    """{bench id: median seconds} from criterion's stdout."""
    medians, name = {}, None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^([a-z0-9_]+/\S+)", line)
        if m:
            name = m.group(1)
        t = re.search(r"time:\s+\[([^\]]+)\]", line)
        if t and name and "%" not in t.group(1) and name not in medians:
            parts = t.group(1).split()
            medians[name] = float(parts[2]) * UNITS[parts[3]]
    return medians


def peer_records(path):
    out = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("{"):
            r = json.loads(line)
            if "op" in r and r.get("median_s"):
                out.append(r)
    return out


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


def median_medians(rounds):
    """{id: median over the rounds that measured it} from several {id: seconds}."""
    keys = {k for r in rounds for k in r}
    return {k: median([r[k] for r in rounds if k in r]) for k in keys}


def median_peers(rounds):
    """The first round's records, each median_s replaced by the median over the rounds."""
    key = lambda r: (r["op"], r["impl"], r["size"], r["threads"])
    times = {}
    for records in rounds:
        for r in records:
            times.setdefault(key(r), []).append(r["median_s"])
    out, seen = [], set()
    for records in rounds:
        for r in records:
            if key(r) not in seen:
                seen.add(key(r))
                out.append(dict(r, median_s=median(times[key(r)]), rounds=len(times[key(r)])))
    return out


def fmt_time(s):
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-9:.3g} ns"


def short_impl(impl):
    return impl.split(" (")[0]


def standing(kernels, peers, portable):
    """One dict per (row, image, threads) that viewlib measured."""
    # Each peer row names its memcpy baseline (`ref`: 64M, 16M, 6M).
    memcpy = {r["ref"]: r["median_s"] for r in peers if r["op"] == "memcpy (baseline)"}
    rows = []
    for label, vid, op, rust_ids, limit, peer_image in ROWS:
        for key, image in IMAGES:
            if peer_image and key != "rgba_4096":
                continue  # the peers crop only the large image
            for threads in (1, 2):
                ours = kernels.get(f"{key}/t{threads}/{vid}")
                if ours is None:
                    continue
                base = kernels.get(f"{key}/t1/{limit}")
                candidates = []
                for r in peers:
                    if r["op"] == op and r["size"] == (peer_image or image) and r["threads"] <= threads:
                        name = short_impl(r["impl"])
                        if "cv2" in name:
                            name += f" t{r['threads']}"
                        candidates.append((r["median_s"], name, memcpy.get(r["ref"])))
                for rid in rust_ids:
                    s = kernels.get(f"{key}/t1/{rid}")
                    if s is not None:
                        candidates.append((s, RUST_PEERS[rid], base))
                best = min(candidates, default=None)
                rows.append({
                    "kernel": label,
                    "image": image if peer_image is None else peer_image,
                    "threads": threads,
                    "ours": ours,
                    "ours_limit": ours / base if base else None,
                    "portable": portable.get(f"{key}/t{threads}/{vid}"),
                    "best": best,
                    "peers": candidates,
                })
    return rows


def markdown(rows):
    lines = [
        "| kernel | image | threads | viewlib | / memcpy | fastest peer | peer | / its memcpy | viewlib / peer |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        best = r["best"]
        ours = fmt_time(r["ours"])
        if r["portable"]:
            ours += f" (portable {fmt_time(r['portable'])})"
        lim = f"{r['ours_limit']:.2f}x" if r["ours_limit"] else "-"
        if best:
            s, name, limit_s = best
            ratio = r["ours"] / s
            mark = "**" if ratio <= 1.0 else ""
            plim = f"{s / limit_s:.2f}x" if limit_s else "-"
            lines.append(
                f"| {r['kernel']} | {r['image']} | {r['threads']} | {ours} | {lim} | {name} | "
                f"{fmt_time(s)} | {plim} | {mark}{ratio:.2f}x{mark} |")
        else:
            lines.append(f"| {r['kernel']} | {r['image']} | {r['threads']} | {ours} | {lim} | - | - | - | - |")
    return "\n".join(lines)


def svg(rows):
    """Bars of time / same-run memcpy (log scale): viewlib at 1 and 2 threads, every peer."""
    groups = {}
    for r in rows:
        g = groups.setdefault((r["kernel"], r["image"]), {"bars": [], "seen": set()})
        if r["ours_limit"]:
            g["bars"].append((f"viewlib t{r['threads']}", r["ours_limit"], True))
        for s, name, limit_s in r["peers"]:
            if limit_s and name not in g["seen"]:
                g["seen"].add(name)
                g["bars"].append((name, s / limit_s, False))
    bar_h, gap, left, width = 13, 10, 430, 420
    lo, hi = 1 / 8, 64.0
    x_of = lambda v: left + width * (math.log2(min(max(v, lo), hi)) - math.log2(lo)) / (math.log2(hi) - math.log2(lo))
    height = 40 + sum(len(g["bars"]) * bar_h + gap + 16 for g in groups.values()) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 60}" height="{height}" '
           'font-family="sans-serif" font-size="11">',
           f'<text x="10" y="18" font-size="13" font-weight="bold">Time as a multiple of the same-run '
           'memcpy of the same bytes (log scale; shorter is faster)</text>']
    y = 36
    for (kernel, image), g in groups.items():
        out.append(f'<text x="10" y="{y + 11}" font-weight="bold">{html.escape(kernel)}, {html.escape(image)}</text>')
        y += 16
        for name, v, ours in g["bars"]:
            colour = "#1f77b4" if ours else "#bbbbbb"
            out.append(f'<text x="{left - 6}" y="{y + 10}" text-anchor="end">{html.escape(name)}</text>')
            out.append(f'<rect x="{left}" y="{y + 1}" width="{x_of(v) - left:.1f}" height="{bar_h - 3}" fill="{colour}"/>')
            out.append(f'<text x="{x_of(v) + 4:.1f}" y="{y + 10}">{v:.2f}x</text>')
            y += bar_h
        y += gap
    for tick in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64):
        x = x_of(tick)
        dash = "" if tick == 1 else ' stroke-dasharray="2,3"'
        out.append(f'<line x1="{x:.1f}" y1="30" x2="{x:.1f}" y2="{y}" stroke="#888"{dash}/>')
        out.append(f'<text x="{x:.1f}" y="{y + 14}" text-anchor="middle">{tick:g}x</text>')
    out.append("</svg>")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernels", nargs="+", required=True,
                    help="criterion stdout of the kernels bench, one file per round")
    ap.add_argument("--peers", nargs="+", required=True,
                    help="JSON lines from peers.py bench, one file per round")
    ap.add_argument("--portable", nargs="*", default=[],
                    help="criterion stdout of VIEWLIB_SIMD=portable runs")
    ap.add_argument("--svg", help="write the chart here")
    a = ap.parse_args()
    rows = standing(median_medians([criterion_medians(f) for f in a.kernels]),
                    median_peers([peer_records(f) for f in a.peers]),
                    median_medians([criterion_medians(f) for f in a.portable]))
    print(markdown(rows))
    if a.svg:
        with open(a.svg, "w", encoding="utf-8") as f:
            f.write(svg(rows) + "\n")


if __name__ == "__main__":
    sys.exit(main())
