"""PyTorch NT-Xent forward + backward timings: the peer of bench's NtXentBenchmark (the engine's fused op).

  ntxent_torch_bench.py [--device auto|cpu|cuda] [--sizes 512x128,4096x128,...] [--temperature 0.5]
                        [--warmup 3] [--reps 10] [--threads N] [--max-gb G] [--jmh-json FILE] [--jmh-log FILE]

Projections z (2N, D) float32, rows i and i+N paired; one call = loss and dz (z.grad). Two formulations:

  paper   the one in the paper's published code (Functional_Knowledge_Transfer_SSL, src/joint_train.py,
          written in the style of the common SimCLR info-NCE code): matmul of the projections, an identity mask
          removes the diagonal, positives and negatives gathered with a same-image label matrix, logits =
          cat(positives, negatives) / t, cross-entropy with label 0. The published code feeds the raw
          projections to the matmul; here rows are F.normalize'd first, so that both formulations and the
          engine compute the same NT-Xent (cosine similarity). The label matrix is built once, as a global,
          as in that code; the mask is built per call, as there.
  masked  F.normalize, matmul / t, the diagonal masked to -inf, cross-entropy against the partner index.

Timing: on a GPU, CUDA events around each call after the warm-up (device time; median and minimum over the
repetitions) next to the host wall time of the same calls; on the CPU, time.perf_counter. A (size,
formulation) whose estimated footprint (several (2N, 2N) float32 buffers) exceeds --max-gb (default: 60 %
of the available memory) is skipped with a note, as is one that runs out of memory. Before timing, both
formulations are checked against each other in float64 on a small input.

With --jmh-json (a JMH result file of NtXentBenchmark, -rf json -rff FILE) the table also shows the
engine's fused figure for the same size and device and the speed-up over the faster PyTorch formulation;
on a GPU add --jmh-log (the JMH console output) so that the engine's figure is its CUDA-event device time.
"""
import argparse
import json
import os
import re
import statistics
import time

import torch
import torch.nn.functional as F

# (2N, 2N) float32 buffers alive at the peak of forward + backward, roughly (measured order of magnitude,
# used only to skip sizes that cannot fit)
BUFFERS = {"paper": 12, "masked": 7}
PARTNER_CACHE = {}
LABEL_CACHE = {}


def partners(rows, device):
    key = (rows, str(device))
    if key not in PARTNER_CACHE:
        n = rows // 2
        PARTNER_CACHE[key] = torch.cat([torch.arange(n, rows), torch.arange(0, n)]).to(device)
    return PARTNER_CACHE[key]


