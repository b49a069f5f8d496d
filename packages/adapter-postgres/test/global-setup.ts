import type { TestProject } from 'vitest/node'
import { findPgBin, startPostgres, type RunningPostgres } from './start-postgres.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://postgres@127.0.0.1:<port>`, or '' when no server could be started. */
    pgUrl: string
    pgPort: number
  }
}

let server: RunningPostgres | undefined

export async function setup(project: TestProject): Promise<void> {
  const pgBin = findPgBin()
  if (pgBin === undefined) {
    const notice =
      'PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin or $PGBIN): install the Debian package `postgresql`'
    if (process.env['GROUPROLES_ALLOW_MISSING_SERVERS'] !== '1')
      throw new Error(`${notice} (set GROUPROLES_ALLOW_MISSING_SERVERS=1 to skip instead)`)
    console.warn(
      `\n!!! adapter-postgres: ${notice}. Real-server integration tests are SKIPPED. !!!\n`,
    )
    project.provide('pgUrl', '')
    project.provide('pgPort', 0)
    return
  }
  server = await startPostgres(pgBin)
  project.provide('pgUrl', `postgres://postgres@${server.host}:${server.port}`)
  project.provide('pgPort', server.port)
}

export async function teardown(): Promise<void> {
  await server?.stop()
}
