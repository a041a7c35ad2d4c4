"""Reference optimizer steps in PyTorch for the Java optimizer parity tests (OptimParity.java).

Usage: optim_reference.py DIR. DIR/case.json describes the case, DIR/in.bin holds raw little-endian
float32: every parameter's initial values (in case order), then for each step the gradient of each
parameter that has one at that step (grad_at). Writes DIR/out.bin: the parameters after each step
(all parameters, in order), then the momentum buffer of each parameter that has one at the end.

"sgd" runs torch.optim.SGD itself. "lars" is written here from SimCLR's definition, independently of
the Java code: g = grad + wd * w (unless excluded from decay); trust ratio eta * ||w|| / ||g|| (1 when
a norm is 0, or when excluded from adaptation); v = momentum * v + lr * ratio * g (v starts at 0);
w -= v, or with nesterov w -= momentum * v + lr * ratio * g. Exclusion rules: "rank1" (rank <= 1)
or "contains" (the name contains one of "parts").
"""
import json
import math
import sys

import numpy as np
import torch


def read_case(folder):
    with open(f"{folder}/case.json") as f:
        case = json.load(f)
    data = np.fromfile(f"{folder}/in.bin", dtype="<f4")
    pos = 0

    def take(shape):
        nonlocal pos
        n = math.prod(shape)
        t = torch.from_numpy(data[pos:pos + n].copy()).reshape(shape)
        pos += n
        return t

    params = case["params"]
    init = [take(p["shape"]) for p in params]
    grads = []
    for s in range(case["steps"]):
        grads.append([take(p["shape"]) if p["grad_at"][s] else None for p in params])
    if pos != data.size:
        raise SystemExit(f"in.bin holds {data.size} values, the case describes {pos}")
    return case, init, grads


def excluded(rule, name, tensor):
    if rule["rule"] == "rank1":
        return tensor.dim() <= 1
    if rule["rule"] == "contains":
        return any(part in name for part in rule["parts"])
    if rule["rule"] == "none":
        return False
    raise SystemExit(f"unknown exclusion rule {rule}")


def run_sgd(case, init, grads):
    h = case["hyper"]
    params = [torch.nn.Parameter(t.clone()) for t in init]
    opt = torch.optim.SGD(params, lr=case["lrs"][0], momentum=h["momentum"], dampening=h["dampening"],
                          nesterov=h["nesterov"], weight_decay=h["weight_decay"])
    after = []
    for s, step_grads in enumerate(grads):
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else g.clone()
        opt.param_groups[0]["lr"] = case["lrs"][s]
        opt.step()
        after.append([p.detach().clone() for p in params])
    buffers = []
    for p in params:
        buf = opt.state[p].get("momentum_buffer") if p in opt.state else None
        if buf is not None:
            buffers.append(buf)
    return after, buffers


def run_lars(case, init, grads):
    h = case["hyper"]
    params = [t.clone() for t in init]
    names = [p["name"] for p in case["params"]]
    decay = [not excluded(case["exclude_decay"], n, t) for n, t in zip(names, params)]
    adapt = [not excluded(case["exclude_adapt"], n, t) for n, t in zip(names, params)]
    velocity = [None] * len(params)
    after = []
    for s, step_grads in enumerate(grads):
        lr = case["lrs"][s]
        for i, g in enumerate(step_grads):
            if g is None:
                continue
            w = params[i]
            if decay[i]:
                g = g + h["weight_decay"] * w
            ratio = torch.tensor(1.0)
            if adapt[i]:
                w_norm = torch.linalg.norm(w)
                g_norm = torch.linalg.norm(g)
                if w_norm > 0 and g_norm > 0:
                    ratio = h["eta"] * w_norm / g_norm
            scaled = lr * ratio
            if velocity[i] is None:
                velocity[i] = torch.zeros_like(w)
            velocity[i] = h["momentum"] * velocity[i] + scaled * g
            if h["nesterov"]:
                update = h["momentum"] * velocity[i] + scaled * g
            else:
                update = velocity[i]
            params[i] = w - update
        after.append([p.clone() for p in params])
    return after, [v for v in velocity if v is not None]


def main():
    folder = sys.argv[1]
    torch.set_default_dtype(torch.float32)
    case, init, grads = read_case(folder)
    run = {"sgd": run_sgd, "lars": run_lars}[case["optimizer"]]
    after, buffers = run(case, init, grads)
    out = [t.reshape(-1).to(torch.float32).numpy() for step in after for t in step]
    out += [b.reshape(-1).to(torch.float32).numpy() for b in buffers]
    np.concatenate(out).astype("<f4").tofile(f"{folder}/out.bin")
    print(f"{case['optimizer']}: {len(after)} steps, {len(buffers)} buffers, torch {torch.__version__}")


if __name__ == "__main__":
    main()
