"""Diagnostic for the float32 accuracy of a training step: per-layer errors of the engine and PyTorch.

  activation_taps.py run --arch A --stem S --objective O --weights W --batch B --out O.safetensors [--double]
      PyTorch's side of nn's ActivationTaps (test scope): one training step of torch_step.py's model
      with every activation tapped, written as act.<tap>, dact.<tap> (its gradient) and grad.<param>
  activation_taps.py compare E32 E64 T32 T64 [--all]
      for every tap and gradient, ||x - x64|| / ||x64|| for the engine's and PyTorch's float32 runs
      (each against its own float64 run), ReLU sign flips (pre-activations whose sign differs from
      the float64 run's) and max-pool argmax changes (first maximum wins, as both implementations),
      plus the count of parameter gradients whose engine error is above twice PyTorch's

Tap names: [c.|s.]conv1, bn1, relu, maxpool, layerS.B.convI/bnI/reluI, down.conv, down.bn, sum, out,
pool; c. is the contrastive forward (view1 and view2), s. the supervised one.
"""
import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_torch  # noqa: E402
import torch_step  # noqa: E402


class Taps:
    def __init__(self):
        self.acts = {}

    def __call__(self, name, t):
        t.retain_grad()
        self.acts[name] = t
        return t


def block(b, x, prefix, tap):
    h = x
    convs = [n for n in ("conv1", "conv2", "conv3") if hasattr(b, n)]
    for i, n in enumerate(convs, 1):
        h = tap(prefix + n, getattr(b, n)(h))
        h = tap(prefix + "bn%d" % i, getattr(b, "bn%d" % i)(h))
        if i < len(convs):
            h = tap(prefix + "relu%d" % i, F.relu(h))
    identity = x
    if b.downsample is not None:
        identity = tap(prefix + "down.conv", b.downsample[0](x))
        identity = tap(prefix + "down.bn", b.downsample[1](identity))
    s = tap(prefix + "sum", h + identity)
    return tap(prefix + "out", F.relu(s))


def features(model, stem, x, prefix, tap):
    h = tap(prefix + "conv1", model.conv1(x))
    h = tap(prefix + "bn1", model.bn1(h))
    h = tap(prefix + "relu", F.relu(h))
    if stem == "imagenet":
        h = tap(prefix + "maxpool", F.max_pool2d(h, 3, 2, 1))
    for s in range(1, 5):
        for j, b in enumerate(getattr(model, "layer%d" % s)):
            h = block(b, h, prefix + "layer%d.%d." % (s, j), tap)
    return tap(prefix + "pool", torch.flatten(F.adaptive_avg_pool2d(h, 1), 1))


def run(args):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    dtype = torch.float64 if args.double else torch.float32
    model = torch_step.build(args.arch, args.stem, 5, 64, 32)
    model.load_state_dict(safetensors_torch.load(args.weights), strict=True)
    model = model.to(dtype)
    model.train()
    batch = safetensors_torch.load(args.batch)
    tap = Taps()
    loss = None
    if args.objective in ("contrastive", "joint"):
        views = torch.cat([batch["view1"], batch["view2"]]).to(dtype)
        loss = torch_step.nt_xent(model.projector(features(model, args.stem, views, "c.", tap)), 0.5)
    if args.objective in ("supervised", "joint"):
        logits = model.fc(features(model, args.stem, batch["images"].to(dtype), "s.", tap))
        s = F.cross_entropy(logits, batch["labels"])
        loss = s if loss is None else loss + s
    loss.backward()
    out = {"loss": loss}
    for name, t in tap.acts.items():
        out["act." + name] = t
        out["dact." + name] = t.grad if t.grad is not None else torch.zeros_like(t)
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    safetensors_torch.save({k: v.detach().contiguous() for k, v in out.items()}, args.out)


def rel(a, b):
    nb = b.norm().item()
    d = (a - b).norm().item()
    return 0.0 if nb == 0 and d == 0 else (float("inf") if nb == 0 else d / nb)


