"""The table of ab_rows.py's output: medians over rounds, each ratio against the fastest peer
in the same child process."""
import json, sys, statistics
from collections import defaultdict
recs = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
d = defaultdict(list)
for r in recs:
    d[(r["op"], r["size"], r["threads"], r["build"], r["impl"])].append(r["median_us"])
loads = [r["load"] for r in recs]
print(f"load avg (1 min) during runs: {min(loads):.1f}-{max(loads):.1f}; rounds: {len(d[next(iter(d))])}")
keys = sorted({(k[0], k[1], k[2]) for k in d})
print("| op | dtype | t | base viewlib | new viewlib | cv2 (base run / new run) | np | base/peer | new/peer |")
for op, size, t in keys:
    def m(build, impl):
        v = d.get((op, size, t, build, impl)); return statistics.median(v) if v else None
    bv, nv = m("base", "viewlib"), m("new", "viewlib")
    bc, nc = m("base", "cv2"), m("new", "cv2")
    bn, nn = m("base", "np.invert"), m("new", "np.invert")
    if bv is None:
        print(f"| {op} | {size} | {t} | memcpy {m('base','np.copyto'):.0f} / {m('new','np.copyto'):.0f} µs |"); continue
    peer_b = min(x for x in (bc, bn) if x); peer_n = min(x for x in (nc, nn) if x)
    print(f"| {op} | {size} | {t} | {bv:.0f} | {nv:.0f} | {bc:.0f} / {nc:.0f} | {'' if bn is None else f'{bn:.0f} / {nn:.0f}'} | {bv/peer_b:.2f}x | {nv/peer_n:.2f}x |")
