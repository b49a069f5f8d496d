import type { Options } from 'tsup'

const config: Options = {
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['pg', '@electric-sql/pglite'],
}

export default config
