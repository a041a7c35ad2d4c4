"""ResNet-50 training step on one GPU: this engine (org.fkt.bench.GpuStepBench, one warm JVM) against
PyTorch eager, alternating engine and PyTorch rounds in one invocation. Run it through
resnet50-gpu-step.sh, which finds the engine's Java command and passes it as --engine.

Each configuration (ImageNet stem at 224x224 with 1000 classes, CIFAR stem at 32x32 with 10 classes;
float32 and TF32) is timed after warm-up between two device synchronisations: forward, cross-entropy,
backward and SGD (momentum 0.9) on a fixed random batch already on the device, the loss read on the host
at the first and the last step only. Rounds alternate which side goes first; the table gives the median
images/s over rounds and the peak device memory (engine: its caching allocator's peak, rounded to its
size classes; PyTorch: torch.cuda.max_memory_allocated), both over the whole configuration.

In float32 mode PyTorch's TF32 switches are turned off explicitly (torch enables cuDNN TF32 by default).
cuDNN algorithms: heuristics on both sides unless --cudnn-find (PyTorch: cudnn.benchmark; engine:
-Dfkt.cudnn.algo=find). --smoke (batch 2, 1 step, 32x32) proves the engine side end to end; PyTorch is
then skipped when it has no CUDA device. --device cpu runs both sides on the CPU (a plumbing test).
The PyTorch model is torchvision's resnet50 when torchvision imports, else the equivalent below.
"""
import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    """torchvision's v1.5 bottleneck: 1x1, 3x3 (with the stride), 1x1 (x4), projection shortcut."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        out = planes * 4
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out)
        self.downsample = None
        if stride != 1 or cin != out:
            self.downsample = nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet50(nn.Module):
    def __init__(self, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, cin = [], 64
        for planes, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
            stage = []
            for i in range(blocks):
                stage.append(Bottleneck(cin, planes, stride if i == 0 else 1))
                cin = planes * 4
            layers.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.fc = nn.Linear(2048, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def torch_model(stem, classes):
    try:
        import torchvision
        model, source = torchvision.models.resnet50(num_classes=classes), "torchvision.models.resnet50"
    except ImportError:
        model, source = ResNet50(classes), "the script's ResNet-50 (torchvision's layout)"
    if stem == "cifar":
        model.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        model.maxpool = nn.Identity()
    return model, source


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def torch_round(cfg, device):
    """One PyTorch configuration: the same step, timing and peak as GpuStepBench."""
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = cfg["tf32"]
        torch.backends.cudnn.allow_tf32 = cfg["tf32"]
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    torch.manual_seed(0)
    model, source = torch_model(cfg["stem"], cfg["classes"])
    model = model.to(device).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(cfg["batch"], 3, cfg["size"], cfg["size"], device=device)
    y = torch.randint(0, cfg["classes"], (cfg["batch"],), device=device)
    total = cfg["warmup"] + cfg["steps"]
    first = last = float("nan")
    t0 = 0.0
    for i in range(total):
        if i == cfg["warmup"]:
            sync(device)
            t0 = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i == 0:
            first = loss.item()
        if i == total - 1:
            last = loss.item()
    sync(device)
    step_ms = (time.perf_counter() - t0) * 1000 / cfg["steps"]
    peak = torch.cuda.max_memory_allocated(device) if cuda else -1
    del model, opt, x, y, loss
    if cuda:
        torch.cuda.empty_cache()
    return {"step_ms": step_ms, "images_per_s": cfg["batch"] / (step_ms / 1000), "peak_bytes": peak,
            "first_loss": first, "last_loss": last, "model": source}


class Engine:
    """The engine's warm JVM: GpuStepBench --serve, one 'run' line per configuration."""

    def __init__(self, command, device, cudnn_find):
        env = dict(os.environ)
        if cudnn_find:
            env["FKT_JAVA_OPTS"] = (env.get("FKT_JAVA_OPTS", "") + " -Dfkt.cudnn.algo=find").strip()
        argv = shlex.split(command) + ["--device", device, "--serve"]
        if cudnn_find and "fkt-java" not in argv[0]:
            argv.insert(1, "-Dfkt.cudnn.algo=find")
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.describe = self._expect("DEVICE")

    def _expect(self, tag):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit(f"engine: the JVM exited (code {self.proc.wait()}) before answering {tag}")
            line = line.strip()
            if line.startswith("ERROR"):
                raise RuntimeError("engine: " + line[6:])
            if line.startswith(tag + " "):
                return line[len(tag) + 1:]

    def run(self, cfg):
        keys = ("stem", "size", "batch", "classes", "tf32", "warmup", "steps")
        self.proc.stdin.write("run arch=resnet50 " + " ".join(f"{k}={str(cfg[k]).lower()}" for k in keys) + "\n")
        self.proc.stdin.flush()
        return json.loads(self._expect("RESULT"))

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)


