import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { inject } from 'vitest'
import { fromPglite, fromTextQueries, type PostgresClient } from '../src/index.js'

/** A way to get a client on an empty database of its own (no Mattermost tables, no grouproles). */
export interface EmptyDatabase {
  readonly name: string
  readonly connect: () => Promise<{
    readonly client: PostgresClient
    readonly close: () => Promise<void>
  }>
}

/** A new, empty database on the throwaway server; its URL. */
export async function freshDatabase(): Promise<string> {
  const url = inject('pgUrl')
  const name = `grouproles_${String(process.pid)}_${String(Math.floor(Math.random() * 1e9))}`
  const admin = new pg.Client({ connectionString: `${url}/postgres` })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  return `${url}/${name}`
}

/**
 * Every client shape on an empty database: `pg.Pool`, `pg.Client` and a pool seen only through
 * `query(text, values)` on the real server (left out when it is missing and
 * GROUPROLES_ALLOW_MISSING_SERVERS=1 let global-setup skip it), and in-process PGlite.
 */
export function emptyDatabases(): readonly EmptyDatabase[] {
  const pglite: EmptyDatabase = {
    name: 'PGlite (in-process)',
    connect: async () => {
      const db = await PGlite.create()
      return { client: fromPglite(db), close: () => db.close() }
    },
  }
  if (inject('pgUrl') === '') return [pglite]
  return [
    {
      name: 'pg.Pool',
      connect: async () => {
        const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
        return { client: pool, close: () => pool.end() }
      },
    },
    {
      name: 'pg.Client',
      connect: async () => {
        const client = new pg.Client({ connectionString: await freshDatabase() })
        await client.connect()
        return { client, close: () => client.end() }
      },
    },
    {
      name: 'pg.Pool through query(text, values) only (fromTextQueries)',
      connect: async () => {
        const pool = new pg.Pool({ connectionString: await freshDatabase(), max: 4 })
        const client = fromTextQueries({
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
        })
        return { client, close: () => pool.end() }
      },
    },
    pglite,
  ]
}
