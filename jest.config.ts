import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*-spec.ts'],
  // The bench smoke runs on its own (`npm run test:bench`, in .ci/run): see jest.bench.config.ts.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/spec/bench/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Compares this library's errors by name and `info`, not by message alone (spec/support/errorEquality.ts).
  setupFilesAfterEnv: ['<rootDir>/spec/support/jestSetup.ts'],
  // Examples and docs import the package by name: point those imports at the sources.
  moduleNameMapper: {
    '^rxjs-managed-socket$': '<rootDir>/src/index.ts',
    '^rxjs-managed-socket/(.*)$': '<rootDir>/src/$1/index.ts',
  },
  clearMocks: true,
  restoreMocks: true,
};

export default config;
