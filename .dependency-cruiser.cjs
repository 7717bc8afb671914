/**
 * The architecture as data (README, "Architecture"): a folder is a layer, data flows top to
 * bottom, nothing imports upward, no circles. Checked in `npm test` (test/architecture/).
 */
// lowest first: a layer may import the layers before it, never those after it
const LAYERS = ['fixtures', 'helpers/core', 'helpers/targets', 'helpers/cloud', 'helpers/traffic', 'helpers/suite', 'helpers/report', 'helpers/run', 'helpers/grade', 'cli'];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.replace('/', '-')}`,
  comment: `${layer} is below ${LAYERS.slice(i + 1).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: `^(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'an import circle makes two modules one', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    {
      name: 'specs-never-write',
      comment: 'specs speak the check vocabulary; writes happen behind the run context (helpers/suite)',
      severity: 'error',
      from: { path: '^specs/' },
      to: { path: ['^helpers/cloud/(provision|sweep|baseline-stack|clients)', '^@aws-sdk/', '^sim/', '^helpers/run/', '^cli/'] },
    },
    {
      name: 'only-suite-and-run-provision',
      comment: 'provisioning (the only writer) is reached through the run context or the run lifecycle',
      severity: 'error',
      from: { path: '^helpers/', pathNot: '^helpers/(suite|run|cloud)/' },
      to: { path: '^helpers/cloud/(provision|sweep)' },
    },
    {
      name: 'sim-stands-alone',
      comment: 'the simulator is a cloud of its own: it knows nothing of the suite',
      severity: 'error',
      from: { path: '^sim/' },
      to: { path: '^(helpers|specs|cli|fixtures)/' },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      from: { path: '^(helpers|specs|cli|sim|fixtures)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
