#!/usr/bin/env python3
"""Reads a safetensors file written by tinynet with nothing but the standard library and numpy,
checks every rule of the format, and compares the tensors with the values the C++ writer
recorded (tests/safetensors_writer_main.cpp):

    safetensors_check.py FILE.safetensors EXPECTED.json [--shape NAME=D0,D1,...]...

Each --shape also requires tensor NAME to have exactly that shape (a tinynet model file's
documented shapes, see tests/model_file.cmake).
Exit 0: the file is valid and holds the expected values. Exit 1: it is not (the reason is
printed). Exit 77: numpy is not installed, so nothing was checked (ctest reports "skipped").
If the `safetensors` package happens to be installed, its numpy loader is checked as well.
"""
import json
import struct
import sys

try:
    import numpy as np
except ImportError:
    print("SKIPPED: numpy is not installed for " + sys.executable + "; nothing was checked")
    sys.exit(77)

# dtype name -> numpy little-endian dtype
DTYPES = {
    "BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2", "F16": "<f2",
    "U32": "<u4", "I32": "<i4", "F32": "<f4", "U64": "<u8", "I64": "<i8", "F64": "<f8",
}


def fail(message):
    print("FAILED: " + message)
    sys.exit(1)


def read(path):
    """Returns (metadata, {name: numpy array}) after checking the layout."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        fail(f"{path}: {len(raw)} bytes, shorter than the 8-byte length prefix")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        fail(f"{path}: header length {n} but only {len(raw) - 8} bytes follow")
    if n % 8 != 0:
        fail(f"{path}: header length {n} is not a multiple of 8")
    text = raw[8:8 + n].decode("utf-8")
    if text.rstrip(" ") != text.rstrip():
        fail(f"{path}: header is padded with something other than spaces")
    header = json.loads(text)
    if not isinstance(header, dict):
        fail(f"{path}: header is not a JSON object")
    data = raw[8 + n:]

    metadata = header.pop("__metadata__", {})
    if not all(isinstance(v, str) for v in metadata.values()):
        fail(f"{path}: metadata values must be strings: {metadata}")

    tensors = {}
    position = 0
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"]):
        if set(entry) != {"dtype", "shape", "data_offsets"}:
            fail(f"{name}: unexpected fields {sorted(entry)}")
        dtype = np.dtype(DTYPES[entry["dtype"]])
        shape = entry["shape"]
        begin, end = entry["data_offsets"]
        if begin != position:
            fail(f"{name}: begins at {begin}, previous tensor ends at {position}")
        if begin % dtype.itemsize != 0:
            fail(f"{name}: offset {begin} is not aligned to its element size {dtype.itemsize}")
        count = int(np.prod(shape, dtype=np.int64))
        if end - begin != count * dtype.itemsize:
            fail(f"{name}: {end - begin} bytes for shape {shape} of {entry['dtype']}")
        tensors[name] = np.frombuffer(data, dtype=dtype, count=count, offset=begin).reshape(shape)
        position = end
    if position != len(data):
        fail(f"{path}: tensors end at {position}, data block is {len(data)} bytes")
    return metadata, tensors


def compare(name, array, spec):
    if array.dtype != np.dtype(DTYPES[spec["dtype"]]):
        fail(f"{name}: dtype {array.dtype}, expected {spec['dtype']}")
    if list(array.shape) != spec["shape"]:
        fail(f"{name}: shape {list(array.shape)}, expected {spec['shape']}")
    # The JSON holds every value exactly (a float widened to double, or an integer), so the
    # comparison is exact, in float64 for floating-point tensors.
    wide = np.float64 if array.dtype.kind == "f" else array.dtype
    expected = np.array(spec["values"], dtype=wide)
    if array.size == 0 and expected.size == 0:
        return
    # m[r][c] here is m(r, c) in C++: the JSON lists are rows built from m(r, c).
    if expected.shape != array.shape or not np.array_equal(array.astype(wide), expected):
        fail(f"{name}: values differ\n  read     {array.tolist()}\n  expected {expected.tolist()}")


def main():
    args = sys.argv[1:]
    shapes = {}
    while len(args) > 2 and args[-2] == "--shape":
        name, _, dims = args[-1].partition("=")
        shapes[name] = [int(d) for d in dims.split(",") if d]
        args = args[:-2]
    if len(args) != 2:
        fail("usage: safetensors_check.py FILE.safetensors EXPECTED.json [--shape NAME=D0,D1,...]...")
    path, expected_path = args
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)

    metadata, tensors = read(path)
    if metadata != expected["metadata"]:
        fail(f"metadata {metadata}, expected {expected['metadata']}")
    if sorted(tensors) != sorted(expected["tensors"]):
        fail(f"tensors {sorted(tensors)}, expected {sorted(expected['tensors'])}")
    for name, spec in expected["tensors"].items():
        compare(name, tensors[name], spec)
    for name, shape in shapes.items():
        if name not in tensors:
            fail(f"{name}: no such tensor (expected shape {shape})")
        if list(tensors[name].shape) != shape:
            fail(f"{name}: shape {list(tensors[name].shape)}, documented {shape}")
    print(f"numpy reader: OK, {len(tensors)} tensors and {len(metadata)} metadata keys match"
          + (f", {len(shapes)} documented shapes hold" if shapes else ""))

    try:
        from safetensors.numpy import load_file
    except ImportError:
        print("safetensors package not installed: its loader was not checked")
    else:
        loaded = load_file(path)
        for name, spec in expected["tensors"].items():
            compare(name, loaded[name], spec)
        print("safetensors.numpy.load_file: OK")


if __name__ == "__main__":
    main()
