import pg from 'pg'
import * as q from '../src/queries.js'
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:37871/bench', max: 6 })
const c = await pool.connect()
for (const wm of ['4MB', '128MB']) {
  await c.query(`SET work_mem = '${wm}'`)
  for (const [name, sql] of Object.entries({ users: q.selectUsers, groups: q.selectGroups, tm: q.selectTeamMembers, cm: q.selectChannelMembers, h: q.selectHistory })) {
    const t = performance.now()
    const r = await c.query({ text: sql, values: name === 'users' ? [] : [null], rowMode: 'array' })
    const t2 = performance.now()
    let n = 0
    for (const row of r.rows as string[][]) n += String(row[1] ?? row[3] ?? '').split(',').length
    console.log(wm, name, Math.round(t2 - t), 'ms query', Math.round(performance.now() - t2), 'ms split', n)
  }
}
c.release()
await pool.end()
