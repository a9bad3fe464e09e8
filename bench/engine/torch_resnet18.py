"""Reference for bench/engine: the same ResNet-18 training step in PyTorch (Debian's python3-torch).

Layout identical to src/model/resnet.ts (torchvision's resnet18 with configurable input channels
and a linear head). Prints one JSON line: {"samples_per_s": ..., "step_ms": [...], "cpu_ms_per_sample": ..., "threads": ...}.
Usage: python3 torch_resnet18.py --threads 2 --steps 20 --warmup 3 --batch 32 --channels 7
"""
import argparse
import json
import time

import torch
import torch.nn as nn


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = self.downsample(x) if self.downsample is not None else x
        return torch.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, cin, widths, out_features):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers, c = [], widths[0]
        for i, w in enumerate(widths):
            layers.append(nn.Sequential(BasicBlock(c, w, 1 if i == 0 else 2), BasicBlock(w, w, 1)))
            c = w
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.fc = nn.Linear(c, out_features)

    def forward(self, x):
        x = self.maxpool(torch.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.mean(dim=(2, 3)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--channels", type=int, default=7)
    p.add_argument("--height", type=int, default=128)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--widths", type=str, default="64,128,256,512")
    p.add_argument("--out", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ResNet18(a.channels, [int(w) for w in a.widths.split(",")], a.out)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, a.channels, a.height, a.width)
    y = torch.randn(a.batch, a.out)
    times = []
    cpu = 0.0  # process CPU seconds (all threads) over the timed steps: less sensitive to other load than wall time
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        loss.item()
        if i >= a.warmup:
            times.append(time.perf_counter() - t0)
            cpu += time.process_time() - c0
    total = sum(times)
    print(json.dumps({
        "samples_per_s": a.batch * len(times) / total,
        "step_ms": [t * 1000 for t in times],
        "cpu_ms_per_sample": cpu * 1000 / (a.batch * len(times)),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
