// @ts-check
/**
 * Mutation testing: `npm run test:mutation` (not part of `npm test` or CI).
 * Scope a run with `npm run test:mutation -- --mutate 'src/operators/**\/*.ts'`.
 * Scores and the surviving mutants are recorded in docs/reliability.md.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    configFile: 'jest.mutation.config.ts',
    // Each mutant runs only the spec files that import the mutated file (jest --findRelatedTests).
    // Without it jest loads every spec file of jest.mutation.config.ts for each mutant and skips
    // the tests that do not cover it: for a socket file that was about 6 s of module loading per
    // mutant. A spec that covers a mutant imports its file, so no kill is lost.
    enableFindRelatedTests: true,
  },
  coverageAnalysis: 'perTest',
  mutate: ['src/operators/**/*.ts', 'src/socket/**/*.ts', '!src/**/*.d.ts', '!src/**/index.ts'],
  ignorePatterns: ['dist', 'coverage', 'reports', 'docs/api', 'bench/.build', 'bench/results', '.tmp', '*.tgz'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  // Each mutant run leaves about 20 MB in the jest worker (a runCLI per mutant); past 1 GB a mutant
  // took four times as long. A fresh worker every 15 runs costs a few seconds and keeps them fast.
  maxTestRunnerReuse: 15,
  // Generous: on a loaded machine a run that merely waits for the CPU must not count as a kill.
  timeoutMS: 20000,
  // A mutant of a module-level constant would need every spec run again: skipped.
  ignoreStatic: true,
  // Re-runs test only the mutants whose code or covering specs changed since the last run.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};

export default config;
