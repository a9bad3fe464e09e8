"""Reference for bench/simulate: the same per-sample IQ workload vectorized with NumPy.

Per sample and receiver (7 × 12,500 complex samples at 12.5 kHz): a 5-tone FM phase, the
complex carrier with a frequency offset, a Rician fading gain interpolated from knots, and
complex Gaussian noise. No propagation bookkeeping or CRLB (the heimdall side does more work).
Prints one JSON line: {"samples_per_s": ...}. Usage: python3 numpy_reference.py --samples 200
"""
import argparse
import json
import time

import numpy as np


def one_sample(rng, receivers=7, fs=12500.0, n=12500):
    out = []
    for _ in range(receivers):
        t = 0.01 + np.arange(n) / fs - 1e-4
        f = 300 * 10 ** rng.random(5)
        beta = 2500 * (1 / np.sqrt(f)) / np.sum(1 / np.sqrt(f)) / f
        phase = np.sum(beta[:, None] * np.sin(2 * np.pi * f[:, None] * t[None, :] + rng.random(5)[:, None] * 2 * np.pi), axis=0)
        phase += 2 * np.pi * 300.0 * t
        knots_t = np.linspace(t[0], t[-1], 130)
        paths = np.exp(1j * (2 * np.pi * 2.0 * np.cos(rng.random(13)[:, None] * 2 * np.pi) * knots_t[None, :] + rng.random(13)[:, None] * 2 * np.pi))
        g = paths.sum(axis=0) / np.sqrt(13)
        gain = np.interp(t, knots_t, g.real) + 1j * np.interp(t, knots_t, g.imag)
        x = (1e-3 * gain * np.exp(1j * phase)).astype(np.complex64)
        x += (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(np.complex64) * np.float32(1e-4)
        out.append(x)
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=200)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    one_sample(rng)
    t0 = time.perf_counter()
    for _ in range(a.samples):
        one_sample(rng)
    dt = time.perf_counter() - t0
    print(json.dumps({"samples_per_s": a.samples / dt, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
