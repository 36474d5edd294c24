import { defineConfig } from 'vitest/config';

// Test tiers are named in the file (STYLE 16): *.unit.spec.ts are pure, *.int.spec.ts talk to real
// Postgres/Redis/Kafka, *.e2e.spec.ts drive the engine through its HTTP API.
export default defineConfig({
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/**/*.unit.spec.ts', 'services/**/*.unit.spec.ts', 'scripts/**/*.unit.spec.ts'],
        },
      },
      {
        test: {
          name: 'int',
          include: ['libs/**/*.int.spec.ts', 'services/**/*.int.spec.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['services/**/*.e2e.spec.ts', 'test/**/*.e2e.spec.ts', 'bench/**/*.e2e.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
