import pg from 'pg'
import { loadSyncState } from '../src/index.js'
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:37871/bench', max: 6 })
for (let i = 0; i < 2; i++) {
  const t = performance.now()
  const s = (await loadSyncState(pool))._unsafeUnwrap()
  console.log(Math.round(performance.now() - t), 'ms', s.channelMembers.length)
}
await pool.end()
