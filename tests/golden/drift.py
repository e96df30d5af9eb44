# Reference values for src/analysis/drift.rs: KS from scipy, PSI by its definition in numpy.
# Run: python tests/golden/drift.py (with tests/golden/requirements.txt installed).
import numpy as np
from scipy.stats import ks_2samp
def psi(r, c, zr, zc):
    r=np.asarray(r,float); c=np.asarray(c,float); zr=np.asarray(zr,bool); zc=np.asarray(zc,bool)
    zero_bin = zr.mean() >= 0.1
    if zero_bin:
        edges = np.unique(np.quantile(r[~zr], np.arange(1,10)/10))
    else:
        edges = np.unique(np.quantile(r, np.arange(1,10)/10))
    def shares(v, z):
        nb = len(edges)+1
        cnt = np.zeros(nb + (1 if zero_bin else 0))
        if zero_bin:
            cnt[-1] = z.sum(); v = v[~z]
        idx = np.searchsorted(edges, v, side='left')
        for i in idx: cnt[i]+=1
        s = cnt / (len(z))
        return np.where(s==0, 1e-4, s)
    a=shares(r,zr); b=shares(c,zc)
    return float(np.sum((b-a)*np.log(b/a)))
n=200
a=[((i*37)%101)/10.0 for i in range(n)]
b=[(((i*53)%97)/9.0)**1.1 for i in range(150)]
za=[False]*n; zb=[False]*150
print("psi_plain", repr(psi(a,b,za,zb)))
print("ks_plain", repr(ks_2samp(a,b).statistic))
# with zeros: raw zero for i%4==0 in ref (25%), i%3==0 in cur
a2=[0.0 if i%4==0 else v for i,v in enumerate(a)]
b2=[0.0 if i%3==0 else v for i,v in enumerate(b)]
print("psi_zeros", repr(psi(a2,b2,[v==0 for v in a2],[v==0 for v in b2])))
print("ks_zeros", repr(ks_2samp(a2,b2).statistic))
# same draw: identical -> 0
print("psi_same", psi(a,a,za,za))
# a shifted copy with an empty bin in the current
c=[v+5 for v in a]
print("psi_shift", repr(psi(a,c,za,za)), "ks_shift", repr(ks_2samp(a,c).statistic))
