"""Safetensors checkpoints for PyTorch in pure Python (struct, json and torch only).

The engine's Java side (org.fkt.nn.io.Safetensors) reads and writes the same files, so checkpoints move
between the two; the `safetensors` package is not needed. API:

    save(tensors, path, metadata=None)   dict of name -> torch.Tensor (any device/strides), atomically
    load(path) -> dict                   name -> CPU torch.Tensor, in header order
    load_metadata(path) -> dict          the "__metadata__" strings ({} when absent)

Choices: tensors are written sorted by name, header and data alike, with no padding between tensors, and
metadata keys sorted; the JSON is compact and UTF-8, padded with spaces to a multiple of 8 bytes. This is
byte for byte what the Java writer produces (the reference writer orders by dtype alignment first; any order
is valid). Loading validates sizes and that the tensors tile the data block, like the reference. Only
little-endian hosts are supported (the file's byte order is copied as is).

Run as a script it provides the commands the Java interop tests use (see `_main`).
"""

import json
import os
import struct
import sys

import torch

__all__ = ["save", "load", "load_metadata"]

_DTYPES = {
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8,
    "U8": torch.uint8, "BOOL": torch.bool,
}
_CODES = {dtype: code for code, dtype in _DTYPES.items()}
_METADATA = "__metadata__"
_MAX_HEADER = 100_000_000


def save(tensors, path, metadata=None):
    """Writes `tensors` (and string `metadata`) to `path`; a temporary file is moved over it when complete."""
    _require_little_endian()
    header = {}
    if metadata:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise TypeError(f"{path}: metadata must map str to str, got {key!r}: {value!r}")
        header[_METADATA] = {key: metadata[key] for key in sorted(metadata)}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        if name == _METADATA or not isinstance(name, str):
            raise ValueError(f"{path}: {name!r} cannot name a tensor")
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{path}: tensor {name!r} is a {type(t).__name__}, not a torch.Tensor")
        t = t.detach().to("cpu").contiguous()
        if t.dtype not in _CODES:
            raise ValueError(f"{path}: unsupported dtype {t.dtype} for tensor {name!r} "
                             f"(supported: {', '.join(_DTYPES)})")
        size = t.numel() * t.element_size()
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + size]}
        blobs.append(t)
        offset += size
    raw = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(8).hex()}.tmp")
    try:
        with open(temp, "xb") as f:
            f.write(struct.pack("<Q", len(raw)))
            f.write(raw)
            for t in blobs:
                f.write(_to_bytes(t))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def load(path):
    """Reads every tensor of `path` as a new CPU tensor, in header order."""
    _require_little_endian()
    header, data = _read(path, with_data=True)
    tensors = {}
    for name, info in header.items():
        if name == _METADATA:
            continue
        dtype, shape, begin, end = info
        if begin == end:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            raw = torch.frombuffer(data, dtype=torch.uint8, count=end - begin, offset=begin).clone()
            tensors[name] = raw.view(dtype).reshape(shape)
    return tensors


def load_metadata(path):
    """The "__metadata__" of `path` as a dict of strings; {} when it has none."""
    header, _ = _read(path, with_data=False)
    return dict(header.get(_METADATA, {}))


def _to_bytes(t):
    """The raw bytes of a contiguous CPU tensor, copied without numpy."""
    out = bytearray(t.numel() * t.element_size())
    if out:
        torch.frombuffer(out, dtype=torch.uint8).copy_(t.reshape(-1).view(torch.uint8))
    return out


def _read(path, with_data):
    """Parses and validates the header; returns ({name: (dtype, shape, begin, end)} plus metadata, data)."""
    def fail(problem):
        raise ValueError(f"{path}: {problem}")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            fail("malformed header JSON: duplicate key")
        return dict(pairs)

    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 8:
            fail(f"truncated: {size} bytes, fewer than the 8 of the header length")
        (n,) = struct.unpack("<Q", f.read(8))
        if n > _MAX_HEADER:
            fail(f"header length {n} is absurdly large (limit {_MAX_HEADER})")
        if n > size - 8:
            fail(f"truncated: header length {n} goes beyond the end of the file ({size} bytes)")
        try:
            raw = json.loads(f.read(n).decode("utf-8"), object_pairs_hook=no_duplicates)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            fail(f"malformed header JSON: {e}")
        data = bytearray(size - 8 - n) if with_data else None
        if with_data and f.readinto(data) != len(data):
            fail("truncated while reading the data block")
    if not isinstance(raw, dict):
        fail("malformed header: not a JSON object")
    header = {}
    spans = []
    for name, info in raw.items():
        if name == _METADATA:
            if not isinstance(info, dict) or not all(isinstance(v, str) for v in info.values()):
                fail("__metadata__ must map strings to strings")
            header[name] = info
            continue
        try:
            code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            fail(f"malformed header entry for tensor {name!r}: {info!r}")
        if code not in _DTYPES:
            fail(f"unsupported dtype {code} for tensor {name!r} (supported: {', '.join(_DTYPES)})")
        if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
            fail(f"tensor {name!r} has an invalid shape {shape}")
        dtype = _DTYPES[code]
        numel = 1
        for d in shape:
            numel *= d
        nbytes = numel * torch.empty((), dtype=dtype).element_size()
        if not (type(begin) is int and type(end) is int and 0 <= begin <= end and end - begin == nbytes):
            fail(f"tensor {name!r} has data_offsets {[begin, end]} but needs {nbytes} bytes")
        header[name] = (dtype, shape, begin, end)
        spans.append((begin, end, name))
    at = 0
    for begin, end, name in sorted(spans):
        if begin != at:
            fail(f"tensor {name!r} at {[begin, end]} overlaps or leaves a hole (expected offset {at})")
        at = end
    if at != size - 8 - n:
        fail(f"the data block has {size - 8 - n} bytes but the tensors cover {at}")
    return header, data


