import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { readYaml, writeYaml, type YamlMap } from '../../src/track/yaml.js';
import { parseMetaYaml } from './mlflow-reader.js';

test('writeYaml writes sorted block-style keys and quotes what PyYAML would not read back as a string', () => {
  const text = writeYaml({
    name: 'Default',
    experiment_id: '0',
    artifact_location: 'file:///tmp/x y/mlruns/0',
    creation_time: 1700000000123,
    end_time: null,
    tags: [],
    aliases: {},
    current_stage: 'None',
    flag: 'yes',
    colon: 'a: b',
    empty: '',
    quote: "it's",
    accents: 'Torino–Genova\n',
  });
  assert.equal(
    text,
    [
      'accents: "Torino–Genova\\n"',
      'aliases: {}',
      'artifact_location: file:///tmp/x y/mlruns/0',
      "colon: 'a: b'",
      'creation_time: 1700000000123',
      'current_stage: None',
      "empty: ''",
      'end_time: null',
      "experiment_id: '0'",
      "flag: 'yes'",
      'name: Default',
      "quote: it's",
      'tags: []',
      '',
    ].join('\n'),
  );
  // The independent reader gets the same values back.
  const back = parseMetaYaml(text);
  assert.equal(back.experiment_id, '0');
  assert.equal(back.creation_time, 1700000000123);
  assert.equal(back.flag, 'yes');
  assert.equal(back.quote, "it's");
  assert.equal(back.accents, 'Torino–Genova\n');
  assert.deepEqual(back.tags, []);
  assert.deepEqual(back.aliases, {});
});

test('readYaml reads what MLflow writes: nested alias blocks, lists, continuation lines, legacy integer ids', () => {
  const mlflowWritten = [
    'aliases:',
    "  champion: '2'",
    'creation_timestamp: 1700000000000',
    'description: a long description that PyYAML folded',
    '  onto a second line',
    'experiment_id: 3',
    'ratio: 1.5e-3',
    'flag: true',
    'versions:',
    '- 1',
    '- two',
    "name: 'heimdall-locnet'",
    '',
  ].join('\n');
  const m = readYaml(mlflowWritten);
  assert.deepEqual(m.aliases, { champion: '2' });
  assert.equal(m.description, 'a long description that PyYAML folded onto a second line');
  assert.equal(m.experiment_id, 3);
  assert.equal(m.ratio, 0.0015);
  assert.equal(m.flag, true);
  assert.deepEqual(m.versions, [1, 'two']);
  assert.equal(m.name, 'heimdall-locnet');
  assert.throws(() => readYaml('no colon here', 'runs/1/meta.yaml'), new SyntaxError('runs/1/meta.yaml: not a YAML mapping'));
  assert.throws(() => readYaml("a: 'open"), new SyntaxError("meta.yaml: Missing closing 'quote at line 1, column 9"));
  assert.throws(() => writeYaml({ x: Number.NaN }), new RangeError('yaml: cannot write the number NaN (key x)'));
});

test('writeYaml and readYaml round-trip awkward strings', () => {
  const values = [
    '0',
    '1.5',
    '-3',
    '.inf',
    'null',
    '~',
    'True',
    'on',
    '#x',
    'a #b',
    'x:',
    ' lead',
    'trail ',
    '"q"',
    '- item',
    '[1]',
    'ok/path.v2',
    '1_000',
    '12:30',
    '0o17',
    '2025-01-02',
    '<<',
    '=',
    'tab\there',
    'del\x7f nel\x85 ls\u2028',
    '\ufeffbom',
    'σ-east µ 😀',
    'x'.repeat(200),
  ];
  const map = Object.fromEntries(values.map((v, i) => [`k${i}`, v]));
  assert.deepEqual(readYaml(writeYaml(map)), map);
});

test('PyYAML (what MLflow reads meta.yaml with) reads back every value writeYaml writes', (t) => {
  const python = spawnSync('/usr/bin/python3', ['-c', 'import yaml'], { encoding: 'utf8' });
  if (python.status !== 0) return t.skip('python3-yaml not installed');
  const values = [
    ...['0', '1.5', '.inf', 'null', '~', 'True', 'on', 'y', 'n', '#x', 'a #b', 'x:', ' lead', 'trail ', '"q"', "it's"],
    ...['- item', '[1]', '{a: 1}', '1_000', '12:30', '0o17', '0x1F', '2025-01-02', '2025-01-02 03:04:05', '<<', '=', '!tag'],
    ...['&anchor', '*alias', '%x', '@x', '`x', '|', '>', '?', 'tab\there', 'line\nbreak', 'del\x7f', 'nel\x85', 'ls\u2028'],
    ...['\ufeffbom', 'σ-east µ 😀', '', 'x'.repeat(200), `${'word '.repeat(40)}end`],
  ];
  const map: YamlMap = {
    ...Object.fromEntries(values.map((v, i) => [`k${i}`, v])),
    yes: 'a key that reads as a boolean',
    int: 1700000000123,
    float: 0.125,
    negative: -3,
    flag: true,
    nothing: null,
    tags: [],
    aliases: {},
  };
  const read = spawnSync(
    '/usr/bin/python3',
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'],
    { input: writeYaml(map), encoding: 'utf8' },
  );
  assert.equal(read.status, 0, read.stderr);
  assert.deepEqual(JSON.parse(read.stdout), map);
});
