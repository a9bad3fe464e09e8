"""Reference for bench/features: the same per-transmission features in NumPy/SciPy.

7 receivers × 12,500 complex samples: 32 frames of a 512-point periodic Hann STFT
(hop 386, no padding), |X|² scaling, a 128-band two-sided Slaney mel filterbank (dense matrix
product), dB with a floor, and the per-receiver scalars (mean power, median-floor SNR, offset).
Prints {"transmissions_per_s": ..., "cpu_transmissions_per_s": ...} (wall clock and process CPU time).
Usage: python3 numpy_reference.py --transmissions 200. bench/features/run.ts runs it with
OMP_NUM_THREADS = OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1: one thread, like Heimdall's main thread
(np.fft is single-threaded; the mel matrix product would otherwise use every core through BLAS).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
from scipy import signal

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "fixtures"))
from mel_reference import librosa_mel  # noqa: E402

FS, N, NFFT, FRAMES, BANDS = 12500.0, 12500, 512, 32, 128
HOP = (N - NFFT) // (FRAMES - 1)


def two_sided_matrix():
    half = librosa_mel(FS, NFFT, BANDS // 2, 0.0, FS / 2)
    m = np.zeros((BANDS, NFFT))
    for i in range(BANDS // 2):
        for k in range(NFFT // 2 + 1):
            w = half[i, k]
            if w == 0:
                continue
            if k < NFFT // 2:
                m[BANDS // 2 + i, k] = w
            if k > 0:
                m[BANDS // 2 - 1 - i, NFFT - k] = w
    return m


def features(x, mel, win, scale):
    frames = np.lib.stride_tricks.sliding_window_view(x, NFFT)[::HOP][:FRAMES]
    p = np.abs(np.fft.fft(frames * win, axis=1)) ** 2 * scale  # [frames, nfft]
    mel_db = np.maximum(-160.0, 10 * np.log10(np.maximum(mel @ p.T, 1e-300)))
    avg = p.mean(axis=0)
    floor = np.median(avg)
    total = avg.sum()
    snr = 10 * np.log10(max(total - floor * NFFT, 0) + 1e-30) - 10 * np.log10(floor * NFFT + 1e-30)
    freqs = np.fft.fftfreq(NFFT, 1 / FS)
    excess = np.maximum(0, avg - floor)
    offset = (excess * freqs).sum() / max(excess.sum(), 1e-30)
    return mel_db.astype(np.float32), (10 * np.log10(np.mean(np.abs(x) ** 2)), snr, offset)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--transmissions", type=int, default=200)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    data = [(rng.standard_normal(N) + 1j * rng.standard_normal(N)).astype(np.complex64) for _ in range(7)]
    mel = two_sided_matrix()
    win = signal.get_window("hann", NFFT)  # periodic Hann, as in Heimdall
    scale = 1 / (NFFT * np.sum(win**2))
    for x in data:
        features(x, mel, win, scale)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.transmissions):
        for x in data:
            features(x, mel, win, scale)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps({"transmissions_per_s": a.transmissions / dt, "cpu_transmissions_per_s": a.transmissions / dc}))


if __name__ == "__main__":
    main()
