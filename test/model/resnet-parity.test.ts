// Cross-checks the engine's ResNet-18 against PyTorch on the same weights and input: forward in
// eval and train mode, a gradient, and the batch-norm running statistics. Needs Debian's
// python3-torch; skipped (with the reason) where it is not installed, but FAILS instead in CI
// (CI or HEIMDALL_REQUIRE_TORCH=1): it is the engine's only external numerical reference.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { noGrad } from '../../src/engine/autograd.js';
import { randn } from '../../src/engine/creation.js';
import { manualSeed, setNumThreads } from '../../src/engine/runtime.js';
import { loadSafetensors, saveSafetensors } from '../../src/engine/safetensors.js';
import { tidy } from '../../src/engine/scope.js';
import type { Tensor } from '../../src/engine/tensor.js';
import { ResNet18 } from '../../src/model/resnet.js';
import { probeTorchReference, referencePython } from '../engine/torch-reference.js';
import { assertClose } from '../helpers.js';

setNumThreads(1);
const python = referencePython;
const script = join(dirname(fileURLToPath(import.meta.url)), '../../../bench/engine/torch_parity.py');
const skip = probeTorchReference('torch, numpy');

test('ResNet-18 forward, gradient and running stats match PyTorch on the same weights', { skip }, () =>
  tidy(() => {
    manualSeed(21);
    const widths: [number, number, number, number] = [8, 16, 16, 32];
    const net = new ResNet18({ inChannels: 3, widths, outFeatures: 4 });
    const x = randn([4, 3, 64, 32]);
    const dir = mkdtempSync(join(tmpdir(), 'heimdall-parity-'));
    const input = join(dir, 'in.safetensors');
    const output = join(dir, 'out.safetensors');
    saveSafetensors(
      input,
      new Map([...[...net.stateDict()].map(([k, v]) => [`model.${k}`, v] as [string, Tensor]), ['input', x]]),
    );

    net.eval();
    const evalOut = noGrad(() => net.forward(x)).toFloat32Array();
    net.train();
    const trainOut = net.forward(x);
    trainOut.pow(2).sum().backward();

    const r = spawnSync(python, [script, input, output, '3', widths.join(','), '4'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = loadSafetensors(output).tensors;
    const get = (k: string) => (ref.get(k) as Tensor).toFloat32Array();
    assertClose(evalOut, get('eval_out'), 1e-4, 1e-4, 'eval-mode output');
    assertClose(trainOut.toFloat32Array(), get('train_out'), 1e-4, 1e-4, 'train-mode output');
    assertClose((net.conv1.weight.grad as Tensor).toFloat32Array(), get('grad_conv1'), 1e-3, 1e-3, 'conv1 gradient');
    assertClose(net.bn1.runningMean.toFloat32Array(), get('running_mean_bn1'), 1e-6, 1e-5, 'bn1 running mean');
    for (const t of ref.values()) t.dispose();
    net.dispose();
  }),
);