def same_image(rows, device):
    """(2N, 2N) float: 1 where rows i and j are views of the same image (the diagonal included)."""
    key = (rows, str(device))
    if key not in LABEL_CACHE:
        ids = torch.cat([torch.arange(rows // 2), torch.arange(rows // 2)])
        LABEL_CACHE[key] = (ids.unsqueeze(0) == ids.unsqueeze(1)).float().to(device)
    return LABEL_CACHE[key]


def ntxent_paper(z, t):
    features = F.normalize(z, dim=1)
    rows = features.shape[0]
    labels = same_image(rows, z.device)
    similarity = torch.matmul(features, features.T)
    mask = torch.eye(rows, dtype=torch.bool, device=z.device)
    labels = labels[~mask].view(rows, -1)
    similarity = similarity[~mask].view(rows, -1)
    positives = similarity[labels.bool()].view(rows, -1)
    negatives = similarity[~labels.bool()].view(rows, -1)
    logits = torch.cat([positives, negatives], dim=1) / t
    target = torch.zeros(rows, dtype=torch.long, device=z.device)
    return F.cross_entropy(logits, target)


def ntxent_masked(z, t):
    u = F.normalize(z, dim=1)
    similarity = u @ u.t() / t
    eye = torch.eye(u.shape[0], dtype=torch.bool, device=z.device)
    return F.cross_entropy(similarity.masked_fill(eye, float("-inf")), partners(u.shape[0], z.device))


FORMULATIONS = {"paper": ntxent_paper, "masked": ntxent_masked}


def self_check(device):
    """Both formulations give the same loss and gradient (float64, small input with a zero row)."""
    g = torch.Generator().manual_seed(3)
    z = torch.randn(10, 7, generator=g, dtype=torch.float64)
    z[9] = 0
    results = []
    for f in FORMULATIONS.values():
        leaf = z.clone().to(device).requires_grad_(True)
        loss = f(leaf, 0.2)
        loss.backward()
        results.append((loss.item(), leaf.grad.cpu()))
    (l0, g0), (l1, g1) = results
    gdiff = (g0 - g1).abs().max().item() / g1.abs().max().item()
    if abs(l0 - l1) > 1e-12 * abs(l1) or gdiff > 1e-12:
        raise SystemExit(f"formulations disagree: loss {l0} vs {l1}, gradient relative {gdiff:.3g}")
    print(f"self-check: formulations agree in float64 (loss {l1:.12f}, gradient max relative {gdiff:.2g})")


def available_gb(device):
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return free / 2**30
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20
    return float("inf")


def time_calls(f, z, t, device, warmup, reps):
    """(median device ms, min device ms, median host ms) of forward + backward."""
    def call():
        z.grad = None
        f(z, t).backward()

    for _ in range(warmup):
        call()
    device_ms, host_ms = [], []
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        for _ in range(reps):
            start = torch.cuda.Event(enable_timing=True)
            end = torch.cuda.Event(enable_timing=True)
            h0 = time.perf_counter()
            start.record()
            call()
            end.record()
            torch.cuda.synchronize(device)
            host_ms.append((time.perf_counter() - h0) * 1e3)
            device_ms.append(start.elapsed_time(end))
    else:
        for _ in range(reps):
            h0 = time.perf_counter()
            call()
            host_ms.append((time.perf_counter() - h0) * 1e3)
        device_ms = host_ms
    return statistics.median(device_ms), min(device_ms), statistics.median(host_ms)


def engine_figures(path, device_type, log=None):
    """{"2NxD": ms} of the fused path on device_type ("cpu" or "cuda"): the JMH score (host time) from a
    json result of NtXentBenchmark, replaced on the GPU by the device-time median of its "ntxent-device"
    lines when the JMH console output is given as log (device time against device time)."""
    figures = {}
    if path:
        with open(path) as f:
            for entry in json.load(f):
                params = entry.get("params", {})
                case = params.get("benchCase", "")
                if case.startswith("fused:") and params.get("device", "cpu") == device_type:
                    figures[case.split(":", 1)[1]] = entry["primaryMetric"]["score"]
    if log and device_type == "cuda":
        pattern = re.compile(r"ntxent-device fused:(\d+x\d+): device median ([0-9.]+) ms")
        with open(log) as f:
            for line in f:
                m = pattern.search(line)
                if m:
                    figures[m.group(1)] = float(m.group(2))
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--sizes", default="512x128,4096x128,16384x128,65536x128,512x2048")
    parser.add_argument("--temperature", type=float, default=0.5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--max-gb", type=float, default=None)
    parser.add_argument("--jmh-json", default=None)
    parser.add_argument("--jmh-log", default=None, help="JMH console output of a -p device=cuda run")
    args = parser.parse_args()

    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    torch.set_num_threads(args.threads)
    budget = args.max_gb if args.max_gb is not None else 0.6 * available_gb(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {args.threads} threads"
    timer = "CUDA events (device time)" if device.type == "cuda" else "time.perf_counter"
    print(f"torch {torch.__version__}, {name}, float32, t={args.temperature}, {timer}, "
          f"median of {args.reps} after {args.warmup} warm-up calls, budget {budget:.1f} GB")
    self_check(device)
    engine = engine_figures(args.jmh_json, device.type, args.jmh_log)

    header = f"{'2N x D':>12} {'formulation':>11} {'ms median':>10} {'ms min':>9} {'host ms':>9}"
    print(header)
    for size in args.sizes.split(","):
        rows, d = (int(x) for x in size.split("x"))
        g = torch.Generator().manual_seed(7)
        z = torch.randn(rows, d, generator=g).to(device).requires_grad_(True)
        medians = {}
        for label, f in FORMULATIONS.items():
            need = BUFFERS[label] * rows * rows * 4 / 2**30
            if need > budget:
                print(f"{size:>12} {label:>11}   skipped: needs about {need:.0f} GB, budget {budget:.1f} GB")
                continue
            try:
                med, low, host = time_calls(f, z, args.temperature, device, args.warmup, args.reps)
            except RuntimeError as e:   # out of memory on either device
                print(f"{size:>12} {label:>11}   failed: {str(e).splitlines()[0][:80]}")
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            medians[label] = med
            print(f"{size:>12} {label:>11} {med:10.3f} {low:9.3f} {host:9.3f}")
        if len(medians) == 2:
            print(f"{size:>12} ratio paper / masked: {medians['paper'] / medians['masked']:.2f}")
        if size in engine and medians:
            best = min(medians.values())
            print(f"{size:>12} engine fused {engine[size]:.3f} ms: {best / engine[size]:.2f}x faster than the "
                  f"faster PyTorch formulation")
        del z
        LABEL_CACHE.clear()
        if device.type == "cuda":
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
