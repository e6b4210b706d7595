import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*-spec.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Examples and docs import the package by name: point those imports at the sources.
  moduleNameMapper: {
    '^rxjs-managed-socket$': '<rootDir>/src/index.ts',
    '^rxjs-managed-socket/(.*)$': '<rootDir>/src/$1/index.ts',
  },
  clearMocks: true,
  restoreMocks: true,
};

export default config;
