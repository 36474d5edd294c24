// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Libraries that hold pure logic: no I/O clients, no clock, no randomness (STYLE 2). */
const pureLibs = [
  'libs/workflow/src/**/*.ts',
  'libs/expressions/src/**/*.ts',
  'libs/reducer/src/**/*.ts',
  'libs/contracts/src/**/*.ts',
  'libs/resilience/src/**/*.ts',
];
/** Libraries that may do I/O but must not pick a vendor: only adapters import clients. */
const vendorClients = ['kafkajs', 'pg', 'ioredis', '@electric-sql/pglite', 'hono', '@hono/node-server'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'data/**',
      '.nx/**',
      'schemas/**',
      'deploy/local/.cache/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-eval': 'error',
      'no-new-func': 'error',
      'no-implied-eval': 'error',
    },
  },
  {
    files: pureLibs,
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'Date', message: 'Pure libs take time from the command or ctx (determinism).' },
        { name: 'crypto', message: 'Pure libs take ids and randomness from the command or ctx.' },
        { name: 'setTimeout', message: 'Pure libs do no scheduling; request a durable timer.' },
        { name: 'setInterval', message: 'Pure libs do no scheduling.' },
        { name: 'process', message: 'Pure libs read no environment.' },
        { name: 'console', message: 'Pure libs do not log; return typed results.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Randomness comes from the command or ctx.' },
        { object: 'Date', property: 'now', message: 'Time comes from the command or ctx.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [...vendorClients, 'node:crypto', 'crypto', 'node:fs', 'fs', 'node:http', 'http'].map(
            (name) => ({
              name,
              message: 'Pure libs do no I/O; this belongs in an adapter or a service.',
            }),
          ),
          patterns: [
            {
              group: ['@weft/eventlog', '@weft/store', '@weft/kv', '@weft/testing'],
              message: 'Pure libs depend on pure libs only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', 'libs/*/src/adapters/**', 'libs/testing/**', 'libs/store/src/dialects/**'],
    rules: {
      'no-console': 'error',
    },
  },
  {
    // Tests and test helpers read untyped JSON from HTTP answers.
    files: ['**/*.spec.ts', 'libs/testing/src/**/*.ts', 'services/*/src/scenarios/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