def argmax_pool(h):
    """First-maximum index of each 3x3 stride-2 padding-1 window. h: (N, C, H, W) -> (N, C, P, Q)."""
    n, c, hh, ww = h.shape
    padded = F.pad(h, (1, 1, 1, 1), value=float("-inf"))
    win = padded.unfold(2, 3, 2).unfold(3, 3, 2).reshape(n, c, (hh + 1) // 2, (ww + 1) // 2, 9)
    best = win.max(dim=-1, keepdim=True).values
    return (win == best).to(torch.int8).argmax(dim=-1)


def pre_activation(name):
    """The tap a ReLU tap was computed from, or None."""
    base, _, last = name.rpartition(".")
    if last == "relu":
        return base + ".bn1"
    if last.startswith("relu"):
        return base + ".bn" + last[4:]
    if last == "out":
        return base + ".sum"
    return None


def compare(args):
    e32, e64, t32, t64 = (safetensors_torch.load(p) for p in (args.e32, args.e64, args.t32, args.t64))
    print("%-30s %9s %9s %8s | %6s %6s | %s" % ("tensor", "engine32", "torch32", "ratio", "chgE", "chgT",
                                              "engine64 vs torch64"))
    above = 0
    below = 0
    grads = 0
    totals = {"relu": [0, 0], "maxpool": [0, 0]}
    act_ratios = []
    for name in t32:
        if name == "loss":
            continue
        x64 = t64[name].double()
        ee = rel(e32[name].double(), x64)
        te = rel(t32[name].double(), x64)
        math = rel(e64[name].double(), x64)
        ratio = ee / te if te > 0 else (float("inf") if ee > 0 else 1.0)
        changes = ""
        pre = pre_activation(name) if name.startswith("act.") else None
        if pre is not None:
            ref = t64[pre] > 0
            counts = (int(((e32[pre] > 0) != ref).sum()), int(((t32[pre] > 0) != ref).sum()))
            totals["relu"] = [totals["relu"][0] + counts[0], totals["relu"][1] + counts[1]]
            changes = "%6d %6d" % counts
        elif name.startswith("act.") and name.endswith("maxpool"):
            src = name.replace("maxpool", "relu")
            ref = argmax_pool(t64[src].double())
            ae, at = (argmax_pool(d[src].double()) for d in (e32, t32))
            counts = (int((ae != ref).sum()), int((at != ref).sum()))
            totals["maxpool"] = [totals["maxpool"][0] + counts[0], totals["maxpool"][1] + counts[1]]
            changes = "%6d %6d" % counts
        if name.startswith("act.") and te > 0:
            act_ratios.append(ee / te)
        if name.startswith("grad."):
            grads += 1
            above += ee > 2 * te
            below += te > 2 * ee
        if args.all or ratio > 2 or changes.strip("0 "):
            print("%-30s %9.3g %9.3g %8.3g | %13s | %.3g" % (name[:30], ee, te, ratio, changes, math))
    act_ratios.sort()
    print("forward: median engine/PyTorch float32 error ratio over %d activations %.3g; ReLU sign flips engine %d,"
          " PyTorch %d; max-pool argmax changes engine %d, PyTorch %d"
          % (len(act_ratios), act_ratios[len(act_ratios) // 2] if act_ratios else float("nan"), totals["relu"][0],
             totals["relu"][1], totals["maxpool"][0], totals["maxpool"][1]))
    print("parameter gradients: engine float32 error above twice PyTorch's %d, PyTorch's above twice the engine's"
          " %d, of %d" % (above, below, grads))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--arch", required=True)
    r.add_argument("--stem", required=True)
    r.add_argument("--objective", required=True)
    r.add_argument("--weights", required=True)
    r.add_argument("--batch", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--double", action="store_true")
    c = sub.add_parser("compare")
    for n in ("e32", "e64", "t32", "t64"):
        c.add_argument(n)
    c.add_argument("--all", action="store_true")
    args = parser.parse_args()
    {"run": run, "compare": compare}[args.command](args)


if __name__ == "__main__":
    main()
