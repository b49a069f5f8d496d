import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { errAsync } from 'neverthrow'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { fromPglite, loadSyncState } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { mattermostSeed, mmId } from '../rocky-linux/mattermost-seed.js'
import { parseDemoConfig } from '../rocky-linux/demo.js'
import { syncPorts } from '../shared/sync-ports.js'
import { createSyncService } from './sync-service.js'

const config = parseDemoConfig(
  JSON.parse(
    readFileSync(new URL('../rocky-linux/config.json', import.meta.url), 'utf8'),
  ) as unknown,
)._unsafeUnwrap()
const ldif = readFileSync(new URL('../rocky-linux/directory.ldif', import.meta.url), 'utf8')
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function setup(apply: boolean) {
  const db = await PGlite.create()
  closers.push(() => db.close())
  const client = fromPglite(db)
  ;(
    await createMattermostSchema(client).andThen(() =>
      writeSyncState(client, mattermostSeed, { now: 1 }),
    )
  )._unsafeUnwrap()
  const logs: { level: number; msg: string }[] = []
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => logs.push(JSON.parse(line) as { level: number; msg: string }) },
  )
  const registry = new Registry()
  const ports = syncPorts({
    directory: { kind: 'ldif', text: ldif, config: config.ldap },
    target: { kind: 'postgres', client },
    matchBy: config.matchBy,
    rules: config.rules,
  })
  const service = createSyncService({
    ports,
    lockClient: client,
    policy: config.policy,
    apply,
    intervalMs: 60_000,
    logger,
    registry,
  })
  closers.push(() => service.stop())
  return { client, service, registry, logs, ports }
}

describe('createSyncService', () => {
  it('should apply a run under the lock, count changes in metrics and converge', async () => {
    const { client, service, registry } = await setup(true)
    const outcome = await service.runOnce()
    expect(outcome.kind).toBe('synced')
    if (outcome.kind !== 'synced') return
    expect(outcome.result.verification?.converged).toBe(true)
    const metrics = await registry.metrics()
    expect(metrics).toMatch(/grouproles_sync_runs_total\{outcome="applied"\} 1/)
    expect(metrics).toMatch(/grouproles_sync_changes_total\{kind="addTeamMember"\} 3/)
    expect(metrics).toMatch(/grouproles_sync_changes_total\{kind="removeTeamMember"\} 2/)
    expect(metrics).toMatch(/grouproles_sync_last_success_timestamp_seconds \d+/)
    const after = (await loadSyncState(client))._unsafeUnwrap()
    expect(after.teamMembers.find((m) => m.userId === mmId('frank'))?.deleted).toBe(true)
  })

  it('should answer the add-user hook from the last run (decideRole over a prebuilt index)', async () => {
    const { service } = await setup(false)
    expect(
      service.roleForNewMember(mmId('bob'), { kind: 'channel', id: mmId('rlinfrastructure') }),
    ).toBeUndefined()
    await service.runOnce()
    expect(
      service.roleForNewMember(mmId('bob'), { kind: 'channel', id: mmId('rlinfrastructure') })
        ?.role,
    ).toBe('admin')
    expect(
      service.roleForNewMember(mmId('alice'), { kind: 'team', id: mmId('teamrl') })?.role,
    ).toBe('admin')
    expect(
      service.roleForNewMember(mmId('dave'), { kind: 'team', id: mmId('teamresf') })?.role,
    ).toBe('guest')
    expect(
      service.roleForNewMember(mmId('grace'), { kind: 'team', id: mmId('teamrl') })?.reason,
    ).toMatch(/system admin/)
  })

  it('should serve metrics, health and the hook over HTTP', async () => {
    const { service } = await setup(false)
    const server = await service.listen(0)
    closers.push(
      () =>
        new Promise((r) => {
          server.close(() => {
            r()
          })
        }),
    )
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    expect((await fetch(`${base}/healthz`)).status).toBe(503)
    await service.runOnce()
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    expect(await (await fetch(`${base}/metrics`)).text()).toContain(
      'grouproles_sync_planned_commands',
    )
    const role = (await (
      await fetch(`${base}/role?user=${mmId('bob')}&channel=${mmId('rlinfrastructure')}`)
    ).json()) as { role: string }
    expect(role.role).toBe('admin')
  })

  it('should log and count a failed directory read, and remove nobody', async () => {
    const { client, ports } = await setup(true)
    const failing = createSyncService({
      ports: {
        ...ports,
        readDirectory: () =>
          errAsync({ kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:636' }),
      },
      lockClient: client,
      policy: config.policy,
      apply: true,
      intervalMs: 60_000,
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
    })
    const outcome = await failing.runOnce()
    expect(outcome).toMatchObject({ kind: 'failed', error: { kind: 'loadFailed' } })
    const state = (await loadSyncState(client))._unsafeUnwrap()
    expect(state.teamMembers.filter((m) => m.deleted === true)).toEqual([])
  })

  it('should run once at a time in one process', async () => {
    const { service } = await setup(false)
    const [a, b] = await Promise.all([service.runOnce(), service.runOnce()])
    expect(a).toBe(b)
  })
})
