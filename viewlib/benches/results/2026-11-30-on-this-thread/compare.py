"""Ratios of viewlib to the fastest peer per row, side by side for several bench.py JSONL runs:

  python3 compare.py RUN1.jsonl [RUN2.jsonl ...]
"""
import json,sys
from collections import defaultdict
def load(f):
    rows=[json.loads(l) for l in open(f) if l.strip()]
    g=defaultdict(list)
    for r in rows:
        if 'op' in r: g[(r['threads'],r['op'],r['size'])].append(r)
    out={}
    for k,rs in g.items():
        if 'memcpy' in k[1] or 'overhead' in k[1]: continue
        v=[r['median_s'] for r in rs if r['impl'].startswith('viewlib')]
        p=[r for r in rs if not r['impl'].startswith('viewlib')]
        if v and p:
            pb=min(p,key=lambda r:r['median_s'])
            out[k]=(min(v),pb['median_s'],pb['impl'])
    return out
runs=[load(f) for f in sys.argv[1:]]
for k in runs[0]:
    cells=[]
    for r in runs:
        v,p,_=r[k]; cells.append(f"{v*1e6:8.0f}/{p*1e6:8.0f} {v/p:4.2f}x")
    print(f"{k[0]} {k[1][:28]:28s} {k[2]:22s} " + " | ".join(cells))
