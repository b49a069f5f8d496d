/** The demo against a real PostgreSQL holding Mattermost's schema (DATABASE_URL) and a real slapd (LDAP_URL). */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadSyncState } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import {
  findPgBin,
  startPostgres,
  type RunningPostgres,
} from '../../packages/adapter-postgres/test/start-postgres.js'
import {
  missingLdapTools,
  startSlapd,
  type Slapd,
} from '../../packages/adapter-ldap/test/support/slapd.js'
import { bindDn, bindPassword, fixtureLdif, suffix } from '../test-support/rocky-slapd-fixture.js'
import { mmId, runDemo } from './demo.js'
import { mattermostSeed } from './mattermost-seed.js'

const pgBin = findPgBin()
const missing = [...missingLdapTools(), ...(pgBin === undefined ? ['postgresql (initdb)'] : [])]
if (missing.length > 0) {
  if (process.env['GROUPROLES_ALLOW_MISSING_SERVERS'] !== '1')
    throw new Error(`demo integration test: missing ${missing.join(', ')}`)
  console.warn(
    `\n*** demo integration test SKIPPED: missing ${missing.join(', ')} (run scripts/bootstrap.sh) ***\n`,
  )
}

describe.skipIf(missing.length > 0)('runDemo with DATABASE_URL', { timeout: 120_000 }, () => {
  let postgres: RunningPostgres
  let admin: pg.Pool
  let pool: pg.Pool
  let env: Record<string, string>
  let slapd: Slapd
  let workDir: string

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'grouproles-demo-'))
    const ldifFile = join(workDir, 'directory.ldif')
    await writeFile(ldifFile, fixtureLdif(0))
    slapd = await startSlapd({ dir: join(workDir, 'slapd'), ldifFile })
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
    for (const step of [
      () => pool.end(),
      () => admin.end(),
      () => postgres.stop(),
      () => slapd.stop(),
      () => rm(workDir, { recursive: true, force: true }),
    ])
      await Promise.resolve()
        .then(step)
        .catch(() => undefined)
  })

  it('should only plan on a real database unless asked to apply', async () => {
    const lines: string[] = []
    const summary = (await runDemo({ env, log: (l) => lines.push(l) }))._unsafeUnwrap()
    expect(summary.sources.mattermost).toBe('DATABASE_URL')
    expect(summary.applied).toBeUndefined()
    expect(summary.plan.commands).toHaveLength(12)
    expect(lines).toContain('Dry run: nothing applied (pass --apply to apply)')
    const state = (await loadSyncState(pool))._unsafeUnwrap()
    expect(state.teamMembers.find((m) => m.userId === mmId('frank'))?.deleted).not.toBe(true)
  })

  it('should read the directory from LDAP_URL and plan exactly what the LDIF export plans', async () => {
    await admin.query('CREATE DATABASE mattermost_ldap')
    const url = postgres.url('mattermost_ldap')
    const seeded = new pg.Pool({ connectionString: url, max: 2 })
    try {
      ;(
        await createMattermostSchema(seeded).andThen(() =>
          writeSyncState(seeded, mattermostSeed, { now: 1_764_000_000_000 }),
        )
      )._unsafeUnwrap()
      const live = (
        await runDemo({
          env: {
            DATABASE_URL: url,
            LDAP_URL: slapd.url,
            LDAP_BIND_DN: bindDn,
            LDAP_PASSWORD: bindPassword,
            LDAP_BASE_DN: suffix,
          },
          log: () => undefined,
        })
      )._unsafeUnwrap()
      const offline = (
        await runDemo({ env: { DATABASE_URL: url }, log: () => undefined })
      )._unsafeUnwrap()
      expect(live.sources.directory).toBe(`LDAP ${slapd.url}`)
      expect(live.applied).toBeUndefined()
      expect(live.plan.commands).toHaveLength(12)
      expect(live.plan.commands).toEqual(offline.plan.commands)
      expect(live.plan.fingerprint).toBe(offline.plan.fingerprint)
    } finally {
      await seeded.end()
    }
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
