// The training configuration: defaults are quickstart's, every offending field is named, files
// are JSON or YAML, and --set overrides dotted fields with JSON-typed values.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { quickstartDefaults } from '../../src/pipeline/quickstart-defaults.js';
import { applySets, readConfigFile, resolveTrainConfig } from '../../src/pipeline/train-config.js';

test("an empty configuration resolves to quickstart's defaults", () => {
  const c = resolveTrainConfig({});
  assert.deepEqual(c.model.widths, quickstartDefaults.widths);
  assert.equal(c.optimizer.lr, quickstartDefaults.lr);
  assert.equal(c.optimizer.batchSize, quickstartDefaults.batchSize);
  assert.equal(c.trainer.maxEpochs, quickstartDefaults.maxEpochs);
  assert.equal(c.trainer.patience, quickstartDefaults.patience);
  assert.equal(c.trainer.seed, quickstartDefaults.seed);
  assert.equal(c.model.prior, 'auto');
  assert.deepEqual(c.features, {});
});

test('every offending field is named, with where the configuration came from', () => {
  assert.throws(
    () =>
      resolveTrainConfig(
        { optimizer: { lr: -1, momentum: 0.9 }, model: { widths: [4, 8] }, trainer: { maxEpochs: 1.5 }, features: { nFft: 300 } },
        'cfg.yaml',
      ),
    (err: Error) => {
      for (const field of ['optimizer.lr', 'momentum', 'model.widths', 'trainer.maxEpochs', 'features.nFft'])
        assert.ok(err.message.includes(field), `${field} not named in: ${err.message}`);
      assert.match(err.message, /cfg\.yaml/);
      return true;
    },
  );
  assert.throws(() => resolveTrainConfig({ optimiser: {} }), /optimiser/);
});

test('config files are JSON or YAML; an unreadable or malformed one is refused by name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heimdall-train-config-'));
  writeFileSync(join(dir, 'a.yaml'), 'optimizer:\n  lr: 0.001\nmodel:\n  widths: [8, 16, 32, 64]\n');
  writeFileSync(join(dir, 'b.json'), '{"trainer": {"maxEpochs": 5}}');
  writeFileSync(join(dir, 'bad.json'), '{"trainer": ');
  writeFileSync(join(dir, 'list.yaml'), '- 1\n- 2\n');
  const a = resolveTrainConfig(readConfigFile(join(dir, 'a.yaml')));
  assert.deepEqual([a.optimizer.lr, a.model.widths], [0.001, [8, 16, 32, 64]]);
  assert.equal(resolveTrainConfig(readConfigFile(join(dir, 'b.json'))).trainer.maxEpochs, 5);
  assert.throws(() => readConfigFile(join(dir, 'bad.json')), /bad\.json: not valid JSON/);
  assert.throws(() => readConfigFile(join(dir, 'list.yaml')), /list\.yaml: the config must be an object/);
  assert.throws(() => readConfigFile(join(dir, 'missing.json')), /missing\.json: cannot read the config file/);
});

test('--set overrides dotted fields: numbers, arrays and strings, after the file', () => {
  const base = { optimizer: { lr: 0.01 } };
  const out = applySets(base, ['optimizer.lr=0.001', 'model.widths=[8,16,32,64]', 'model.prior=none', 'trainer.seed=7']);
  assert.deepEqual(out, { optimizer: { lr: 0.001 }, model: { widths: [8, 16, 32, 64], prior: 'none' }, trainer: { seed: 7 } });
  assert.deepEqual(base, { optimizer: { lr: 0.01 } }); // the input is not modified
  assert.throws(() => applySets({}, ['lr']), /--set lr: expected key=value/);
  assert.throws(() => applySets({}, ['__proto__.x=1']), /expected key=value/);
  assert.throws(() => applySets({ optimizer: 3 }, ['optimizer.lr=1']), /'optimizer' is not a section/);
  assert.throws(() => resolveTrainConfig(applySets({}, ['optimizer.lr=fast'])), /optimizer\.lr/);
});
