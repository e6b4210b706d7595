import type { Config } from 'jest';
import base from './jest.config';

/**
 * `npm run test:bench`: the bench smoke alone. It times real work in child processes, so it stays
 * out of `npm test` (where a loaded machine could slow it past its bound) and runs in `.ci/run`.
 */
const config: Config = { ...base, testPathIgnorePatterns: ['/node_modules/'], testMatch: ['**/spec/bench/*-spec.ts'] };

export default config;
