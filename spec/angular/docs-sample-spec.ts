// The marble test that docs/angular.md shows (examples/angular/feed.service.spec.ts), run as written.
// The real @angular/core, compiled to CommonJS for jest (see ./support/angular.ts).
jest.mock('@angular/core', () => jest.requireActual<typeof import('./support/angular')>('./support/angular').angular().core);
jest.mock('@angular/core/rxjs-interop', () => jest.requireActual<typeof import('./support/angular')>('./support/angular').angular().interop);

import '../../examples/angular/feed.service.spec';