def configs(args):
    sizes = [int(s) for s in (args.sizes or ("32" if args.smoke else "224,32")).split(",")]
    out = []
    for size in sizes:
        stem = "cifar" if size <= 64 else "imagenet"
        for math in (args.math.split(",") if args.device.startswith("cuda") else ["fp32"]):   # no TF32 on a CPU
            out.append({"stem": stem, "size": size, "batch": args.batch, "classes": 10 if stem == "cifar" else 1000,
                        "tf32": math == "tf32", "warmup": args.warmup, "steps": args.steps})
    return out


def gpu_facts(device, torch_ok, engine_describe):
    """The GPU's name (PyTorch's, else the engine's, e.g. without a CUDA torch) and the driver version."""
    if device.type != "cuda":
        return "CPU", "n/a"
    if torch_ok:
        name = torch.cuda.get_device_name(device)
    else:
        name = engine_describe.split(": ", 1)[-1].split(",")[0]
    try:
        driver = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader", "-i",
                                 str(device.index or 0)], capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        driver = ""
    return name, driver or "unknown (no nvidia-smi)"


def mib(b):
    return "n/a" if b is None or b < 0 else f"{b / 2**20:,.0f}"


def speed(ips, failure):
    if ips is None:
        return "failed" if failure else "n/a"
    return f"{ips:,.1f}" if ips >= 10 else f"{ips:.3g}"   # the emulator's smoke runs well under 1 image/s