def _require_little_endian():
    if sys.byteorder != "little":
        raise RuntimeError("safetensors_torch supports little-endian hosts only")


# ---- command line, for the Java interop tests ------------------------------------------------------------
#
#   sample OUT SEED            writes tensors with torchvision-style names; prints their values
#   verify FILE EXPECTED [RESAVED]
#                              checks FILE against EXPECTED (the same line format), prints the metadata as
#                              one JSON line, and re-saves FILE's contents to RESAVED; exits 1 on mismatch
#   resnet18 OUT               saves torchvision's resnet18().state_dict(); prints name, dtype, shape,
#                              first element and float64 sum of each tensor
#
# Value lines are tab-separated: "tensor", name, dtype code, comma-separated shape, space-separated values
# (floats as Python's repr, which round-trips exactly).

def _value_line(name, t):
    shape = ",".join(str(d) for d in t.shape)
    values = " ".join(repr(v) for v in t.reshape(-1).tolist())
    return f"tensor\t{name}\t{_CODES[t.dtype]}\t{shape}\t{values}"


def _sample(out, seed):
    g = torch.Generator().manual_seed(seed)
    tensors = {
        "layer1.0.conv1.weight": torch.randn(4, 3, 3, 3, generator=g),
        "layer1.0.bn1.running_var": torch.rand(4, generator=g, dtype=torch.float64) + 0.5,
        "bn1.num_batches_tracked": torch.tensor(int(torch.randint(0, 10**6, (1,), generator=g))),
        "fc.weight": torch.randn(5, 3, generator=g).t(),  # non-contiguous on purpose
        "fc.bias": torch.randn(3, generator=g, dtype=torch.float64),
        "labels": torch.randint(-2**62, 2**62, (6,), generator=g),
        "empty": torch.zeros(0, 4),
        "indices": torch.randint(-2**31, 2**31 - 1, (2, 3), generator=g, dtype=torch.int32),
    }
    save(tensors, out, {"format": "pt", "seed": str(seed)})
    print("meta\t" + json.dumps(load_metadata(out), ensure_ascii=True))
    for name, t in tensors.items():
        print(_value_line(name, t))


def _parse_expected(path):
    expected = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            kind, name, code, shape, values = line.rstrip("\n").split("\t")
            dims = [int(d) for d in shape.split(",")] if shape else []
            parse = float if code.startswith("F") else int
            expected[name] = (code, dims, [parse(v) for v in values.split(" ")] if values else [])
    return expected


def _verify(path, expected_path, resaved):
    tensors = load(path)
    expected = _parse_expected(expected_path)
    problems = []
    if list(tensors) != sorted(expected):
        problems.append(f"names {list(tensors)} != sorted expected {sorted(expected)}")
    for name, (code, dims, values) in expected.items():
        t = tensors.get(name)
        if t is None:
            problems.append(f"{name}: missing")
        elif _CODES[t.dtype] != code or list(t.shape) != dims:
            problems.append(f"{name}: {_CODES[t.dtype]} {list(t.shape)}, expected {code} {dims}")
        elif t.reshape(-1).tolist() != values:
            problems.append(f"{name}: values differ")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    metadata = load_metadata(path)
    print(json.dumps(metadata, ensure_ascii=True))
    if resaved:
        save(tensors, resaved, metadata)


def _resnet18(out):
    import torchvision
    torch.manual_seed(0)
    state = torchvision.models.resnet18().state_dict()
    for i, name in enumerate(n for n in state if n.endswith("num_batches_tracked")):
        state[name].fill_(1000 + i)
    save(state, out, {"format": "pt", "model": "resnet18"})
    for name, t in state.items():
        first = t.reshape(-1)[0].item()
        print(f"{name}\t{_CODES[t.dtype]}\t{','.join(str(d) for d in t.shape)}\t{first!r}\t{t.double().sum().item()!r}")


def _main(argv):
    commands = {"sample": (_sample, [str, int]), "verify": (_verify, [str, str, str]), "resnet18": (_resnet18, [str])}
    if not argv or argv[0] not in commands:
        sys.exit(f"usage: safetensors_torch.py {{{'|'.join(commands)}}} ARGS...")
    fn, types = commands[argv[0]]
    args = argv[1:]
    if argv[0] == "verify" and len(args) == 2:
        args.append("")
    if len(args) != len(types):
        sys.exit(f"{argv[0]}: expected {len(types)} arguments, got {len(args)}")
    fn(*(t(a) for t, a in zip(types, args)))


if __name__ == "__main__":
    _main(sys.argv[1:])
