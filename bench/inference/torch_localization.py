"""Reference for bench/inference: LocalizationNet inference in PyTorch eager (Debian's python3-torch).

Same architecture as src/model/localization-net.ts (ResNet-18 trunk over the receivers' spectrograms,
scalar MLP over scalars + positions + mask, fused head), eval mode, torch.no_grad(), batch norm not
folded (eager as one would run it). Prints one JSON line:
{"batch1_ms_median": ..., "batch1_ms_p90": ..., "batch1_ms_min": ..., "batch32_samples_per_s": ..., "threads": ...}
Usage: python3 torch_localization.py --threads 2 --receivers 7 --widths 64,128,256,512
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "engine"))
from torch_resnet18 import ResNet18  # noqa: E402


class LocalizationNet(nn.Module):
    def __init__(self, receivers, scalars, widths, hidden=128):
        super().__init__()
        self.trunk = ResNet18(receivers, widths, 1)
        self.scalar_mlp1 = nn.Linear(receivers * (scalars + 3), hidden)
        self.scalar_mlp2 = nn.Linear(hidden, hidden)
        self.fuse = nn.Linear(widths[3] + hidden, hidden)
        self.head = nn.Linear(hidden, 5)
        self.register_buffer("receiver_positions", torch.randn(receivers, 2))

    def features(self, x):
        t = self.trunk
        x = t.maxpool(torch.relu(t.bn1(t.conv1(x))))
        x = t.layer4(t.layer3(t.layer2(t.layer1(x))))
        return x.mean(dim=(2, 3))

    def forward(self, mel, scalars, mask):
        b, r = mask.shape
        image = self.features(mel * mask.view(b, r, 1, 1))
        pos = self.receiver_positions.unsqueeze(0).expand(b, r, 2) * mask.view(b, r, 1)
        per = torch.cat([scalars * mask.view(b, r, 1), pos, mask.view(b, r, 1)], 2).reshape(b, -1)
        fused = torch.relu(self.scalar_mlp2(torch.relu(self.scalar_mlp1(per))))
        out = self.head(torch.relu(self.fuse(torch.cat([image, fused], 1))))
        sigma = torch.nn.functional.softplus(out[:, 2:4]) + 1e-3
        rho = torch.tanh(out[:, 4:5]) * (1 - 1e-3)
        return out[:, :2], torch.cat([sigma, rho], 1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--receivers", type=int, default=7)
    p.add_argument("--scalars", type=int, default=6)
    p.add_argument("--widths", type=str, default="64,128,256,512")
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--batches", type=int, default=20)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    r = a.receivers
    model = LocalizationNet(r, a.scalars, [int(w) for w in a.widths.split(",")]).eval()

    def inputs(n):
        return torch.randn(n, r, 128, 32), torch.randn(n, r, a.scalars), torch.ones(n, r)

    with torch.no_grad():
        one = inputs(1)
        for _ in range(20):
            model(*one)
        times = []
        for _ in range(a.runs):
            t0 = time.perf_counter()
            model(*one)
            times.append((time.perf_counter() - t0) * 1000)
        big = inputs(32)
        for _ in range(3):
            model(*big)
        t0 = time.perf_counter()
        for _ in range(a.batches):
            model(*big)
        elapsed = time.perf_counter() - t0
    times.sort()
    print(json.dumps({
        "batch1_ms_median": statistics.median(times),
        "batch1_ms_p90": times[int(0.9 * len(times))],
        "batch1_ms_min": times[0],
        "batch32_samples_per_s": 32 * a.batches / elapsed,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
