"""PyTorch reference for bench/inference: the engine's LocalizationNet, with the engine's weights, in PyTorch.

Every shape comes from the caller (bench/inference/torch-reference.ts takes them from the code: receivers,
SCALAR_COUNT, mel bands, frames, widths, hidden width) and the weights are the engine's own state dict
(safetensors, parsed with numpy), loaded strictly: a shape or name that differs is an error, not a
silently different network. The forward includes the exported graph's post-processing (metres, σ floor
and scale, ρ), so outputs compare one to one with onnxruntime's.

Variants, each run under torch.inference_mode():
  fp32_eager   eager, batch norm folded into the convolutions (torch.nn.utils.fusion.fuse_conv_bn_eval)
  fp32_frozen  TorchScript: torch.jit.freeze(torch.jit.script(model)) of the folded model
  fp32_optimized  torch.jit.optimize_for_inference(torch.jit.script(model)): frozen, convolutions
               moved to oneDNN (MKLDNN) layouts — PyTorch's own CPU inference path
  int8         post-training static quantization of the ResNet trunk (convolutions, adds, ReLUs, max-pool:
               what the int8 ONNX export quantizes; the MLP and heads stay fp32), FX graph mode
               (torch.ao.quantization.quantize_fx), calibrated on the caller's calibration batch.
               Backend: fbgemm when this build has it, else onednn (PyTorch's other x86 int8 backend);
               the reason is printed in "int8_note".

Reads --inputs (safetensors: {one,big,verify,calibration}_{mel,scalars,mask}); writes --outputs (safetensors:
<variant>_positions, <variant>_uncertainties for the verify batch) and prints one JSON line with timings
(batch-1 median/p90/min of --runs calls after 20 warm-up, batch-32 samples/s over --batches calls).
"""
import argparse
import copy
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine"))
from torch_parity import read_safetensors, write_safetensors  # noqa: E402
from torch_resnet18 import BasicBlock  # noqa: E402


class Trunk(nn.Module):
    """ResNet-18 without its head (src/model/resnet.ts with outFeatures 0): pooled features."""

    def __init__(self, cin, widths):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, c = [], widths[0]
        for i, w in enumerate(widths):
            layers.append(nn.Sequential(BasicBlock(c, w, 1 if i == 0 else 2), BasicBlock(w, w, 1)))
            c = w
        self.layer1, self.layer2, self.layer3, self.layer4 = layers

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))


class LocalizationNet(nn.Module):
    """src/model/localization-net.ts plus the exported graph's post-processing (src/export/localization-graph.ts)."""

    def __init__(self, a):
        super().__init__()
        r = a.receivers
        self.trunk = Trunk(r, a.widths)
        self.scalar_mlp1 = nn.Linear(r * (a.scalars + 3), a.hidden)
        self.scalar_mlp2 = nn.Linear(a.hidden, a.hidden)
        self.fuse = nn.Linear(a.widths[3] + a.hidden, a.hidden)
        self.head = nn.Linear(a.hidden, 2 + a.uncertainty_outputs)
        self.register_buffer("receiver_positions", torch.zeros(r, 2))
        self.scale_m = float(a.scale_m)
        self.sigma_floor = float(a.sigma_floor)
        self.sigma_scale = float(a.sigma_scale)
        self.rho_scale = float(a.rho_scale)
        self.diagonal = a.uncertainty_outputs == 2

    def forward(self, mel, scalars, mask):
        b, r = mask.shape[0], mask.shape[1]
        m = mask.to(torch.float32)
        image = self.trunk(mel * m.view(b, r, 1, 1))
        pos = self.receiver_positions.unsqueeze(0).expand(b, r, 2) * m.view(b, r, 1)
        per = torch.cat([scalars * m.view(b, r, 1), pos, m.view(b, r, 1)], 2).reshape(b, -1)
        fused = torch.relu(self.scalar_mlp2(torch.relu(self.scalar_mlp1(per))))
        out = self.head(torch.relu(self.fuse(torch.cat([image, fused], 1))))
        sigma = (F.softplus(out[:, 2:4]) + self.sigma_floor) * (self.scale_m * self.sigma_scale)
        if self.diagonal:
            rho = sigma[:, 0:1] * 0.0
        else:
            rho = torch.tanh(out[:, 4:5]) * self.rho_scale
        return out[:, 0:2] * self.scale_m, torch.cat([sigma, rho], 1)


def load_engine_weights(model, path):
    """The engine's state dict, strictly: every name and shape must match the network built from the arguments."""
    state = {k: torch.from_numpy(v) for k, v in read_safetensors(path).items()}
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise SystemExit(f"torch_localization: weights {path} do not fit the network: missing {missing}, unexpected {unexpected}")
    for k, v in state.items():
        if tuple(own[k].shape) != tuple(v.shape):
            raise SystemExit(f"torch_localization: weight '{k}' has shape {list(v.shape)}, the network expects {list(own[k].shape)}")
    model.load_state_dict(state, strict=True)


