// Import layering, enforced in `npm test` (npm run lint:layers). See ../shared/DESIGN.md, "Layers":
//   base      src/util, src/math                       shared maths and helpers, below everything
//   core      geo rf signal sim engine model train eval locate   pure computation: no network, no database
//   adapters  store track export predict jobs report   one interface each, embedded | server
//   pipeline  src/pipeline                             the steps composed once
//   faces     cli api worker                           never import each other
// A lower layer never imports a higher one.
const CORE = '^src/(geo|rf|signal|sim|engine|model|train|eval|locate)/';
const ADAPTERS = 'store|track|export|predict|jobs|report';
const FACE_NAMES = ['cli', 'api', 'worker'];
const FACES = FACE_NAMES.join('|');

module.exports = {
  forbidden: [
    {
      name: 'base-imports-nothing-above',
      comment: 'src/util and src/math are below every other part of Heimdall.',
      severity: 'error',
      from: { path: '^src/(util|math)/' },
      to: { path: '^src/', pathNot: '^src/(util|math)/' },
    },
    {
      name: 'core-imports-no-adapter-pipeline-or-face',
      comment: 'Core computation never touches a database, a store, a tracker, a pipeline or a face.',
      severity: 'error',
      from: { path: CORE },
      to: { path: `^src/(${ADAPTERS}|pipeline|${FACES})/` },
    },
    {
      name: 'eval-takes-arrays',
      comment: 'src/eval computes metrics and baselines from arrays; running a model over a split is pipeline work.',
      severity: 'error',
      from: { path: '^src/eval/' },
      to: { path: '^src/(engine|model|train|sim)/' },
    },
    {
      name: 'locate-is-classical',
      comment: 'src/locate holds the non-learning estimators: physics and geometry, never a network or the simulator.',
      severity: 'error',
      from: { path: '^src/locate/' },
      to: { path: '^src/(engine|model|train|sim)/' },
    },
    {
      name: 'engine-is-below-the-models',
      comment: 'The engine knows tensors and modules, not what they are used for.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(geo|signal|sim|model|train|eval|locate)/' },
    },
    {
      name: 'sim-knows-no-learning',
      comment: 'The simulator makes data; it does not know models or their evaluation.',
      severity: 'error',
      from: { path: '^src/sim/' },
      to: { path: '^src/(engine|model|train|eval)/' },
    },
    {
      name: 'adapters-import-no-pipeline-or-face',
      severity: 'error',
      from: { path: `^src/(${ADAPTERS})/` },
      to: { path: `^src/(pipeline|${FACES})/` },
    },
    {
      name: 'pipeline-imports-no-face',
      severity: 'error',
      from: { path: '^src/pipeline/' },
      to: { path: `^src/(${FACES})/` },
    },
    // A face never imports another face (cli-, api-, worker-imports-no-other-face).
    ...FACE_NAMES.map((face) => ({
      name: `${face}-imports-no-other-face`,
      severity: 'error',
      from: { path: `^src/${face}/` },
      to: { path: `^src/(${FACE_NAMES.filter((f) => f !== face).join('|')})/` },
    })),
    {
      name: 'src-never-imports-tests-or-benchmarks',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|native/build)/' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
