"""PyTorch peer of ResNetStepBenchmark: one ResNet-18 training step (CIFAR stem, 10 classes, batch 32,
32x32, forward + cross-entropy + backward + SGD momentum 0.9) on the CPU, timed over repeated steps.

  resnet18_step_torch.py [--threads N] [--warmup W] [--steps S] [--batch B]

Prints one line: `torch <version> threads N: <images/s> images/s (median step <ms> ms)`.
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--batch", type=int, default=32)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = torchvision.models.resnet18(num_classes=10)
    model.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
    model.maxpool = nn.Identity()
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(args.batch, 3, 32, 32)
    y = torch.randint(0, 10, (args.batch,))
    times = []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        opt.zero_grad(set_to_none=False)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"torch {torch.__version__} threads {args.threads}: {args.batch / median:.1f} images/s "
          f"(median step {median * 1000:.1f} ms over {args.steps} steps)")


if __name__ == "__main__":
    main()
