import pg from 'pg'
import { baselineSql } from './load.bench.js'
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:37871/bench', max: 2 })
for (const [name, sql] of Object.entries(baselineSql)) {
  const t = performance.now()
  await pool.query('SET statement_timeout = 60000')
  const r = await pool.query({ text: sql, rowMode: 'array' }).catch((e: Error) => ({ rows: [e.message] }))
  console.log(name, Math.round(performance.now() - t), 'ms', r.rows.length)
}
await pool.end()
