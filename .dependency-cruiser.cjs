/**
 * The layering of DESIGN §6, enforced in CI (`npm run lint:deps`):
 *   cli, web → runtime → checkpoint → graph → api → state → metrics → core
 * (metrics sits low: operators and user functions register metrics through the api.)
 * Connectors and CEP use api, state and core, never runtime. A folder is entered only through its
 * index.ts (files inside a folder may import each other freely).
 */
const layers = ['core', 'metrics', 'state', 'api', 'graph', 'checkpoint', 'runtime'];
const forbidden = [];

// Each layer may import only layers below it.
layers.forEach((layer, i) => {
  const above = layers.slice(i + 1);
  if (above.length)
    forbidden.push({
      name: `${layer}-imports-upward`,
      comment: `${layer} may import only ${layers.slice(0, i).join(', ') || 'nothing'}`,
      severity: 'error',
      from: { path: `^src/${layer}/` },
      to: { path: `^src/(${above.join('|')}|cli|web|connectors|cep|testing)/` },
    });
});
forbidden.push(
  {
    name: 'connectors-and-cep-not-runtime',
    comment: 'connectors and CEP build on api/state/core only',
    severity: 'error',
    from: { path: '^src/(connectors|cep)/' },
    to: { path: '^src/(runtime|graph|checkpoint|cli|web)/' },
  },
  {
    name: 'testing-not-runtime',
    comment: 'the testing kit runs operators in-process through the api only',
    severity: 'error',
    from: { path: '^src/testing/' },
    to: { path: '^src/(runtime|cli|web)/' },
  },
  {
    name: 'enter-folders-through-index',
    comment: 'import another folder only through its index.ts',
    severity: 'error',
    from: { path: '^src/([^/]+)/' },
    to: { path: '^src/(?!connectors/)([^/]+)/(?!index\\.ts$).+', pathNot: ['^src/$1/'] },
  },
  {
    name: 'enter-connectors-through-index',
    comment: 'import a connector only through its index.ts',
    severity: 'error',
    from: { path: '^src/(connectors/[^/]+|[^/]+)/' },
    to: { path: '^src/connectors/[^/]+/(?!index\\.ts$).+', pathNot: ['^src/$1/'] },
  },
);

module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: 'worker-entry\\.mjs$' },
  },
};
