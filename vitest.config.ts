import { defineConfig } from 'vitest/config'

const project = (name: string, extra: Record<string, unknown> = {}) => ({
  extends: true as const,
  test: { name, root: `packages/${name}`, include: ['test/**/*.test.ts'], ...extra },
})

export default defineConfig({
  ssr: { resolve: { conditions: ['@grouproles/source'] } },
  test: {
    setupFiles: [new URL('./vitest.setup.ts', import.meta.url).pathname],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      project('core'),
      project('adapter-ldap', { globalSetup: ['test/global-setup.ts'] }),
      project('adapter-postgres', { globalSetup: ['test/global-setup.ts'] }),
      project('adapter-mattermost'),
      { extends: true, test: { name: 'examples', root: 'examples', include: ['**/*.test.ts'] } },
    ],
  },
})
