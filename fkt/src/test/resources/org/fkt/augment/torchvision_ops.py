"""Oracle for the augmentation parity tests: applies torchvision 0.14 functional ops on float tensors.

usage: torchvision_ops.py SPEC.jsonl
Each line of SPEC is a JSON object: op, in (raw float32 little-endian (3, H, W)), h, w, out (written
the same way), and the op's parameters. Runs on the CPU in float32.
"""
import json
import sys

import numpy as np
import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode


def load(path, h, w):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(3, h, w).copy())


def interp(name):
    return InterpolationMode.BILINEAR if name == "bilinear" else InterpolationMode.NEAREST


def run(case, x):
    op = case["op"]
    if op == "resized_crop":
        return F.resized_crop(x, case["top"], case["left"], case["ch"], case["cw"], [case["oh"], case["ow"]],
                              InterpolationMode.BILINEAR, antialias=case["antialias"])
    if op == "resize_center":
        y = F.resize(x, case["size"], InterpolationMode.BILINEAR, antialias=True)
        return F.center_crop(y, [case["size"], case["size"]])
    if op == "hflip":
        return F.hflip(x)
    if op == "vflip":
        return F.vflip(x)
    if op == "brightness":
        return F.adjust_brightness(x, case["factor"])
    if op == "contrast":
        return F.adjust_contrast(x, case["factor"])
    if op == "saturation":
        return F.adjust_saturation(x, case["factor"])
    if op == "hue":
        return F.adjust_hue(x, case["factor"])
    if op == "grayscale":
        return F.rgb_to_grayscale(x, num_output_channels=3)
    if op == "jitter":
        fns = [F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue]
        factors = [case["fb"], case["fc"], case["fs"], case["fh"]]
        for i in case["order"]:
            x = fns[i](x, factors[i])
        return x
    if op == "blur":
        return F.gaussian_blur(x, [case["k"], case["k"]], [case["sigma"], case["sigma"]])
    if op == "normalize":
        return F.normalize(x, case["mean"], case["std"])
    if op == "affine":
        return F.affine(x, case["angle"], [case["tx"], case["ty"]], 1.0, [0.0, 0.0],
                        interpolation=interp(case["interp"]), fill=None)
    if op == "rotate":
        return F.rotate(x, case["angle"], interpolation=interp(case["interp"]))
    if op == "pad_crop":
        p = case["pad"]
        y = F.pad(x, [p, p, p, p], fill=0)
        return F.crop(y, case["top"], case["left"], case["size"], case["size"])
    raise ValueError("unknown op " + op)


def main():
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        for line in f:
            if not line.strip():
                continue
            case = json.loads(line)
            x = load(case["in"], case["h"], case["w"])
            y = run(case, x).contiguous().to(torch.float32)
            y.numpy().astype("<f4").tofile(case["out"])
            print(case["out"], *y.shape)


if __name__ == "__main__":
    main()
