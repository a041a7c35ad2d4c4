"""PyTorch side of the training-step parity checks (the oracle for `fkt dump`).

  torch_step.py make --arch A --stem S --classes K --batch N --size H [--proj-hidden H] [--proj-out P]
                     --seed S --weights W.safetensors --batch-out B.safetensors
      random torchvision-initialised weights (encoder + fc + projector) and a random batch
  torch_step.py names --arch A --stem S --classes K [--proj-hidden H] [--proj-out P]
      the state_dict's names, shapes and dtypes, one per line
  torch_step.py run  --arch A --stem S --classes K --objective O --weights W --batch B --out O.safetensors
                     [--temperature T] [--lambda L] [--proj-hidden H] [--proj-out P] [--double]
                     [--device cpu|cuda[:N]] [--tf32]
      one training-mode forward and backward, written with the same names `fkt dump` writes; on a CUDA
      device TF32 is off (plain float32 GEMMs and convolutions) unless --tf32 is given

The model is torchvision's ResNet (the CIFAR stem swaps conv1 for a 3x3 stride-1 convolution and
drops the max-pool) with `fc` and a `projector` (Linear-ReLU-Linear) on the pooled features.
NT-Xent is written here independently of the engine: F.normalize, z z^T / t, the diagonal masked
to -inf, cross-entropy towards the partner view.
"""
import argparse
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_torch  # noqa: E402


def build(arch, stem, classes, hidden, out):
    model = getattr(torchvision.models, arch)()
    if stem == "cifar":
        model.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
        model.maxpool = nn.Identity()
    width = model.fc.in_features
    model.fc = nn.Linear(width, classes)
    if out > 0:
        model.projector = nn.Sequential(nn.Linear(width, hidden or width), nn.ReLU(), nn.Linear(hidden or width, out))
    return model


def features(model, x):
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    x = model.layer4(model.layer3(model.layer2(model.layer1(x))))
    return torch.flatten(model.avgpool(x), 1)


def nt_xent(z, temperature):
    z = F.normalize(z, dim=1)
    sim = z @ z.t() / temperature
    eye = torch.eye(z.shape[0], dtype=torch.bool)
    sim = sim.masked_fill(eye, float("-inf"))
    n = z.shape[0] // 2
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def names(args):
    model = build(args.arch, args.stem, args.classes, args.proj_hidden, args.proj_out)
    for name, t in model.state_dict().items():
        print(name, "x".join(str(d) for d in t.shape) or "scalar", str(t.dtype).replace("torch.", ""))


def make(args):
    torch.manual_seed(args.seed)
    model = build(args.arch, args.stem, args.classes, args.proj_hidden, args.proj_out)
    safetensors_torch.save(model.state_dict(), args.weights)
    n, h = args.batch, args.size
    batch = {
        "images": torch.randn(n, 3, h, h),
        "labels": torch.randint(0, args.classes, (n,), dtype=torch.int64),
        "view1": torch.randn(n, 3, h, h),
        "view2": torch.randn(n, 3, h, h),
    }
    safetensors_torch.save(batch, args.batch_out)


def run(args):
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    dtype = torch.float64 if args.double else torch.float32
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = args.tf32
        torch.backends.cudnn.allow_tf32 = args.tf32
    model = build(args.arch, args.stem, args.classes, args.proj_hidden, args.proj_out)
    weights = safetensors_torch.load(args.weights)
    model.load_state_dict(weights, strict=True)
    model = model.to(device=device, dtype=dtype)
    model.train()
    batch = {k: v.to(device) for k, v in safetensors_torch.load(args.batch).items()}
    out = {}
    terms = []
    if args.objective in ("contrastive", "joint"):
        views = torch.cat([batch["view1"], batch["view2"]]).to(dtype)
        projections = model.projector(features(model, views))
        loss_c = nt_xent(projections, args.temperature)
        out["projections"] = projections
        terms.append(("loss_contrastive", loss_c))
    if args.objective in ("supervised", "joint"):
        logits = model.fc(features(model, batch["images"].to(dtype)))
        loss_s = F.cross_entropy(logits, batch["labels"])
        out["logits"] = logits
        terms.append(("loss_supervised", loss_s))
    if args.objective == "joint":
        loss = terms[0][1] + args.lam * terms[1][1]
        for name, value in terms:
            out[name] = value
    else:
        loss = terms[0][1]
    out["loss"] = loss
    loss.backward()
    for name, p in model.named_parameters():
        out["grad." + name] = p.grad if p.grad is not None else torch.zeros_like(p)
    for name, b in model.named_buffers():
        if name.endswith("running_mean") or name.endswith("running_var"):
            out["running." + name] = b
    safetensors_torch.save({k: v.detach().cpu().reshape(v.shape) for k, v in out.items()}, args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("make", "run", "names"):
        p = sub.add_parser(name)
        p.add_argument("--arch", required=True, choices=["resnet18", "resnet34", "resnet50"])
        p.add_argument("--stem", required=True, choices=["imagenet", "cifar"])
        p.add_argument("--classes", type=int, required=True)
        p.add_argument("--proj-hidden", type=int, default=0)
        p.add_argument("--proj-out", type=int, default=128)
        p.add_argument("--weights", required=name != "names")
    make_p = sub.choices["make"]
    make_p.add_argument("--batch", type=int, required=True)
    make_p.add_argument("--size", type=int, required=True)
    make_p.add_argument("--seed", type=int, default=0)
    make_p.add_argument("--batch-out", required=True)
    run_p = sub.choices["run"]
    run_p.add_argument("--objective", required=True, choices=["supervised", "contrastive", "joint"])
    run_p.add_argument("--batch", required=True)
    run_p.add_argument("--out", required=True)
    run_p.add_argument("--temperature", type=float, default=0.5)
    run_p.add_argument("--lambda", dest="lam", type=float, default=1.0)
    run_p.add_argument("--double", action="store_true")
    run_p.add_argument("--device", default="cpu", help="cpu (default) or cuda[:N]")
    run_p.add_argument("--tf32", action="store_true", help="let cuBLAS/cuDNN use TF32 on a CUDA device")
    args = parser.parse_args()
    {"make": make, "run": run, "names": names}[args.command](args)


if __name__ == "__main__":
    main()
