// `heimdall locate`: classical localization of recorded transmissions, without a trained model
// (received-power maximum likelihood, posterior mean, TDOA, power-weighted centroid, strongest
// receiver). Only argument handling and output here; the work is pipeline/locate-recordings.ts.
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { LocateResult } from '../../pipeline/locate-recordings.js';
import { positiveNumber } from '../parse.js';

const METHODS = ['rss-ml', 'posterior-mean', 'tdoa', 'centroid', 'strongest'] as const;

interface LocateCliOptions {
  method: string;
  receivers?: string;
  json?: boolean;
  geojson?: boolean;
  exponent: number;
  fitExponent?: boolean;
  sigmaDb: number;
  txHeight: number;
  txPower: [number, number];
  region?: { south: number; west: number; north: number; east: number };
}

function powerRange(v: string): [number, number] {
  const m = /^(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(v);
  if (m === null || Number(m[1]) > Number(m[2]))
    throw new InvalidArgumentError(`--tx-power expects MIN,MAX in dBm with MIN <= MAX (e.g. 0,60), got '${v}'`);
  return [Number(m[1]), Number(m[2])];
}

function regionBox(v: string): { south: number; west: number; north: number; east: number } {
  const parts = v.split(',').map(Number);
  const [south, west, north, east] = parts as [number, number, number, number];
  if (
    parts.length !== 4 ||
    !parts.every(Number.isFinite) ||
    !(south < north && west < east) ||
    Math.abs(south) > 90 ||
    Math.abs(north) > 90
  )
    throw new InvalidArgumentError(
      `--region expects SOUTH,WEST,NORTH,EAST in degrees with south < north and west < east, got '${v}'`,
    );
  return { south, west, north, east };
}

const text = (r: LocateResult) =>
  `${r.label}: ${r.method} ${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}  CEP50 ${Math.round(r.cep50M)} m, 1σ ellipse ${Math.round(r.ellipse.semiMajorM)} × ${Math.round(r.ellipse.semiMinorM)} m at ${r.ellipse.orientationDeg.toFixed(0)}°, receivers used ${r.receivers.filter((x) => x.used).length}/${r.receivers.length}`;

export function registerLocate(program: Command): void {
  program
    .command('locate')
    .description(
      'localize recorded transmissions with a classical method (no trained model): RSS maximum likelihood, posterior mean, TDOA, power-weighted centroid or strongest receiver',
    )
    .argument(
      '<recordings...>',
      'SigMF collections, recording files (SigMF, .npy, KiwiSDR IQ WAV) or folders of transmission sets',
    )
    .requiredOption('--method <name>', `one of ${METHODS.join(', ')}`)
    .option(
      '--receivers <file>',
      'receiver positions by id (network JSON, or a GeoJSON FeatureCollection of Points with properties.id); they win over positions in the recordings',
    )
    .option(
      '--json',
      'print JSON (an object, or an array for several transmission sets): lat, lon, ellipse, CEP50, receiver and pair diagnostics',
    )
    .option('--geojson', 'print a GeoJSON FeatureCollection: the estimates, their 2σ ellipses and the receivers')
    .option(
      '--exponent <n>',
      'path-loss exponent beyond 1 km (free space below) for rss-ml and posterior-mean',
      positiveNumber('--exponent'),
      3,
    )
    .option('--fit-exponent', 'rss-ml: estimate the path-loss exponent too (needs 4 heard receivers)')
    .option(
      '--sigma-db <dB>',
      'σ of one received-power measurement around the path-loss model (shadowing, calibration, fading)',
      positiveNumber('--sigma-db'),
      6,
    )
    .option('--tx-height <m>', 'transmitter antenna height (m)', positiveNumber('--tx-height'), 5)
    .addOption(
      new Option('--tx-power <min,max>', 'transmit power range (dBm) the estimators consider')
        .argParser(powerRange)
        .default([-10, 70], '-10,70'),
    )
    .option(
      '--region <s,w,n,e>',
      'search region (degrees); default the receivers’ box widened by half its size on each side',
      regionBox,
    )
    .action(async (paths: string[], opts: LocateCliOptions) => {
      if (!(METHODS as readonly string[]).includes(opts.method))
        throw new Error(`heimdall locate: --method must be one of ${METHODS.join(', ')}, got '${opts.method}'`);
      if (opts.json && opts.geojson) throw new Error('heimdall locate: give --json or --geojson, not both');
      const { discoverRecordingSets } = await import('../../signal/formats/recording-sets.js');
      const { loadNetworkFile } = await import('../../sim/network-file.js');
      const { locateGeoJson, locateRecordingSet } = await import('../../pipeline/locate-recordings.js');
      const network = opts.receivers ? loadNetworkFile(opts.receivers) : undefined;
      const found = discoverRecordingSets(paths);
      const failed: { label: string; error: string }[] = found.skipped.map((s) => ({ label: s.path, error: s.reason }));
      for (const w of found.warnings) console.error(`heimdall locate: warning: ${w}`);
      const results: LocateResult[] = [];
      for (const s of found.sets) {
        try {
          results.push(
            locateRecordingSet(s.load(), {
              method: opts.method as (typeof METHODS)[number],
              ...(network ? { network } : {}),
              exponent: opts.exponent,
              fitExponent: opts.fitExponent ?? false,
              sigmaDb: opts.sigmaDb,
              txHeightM: opts.txHeight,
              txPowerDbm: opts.txPower,
              ...(opts.region ? { region: opts.region } : {}),
            }),
          );
        } catch (err) {
          failed.push({ label: s.label, error: (err as Error).message });
        }
      }
      for (const f of failed)
        console.error(`heimdall locate: skipped ${f.error.startsWith(f.label) ? f.error : `${f.label}: ${f.error}`}`);
      if (opts.json) process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
      else if (opts.geojson) process.stdout.write(`${JSON.stringify(locateGeoJson(results), null, 2)}\n`);
      else for (const r of results) console.log(text(r));
      if (failed.length > 0 || results.length === 0) {
        if (results.length === 0 && failed.length === 0) console.error('heimdall locate: no recordings found');
        process.exitCode = 1;
      }
    });
}
