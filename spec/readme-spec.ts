import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const example = readFileSync(join(root, 'examples/first-example.ts'), 'utf8');

describe('README', () => {
  it('should show examples/first-example.ts verbatim as its first example', () => {
    const section = readme.split('## A first example')[1] ?? '';
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block).toBe(example);
  });

  it('should give the two commands: install and run the demo, and run the whole test suite', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });

  it('should run the first example as written and print its // Output:', async () => {
    const expected = example
      .split('// Output:\n')[1]
      ?.trim()
      .split('\n')
      .map((line) => line.replace(/^\/\/ /, ''));
    const printed: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(format(...args)));
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- run the example's top level now, in isolation
      require('../examples/first-example');
    });
    const deadline = Date.now() + 10_000;
    while (!printed.includes('state: closed') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the server stop
    expect(printed).toEqual(expected);
  }, 15_000);
});
