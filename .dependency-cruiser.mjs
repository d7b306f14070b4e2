/**
 * The layers of src/, checked on every `npm run lint` (docs/architecture.md explains them).
 *
 * `layers` is the one place the allowed direction is written down: a folder may import its own layer
 * and every layer before it in this list, never one after it. The last group are peers at the top:
 * the CLI, the HTTP server and the benchmarks all stand on `app`.
 */
const layers = [
  ['core'], // errors, clock, ids, the domain model (core/model)
  ['config'], // schema, loader, partitions, product catalogue
  ['cloud'], // ports, and the aws/ and sim/ adapters
  ['listing'], // the pure listing model, validation, change sets, planning, load-form/
  ['store'], // SQLite / PostgreSQL persistence
  ['intake'], // fedora-messaging envelope, schemas, policy, AMQP
  ['pipeline'], // stages, runner, scheduler
  ['manage'], // plan / apply / cleanup
  ['app'], // the use cases
  ['cli', 'web', 'bench'], // entry points
];

const folder = (names) => `^src/(${names.join('|')})/`;

const upward = layers.slice(0, -1).map((group, index) => ({
  name: `no-upward-from-${group.join('-')}`,
  comment: `${group.join(', ')} may not import a layer above it: ${layers
    .slice(index + 1)
    .flat()
    .join(', ')}`,
  severity: 'error',
  from: { path: folder(group) },
  to: { path: folder(layers.slice(index + 1).flat()) },
}));

export default {
  forbidden: [
    ...upward,
    {
      name: 'entry-points-are-peers',
      comment: 'web and bench stand on app, never on the CLI (the CLI may start the web server)',
      severity: 'error',
      from: { path: '^src/(web|bench)/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'cli-goes-through-app',
      comment:
        'a command parses, calls app and prints: it reaches the store, the pipeline, intake, plan/apply and ' +
        'the cloud adapters through src/app (type-only imports are fine)',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: {
        path: '^src/(store|pipeline|intake|manage|cloud/aws|cloud/sim)/',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'no-circular',
      comment: 'modules that import each other cannot be understood (or tested) one at a time',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
