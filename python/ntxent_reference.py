"""NT-Xent loss and gradient in PyTorch for every projection matrix in a safetensors file.

  ntxent_reference.py IN.safetensors OUT.safetensors T1 [T2 ...]

For each tensor `z.<tag>` (2N, D) in IN and each temperature T, writes `loss.<tag>.<T>` (scalar) and
`grad.<tag>.<T>` (2N, D) to OUT. The loss is SimCLR's, written independently of the engine:
normalise rows, cosine similarity / T, mask the diagonal to -inf, cross-entropy to the partner view.
Computed in float64 from the float32 inputs, then stored as float64.
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_torch  # noqa: E402


def nt_xent(z, temperature):
    z = F.normalize(z, dim=1)
    sim = z @ z.t() / temperature
    sim = sim.masked_fill(torch.eye(z.shape[0], dtype=torch.bool), float("-inf"))
    n = z.shape[0] // 2
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def main():
    source, target, temperatures = sys.argv[1], sys.argv[2], [float(t) for t in sys.argv[3:]]
    out = {}
    for name, z in safetensors_torch.load(source).items():
        tag = name[len("z."):]
        for t in temperatures:
            leaf = z.to(torch.float64).requires_grad_(True)
            loss = nt_xent(leaf, t)
            loss.backward()
            out[f"loss.{tag}.{t}"] = loss.detach()
            out[f"grad.{tag}.{t}"] = leaf.grad
    safetensors_torch.save(out, target)


if __name__ == "__main__":
    main()
