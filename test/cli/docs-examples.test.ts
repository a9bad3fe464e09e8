// The documented `heimdall` examples against the real command tree: every example line of README.md
// and docs/*.md names an existing command and only options that command declares; the cheap ones
// run for real in a temporary folder; and every declared option is documented on the command's page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const main = join(root, 'dist/src/cli/main.js');
const DOCS = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((f) => f.endsWith('.md'));

interface Example {
  where: string; // file:line
  text: string; // from `heimdall` on, e.g. "heimdall dataset show nw [--version 1]"
  fenced: boolean; // in a code block (a command to type), not a mention in the text
}

/** `heimdall …` / `./heimdall …` commands in fenced blocks (with indented continuation lines) and inline code. */
function examplesOf(file: string): Example[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const found: Example[] = [];
  const add = (line: number, command: string, fenced = false) => {
    for (const part of command.split('&&')) {
      const m = /^\s*(?:\.\/)?(heimdall(?:\s.*)?)$/.exec(part.replace(/\s#.*$/, ''));
      if (m) found.push({ where: `${file}:${line + 1}`, text: (m[1] as string).trim(), fenced });
    }
  };
  let fenced = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trimStart().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced) {
      if (!/^\s*(?:bash \S+ && )?\.?\/?heimdall\s/.test(line)) continue;
      let command = line;
      while (/^\s+\[/.test(lines[i + 1] ?? '')) command += ` ${(lines[++i] as string).trim()}`;
      add(i, command, true);
    } else {
      // `heimdall runs list` / `runs show <id>`: a span right after " / " continues the command list.
      let previous = false;
      for (const m of line.matchAll(/(\s\/\s)?`([^`]*)`/g)) {
        const span = m[2] as string;
        const continued: boolean = previous && m[1] !== undefined && !/heimdall\s/.test(span);
        if (continued) add(i, `heimdall ${span}`);
        else if (/(?:^|&&\s*)(?:\.\/)?heimdall\s/.test(span)) add(i, span);
        previous = continued || /^(?:\.\/)?heimdall\s/.test(span);
      }
    }
  }
  return found;
}

const examples = DOCS.flatMap(examplesOf);

/** Words of an example, with optional groups opened: `[--a x | --b y]` keeps the first alternative. */
function words(text: string): string[] {
  const opened = text.replace(/\\\|/g, '|').replace(/\[([^\]]*)\]/g, (_, inner: string) => inner.split(' | ')[0] as string);
  return opened.split(/\s+/).filter((w) => w.length > 0);
}

const program = buildProgram();

function sub(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/** The command an example runs and the options it passes, or the reason it names no command. */
function parseExample(ws: string[]): { path: string[]; cmd: Command; options: string[] } | string {
  let cmd = program;
  const path: string[] = [];
  let i = 1; // ws[0] is "heimdall"
  if (ws[1] === 'help') {
    const target = ws[2];
    if (target !== undefined && !target.startsWith('<') && sub(program, target) === undefined)
      return `help names no command '${target}'`;
    return { path: ['help'], cmd: program, options: [] };
  }
  for (; i < ws.length; i++) {
    const w = ws[i] as string;
    if (w.startsWith('-') || cmd.commands.length === 0) break;
    const next = sub(cmd, w);
    if (next === undefined) return `no command '${[...path, w].join(' ')}'`;
    cmd = next;
    path.push(w);
  }
  if (cmd.commands.length > 0 && !ws.slice(i).some((w) => w === '--help' || w === '--version'))
    return `'${['heimdall', ...path].join(' ')}' needs a subcommand (${cmd.commands.map((c) => c.name()).join(', ')})`;
  const options = ws
    .slice(i)
    .filter((w) => /^--[a-z]/.test(w))
    .map((w) => w.split('=')[0] as string);
  return { path, cmd, options };
}

const declared = (cmd: Command) => new Set(['--help', ...cmd.options.map((o) => o.long).filter((l) => l !== undefined)]);

test('the docs have heimdall examples to check (the extraction works)', () => {
  const texts = examples.map((e) => e.text);
  assert.ok(examples.length >= 25, `${examples.length} examples`);
  for (const expected of [
    'heimdall --version',
    'heimdall simulate --preset nw-italy-2m --samples 1000 --seed 1 --out data/nw-italy',
    'heimdall dataset show nw [--version 1]',
    'heimdall runs list',
    'heimdall models promote <name> <version> --alias champion',
    'heimdall quickstart',
  ])
    assert.ok(texts.includes(expected), `missing: ${expected}`);
  assert.ok(
    texts.some((t) => t.startsWith('heimdall quickstart [--preset') && t.includes('[--home DIR]')),
    "TRAINING.md's continuation lines belong to its quickstart example",
  );
});

test('every documented example names an existing command and only options that command declares', () => {
  const problems: string[] = [];
  for (const e of examples) {
    const parsed = parseExample(words(e.text));
    if (typeof parsed === 'string') {
      problems.push(`${e.where}: ${e.text}: ${parsed}`);
      continue;
    }
    const known = declared(parsed.cmd);
    for (const o of parsed.options) {
      if (!known.has(o)) problems.push(`${e.where}: ${e.text}: '${['heimdall', ...parsed.path].join(' ')}' has no option ${o}`);
    }
  }
  assert.deepEqual(problems, []);
});

/** Every command that does something (a leaf), with its path. */
function leaves(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return cmd.commands.flatMap((c) =>
    c.commands.length > 0 ? leaves(c, [...path, c.name()]) : [{ path: [...path, c.name()], cmd: c }],
  );
}

// Where each command is documented besides README.md's command table.
const PAGES: Record<string, string> = {
  demo: 'README.md',
  inspect: 'docs/FEATURES.md',
  quickstart: 'docs/TRAINING.md',
  train: 'docs/TRAINING.md',
  'jobs submit': 'docs/TRAINING.md',
  'jobs list': 'docs/TRAINING.md',
  'jobs show': 'docs/TRAINING.md',
  'jobs cancel': 'docs/TRAINING.md',
  worker: 'docs/TRAINING.md',
  serve: 'docs/API.md',
  'tokens create': 'docs/API.md',
  'tokens list': 'docs/API.md',
  'tokens revoke': 'docs/API.md',
  simulate: 'docs/SIMULATOR.md',
  import: 'docs/STORE.md',
  'dataset create': 'docs/STORE.md',
  'dataset show': 'docs/STORE.md',
  'runs list': 'docs/TRACKING.md',
  'runs show': 'docs/TRACKING.md',
  'models list': 'docs/TRACKING.md',
  'models promote': 'docs/TRACKING.md',
  predict: 'docs/EXPORT.md',
  evaluate: 'docs/EVALUATION.md',
  locate: 'docs/LOCATE.md',
  check: 'docs/RELIABILITY.md',
};

test("every command is in README's table and every option it declares is on its page", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const problems: string[] = [];
  for (const { path, cmd } of leaves(program)) {
    const name = path.join(' ');
    const page = PAGES[name];
    if (page === undefined) {
      problems.push(`${name}: no documentation page listed in this test`);
      continue;
    }
    const top = path[0] as string;
    const rows = readme.split('\n').filter((l) => l.startsWith('| `heimdall '));
    const cell = (row: string) => row.split(' | ')[0] as string;
    if (!rows.some((r) => cell(r).includes(`\`heimdall ${top}`) || cell(r).includes(`\`${top} `)))
      problems.push(`${name}: not in README's command table`);
    const text = readFileSync(join(root, page), 'utf8');
    if (!text.includes(`heimdall ${name}`)) problems.push(`${name}: ${page} has no \`heimdall ${name}\``);
    for (const o of cmd.options) {
      if (o.long !== undefined && !text.includes(o.long)) problems.push(`${name}: option ${o.long} is not in ${page}`);
    }
  }
  assert.deepEqual(problems, []);
});

// Commands cheap enough to run for real (no training, no model), from code blocks (a mention in the
// text such as `heimdall import` is a name, not a command line) and the README's --help/--version:
// they run in a temporary folder with a temporary HEIMDALL_HOME, simulations capped to a few transmissions.
const RUNNABLE = new Set(['', 'help', 'simulate', 'import', 'inspect', 'dataset create', 'dataset show']);
const PLACEHOLDER = /<|\.\.\.|^[A-Z][A-Z_]*$/;

test('the cheap documented examples run and succeed (simulations capped to 6 transmissions)', () => {
  const work = mkdtempSync(join(tmpdir(), 'heimdall-docs-'));
  const { DATABASE_URL: _ignored, ...baseEnv } = process.env;
  const env = { ...baseEnv, HEIMDALL_HOME: join(work, 'home'), HEIMDALL_THREADS: '1' };
  const run = (args: string[]) => spawnSync(process.execPath, [main, ...args], { cwd: work, encoding: 'utf8', env });
  // `heimdall import data/recordings` needs recordings there.
  mkdirSync(join(work, 'data'));
  const fixture = run([
    'simulate',
    '--preset',
    'kiwisdr-hf-tdoa',
    '--samples',
    '1',
    '--out',
    'data/recordings',
    '--workers',
    '0',
  ]);
  assert.equal(fixture.status, 0, fixture.stderr);
  const ran: string[] = [];
  for (const e of examples) {
    const ws = words(e.text);
    const parsed = parseExample(ws);
    if (typeof parsed === 'string' || !RUNNABLE.has(parsed.path.join(' '))) continue;
    if (!e.fenced && parsed.path.length > 0) continue;
    const args = ws.slice(1);
    if (args.some((w) => PLACEHOLDER.test(w))) continue;
    if (parsed.path[0] === 'simulate') {
      const n = args.indexOf('--samples');
      if (n >= 0) args[n + 1] = String(Math.min(6, Number(args[n + 1])));
      else args.push('--samples', '6');
      if (!args.includes('--workers')) args.push('--workers', '0');
    }
    const r = run(args);
    assert.equal(r.status, 0, `${e.where}: heimdall ${args.join(' ')}\n${r.stderr}`);
    ran.push(`heimdall ${args.join(' ')}`);
    if (parsed.path.join(' ') === 'dataset show') assert.equal(JSON.parse(r.stdout).name, args[2]);
  }
  for (const expected of ['heimdall --version', 'heimdall import data/recordings', 'heimdall dataset show nw --version 1'])
    assert.ok(ran.includes(expected), `${expected} ran (ran: ${ran.join('; ')})`);
});
