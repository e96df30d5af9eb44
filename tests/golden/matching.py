# Reference values for src/analysis/matching.rs: scipy.optimize.linear_sum_assignment.
import numpy as np
from scipy.optimize import linear_sum_assignment
c=np.array([[((i*7+j*13)%17)/4.0 + (0.5 if i==j else 0) for j in range(5)] for i in range(4)])
r,cols=linear_sum_assignment(c); print(c.tolist()); print(list(r),list(cols), c[r,cols].sum())
c2=np.array([[((i*5+j*3)%11)*1.0 for j in range(3)] for i in range(5)])
r,cols=linear_sum_assignment(c2); print(c2.tolist()); print(list(r),list(cols), c2[r,cols].sum())