def ratio(a, b):
    return "n/a" if not a or not b or a < 0 or b < 0 else f"{a / b:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--engine", required=True, help="the Java command that runs a main class on the engine's jars")
    p.add_argument("--device", default="cuda:0")
    p.add_argument("--smoke", action="store_true", help="batch 2, one step (no warm-up), 32x32, one round")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--sizes", help="input sizes; <= 64 uses the CIFAR stem (default 224,32; 32 with --smoke)")
    p.add_argument("--math", default="fp32,tf32", help="fp32, tf32 or both (default)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cudnn-find", action="store_true", help="time cuDNN algorithms (both sides) instead of heuristics")
    p.add_argument("--out", default="resnet50-gpu-step.md", help="markdown fragment for bench/RESULTS.md")
    p.add_argument("--command", default=" ".join(sys.argv), help="the command line recorded in the fragment")
    args = p.parse_args()
    if args.smoke:
        args.batch, args.steps, args.warmup, args.rounds = 2, 1, 0, 1
    device = torch.device(args.device)
    torch_ok = device.type != "cuda" or torch.cuda.is_available()
    if not torch_ok and not args.smoke:
        sys.exit(f"PyTorch {torch.__version__} sees no CUDA device; a comparison needs one (--smoke runs the engine only)")
    if device.type == "cuda" and torch_ok:
        torch.backends.cudnn.benchmark = args.cudnn_find
    engine = Engine(args.engine, args.device, args.cudnn_find)
    print(f"engine: {engine.describe}")
    print(f"torch {torch.__version__}" + (f", CUDA {torch.version.cuda}" if torch_ok and device.type == "cuda" else "")
          + ("" if torch_ok else ": no CUDA device, PyTorch rounds skipped"))
    cfgs = configs(args)
    results = {i: {"engine": [], "torch": []} for i in range(len(cfgs))}
    failures = {i: {} for i in range(len(cfgs))}
    model_source = "n/a"
    try:
        for r in range(args.rounds):
            for i, cfg in enumerate(cfgs):
                order = ("engine", "torch") if (r + i) % 2 == 0 else ("torch", "engine")
                for side in order:
                    if side == "torch" and not torch_ok:
                        continue
                    label = f"round {r + 1} {side:6s} {cfg['stem']:8s} {cfg['size']:3d}px {'tf32' if cfg['tf32'] else 'fp32'}"
                    try:
                        res = engine.run(cfg) if side == "engine" else torch_round(cfg, device)
                    except RuntimeError as e:   # the engine's ERROR line, or CUDA out of memory in PyTorch
                        failures[i][side] = str(e).splitlines()[0][:300]
                        print(f"{label}: FAILED {failures[i][side]}", flush=True)
                        if device.type == "cuda" and torch_ok:
                            torch.cuda.empty_cache()
                        continue
                    model_source = res.get("model", model_source)
                    results[i][side].append(res)
                    print(f"{label}: {speed(res['images_per_s'], None):>9s} images/s, step {res['step_ms']:8.2f} ms,"
                          f" peak {mib(res['peak_bytes'])} MiB, loss {res['first_loss']:.4f} -> {res['last_loss']:.4f}",
                          flush=True)
    finally:
        engine.close()
    name, driver = gpu_facts(device, torch_ok, engine.describe)
    torch_desc = f"torch {torch.__version__}" + ("" if device.type != "cuda" else f" (CUDA {torch.version.cuda})"
                                                 if torch_ok else " (no CUDA device: PyTorch not run)")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"### ResNet-50 training step on {name} ({date})", "",
             f"Driver {driver}; {torch_desc}; engine device {engine.describe}; PyTorch model: {model_source}.",
             f"Batch {args.batch}, {args.warmup} warm-up + {args.steps} timed steps, median of {args.rounds} alternating"
             f" round(s); cuDNN algorithms by {'timing (find)' if args.cudnn_find else 'heuristics'}."
             + (" Smoke run: not a measurement." if args.smoke else ""),
             f"Command: `{args.command}`", "",
             "| input | math | engine images/s | PyTorch images/s | engine / PyTorch | engine peak MiB | PyTorch peak MiB"
             " | memory engine / PyTorch |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for i, cfg in enumerate(cfgs):
        e, t = results[i]["engine"], results[i]["torch"]
        e_ips = statistics.median(x["images_per_s"] for x in e) if e else None
        t_ips = statistics.median(x["images_per_s"] for x in t) if t else None
        e_mem = max(x["peak_bytes"] for x in e) if e else None
        t_mem = max(x["peak_bytes"] for x in t) if t else None
        lines.append(f"| {cfg['size']}x{cfg['size']} {cfg['stem']} stem | {'TF32' if cfg['tf32'] else 'float32'} |"
                     f" {speed(e_ips, failures[i].get('engine'))} | {speed(t_ips, failures[i].get('torch'))} |"
                     f" {ratio(e_ips, t_ips)} | {mib(e_mem)} | {mib(t_mem)} | {ratio(e_mem, t_mem)} |")
    notes = [f"- {side} at {cfgs[i]['size']}x{cfgs[i]['size']} {'TF32' if cfgs[i]['tf32'] else 'float32'} failed: {msg}"
             for i in failures for side, msg in failures[i].items()]
    if notes:
        lines += [""] + notes
    fragment = "\n".join(lines) + "\n"
    print()
    print(fragment)
    with open(args.out, "w") as f:
        f.write(fragment)
    print(f"markdown fragment written to {args.out}")


if __name__ == "__main__":
    main()
