// ESLint (flat config): @eslint/js's recommended rules over every JavaScript
// file of the repository, with each file's runtime globals. `npx eslint .`
// runs in scripts/test.sh before the JS suites.
import js from '@eslint/js';
import globals from 'globals';

export default [
  { ignores: ['build/', 'dist/', 'node_modules/', '.hookcast/', '**/*.d.ts'] },
  js.configs.recommended,
  {
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `catch {}` without a binding and `_`-prefixed parameters are deliberate.
      'no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  // Node: the CLI, scripts, benchmarks, tests and the miniflare launcher.
  {
    files: [
      'bin/**',
      'scripts/**',
      'bench/**',
      'tests/**',
      'edge/miniflare.mjs',
      'eslint.config.js',
      'src/js/node.js',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  // Tests and benches that drive Chromium: their page.evaluate() callbacks run in the page.
  {
    files: [
      'tests/js/engine_browser.test.mjs',
      'tests/js/web_*.test.mjs',
      'bench/keystroke_bench.mjs',
      'tests/package/consumer.test.mjs',
    ],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  // Workers (workerd): the edge worker and the test/bench workers.
  {
    files: [
      'edge/src/**',
      'tests/js/workers/**',
      'bench/edge_bench_worker.js',
      'src/js/workerd.js',
    ],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  // Browsers: the dashboard, the browser entry and the suites the page runs.
  {
    files: ['web/**', 'src/js/browser.js', 'tests/js/suites/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // The shared wrapper runs everywhere: only what every runtime has.
  {
    files: ['src/js/*.js'],
    ignores: ['src/js/node.js', 'src/js/browser.js', 'src/js/workerd.js'],
    languageOptions: {
      globals: {
        ...globals['shared-node-browser'],
        WebAssembly: 'readonly',
        FinalizationRegistry: 'readonly',
      },
    },
  },
];
