// ONNX files through onnx-proto (protobufjs code generated from onnx.proto): a graph round-trips
// value for value and byte for byte, python3-onnx reads the int64s we write, onnxruntime runs
// the result, and a cut file fails with the exact offset.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import ort from 'onnxruntime-node';
import { onnxCheckerAvailable } from '../../src/export/checker.js';
import { GraphBuilder } from '../../src/export/onnx/graph-builder.js';
import {
  DataType,
  decodeModel,
  encodeGraph,
  encodeModel,
  graphProto,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  type OnnxGraph,
} from '../../src/export/onnx/model-proto.js';
import { parseOnnx } from '../../src/export/read.js';

const dir = mkdtempSync(join(tmpdir(), 'heimdall-onnx-proto-'));
const header = { irVersion: ONNX_IR_VERSION, opsetVersion: ONNX_OPSET, producerName: 'heimdall', producerVersion: '9.8.7' };

/** Every attribute kind Heimdall writes, int64s beyond 32 bits and negative, a symbolic dimension. */
function sampleGraph(): OnnxGraph {
  const g = new GraphBuilder();
  const w = g.floats('w', [1.5, -2, 0.25, 1e-8, 3, 4], [2, 3]);
  const shape = g.int64s('shape', [0, -1, 2 ** 40]);
  g.op('Custom', ['x', w, shape], 'y', {
    i: -3,
    big: 2 ** 40,
    f: 0.25,
    s: 'σ-east µ',
    ints: [-1, 0, 2 ** 33],
    fl: { floats: [1.5, -2] },
  });
  return g.graph('sample', [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 3] }], [{ name: 'y', elemType: DataType.FLOAT }]);
}

test('a graph and its metadata round-trip through onnx-proto, value for value and byte for byte', () => {
  const graph = sampleGraph();
  const metadata = { 'heimdall.model_version': '3', empty: '', 'σ key': 'ρ value' };
  const bytes = encodeModel({ ...header, metadata }, encodeGraph(graph));
  const m = decodeModel(bytes);
  assert.deepEqual({ ...m, graphBytes: undefined }, { ...header, metadata, graph, graphBytes: undefined });
  assert.deepEqual(m.graph.nodes[0]?.attributes, {
    i: -3,
    big: 2 ** 40,
    f: 0.25,
    s: 'σ-east µ',
    ints: [-1, 0, 2 ** 33],
    fl: { floats: [1.5, -2] },
  });
  // Re-encoding the decoded model reproduces the file; the spliced graph is what protobufjs writes inline.
  assert.deepEqual(encodeModel({ ...m }, encodeGraph(m.graph)), bytes);
  const { onnx } = onnxProto;
  const inline = onnx.ModelProto.encode({
    irVersion: header.irVersion,
    producerName: header.producerName,
    producerVersion: header.producerVersion,
    graph: graphProto(graph),
    opsetImport: [{ domain: '', version: header.opsetVersion }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  }).finish();
  assert.deepEqual(bytes, inline);
});

test('python3-onnx reads the int64s, floats, strings and metadata we write', { skip: !onnxCheckerAvailable() }, () => {
  const path = join(dir, 'sample.onnx');
  writeFileSync(path, encodeModel({ ...header, metadata: { k: 'v' } }, encodeGraph(sampleGraph())));
  const script = `
import json, onnx, sys
from onnx import helper, numpy_helper
m = onnx.load(sys.argv[1])
g = m.graph
print(json.dumps({
  "ir": m.ir_version, "opset": [(o.domain, o.version) for o in m.opset_import],
  "meta": {p.key: p.value for p in m.metadata_props},
  "attrs": {a.name: helper.get_attribute_value(a) if a.type != onnx.AttributeProto.STRING else a.s.decode() for a in g.node[0].attribute},
  "inits": {t.name: [list(t.dims), numpy_helper.to_array(t).flatten().tolist()] for t in g.initializer},
  "input": [[d.dim_param or d.dim_value for d in g.input[0].type.tensor_type.shape.dim]],
}))`;
  const r = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const read = JSON.parse(r.stdout);
  assert.equal(read.ir, 8);
  assert.deepEqual(read.opset, [['', 17]]);
  assert.deepEqual(read.meta, { k: 'v' });
  assert.deepEqual(read.attrs, { i: -3, big: 2 ** 40, f: 0.25, s: 'σ-east µ', ints: [-1, 0, 2 ** 33], fl: [1.5, -2] });
  assert.deepEqual(read.inits.shape, [[3], [0, -1, 2 ** 40]]);
  assert.deepEqual(read.inits.w[0], [2, 3]);
  assert.deepEqual(read.input, [['N', 3]]);
});

test('onnxruntime runs a graph encoded by onnx-proto', async () => {
  const g = new GraphBuilder();
  const r = g.op('Reshape', ['x', g.int64s('shape', [0, 2, -1])], 'r');
  const t = g.op('Transpose', [r], 't', { perm: [0, 2, 1] });
  const y = g.rename(g.op('LeakyRelu', [t], 'leaky', { alpha: 0.25 }), 'y');
  const graph = g.graph(
    'tiny',
    [{ name: 'x', elemType: DataType.FLOAT, shape: ['N', 6] }],
    [{ name: y, elemType: DataType.FLOAT, shape: ['N', 3, 2] }],
  );
  const bytes = encodeModel({ ...header, metadata: {} }, encodeGraph(graph));
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, -2, 3, -4, 5, -6]), [1, 6]) });
  assert.deepEqual(out.y?.dims, [1, 3, 2]);
  assert.deepEqual([...(out.y?.data as Float32Array)], [1, -1, -0.5, 5, 3, -1.5]);
  await session.release();
});

test('a truncated file names the byte where it ends and the field that runs past it', () => {
  const graph = encodeGraph(sampleGraph());
  const bytes = encodeModel({ ...header, metadata: {} }, graph);
  // ir_version (2 bytes), producer_name (10), producer_version (7), then the graph's tag and 2-byte length.
  const at = 2 + 10 + 7;
  assert.equal(graph.byteLength > 127 && graph.byteLength < 16384, true);
  const cut = at + 3 + 40;
  assert.throws(
    () => parseOnnx(bytes.subarray(0, cut), 'cut.onnx'),
    new Error(
      `cut.onnx: truncated at byte ${cut} (field 7 at byte ${at} declares ${graph.byteLength} bytes but only 40 remain); re-export or re-download it`,
    ),
  );
  assert.throws(
    () => parseOnnx(bytes.subarray(0, 1), 'one.onnx'),
    new Error('one.onnx: truncated at byte 1 (field 1 at byte 0 runs past the end); re-export or re-download it'),
  );
});
