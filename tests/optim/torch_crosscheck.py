#!/usr/bin/env python3
"""GPU cross-check data for hybc_runtime_optim (run where PyTorch + CUDA exist).

Writes $OUT/{ns,muon,adam,qat}.npz with deterministic inputs and what
PyTorch produces for them, written independently from the PG scripts'
semantics: Newton-Schulz-5 (eager and torch.compile'd, with/without
MuonEq-R), two full Muon steps, three fused-Adam steps on a bf16 table and
on an fp32 vector, and the late-QAT fake quantisation (eager and compiled).
bf16 tensors are stored as their uint16 bit patterns. Not part of CI.
"""
import os

import numpy as np
import torch

OUT = os.environ.get("OUT", ".")
DEV = "cuda"
A, B, C = 3.4445, -4.7750, 2.0315


def ns5(g, steps=5, eps=1e-7, eq_r=False):
    x = g.bfloat16()
    if eq_r:
        x = x / x.norm(dim=-1, keepdim=True).clamp(min=eps)
    x /= x.norm() + eps
    tall = g.size(0) > g.size(1)
    if tall:
        x = x.T
    for _ in range(steps):
        a_mat = x @ x.T
        b_mat = B * a_mat + C * a_mat @ a_mat
        x = A * x + b_mat @ x
    return x.T if tall else x


ns5_compiled = torch.compile(ns5)


def bits(t):
    return t.detach().contiguous().view(torch.int16).cpu().numpy().view(np.uint16)


def f32(t):
    return t.detach().float().cpu().numpy()


def gen(shape, seed, std):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * std).to(DEV)


def ns_case():
    out = {}
    for name, shape in (("tall", (1536, 512)), ("wide", (512, 1024))):
        g = gen(shape, 1 if name == "tall" else 2, 0.01)
        out[name + "_g"] = f32(g)
        out[name + "_eager_eqr"] = bits(ns5(g, eq_r=True))
        out[name + "_compiled_eqr"] = bits(ns5_compiled(g, eq_r=True))
        out[name + "_eager"] = bits(ns5(g))
        out[name + "_compiled"] = bits(ns5_compiled(g))
    np.savez(os.path.join(OUT, "ns.npz"), **out)


def ns_steps_case():
    """0 and 1 iterations isolate the rounding of the normalisation and of
    one iteration from the chaotic growth of matmul-order differences."""
    out = {}
    g = gen((1536, 512), 1, 0.01)
    for steps in (0, 1):
        for eq_r in (False, True):
            key = "s%d%s" % (steps, "_eqr" if eq_r else "")
            out[key + "_eager"] = bits(ns5(g, steps=steps, eq_r=eq_r))
            out[key + "_compiled"] = bits(ns5_compiled(g, steps=steps,
                                                       eq_r=eq_r))
    np.savez(os.path.join(OUT, "ns_steps.npz"), **out)


def muon_case():
    w = gen((768, 256), 3, 0.05)
    grads = [gen((768, 256), 4 + i, 0.01) for i in range(2)]
    out = {"w0": f32(w), "g0": f32(grads[0]), "g1": f32(grads[1])}
    buf = torch.zeros_like(w)
    lr, wd = 0.025, 0.04
    for step, g in enumerate(grads):
        mu = 0.85 + (0.99 - 0.85) * min(step / 500, 1.0)
        buf.mul_(mu).add_(g)
        u = ns5_compiled(g.add(buf, alpha=mu), eq_r=True)
        u *= max(1, u.size(0) / u.size(1)) ** 0.5
        w.mul_(1.0 - lr * wd)
        w.add_(u.to(torch.bfloat16).float(), alpha=-lr)
    out["w2"] = f32(w)
    out["buf2"] = f32(buf)
    np.savez(os.path.join(OUT, "muon.npz"), **out)


def adam_case():
    out = {}
    for name, shape, dtype in (("emb", (1024, 512), torch.bfloat16),
                               ("vec", (1, 4096), torch.float32)):
        p = torch.nn.Parameter(gen(shape, 10, 0.5).to(dtype))
        out[name + "_p0"] = f32(p)
        opt = torch.optim.Adam([p], lr=0.05, betas=(0.9, 0.95), eps=1e-8,
                               fused=True)
        for i in range(3):
            g = gen(shape, 20 + i, 0.01 * (i + 1)).to(dtype)
            out["%s_g%d" % (name, i)] = f32(g)
            p.grad = g
            opt.step()
        st = opt.state[p]
        out[name + "_p3"] = f32(p)
        out[name + "_m3"] = f32(st["exp_avg"])
        out[name + "_v3"] = f32(st["exp_avg_sq"])
    np.savez(os.path.join(OUT, "adam.npz"), **out)


def fake_quant(w32, bits_=6):
    w = w32.to(torch.bfloat16)
    qmax = (1 << (bits_ - 1)) - 1
    scale = w.detach().abs().amax(dim=1, keepdim=True) / qmax
    scale = scale.clamp_min(1.0 / qmax)
    return (torch.clamp(torch.round(w / scale), -qmax, qmax) * scale).to(w.dtype)


def qat_case():
    w = gen((1536, 512), 30, 0.05)
    w[:8] *= 40.0  # some rows with max |w| > 1 (scale not clamped)
    out = {"w": f32(w), "eager": bits(fake_quant(w)),
           "compiled": bits(torch.compile(fake_quant)(w))}
    np.savez(os.path.join(OUT, "qat.npz"), **out)


if __name__ == "__main__":
    torch.backends.cuda.matmul.allow_tf32 = True
    print("torch", torch.__version__, torch.cuda.get_device_name())
    if os.environ.get("ONLY_STEPS"):
        ns_steps_case()
        print("done")
        raise SystemExit(0)
    ns_case()
    ns_steps_case()
    muon_case()
    adam_case()
    qat_case()
    print("done")
