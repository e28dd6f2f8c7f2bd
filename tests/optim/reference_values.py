#!/usr/bin/env python3
"""Independent float64 reference for tests/optim (pure Python, no torch).

Prints the expected values pasted into MuonAdamTest.cpp: two Muon
steps on 2x3 and 3x2 matrices (fp32 mode semantics, with and without
MuonEq-R / decoupled weight decay) and three Adam steps.
"""
import math

A, B, C = 3.4445, -4.7750, 2.0315


def matmul(x, y):
    return [[sum(x[i][k] * y[k][j] for k in range(len(y)))
             for j in range(len(y[0]))] for i in range(len(x))]


def transpose(x):
    return [list(r) for r in zip(*x)]


def newton_schulz(g, steps=5, eps=1e-7, eq_r=False):
    x = [list(r) for r in g]
    if eq_r:
        x = [[v / max(math.sqrt(sum(t * t for t in r)), eps) for v in r]
             for r in x]
    fro = math.sqrt(sum(v * v for r in x for v in r))
    x = [[v / (fro + eps) for v in r] for r in x]
    tall = len(x) > len(x[0])
    if tall:
        x = transpose(x)
    for _ in range(steps):
        a_mat = matmul(x, transpose(x))
        aa = matmul(a_mat, a_mat)
        b_mat = [[B * a_mat[i][j] + C * aa[i][j] for j in range(len(a_mat))]
                 for i in range(len(a_mat))]
        bx = matmul(b_mat, x)
        x = [[A * x[i][j] + bx[i][j] for j in range(len(x[0]))]
             for i in range(len(x))]
    return transpose(x) if tall else x


def muon_run(w, grads, lr, wd, eq_r):
    rows, cols = len(w), len(w[0])
    buf = [[0.0] * cols for _ in range(rows)]
    for step, g in enumerate(grads):
        f = min(step / 500.0, 1.0)
        mu = (1 - f) * 0.85 + f * 0.95
        buf = [[mu * buf[i][j] + g[i][j] for j in range(cols)]
               for i in range(rows)]
        u = [[g[i][j] + mu * buf[i][j] for j in range(cols)]
             for i in range(rows)]
        u = newton_schulz(u, eq_r=eq_r)
        s = math.sqrt(max(1.0, rows / cols))
        w = [[w[i][j] * (1 - lr * wd) - lr * s * u[i][j] for j in range(cols)]
             for i in range(rows)]
    return w


def adam_run(p, grads, lr, b1, b2, eps, wd, decoupled):
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    for t, g in enumerate(grads, start=1):
        g = list(g)
        if wd and not decoupled:
            g = [gi + wd * pi for gi, pi in zip(g, p)]
        if wd and decoupled:
            p = [pi - lr * wd * pi for pi in p]
        m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, g)]
        v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, g)]
        bc1 = 1 - b1 ** t
        bc2 = 1 - b2 ** t
        p = [pi - (lr / bc1) * mi / (math.sqrt(vi) / math.sqrt(bc2) + eps)
             for pi, mi, vi in zip(p, m, v)]
    return p, m, v


def show(name, rows):
    flat = [v for r in rows for v in (r if isinstance(r, list) else [r])]
    print(name + " = {" + ", ".join("%.12e" % v for v in flat) + "};")


W0 = [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]
G = [[[0.01, 0.02, -0.03], [0.04, -0.05, 0.06]],
     [[-0.02, 0.03, 0.01], [0.05, 0.01, -0.04]]]
show("kMuonWide", muon_run(W0, G, 0.04, 0.0, False))
show("kMuonWideEqRWd", muon_run(W0, G, 0.04, 0.04, True))
show("kMuonTall", muon_run(transpose(W0), [transpose(g) for g in G],
                           0.04, 0.0, False))
P0 = [0.5, -1.0, 2.0]
AG = [[0.1, -0.2, 0.05], [0.3, 0.1, -0.4], [-0.05, 0.2, 0.1]]
for name, wd, dec in (("kAdam", 0.0, False), ("kAdamL2", 0.1, False),
                      ("kAdamW", 0.1, True)):
    p, m, v = adam_run(P0, AG, 0.01, 0.9, 0.95, 1e-8, wd, dec)
    show(name + "P", p)
    show(name + "M", m)
    show(name + "V", v)
