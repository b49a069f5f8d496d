import pg from 'pg'
import { planSync } from '@grouproles/core'
import { generateState, stateSizes } from '@grouproles/core/testing'
import { loadSyncState } from '../src/index.js'
import { createMattermostSchema, writeSyncState } from '../src/testing/index.js'
import { findPgBin, startPostgres } from '../test/start-postgres.js'
import { baselineSql } from './load.bench.js'

const server = await startPostgres(findPgBin()!)
try {
  const pool = new pg.Pool({ connectionString: server.url() })
  const state = generateState(stateSizes.S, 1)
  ;(await createMattermostSchema(pool))._unsafeUnwrap()
  ;(await writeSyncState(pool, state))._unsafeUnwrap()
  const loaded = (await loadSyncState(pool))._unsafeUnwrap()
  const plan = planSync(loaded)
  const all = [...plan.commands, ...plan.held]
  for (const [name, kind] of [['teamRoles', 'setTeamMemberAdmin'], ['channelRoles', 'setChannelMemberAdmin'], ['channelRemovals', 'removeChannelMember']] as const) {
    const sqlKeys = new Set((await pool.query({ text: baselineSql[name]!, rowMode: 'array' })).rows.map((r: string[]) => `${r[0]}:${r[1]}`))
    const coreKeys = new Set(all.filter((c) => c.kind === kind).map((c) => `${'teamId' in c ? c.teamId : c.channelId}:${c.userId}`))
    const onlyCore = [...coreKeys].filter((k) => !sqlKeys.has(k))
    const onlySql = [...sqlKeys].filter((k) => !coreKeys.has(k))
    console.log(name, 'onlyCore', onlyCore.length, 'onlySql', onlySql.length)
    for (const k of onlyCore.slice(0, 3)) {
      const [s, u] = k.split(':')
      const c = all.find((x) => x.userId === u && ('teamId' in x ? x.teamId : x.channelId) === s)
      console.log(' core', JSON.stringify(c), JSON.stringify(loaded.users.find((x) => x.id === u)))
    }
    for (const k of onlySql.slice(0, 3)) {
      const [, u] = k.split(':')
      console.log(' sql', k, JSON.stringify(loaded.users.find((x) => x.id === u)))
    }
  }
  await pool.end()
} finally {
  await server.stop()
}
