import path from 'node:path';
import type { Config } from 'jest';
import base from './jest.config';

/**
 * `npm run test:mutation`: the jest config Stryker runs once per mutant. Only the fast unit specs
 * (operators, socket stages, internal helpers, errors): the integration, soak, browser, docs,
 * package and bench specs are too slow to run hundreds of times, and they are not what the
 * mutated folders (`src/operators`, `src/socket`) are meant to be pinned by.
 */
const config: Config = {
  ...base,
  // Transpile only: Stryker runs the specs once per mutant, and type-checking every file again
  // each time dominated a run (the type-check runs in `npm run typecheck` instead).
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  // Node's environment, plus a bail: once a test failed under a mutant, the rest of that mutant's
  // run is skipped (Stryker's jest runner cannot bail). An absolute path: Stryker requires it.
  testEnvironment: path.join(__dirname, 'spec/support/bailEnvironment.cjs'),
  testMatch: [
    '<rootDir>/spec/operators/**/*-spec.ts',
    '<rootDir>/spec/socket/**/*-spec.ts',
    '<rootDir>/spec/internal/**/*-spec.ts',
    '<rootDir>/spec/errors-spec.ts',
  ],
};

export default config;
