import { availableParallelism } from 'node:os';

/** Jest runs the TypeScript sources as ESM through swc; `tsc --noEmit` does the type checking. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  // At least two files at once even on two cores: the suites mostly wait on child processes and
  // the PostgreSQL server, so a second worker halves the wall time (jest's default would be one).
  maxWorkers: Math.max(2, availableParallelism() - 1),
  // One throwaway PostgreSQL cluster per run: the behavioural suite runs on both engines.
  globalSetup: '<rootDir>/test/global-setup.mjs',
  globalTeardown: '<rootDir>/test/global-teardown.mjs',
};
