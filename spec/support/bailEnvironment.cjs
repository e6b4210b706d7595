'use strict';
/**
 * The jest environment of the mutation runs (jest.mutation.config.ts): jest's node environment,
 * plus a bail for Stryker. Stryker's jest runner cannot make jest stop at the first failing test,
 * so a killed mutant ran every covering spec to the end. Here, once a test failed under a mutant,
 * the remaining tests of that mutant's run are skipped: the mutant is killed all the same.
 *
 * It is plain CommonJS because Stryker loads the environment with `require`. Outside a mutant
 * run (the dry run, or plain jest) the mutant variable is unset and nothing is skipped.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Stryker loads this file with require
const { TestEnvironment } = require('jest-environment-node');

/** Stryker's variable for the mutant under test (`INSTRUMENTER_CONSTANTS.ACTIVE_MUTANT_ENV_VARIABLE`). */
const ACTIVE_MUTANT = '__STRYKER_ACTIVE_MUTANT__';

/** The mutant a test has failed under; shared by every spec file of the worker (this module is loaded once). */
let killed;

class BailEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    const mutant = process.env[ACTIVE_MUTANT];
    if (mutant === undefined) return;
    if (event.name === 'test_done' && event.test.errors.length > 0) killed = mutant;
    else if (event.name === 'test_start' && killed === mutant) event.test.mode = 'skip';
  }
}

module.exports = BailEnvironment;
