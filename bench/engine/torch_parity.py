"""Numeric cross-check of the engine against PyTorch (used by test/model/resnet-parity.test.ts).

Reads a safetensors file written by the engine (model weights under "model.", the input under
"input"), parses it with numpy alone (an independent safetensors reader), loads the weights into
the PyTorch ResNet-18 of torch_resnet18.py, and writes back, as safetensors:
  eval_out   forward in eval mode
  train_out  forward in train mode (batch statistics)
  grad_conv1 d(sum(train_out^2))/d(conv1.weight)
  running_mean_bn1  bn1.running_mean after the train-mode forward
Usage: python3 torch_parity.py IN.safetensors OUT.safetensors CHANNELS W1,W2,W3,W4 OUT_FEATURES
"""
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_resnet18 import ResNet18  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "U8": np.uint8}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).copy()
    return out


def write_safetensors(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        b = arr.tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def main():
    src, dst, channels, widths, out_features = sys.argv[1:6]
    torch.set_num_threads(1)
    tensors = read_safetensors(src)
    model = ResNet18(int(channels), [int(w) for w in widths.split(",")], int(out_features))
    state = {k[len("model."):]: torch.from_numpy(v) for k, v in tensors.items() if k.startswith("model.")}
    model.load_state_dict(state, strict=True)
    x = torch.from_numpy(tensors["input"])
    model.eval()
    with torch.no_grad():
        eval_out = model(x)
    model.train()
    train_out = model(x)
    (train_out ** 2).sum().backward()
    write_safetensors(dst, {
        "eval_out": eval_out.numpy(),
        "train_out": train_out.detach().numpy(),
        "grad_conv1": model.conv1.weight.grad.numpy(),
        "running_mean_bn1": model.bn1.running_mean.numpy(),
    })


if __name__ == "__main__":
    main()
