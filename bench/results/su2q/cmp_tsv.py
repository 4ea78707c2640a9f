import sys, glob, os, math, json
def num(s):
    try: return float(s)
    except: return None
for f in sorted(glob.glob('pipe_ref/*.tsv')):
    g = 'pipe_new/' + os.path.basename(f)
    a = open(f).read().split('\n'); b = open(g).read().split('\n')
    if len(a) != len(b): print(os.path.basename(f), 'ROWS', len(a), len(b)); continue
    mx = 0; nonnum = 0; ndiff = 0; hdr = a[0].split('\t'); worst = None
    for ra, rb in zip(a[1:], b[1:]):
        ca, cb = ra.split('\t'), rb.split('\t')
        if len(ca) != len(cb): nonnum += 1; continue
        for j,(x, y) in enumerate(zip(ca, cb)):
            if x == y: continue
            ndiff += 1
            u, v = num(x), num(y)
            if u is None or v is None: nonnum += 1; continue
            r = abs(u - v) / max(abs(u), abs(v), 1e-300)
            if r > mx: mx = r; worst = (hdr[j] if j < len(hdr) else j, x, y)
    print(os.path.basename(f).split('desc-')[1], 'fields differing', ndiff, 'non-numeric', nonnum, 'max rel %.2e' % mx, worst)
