/** `grouproles apply` against a real PostgreSQL Mattermost, the built bin spawned as a user runs it. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SyncCommand } from '@grouproles/core'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import {
  requirePgBin,
  startPostgres,
  type RunningPostgres,
} from '../../../adapter-postgres/test/start-postgres.js'
import { mattermostSeed } from '../../../../examples/rocky-linux/mattermost-seed.js'
import { assets, spawnBin, tempDir } from '../support/cli.js'

const pgBin = requirePgBin('apply integration test')

describe.skipIf(pgBin === undefined)(
  'apply on a PostgreSQL Mattermost',
  { timeout: 180_000 },
  () => {
    let postgres: RunningPostgres
    let admin: pg.Pool
    let pool: pg.Pool

    beforeAll(async () => {
      postgres = await startPostgres(pgBin as string)
      admin = new pg.Pool({ connectionString: postgres.url('postgres'), max: 1 })
      await admin.query('CREATE DATABASE mattermost')
      pool = new pg.Pool({ connectionString: postgres.url('mattermost'), max: 2 })
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

    it('should apply a plan after an unrelated change (another user joining another team)', async () => {
      const cwd = tempDir()
      const env = { DATABASE_URL: postgres.url('mattermost') }
      const args = ['--config', assets('demo-config.json'), '--ldif', assets('demo-directory.ldif')]
      const planned = await spawnBin(['plan', ...args, '--out', 'p.json'], { cwd, env })
      expect(planned.code, planned.stderr).toBe(0)
      const file = JSON.parse(readFileSync(join(cwd, 'p.json'), 'utf8')) as {
        plan: { commands: SyncCommand[] }
      }
      const commands = file.plan.commands
      expect(commands.length).toBeGreaterThan(0)

      // A live user joins a team where no command of the plan touches them and they were not.
      const touched = new Set(commands.map((c) => ('teamId' in c ? `${c.teamId}:${c.userId}` : '')))
      const members = new Set(mattermostSeed.teamMembers.map((m) => `${m.teamId}:${m.userId}`))
      const teams = mattermostSeed.teams.filter((t) => t.deleted !== true)
      const users = mattermostSeed.users.filter((u) => u.deactivated !== true && u.isBot !== true)
      const pair = teams
        .flatMap((t) => users.map((u) => ({ teamId: t.id, userId: u.id })))
        .find(
          (p) => !touched.has(`${p.teamId}:${p.userId}`) && !members.has(`${p.teamId}:${p.userId}`),
        )
      expect(pair).toBeDefined()
      await pool.query(
        `INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeguest, schemeadmin, createat)
        VALUES ($1, $2, '', 0, true, false, false, 1)`,
        [pair?.teamId, pair?.userId],
      )

      const applied = await spawnBin(['apply', 'p.json', ...args, '--json'], { cwd, env })

      expect(applied.code, applied.stderr).toBe(0)
      expect(JSON.parse(applied.stdout)).toMatchObject({
        summary: { done: commands.length, already: 0, failed: 0 },
      })
      // The unrelated row stays as it was.
      const row = await pool.query(
        'SELECT deleteat FROM teammembers WHERE teamid = $1 AND userid = $2',
        [pair?.teamId, pair?.userId],
      )
      expect(row.rows).toEqual([{ deleteat: '0' }])
    })
  },
)
