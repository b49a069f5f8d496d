import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { fromPglite, fromTextQueries, isPool } from '../src/index.js'

describe('isPool', () => {
  it('should tell a pg.Pool from a pg.Client', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1 })
    expect(isPool(pool)).toBe(true)
    expect(isPool(new pg.Client({ host: '127.0.0.1', port: 1 }))).toBe(false)
    await pool.end()
  })

  it('should treat a checked-out connection as one connection', () => {
    const poolClient = {
      query: () => Promise.resolve({ rows: [], rowCount: 0 }),
      connect: () => Promise.reject(new Error('x')),
      release: () => undefined,
    }
    expect(isPool(poolClient)).toBe(false)
  })
})

describe('fromPglite', () => {
  it('should run queries with rows as arrays and hand out its one session in turn', async () => {
    const db = await PGlite.create()
    const pool = fromPglite(db)
    const first = await pool.connect()
    await first.query({ text: 'BEGIN' })
    await first.query({ text: 'CREATE TABLE t (x int)' })
    // A query outside the held session waits until it is released, so it sees the committed table.
    const outside = pool.query({ text: 'SELECT count(*)::int FROM t', rowMode: 'array' })
    await first.query({ text: 'INSERT INTO t VALUES (1), (2)' })
    await first.query({ text: 'COMMIT' })
    first.release()
    expect((await outside).rows).toEqual([[2]])
    await db.close()
  })
})

describe('fromTextQueries', () => {
  it('should call query(text, values) and rebuild array rows in column order', async () => {
    const calls: unknown[][] = []
    const conn = {
      query: (text: string, values?: unknown[]) => {
        calls.push([text, values])
        return Promise.resolve({ rows: [{ b: 2, a: 1 }], rowCount: 1 })
      },
    }
    const client = fromTextQueries(conn)
    expect(isPool(client)).toBe(false)
    const arrays = await client.query({
      text: 'SELECT 2 AS b, 1 AS a',
      values: [7],
      rowMode: 'array',
    })
    expect(arrays).toEqual({ rows: [[2, 1]], rowCount: 1 })
    const objects = await client.query({ text: 'SELECT 2 AS b, 1 AS a' })
    expect(objects.rows).toEqual([{ b: 2, a: 1 }])
    expect(calls).toEqual([
      ['SELECT 2 AS b, 1 AS a', [7]],
      ['SELECT 2 AS b, 1 AS a', undefined],
    ])
  })

  it('should keep a pool a pool and release what it connected', async () => {
    const released: unknown[] = []
    const pool = fromTextQueries({
      query: () => Promise.resolve({ rows: [] }),
      connect: () =>
        Promise.resolve({
          query: () => Promise.resolve({ rows: [{ x: 1 }] }),
          release: (destroy?: boolean | Error) => {
            released.push(destroy)
          },
        }),
    })
    expect(isPool(pool)).toBe(true)
    const conn = await pool.connect()
    expect((await conn.query({ text: 'SELECT 1 AS x', rowMode: 'array' })).rows).toEqual([[1]])
    conn.release(true)
    expect(released).toEqual([true])
  })
})
