/** The service's run lock against a real PostgreSQL: a lock held by another session skips the run. */
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresSyncTarget } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import {
  requirePgBin,
  startPostgres,
  type RunningPostgres,
} from '../../../adapter-postgres/test/start-postgres.js'
import { mattermostSeed } from '../../../../examples/rocky-linux/mattermost-seed.js'
import { parseConfigText } from '../../src/config/read-config.js'
import { LdifGroupSource } from '@grouproles/adapter-ldap'
import { createSyncService } from '../../src/service/sync-service.js'

const pgBin = requirePgBin('service integration test')
const configFile = new URL('../../assets/demo-config.json', import.meta.url).pathname
const config = parseConfigText(readFileSync(configFile, 'utf8'), configFile)._unsafeUnwrap()

describe.skipIf(pgBin === undefined)(
  'createSyncService with PostgreSQL',
  { timeout: 120_000 },
  () => {
    let postgres: RunningPostgres
    let admin: pg.Pool
    let pool: pg.Pool

    beforeAll(async () => {
      postgres = await startPostgres(pgBin as string)
      admin = new pg.Pool({ connectionString: postgres.url('postgres'), max: 1 })
      await admin.query('CREATE DATABASE mattermost')
      pool = new pg.Pool({ connectionString: postgres.url('mattermost'), max: 4 })
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

    it('should skip a run while another session holds the run lock, and run once it is released', async () => {
      const logs: { level: number; msg: string }[] = []
      const registry = new Registry()
      const service = createSyncService({
        ports: {
          groups: new LdifGroupSource({
            text: readFileSync(
              new URL('../../assets/demo-directory.ldif', import.meta.url),
              'utf8',
            ),
            source: 'demo-directory.ldif',
            ldap: config.ldap,
            matchBy: config.matchBy,
            rules: config.rules,
          }),
          target: new PostgresSyncTarget(pool),
        },
        lockClient: pool,
        lockKey: 'grouproles-sync',
        policy: config.policy,
        apply: true,
        intervalMs: 60_000,
        logger: pino(
          { level: 'info' },
          {
            write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }),
          },
        ),
        registry,
      })
      // Another replica: a different session holding the same advisory lock.
      const other = await pool.connect()
      try {
        await other.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', ['grouproles-sync'])
        const skipped = await service.runOnce()
        expect(skipped).toEqual({
          kind: 'skipped',
          reason: 'another runner holds the run lock "grouproles-sync"',
        })
        expect(await registry.metrics()).toMatch(
          /grouproles_sync_runs_total\{outcome="skipped"\} 1/,
        )
        expect(logs.map((l) => l.msg)).toContain('sync skipped: another runner holds the run lock')
        await other.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', ['grouproles-sync'])
      } finally {
        other.release()
      }
      const ran = await service.runOnce()
      expect(ran.kind).toBe('synced')
      expect(await registry.metrics()).toMatch(/grouproles_sync_runs_total\{outcome="applied"\} 1/)
      await service.stop()
    })
  },
)
