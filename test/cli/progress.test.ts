import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createProgress } from '../../src/cli/progress.js';

/** A stand-in for process.stderr that records every write. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; writes: string[] } {
  const writes: string[] = [];
  const stream = {
    isTTY,
    write(chunk: string): boolean {
      writes.push(chunk);
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe('createProgress on a pipe (not a TTY)', () => {
  test('one line per 10 % step for 1..200 updates, with done/total and a percentage', () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgress('simulate', stream);
    for (let done = 1; done <= 200; done++) p.update(done, 200);
    p.finish();
    // The first update opens the 0 % decile; then one line at each of 10 %, 20 %, …, 100 %.
    assert.equal(writes.length, 11);
    const line = /^simulate: (\d+)\/200 \((\d+)%\), \d+s elapsed, ETA (\d+s|\d+m\d\ds|--)\n$/;
    for (const w of writes) assert.match(w, line);
    const parsed = writes.map((w) => {
      const m = line.exec(w);
      return [Number(m?.[1]), Number(m?.[2])];
    });
    assert.deepEqual(
      parsed.map(([done]) => done),
      [1, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200],
    );
    assert.deepEqual(
      parsed.slice(1).map(([, pct]) => pct),
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
    );
    assert.ok((parsed[0]?.[1] as number) <= 1, 'the first line is at about 0 %');
    assert.ok(writes.every((w) => !w.includes('\r')));
  });

  test('the number of lines for other totals', () => {
    // total → lines when done runs 1..total: one per distinct decile reached.
    for (const [total, lines] of [
      [1, 1], // only 100 %
      [5, 5], // 20, 40, 60, 80, 100 %
      [7, 7], // 14, 28, 42, 57, 71, 85, 100 %
      [10, 10], // 10 … 100 %
      [37, 11], // 0 … 100 %
      [1000, 11],
    ] as const) {
      const { stream, writes } = fakeStream(false);
      const p = createProgress('x', stream);
      for (let done = 1; done <= total; done++) p.update(done, total);
      assert.equal(writes.length, lines, `total ${total}`);
      assert.match(writes.at(-1) as string, new RegExp(`^x: ${total}/${total} \\(100%\\)`));
    }
  });

  test('finish() writes nothing on a pipe', () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgress('x', stream);
    p.update(3, 3);
    p.finish();
    assert.equal(writes.length, 1);
  });
});

describe('createProgress with a controlled clock', () => {
  let now = 0;
  beforeEach(() => {
    now = 0;
    mock.method(performance, 'now', () => now);
  });
  afterEach(() => {
    mock.restoreAll();
  });

  test('times round to whole seconds before splitting into minutes (119.6 s is 2m00s)', () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgress('sim', stream);
    now = 119_600;
    p.update(10, 10);
    assert.deepEqual(writes, ['sim: 10/10 (100%), 2m00s elapsed, ETA 0s\n']);
  });

  test('pipe: elapsed time and ETA (linear extrapolation), "--" before any progress', () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgress('sim', stream);
    p.update(0, 200);
    now = 30_000;
    p.update(50, 200); // 30 s for 50 → 90 s for the remaining 150
    now = 40_000;
    p.update(100, 200); // 40 s for 100 → 40 s more
    now = 45_000;
    p.update(101, 200); // same decile: no line
    now = 60_000;
    p.update(200, 200);
    assert.deepEqual(writes, [
      'sim: 0/200 (0%), 0s elapsed, ETA --\n',
      'sim: 50/200 (25%), 30s elapsed, ETA 1m30s\n',
      'sim: 100/200 (50%), 40s elapsed, ETA 40s\n',
      'sim: 200/200 (100%), 1m00s elapsed, ETA 0s\n',
    ]);
  });
});

// The terminal bar is cli-progress: it moves to column 1 (ESC[1G), draws, and clears the rest of
// the line (ESC[0K), so a shorter redraw leaves no stale characters; its clock is Date and setTimeout.
describe('createProgress on a TTY (cli-progress bar)', () => {
  const CLEAR_RIGHT = '\x1b[0K';
  const drawn = (writes: string[]) => writes.filter((w) => w.startsWith('sim ['));

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  });
  afterEach(() => {
    mock.timers.reset();
  });

  test('label, a 30-cell bar, done/total and the ETA from the recent rate; at most 10 redraws a second', () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgress('sim', stream);
    p.update(0, 200);
    mock.timers.tick(1000);
    p.update(50, 200); // 50 in 1 s → 150 more in 3 s; 30·50/200 = 7.5 → 8 cells
    mock.timers.tick(20);
    p.update(51, 200); // 20 ms after the last draw: not drawn now
    mock.timers.tick(10);
    p.update(200, 200);
    p.finish(); // the final state is always drawn
    assert.deepEqual(drawn(writes), [
      `sim [${'.'.repeat(30)}] 0/200 ETA --`,
      `sim [${'#'.repeat(8)}${'.'.repeat(22)}] 50/200 ETA 3s`,
      `sim [${'#'.repeat(30)}] 200/200 ETA 0s`,
    ]);
    for (const bar of drawn(writes)) {
      const after = writes[writes.indexOf(bar) + 1];
      assert.equal(after, CLEAR_RIGHT, 'every draw clears the rest of the line');
    }
    assert.equal(writes.at(-1), '\n');
  });

  test('the redraw timer redraws a skipped update, and finish() stops it (the process can exit)', () => {
    const { stream, writes } = fakeStream(true);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const p = createProgress('sim', stream);
    p.update(0, 10);
    mock.timers.tick(10);
    p.update(4, 10); // too soon to draw now …
    mock.timers.tick(100); // … drawn by the timer; cli-progress rounds the ETA (15 ms) up to whole seconds
    assert.equal(drawn(writes).at(-1), `sim [${'#'.repeat(12)}${'.'.repeat(18)}] 4/10 ETA 1s`);
    p.finish();
    assert.equal(timers(), before);
    const count = writes.length;
    mock.timers.tick(1000);
    assert.equal(writes.length, count, 'nothing is drawn after finish()');
  });

  test('finish() before any update writes nothing', () => {
    const { stream, writes } = fakeStream(true);
    createProgress('sim', stream).finish();
    assert.deepEqual(writes, []);
  });
});
