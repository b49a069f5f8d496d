import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { emptyState, fingerprintTarget, normalizeState, planSync } from '@grouproles/core'
import { admittingContext, generateState, stateSizes } from '@grouproles/core/testing'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import {
  applyPlan,
  fromTextQueries,
  loadSyncState,
  migrate,
  startRun,
  withRunLock,
  type PostgresError,
  type PostgresPool,
  type PostgresQuery,
  type PostgresQueryable,
  type TextPool,
} from '../src/index.js'
import * as q from '../src/queries.js'
import { createMattermostSchema, writeSyncState } from '../src/testing/index.js'
import { describeContract, must, storable } from './contract.js'
import { freePort, passwordRole } from './start-postgres.js'

const url = inject('pgUrl')
const port = inject('pgPort')
const pools: pg.Pool[] = []

/** A database of its own for each suite, so files and workers never see each other's rows. */
async function freshDatabase(): Promise<string> {
  const name = `grouproles_${process.pid}_${Math.floor(Math.random() * 1e9)}`
  const admin = new pg.Client({ connectionString: `${url}/postgres` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  return `${url}/${name}`
}

describe.runIf(url !== '')('real PostgreSQL', () => {
  describeContract({
    name: 'pg.Pool',
    connect: async () => {
      const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
      return { client: pool, close: () => pool.end() }
    },
  })

  describeContract({
    name: 'pg.Client',
    connect: async () => {
      const client = new pg.Client({ connectionString: await freshDatabase() })
      await client.connect()
      return { client, close: () => client.end() }
    },
  })

  describeContract({
    name: 'pg.Pool through query(text, values) only (fromTextQueries)',
    connect: async () => {
      const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
      // Nothing but the plain form reaches pg: no QueryConfig, no rowMode.
      const textOnly: TextPool = {
        query: (text, values) => pool.query(text, values),
        connect: async () => {
          const conn = await pool.connect()
          return {
            query: (text, values) => conn.query(text, values),
            release: (destroy) => {
              conn.release(destroy)
            },
          }
        },
      }
      return { client: fromTextQueries(textOnly), close: () => pool.end() }
    },
  })

  describe('loadSyncState', () => {
    it('should read the same state over one, two and three connections of a snapshot', async () => {
      const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
      pools.push(pool)
      const state = generateState(stateSizes.S, 7)
      await must(createMattermostSchema(pool))
      await must(writeSyncState(pool, state))
      const expected = storable(state)
      for (const connections of [1, 2, 3]) {
        expect(normalizeState(await must(loadSyncState(pool, { connections })))).toEqual(expected)
      }
    })
  })

  describe('loadSyncState snapshot', () => {
    // Counts connections handed out and runs `hook` once, right after the first query of the load's
    // transaction (where REPEATABLE READ takes its snapshot), before any other read runs.
    const hooked = (
      pool: pg.Pool,
      hook: () => Promise<void>,
    ): { readonly client: PostgresPool; readonly connects: () => number } => {
      let connects = 0
      let fired = false
      const wrap = (conn: PostgresQueryable): PostgresQueryable => ({
        query: async (query) => {
          const result = await conn.query(query)
          if (!fired && (query.text === q.exportSnapshot || query.text === q.selectUsers)) {
            fired = true
            await hook()
          }
          return result
        },
      })
      const client = {
        options: pool.options,
        get totalCount() {
          return pool.totalCount
        },
        get idleCount() {
          return pool.idleCount
        },
        get waitingCount() {
          return pool.waitingCount
        },
        query: (query: PostgresQuery) => pool.query(query),
        connect: async () => {
          connects++
          const conn = await pool.connect()
          return {
            ...wrap(conn),
            release: (destroy?: boolean | Error) => {
              conn.release(destroy)
            },
          }
        },
      }
      return { client, connects: () => connects }
    }

    it('should not see a write committed while it reads, over one, two and three connections', async () => {
      const url = await freshDatabase()
      const pool = new pg.Pool({ connectionString: url, max: 4 })
      const writer = new pg.Client({ connectionString: url })
      await writer.connect()
      pools.push(pool)
      const state = generateState(stateSizes.S, 11)
      const team = state.teams[0]?.id ?? ''
      const channel = state.channels.find((c) => c.teamId === team)?.id ?? ''
      const gone = state.channelMembers[0]
      const late = 'l'.repeat(26)
      for (const connections of [1, 2, 3]) {
        await must(createMattermostSchema(pool))
        await pool.query(`TRUNCATE users, bots, usergroups, groupmembers, groupteams, groupchannels,
          teams, channels, teammembers, channelmembers, channelmemberhistory`)
        await must(writeSyncState(pool, state))
        const { client, connects } = hooked(pool, async () => {
          await writer.query('BEGIN')
          await writer.query(
            `INSERT INTO users (id, username, roles, deleteat, createat, updateat) VALUES ($1, 'late', 'system_user', 0, 0, 0)`,
            [late],
          )
          await writer.query(
            `INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeadmin, schemeguest) VALUES ($1, $2, '', 0, true, false, false)`,
            [team, late],
          )
          await writer.query(
            `INSERT INTO channelmembers (channelid, userid, roles, lastviewedat, msgcount, mentioncount, notifyprops, lastupdateat, schemeuser, schemeadmin, schemeguest)
             VALUES ($1, $2, '', 0, 0, 0, '{}', 0, true, false, false)`,
            [channel, late],
          )
          await writer.query(
            `INSERT INTO channelmemberhistory (channelid, userid, jointime) VALUES ($1, $2, 1)`,
            [channel, late],
          )
          await writer.query('DELETE FROM channelmembers WHERE channelid = $1 AND userid = $2', [
            gone?.channelId,
            gone?.userId,
          ])
          await writer.query('COMMIT')
        })
        const loaded = normalizeState(await must(loadSyncState(client, { connections })))
        expect(loaded).toEqual(storable(state))
        expect(connects()).toBe(connections)
        // The write did commit: a new load sees it.
        const after = normalizeState(await must(loadSyncState(pool, { connections })))
        expect(after.users.some((u) => u.id === late)).toBe(true)
        expect(after.channelMembers).toHaveLength(state.channelMembers.length)
        expect(after.teamMembers).toHaveLength(state.teamMembers.length + 1)
      }
      await writer.end()
    })
  })

  describe('migrate', () => {
    it('should let concurrent migrations all succeed and leave one schema', async () => {
      const url = await freshDatabase()
      const clients = [
        new pg.Client({ connectionString: url }),
        new pg.Client({ connectionString: url }),
      ]
      await Promise.all(clients.map((c) => c.connect()))
      const pool = new pg.Pool({ connectionString: url, max: 4 })
      pools.push(pool)
      const results = await Promise.all([
        ...clients.map((c) => migrate(c)),
        migrate(pool),
        migrate(pool),
      ])
      await Promise.all(clients.map((c) => c.end()))
      const applied = results.map((r) => r._unsafeUnwrap())
      expect(applied.filter((a) => a.length > 0)).toEqual([q.migrations.map((m) => m.version)])
      const schemas = await pool.query(
        `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'grouproles'`,
      )
      expect(schemas.rows).toEqual([{ n: 1 }])
      const versions = await pool.query('SELECT version FROM grouproles.schema_migrations')
      expect(versions.rows).toEqual(q.migrations.map((m) => ({ version: m.version })))
    })
  })

  describe('loadSyncState inside withRunLock', () => {
    // A hang fails the test fast instead of waiting for vitest's timeout.
    const within = <T>(promise: PromiseLike<T>, ms = 5_000): Promise<T | 'hung'> =>
      Promise.race([
        Promise.resolve(promise),
        new Promise<'hung'>((resolve) =>
          setTimeout(() => {
            resolve('hung')
          }, ms).unref(),
        ),
      ])
    const seeded = async (max: number): Promise<pg.Pool> => {
      const pool = new pg.Pool({ connectionString: await freshDatabase(), max })
      pools.push(pool)
      const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 1 })
      await must(createMattermostSchema(other))
      await must(writeSyncState(other, generateState(stateSizes.S, 3)))
      await other.end()
      return pool
    }

    it('should load on a pool of max 2 while the lock holds one of its connections', async () => {
      const pool = await seeded(2)
      const result = await within(withRunLock(pool, 'sync', () => loadSyncState(pool)))
      expect(result).not.toBe('hung')
      expect(result !== 'hung' && result.isOk()).toBe(true)
    })

    it('should refuse with poolTooSmall, not wait, when the lock holds the only connection', async () => {
      const pool = await seeded(1)
      const result = await within(withRunLock(pool, 'sync', () => loadSyncState(pool)))
      expect(result).not.toBe('hung')
      if (result === 'hung') return
      expect(result._unsafeUnwrapErr()).toMatchObject({ kind: 'poolTooSmall', max: 1 })
      // A pool's own query() needs a connection too: the journal refuses as well.
      await must(migrate(pool))
      const started = await within(
        withRunLock(pool, 'sync', () => startRun(pool, planSync(generateState(stateSizes.S, 3)))),
      )
      expect(started !== 'hung' && started._unsafeUnwrapErr()).toMatchObject({
        kind: 'poolTooSmall',
      })
      // The lock and the pool are usable afterwards.
      expect((await within(withRunLock(pool, 'sync', () => okAsync(1)))) !== 'hung').toBe(true)
    })

    it('should never wait on its own parallel readers when concurrent loads fill the pool', async () => {
      const pool = await seeded(3)
      const loads = await within(
        Promise.all([1, 2, 3].map(() => loadSyncState(pool, { connections: 3 }))),
      )
      expect(loads).not.toBe('hung')
      if (loads === 'hung') return
      expect(loads.every((r) => r.isOk())).toBe(true)
    })
  })

  describe('withRunLock', () => {
    let pool: pg.Pool
    beforeAll(async () => {
      pool = new pg.Pool({ connectionString: await freshDatabase(), max: 6 })
      pools.push(pool)
    })

    it('should let exactly one of two concurrent runners run', async () => {
      let running = 0
      let ran = 0
      const runner = () =>
        withRunLock(pool, 'sync', () => {
          running++
          ran++
          return ResultAsync.fromSafePromise(
            new Promise<string>((resolve) =>
              setTimeout(() => {
                running--
                resolve('ran')
              }, 200),
            ),
          )
        })
      const results = await Promise.all([runner(), runner()])
      expect(ran).toBe(1)
      expect(running).toBe(0)
      const errors = results.filter((r) => r.isErr()).map((r) => r._unsafeUnwrapErr())
      expect(errors).toMatchObject([{ kind: 'alreadyRunning', key: 'sync' }])
    })

    it('should release the lock when the runner fails or throws', async () => {
      const failed = await withRunLock(pool, 'sync', () => errAsync('boom'))
      expect(failed._unsafeUnwrapErr()).toBe('boom')
      await expect(
        withRunLock(pool, 'sync', () => {
          throw new Error('bug')
        }),
      ).rejects.toThrow('bug')
      const again = await withRunLock(pool, 'sync', () => okAsync(1))
      expect(again.isOk()).toBe(true)
    })

    it('should lock a second pool out too (two replicas)', async () => {
      const other = new pg.Pool({ connectionString: pool.options.connectionString, max: 2 })
      pools.push(other)
      const inner = await withRunLock(pool, 'replicas', () =>
        withRunLock(other, 'replicas', () => okAsync('both')),
      )
      expect(inner._unsafeUnwrapErr()).toMatchObject({ kind: 'alreadyRunning' })
    })
  })

  describe('errors', () => {
    const kindOf = async (connectionString: string): Promise<PostgresError> => {
      const pool = new pg.Pool({ connectionString, max: 1 })
      pools.push(pool)
      const r = await loadSyncState(pool)
      return r._unsafeUnwrapErr()
    }

    it('should report a wrong password as authFailed without the password', async () => {
      const error = await kindOf(
        `postgres://${passwordRole.user}:wrong-Pa55@127.0.0.1:${port}/postgres`,
      )
      expect(error.kind).toBe('authFailed')
      expect(JSON.stringify(error) + error.message).not.toContain('wrong-Pa55')
    })

    it('should report a closed port as connectionRefused without the password', async () => {
      const closed = await freePort()
      const error = await kindOf(
        `postgres://${passwordRole.user}:${passwordRole.password}@127.0.0.1:${closed}/postgres`,
      )
      expect(error.kind).toBe('connectionRefused')
      expect(JSON.stringify(error) + error.message).not.toContain(passwordRole.password)
    })

    it('should report a database without Mattermost tables as notMattermostDatabase', async () => {
      const error = await kindOf(await freshDatabase())
      expect(error.kind).toBe('notMattermostDatabase')
    })

    it('should report a concurrent write as a serializationFailure', async () => {
      const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
      pools.push(pool)
      await must(createMattermostSchema(pool))
      const state = {
        ...emptyState,
        teams: [{ id: 't'.repeat(26), name: 't', groupConstrained: true }],
        users: [{ id: 'u'.repeat(26), username: 'u', systemRole: 'user' as const }],
        teamMembers: [
          {
            teamId: 't'.repeat(26),
            userId: 'u'.repeat(26),
            schemeAdmin: false,
            schemeGuest: false,
          },
        ],
      }
      await must(writeSyncState(pool, state))
      // Another session changes the row after applyPlan took its snapshot (the trigger stalls the read).
      const blocker = await pool.connect()
      await blocker.query('BEGIN')
      await blocker.query(`UPDATE teammembers SET roles = 'x'`)
      const commands = [
        {
          kind: 'setTeamMemberAdmin',
          teamId: 't'.repeat(26),
          userId: 'u'.repeat(26),
          schemeAdmin: true,
        } as const,
      ]
      const applying = applyPlan(
        pool,
        { commands, targetFingerprint: fingerprintTarget(state) },
        { context: admittingContext(commands) },
      )
      await new Promise((resolve) => setTimeout(resolve, 300))
      await blocker.query('COMMIT')
      blocker.release()
      const error = (await applying)._unsafeUnwrapErr()
      expect(error.kind).toBe('serializationFailure')
    })
  })

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)))
  })
})
