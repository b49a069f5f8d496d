import type { Options } from 'tsup'

// The workspace packages are bundled from source (their third-party dependencies stay external and
// are this package's dependencies): one installable package, and no build of the others needed.
const config: Options = {
  entry: { main: 'src/main.ts' },
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  splitting: true,
  target: 'node20',
  noExternal: [/^@grouproles\//],
  esbuildOptions(options) {
    options.conditions = ['@grouproles/source']
  },
}

export default config
