import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const external = (id) => /^(rxjs|io-ts|fp-ts|ws)(\/|$)/.test(id) || id.startsWith('node:');

/** One entry per public subpath; the keys are the file names under dist/. */
const entries = {
  index: 'src/index.ts',
  node: 'src/node/index.ts',
  testing: 'src/testing/index.ts',
  server: 'src/server/index.ts',
  protocol: 'src/protocol/index.ts',
};

export default [
  {
    input: entries,
    external,
    plugins: [typescript({ tsconfig: './tsconfig.build.json', declaration: false, outDir: 'dist' })],
    output: [
      { dir: 'dist', format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: 'chunks/[name]-[hash].mjs', sourcemap: true },
      { dir: 'dist', format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: 'chunks/[name]-[hash].cjs', sourcemap: true, exports: 'named' },
    ],
  },
  ...Object.entries(entries).flatMap(([name, input]) => [
    { input, external, plugins: [dts({ tsconfig: './tsconfig.build.json' })], output: { file: `dist/${name}.d.ts`, format: 'es' } },
    { input, external, plugins: [dts({ tsconfig: './tsconfig.build.json' })], output: { file: `dist/${name}.d.mts`, format: 'es' } },
  ]),
];
