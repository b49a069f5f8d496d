import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { afterAll, beforeAll, describe, inject, it } from 'vitest'
import type { SyncState } from '@grouproles/core'
import { describeTargetContract, type TargetFactory } from '@grouproles/core/testing'
import {
  fromPglite,
  PostgresSyncTarget,
  type PostgresClient,
  type PostgresError,
} from '../src/index.js'
import { createMattermostSchema, writeSyncState } from '../src/testing/index.js'
import { must, storable } from './contract.js'
import { freshDatabase } from './empty-databases.js'

const tables =
  'users, bots, usergroups, groupmembers, groupteams, groupchannels, teams, channels, teammembers, channelmembers, channelmemberhistory'

/**
 * `PostgresSyncTarget` on one database whose Mattermost tables every case empties and refills:
 * it holds a state as `storable` says (no `managed` flags, no group `status`, default channels by
 * name).
 */
function postgresTarget(client: () => PostgresClient): TargetFactory<PostgresError> {
  return {
    seed: async (state: SyncState) => {
      const c = client()
      await must(createMattermostSchema(c))
      await c.query({ text: `TRUNCATE ${tables}` })
      await must(writeSyncState(c, state, { now: 1_700_000_000_000 }))
      return { target: new PostgresSyncTarget(c) }
    },
    holds: (state) => storable(state),
  }
}

// A real server is slower per case than PGlite: fewer cases, more time.
const real = { numRuns: 12, timeoutMs: 180_000 }
const embedded = { numRuns: 15, timeoutMs: 180_000 }

describe.runIf(inject('pgUrl') !== '')('real PostgreSQL', () => {
  let pool: pg.Pool | undefined
  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
  })
  afterAll(async () => {
    await pool?.end()
  })
  describeTargetContract(
    'PostgresSyncTarget on pg.Pool',
    postgresTarget(() => {
      if (pool === undefined) throw new Error('pool not ready')
      return pool
    }),
    { describe, it },
    real,
  )
})

describe('PGlite', () => {
  let db: PGlite | undefined
  beforeAll(async () => {
    db = await PGlite.create()
  })
  afterAll(async () => {
    await db?.close()
  })
  const client = (): PostgresClient => {
    if (db === undefined) throw new Error('PGlite not ready')
    return fromPglite(db)
  }
  describeTargetContract(
    'PostgresSyncTarget on PGlite',
    postgresTarget(client),
    { describe, it },
    embedded,
  )
  describeTargetContract(
    'PostgresSyncTarget on PGlite, groups from a directory',
    { ...postgresTarget(client), groups: 'directory' },
    { describe, it },
    embedded,
  )
})
