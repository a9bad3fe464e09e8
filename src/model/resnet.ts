// A ResNet-18 layout (He et al., 2016; torchvision's resnet18): 7×7/2 stem, 3×3/2 max-pool,
// four stages of two basic blocks, global average pooling, a linear head. Widths and input
// channels are configurable; parameter names match torchvision's so weights read across.

import { globalAvgPool2d } from '../engine/functional.js';
import { kaimingNormalFanOut_ } from '../engine/nn/init.js';
import { BatchNorm2d, Conv2d, Linear, MaxPool2d, Sequential } from '../engine/nn/layers.js';
import { Module } from '../engine/nn/module.js';
import type { Tensor } from '../engine/tensor.js';

export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Sequential | null;

  constructor(inChannels: number, outChannels: number, stride: number) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, outChannels, 3, { stride, padding: 1, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(outChannels));
    this.conv2 = this.registerModule('conv2', new Conv2d(outChannels, outChannels, 3, { padding: 1, bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outChannels));
    this.downsample =
      stride !== 1 || inChannels !== outChannels
        ? this.registerModule(
            'downsample',
            new Sequential(new Conv2d(inChannels, outChannels, 1, { stride, bias: false }), new BatchNorm2d(outChannels)),
          )
        : null;
  }

  forward(x: Tensor): Tensor {
    const out = this.bn2.forward(this.conv2.forward(this.bn1.forward(this.conv1.forward(x)).relu()));
    const identity = this.downsample ? this.downsample.forward(x) : x;
    return out.add(identity).relu();
  }
}

export interface ResNetOptions {
  /** Input channels (one per receiver for LocalizationNet). */
  inChannels: number;
  /** Channel widths of the four stages; torchvision's ResNet-18 is [64, 128, 256, 512]. */
  widths?: [number, number, number, number];
  /** Size of the linear head's output; 0 leaves the pooled features without a head. */
  outFeatures: number;
}

export class ResNet18 extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly maxpool: MaxPool2d;
  readonly stages: Sequential[];
  readonly fc: Linear | null;
  readonly featureSize: number;

  constructor(o: ResNetOptions) {
    super();
    const widths = o.widths ?? [64, 128, 256, 512];
    const stem = widths[0];
    this.conv1 = this.registerModule('conv1', new Conv2d(o.inChannels, stem, 7, { stride: 2, padding: 3, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(stem));
    this.maxpool = this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    let channels = stem;
    this.stages = widths.map((w, i) => {
      const stage = new Sequential(new BasicBlock(channels, w, i === 0 ? 1 : 2), new BasicBlock(w, w, 1));
      channels = w;
      return this.registerModule(`layer${i + 1}`, stage);
    });
    this.featureSize = channels;
    this.fc = o.outFeatures > 0 ? this.registerModule('fc', new Linear(channels, o.outFeatures)) : null;
    // torchvision's initialization: He-normal (fan_out) for convolutions; BN weight 1, bias 0.
    for (const [name, p] of this.namedParameters()) {
      if (p.ndim === 4 && name.endsWith('weight')) kaimingNormalFanOut_(p);
    }
  }

  /** [N, C, H, W] → pooled features [N, featureSize]. */
  features(x: Tensor): Tensor {
    let h = this.maxpool.forward(this.bn1.forward(this.conv1.forward(x)).relu());
    for (const stage of this.stages) h = stage.forward(h);
    return globalAvgPool2d(h);
  }

  forward(x: Tensor): Tensor {
    const f = this.features(x);
    return this.fc ? this.fc.forward(f) : f;
  }
}
