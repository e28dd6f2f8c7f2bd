#!/usr/bin/env python3
"""Print bit-exact PyTorch goldens for tests/optim/TorchGoldenTest.cpp.

Run where PyTorch + CUDA exist (the scripts' setting: CUDA, bf16, fused Adam,
torch.compile). Inputs are small fp32 tensors printed as IEEE bit patterns;
bf16 outputs are printed as uint16 patterns. Written independently from the
PG scripts' semantics (Newton-Schulz-5, Muon, fused Adam, late-QAT STE).
"""
import torch

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


ns5_c = torch.compile(ns5)


def fake_quant(w32, bits=6):
    w = w32.to(torch.bfloat16)
    qmax = (1 << (bits - 1)) - 1
    scale = w.detach().abs().amax(dim=1, keepdim=True) / qmax
    scale = scale.clamp_min(1.0 / qmax)
    return (torch.clamp(torch.round(w / scale), -qmax, qmax) * scale).to(w.dtype)


def hexs(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        v = t.view(torch.int16).flatten().tolist()
        return "{" + ", ".join("0x%04x" % (x & 0xFFFF) for x in v) + "}"
    v = t.float().view(torch.int32).flatten().tolist()
    return "{" + ", ".join("0x%08xu" % (x & 0xFFFFFFFF) for x in v) + "}"


def emit(name, t):
    kind = "uint16_t" if t.dtype == torch.bfloat16 else "uint32_t"
    print("const %s %s[] = %s;" % (kind, name, hexs(t)))


def rand(shape, seed, std):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=g) * std).to(DEV)


def main():
    g_tall = rand((6, 4), 1, 0.02)
    g_wide = rand((4, 6), 2, 0.02)
    emit("kNsTallIn", g_tall)
    emit("kNsWideIn", g_wide)
    for steps in (1, 5):
        emit("kNsTallEager%d" % steps, ns5(g_tall, steps))
        emit("kNsTallCompiled%d" % steps, ns5_c(g_tall, steps))
        emit("kNsWideEqREager%d" % steps, ns5(g_wide, steps, eq_r=True))
        emit("kNsWideEqRCompiled%d" % steps, ns5_c(g_wide, steps, eq_r=True))
    for name, dtype in (("Fp32", torch.float32), ("Bf16", torch.bfloat16)):
        p = torch.nn.Parameter(rand((1, 8), 3, 0.5).to(dtype))
        emit("kAdam%sP0" % name, p)
        opt = torch.optim.Adam([p], lr=0.05, betas=(0.9, 0.95), eps=1e-8,
                               fused=True)
        for i in range(3):
            g = rand((1, 8), 4 + i, 0.01 * (i + 1)).to(dtype)
            emit("kAdam%sG%d" % (name, i), g)
            p.grad = g
            opt.step()
        emit("kAdam%sP3" % name, p)
        emit("kAdam%sM3" % name, opt.state[p]["exp_avg"])
        emit("kAdam%sV3" % name, opt.state[p]["exp_avg_sq"])
    w = rand((6, 4), 10, 0.05)
    emit("kMuonW0", w)
    buf = torch.zeros_like(w)
    for step in range(2):
        g = rand((6, 4), 11 + step, 0.01)
        emit("kMuonG%d" % step, g)
        mu = 0.85 + (0.99 - 0.85) * min(step / 500, 1.0)
        buf.mul_(mu).add_(g)
        # Eager NS: Inductor compiles tiny shapes differently from the
        # model's (>= 256) ones, so tiny compiled goldens are not useful.
        u = ns5(g.add(buf, alpha=mu), eq_r=True)
        u *= max(1, u.size(0) / u.size(1)) ** 0.5
        w.mul_(1.0 - 0.025 * 0.04)
        w.add_(u.to(torch.bfloat16).float(), alpha=-0.025)
    emit("kMuonW2", w)
    g_mid = rand((64, 48), 20, 0.02)
    emit("kNsMidIn", g_mid)
    emit("kNsMidCompiled1", ns5_c(g_mid, 1, eq_r=True))
    w = rand((2, 8), 8, 0.05)
    w[0] *= 40.0
    emit("kQatIn", w)
    emit("kQatEager", fake_quant(w))
    emit("kQatCompiled", torch.compile(fake_quant)(w))


if __name__ == "__main__":
    print("// torch", torch.__version__, torch.cuda.get_device_name())
    main()