def fold_batch_norm(model):
    """Eval-mode copy with every BatchNorm2d folded into the convolution before it (as the ONNX export does)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    m = copy.deepcopy(model).eval()
    t = m.trunk
    t.conv1, t.bn1 = fuse_conv_bn_eval(t.conv1, t.bn1), nn.Identity()
    for stage in (t.layer1, t.layer2, t.layer3, t.layer4):
        for blk in stage:
            blk.conv1, blk.bn1 = fuse_conv_bn_eval(blk.conv1, blk.bn1), nn.Identity()
            blk.conv2, blk.bn2 = fuse_conv_bn_eval(blk.conv2, blk.bn2), nn.Identity()
            if blk.downsample is not None:
                blk.downsample = nn.Sequential(fuse_conv_bn_eval(blk.downsample[0], blk.downsample[1]))
    return m


def int8_backend():
    """fbgemm if this build supports it, else onednn; returns (engine, note)."""
    engines = torch.backends.quantized.supported_engines
    try:
        torch.backends.quantized.engine = "fbgemm"
        return "fbgemm", "fbgemm"
    except RuntimeError as e:
        reason = str(e).strip().splitlines()[0]
    if "onednn" in engines:
        torch.backends.quantized.engine = "onednn"
        return "onednn", (
            f"fbgemm unavailable in torch {torch.__version__} ({reason}; this build's quantized engines: {engines}); "
            "used onednn, PyTorch's other x86 int8 backend"
        )
    raise SystemExit(f"torch_localization: no x86 int8 backend in torch {torch.__version__}: {reason}; engines {engines}")


def quantize_trunk(model, calibration, backend):
    """FX post-training static quantization of the trunk, calibrated on the masked spectrograms it sees."""
    from torch.ao.quantization import get_default_qconfig_mapping
    from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx

    m = copy.deepcopy(model).eval()
    mel, _, mask = calibration
    b, r = mask.shape
    x = mel * mask.to(torch.float32).view(b, r, 1, 1)
    prepared = prepare_fx(m.trunk, get_default_qconfig_mapping(backend), example_inputs=(x[:1],))
    with torch.inference_mode():
        prepared(x)
    m.trunk = convert_fx(prepared)
    return m


def freeze(model, example, optimize=False):
    with torch.inference_mode():
        scripted = torch.jit.script(model.eval())
        frozen = torch.jit.optimize_for_inference(scripted) if optimize else torch.jit.freeze(scripted)
        for _ in range(3):  # TorchScript's profiling executor specializes on the first calls
            frozen(*example)
    return frozen


def measure(model, one, big, runs, batches):
    if runs < 1 or batches < 1:
        return None
    with torch.inference_mode():
        for _ in range(20):
            model(*one)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            model(*one)
            times.append((time.perf_counter() - t0) * 1000)
        for _ in range(3):
            model(*big)
        t0 = time.perf_counter()
        for _ in range(batches):
            model(*big)
        elapsed = time.perf_counter() - t0
    times.sort()
    return {
        "batch1_ms_median": statistics.median(times),
        "batch1_ms_p90": times[int(0.9 * (len(times) - 1))],
        "batch1_ms_min": times[0],
        "batch32_samples_per_s": big[2].shape[0] * batches / elapsed,
    }


def main():
    p = argparse.ArgumentParser()
    for name in ("threads", "receivers", "scalars", "mel-bands", "frames", "hidden", "uncertainty-outputs", "runs", "batches"):
        p.add_argument(f"--{name}", type=int, required=True)
    for name in ("scale-m", "sigma-floor", "sigma-scale", "rho-scale"):
        p.add_argument(f"--{name}", type=float, required=True)
    p.add_argument("--widths", type=lambda s: [int(w) for w in s.split(",")], required=True)
    p.add_argument("--weights", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--outputs", required=True)
    p.add_argument("--variants", default="fp32_eager,fp32_frozen,fp32_optimized,int8")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)

    raw = read_safetensors(a.inputs)

    def batch(name):
        mel, scalars, mask = (torch.from_numpy(raw[f"{name}_{k}"]) for k in ("mel", "scalars", "mask"))
        want = (mask.shape[0], a.receivers, a.mel_bands, a.frames)
        if tuple(mel.shape) != want or tuple(scalars.shape) != (want[0], a.receivers, a.scalars):
            raise SystemExit(f"torch_localization: input '{name}' has mel {list(mel.shape)}, scalars {list(scalars.shape)}; "
                             f"expected {list(want)} and {[want[0], a.receivers, a.scalars]}")
        return mel, scalars, mask

    one, big, verify, calibration = (batch(n) for n in ("one", "big", "verify", "calibration"))
    model = LocalizationNet(a)
    load_engine_weights(model, a.weights)
    model.eval()

    variants = a.variants.split(",")
    built, notes = {}, {}
    folded = fold_batch_norm(model)
    if "fp32_eager" in variants:
        built["fp32_eager"] = folded
    if "fp32_frozen" in variants:
        built["fp32_frozen"] = freeze(folded, one)
    if "fp32_optimized" in variants:
        built["fp32_optimized"] = freeze(folded, one, optimize=True)
    if "int8" in variants:
        backend, notes["int8_backend_note"] = int8_backend()
        notes["int8_backend"] = backend
        built["int8"] = quantize_trunk(model, calibration, backend)

    outputs, timings = {}, {}
    with torch.inference_mode():
        for name, m in built.items():
            pos, unc = m(*verify)
            outputs[f"{name}_positions"] = pos.numpy()
            outputs[f"{name}_uncertainties"] = unc.numpy()
    write_safetensors(a.outputs, outputs)
    for name, m in built.items():
        timings[name] = measure(m, one, big, a.runs, a.batches)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "timings": timings,
        **notes,
    }))


if __name__ == "__main__":
    main()
