/** The demo against a real PostgreSQL holding Mattermost's schema (DATABASE_URL). */
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSyncState } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import {
  findPgBin,
  startPostgres,
  type RunningPostgres,
} from '../../packages/adapter-postgres/test/start-postgres.js'
import { mmId, runDemo } from './demo.js'
import { mattermostSeed } from './mattermost-seed.js'

const pgBin = findPgBin()
if (pgBin === undefined) {
  if (process.env['GROUPROLES_ALLOW_MISSING_SERVERS'] !== '1')
    throw new Error('demo integration test: PostgreSQL (initdb) is missing')
  console.warn(
    '\n*** demo integration test SKIPPED: no PostgreSQL (run scripts/bootstrap.sh) ***\n',
  )
}

describe.skipIf(pgBin === undefined)('runDemo with DATABASE_URL', { timeout: 120_000 }, () => {
  let postgres: RunningPostgres
  let admin: pg.Pool
  let pool: pg.Pool
  let env: Record<string, string>

  beforeAll(async () => {
    postgres = await startPostgres(pgBin as string)
    admin = new pg.Pool({ connectionString: postgres.url('postgres'), max: 1 })
    await admin.query('CREATE DATABASE mattermost')
    env = { DATABASE_URL: postgres.url('mattermost') }
    pool = new pg.Pool({ connectionString: env['DATABASE_URL'], max: 2 })
    ;(
      await createMattermostSchema(pool).andThen(() =>
        writeSyncState(pool, mattermostSeed, { now: 1_764_000_000_000 }),
      )
    )._unsafeUnwrap()
  }, 120_000)

  afterAll(async () => {
    for (const step of [() => pool.end(), () => admin.end(), () => postgres.stop()])
      await Promise.resolve()
        .then(step)
        .catch(() => undefined)
  })

  it('should only plan on a real database unless asked to apply', async () => {
    const lines: string[] = []
    const summary = (await runDemo({ env, log: (l) => lines.push(l) }))._unsafeUnwrap()
    expect(summary.sources.mattermost).toBe('DATABASE_URL')
    expect(summary.applied).toBeUndefined()
    expect(summary.plan.commands).toHaveLength(10)
    expect(lines).toContain('Dry run: nothing applied (pass --apply to apply)')
    const state = (await loadSyncState(pool))._unsafeUnwrap()
    expect(state.teamMembers.find((m) => m.userId === mmId('frank'))?.deleted).not.toBe(true)
  })

  it('should apply from the plan file with --apply, converge, and leave the database synced', async () => {
    const summary = (await runDemo({ env, log: () => undefined, apply: true }))._unsafeUnwrap()
    expect(summary.applied?.outcomes.every((o) => o.kind === 'done')).toBe(true)
    expect(summary.replanned).toBe(0)
    const state = (await loadSyncState(pool))._unsafeUnwrap()
    expect(state.teamMembers.find((m) => m.userId === mmId('frank'))?.deleted).toBe(true)
    const again = (await runDemo({ env, log: () => undefined }))._unsafeUnwrap()
    expect(again.plan.commands).toEqual([])
  })
})
