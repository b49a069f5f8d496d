import { defineConfig } from 'vitest/config'

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'], ...extra },
})

// CI asks for a JSON report beside the console one (to print a pass/fail line) without changing
// the README's test command.
const jsonReport = process.env['GROUPROLES_VITEST_JSON']

export default defineConfig({
  ssr: { resolve: { conditions: ['@grouproles/source'] } },
  test: {
    setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    ...(jsonReport ? { reporters: ['default', 'json'], outputFile: { json: jsonReport } } : {}),
    projects: [
      project('core'),
      project('adapter-ldap', { globalSetup: ['test/global-setup.ts'] }),
      project('adapter-postgres', { globalSetup: ['test/global-setup.ts'] }),
      project('adapter-mattermost'),
      // Builds the bin once (tsup), so tests spawn it as a user would.
      project('cli', { globalSetup: ['test/global-setup.ts'] }),
      { extends: true, test: { name: 'examples', root: 'examples', include: ['**/*.test.ts'] } },
    ],
  },
})
