/** Runs before every spec file (`setupFilesAfterEnv` in jest.config.ts). */
import { libraryErrorEquality } from './errorEquality';

expect.addEqualityTesters([libraryErrorEquality]);
