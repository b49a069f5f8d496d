import { readFileSync } from 'node:fs'
import { PGlite } from '@electric-sql/pglite'
import { errAsync } from 'neverthrow'
import type { CommandError, Warning } from '@grouproles/core'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { fromPglite, loadSyncState, PostgresSyncTarget } from '@grouproles/adapter-postgres'
import { createMattermostSchema, writeSyncState } from '@grouproles/adapter-postgres/testing'
import { mattermostSeed, mmId } from '../../../../examples/rocky-linux/mattermost-seed.js'
import { parseConfigText } from '../../src/config/read-config.js'
import { LdifGroupSource } from '@grouproles/adapter-ldap'
import { createSyncService, type SyncServiceOptions } from '../../src/service/sync-service.js'
import { createMattermostClient } from '@grouproles/adapter-mattermost'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import type { SyncState } from '@grouproles/core'
import { notifierFor } from '../../src/notify-run.js'

const configFile = new URL('../../assets/demo-config.json', import.meta.url).pathname
const config = parseConfigText(readFileSync(configFile, 'utf8'), configFile)._unsafeUnwrap()
const ldif = readFileSync(new URL('../../assets/demo-directory.ldif', import.meta.url), 'utf8')
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

async function setup(
  apply: boolean,
  extra: Partial<
    Pick<
      SyncServiceOptions<CommandError, Warning, CommandError, CommandError>,
      'policy' | 'gates' | 'clock' | 'intervalMs' | 'afterRun'
    >
  > = {},
) {
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
  const ports = {
    groups: new LdifGroupSource({
      text: ldif,
      source: 'demo-directory.ldif',
      ldap: config.ldap,
      matchBy: config.matchBy,
      rules: config.rules,
    }),
    target: new PostgresSyncTarget(client),
  }
  const service = createSyncService({
    ports,
    lockClient: client,
    policy: config.policy,
    apply,
    intervalMs: 60_000,
    logger,
    registry,
    ...extra,
  })
  closers.push(() => service.stop())
  return { client, service, registry, logs, ports }
}

// PGlite starts in seconds on a loaded machine; each test creates one.
describe('createSyncService', { timeout: 120_000 }, () => {
  it('should apply a run under the lock, count changes in metrics and converge', async () => {
    const { client, service, registry, logs } = await setup(true)
    const outcome = await service.runOnce()
    expect(outcome.kind).toBe('synced')
    if (outcome.kind !== 'synced') return
    expect(outcome.result.verification?.converged).toBe(true)
    const metrics = await registry.metrics()
    expect(metrics).toMatch(/grouproles_sync_runs_total\{outcome="applied"\} 1/)
    expect(metrics).toMatch(/grouproles_sync_changes_total\{kind="addTeamMember"\} 4/)
    expect(metrics).toMatch(/grouproles_sync_changes_total\{kind="removeTeamMember"\} 2/)
    expect(metrics).toMatch(/grouproles_sync_last_success_timestamp_seconds \d+/)
    expect(metrics).toMatch(/grouproles_sync_failed_commands_total\{kind="removeTeamMember"\} 0/)
    const after = (await loadSyncState(client))._unsafeUnwrap()
    expect(after.teamMembers.find((m) => m.userId === mmId('frank'))?.deleted).toBe(true)
    // pino writes one JSON line per record to the injected stream.
    expect(logs.filter((l) => l.level === 30).map((l) => l.msg)).toContain(
      'sync applied 12 commands',
    )
    expect(logs.some((l) => l.msg === 'sync verified' && l.level === 20)).toBe(true)
  })

  it('should report held, warnings and durations in metrics', async () => {
    let now = 0
    const { service, registry } = await setup(true, {
      policy: { ...config.policy, limits: { maxRemovals: 1 } },
      clock: () => (now += 250),
    })
    const outcome = await service.runOnce()
    if (outcome.kind !== 'synced') throw new Error(`expected synced, got ${outcome.kind}`)
    expect(outcome.result.plan.held).toHaveLength(2)
    const metrics = await registry.metrics()
    expect(metrics).toMatch(/^grouproles_sync_held_commands\{hold="maxRemovals"\} 2$/m)
    expect(metrics).toMatch(/^grouproles_sync_held_commands\{hold="leftToMattermost"\} 0$/m)
    expect(metrics).toMatch(
      new RegExp(`^grouproles_sync_warnings ${outcome.result.warnings.length}$`, 'm'),
    )
    expect(outcome.result.warnings.length).toBeGreaterThan(0)
    expect(metrics).toMatch(/^grouproles_sync_duration_seconds_count 1$/m)
    const sum = Number(/^grouproles_sync_duration_seconds_sum (\S+)$/m.exec(metrics)?.[1])
    // Every clock read advances 250 ms: the run spans several reads.
    expect(sum).toBeGreaterThanOrEqual(0.5)
    expect(metrics).toMatch(/^grouproles_sync_stage_seconds\{stage="plan"\} 0\.25$/m)
  })

  it('should count a gated run as gated, log it as a warning, and not as a success', async () => {
    const { service, registry, logs } = await setup(true, { gates: { minGroups: 1000 } })
    const server = await service.listen(0)
    closers.push(
      () =>
        new Promise((r) =>
          server.close(() => {
            r()
          }),
        ),
    )
    const outcome = await service.runOnce()
    if (outcome.kind !== 'synced') throw new Error(`expected synced, got ${outcome.kind}`)
    expect(outcome.result.gateReasons[0]).toMatch(/gates.minGroups \(1000\)/)
    expect(outcome.result.applied).toBeUndefined()
    const metrics = await registry.metrics()
    expect(metrics).toMatch(/grouproles_sync_runs_total\{outcome="gated"\} 1/)
    expect(metrics).toMatch(/^grouproles_sync_last_success_timestamp_seconds 0$/m)
    const port = (server.address() as { port: number }).port
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(503)
    expect(logs.find((l) => l.level === 40)?.msg).toMatch(/^sync gated: nothing applied/)
  })

  it('should count failed commands per kind, and not call a run with failures a success', async () => {
    const { ports, client } = await setup(true)
    const registry = new Registry()
    const service = createSyncService({
      // Removals fail as the REST API fails them on group-synced teams; the rest is applied.
      ports: {
        ...ports,
        target: {
          loadSyncState: () => ports.target.loadSyncState(),
          applyPlan: (plan, context) => {
            const removals = plan.commands.filter((c) => c.kind === 'removeTeamMember')
            return ports.target
              .applyPlan(
                { ...plan, commands: plan.commands.filter((c) => c.kind !== 'removeTeamMember') },
                context,
              )
              .map((report) => ({
                ...report,
                outcomes: [
                  ...report.outcomes,
                  ...removals.map((command) => ({
                    kind: 'failed' as const,
                    command,
                    error: { kind: 'groupConstrained', message: 'refused by the server' },
                  })),
                ],
              }))
          },
        },
      },
      lockClient: client,
      policy: config.policy,
      apply: true,
      intervalMs: 60_000,
      logger: pino({ level: 'silent' }),
      registry,
    })
    closers.push(() => service.stop())
    const outcome = await service.runOnce()
    if (outcome.kind !== 'synced') throw new Error(`expected synced, got ${outcome.kind}`)
    expect(outcome.result.verification?.converged).toBe(false)
    const metrics = await registry.metrics()
    expect(metrics).toMatch(/grouproles_sync_failed_commands_total\{kind="removeTeamMember"\} 2/)
    expect(metrics).toMatch(/grouproles_sync_failed_commands_total\{kind="addTeamMember"\} 0/)
    expect(metrics).toMatch(/grouproles_sync_runs_total\{outcome="incomplete"\} 1/)
    expect(metrics).toMatch(/^grouproles_sync_last_success_timestamp_seconds 0$/m)
  })

  it('should post one run summary after an applied run with changes and none after a quiet one (notify)', async () => {
    const fake = await FakeMattermost.start()
    closers.push(() => fake.close())
    const demo = JSON.parse(
      readFileSync(new URL('../../assets/demo-mattermost.json', import.meta.url), 'utf8'),
    ) as SyncState
    fake.seed(demo)
    // The second run has nothing to do: it posts nothing (a failed post would throw here).
    const notifier = notifierFor(createMattermostClient({ url: fake.url, token: fake.token }), {
      team: 'rl',
      channel: 'town-square',
    })
    const { service } = await setup(true, {
      afterRun: async (r) => {
        const posted = await notifier.notify(r)
        if (posted.kind === 'notifyFailed') throw new Error(posted.message)
      },
    })

    const first = await service.runOnce()
    const second = await service.runOnce()

    expect([first.kind, second.kind]).toEqual(['synced', 'synced'])
    expect(fake.posts).toHaveLength(1)
    expect(fake.posts[0]?.message).toContain('| addTeamMember | 4 | 0 | 0 |')
  })

  it('should finish a run whose after-run hook fails, logging a warning', async () => {
    const { service, registry, logs } = await setup(true, {
      afterRun: () => Promise.reject(new Error('post refused')),
    })

    const outcome = await service.runOnce()

    expect(outcome.kind).toBe('synced')
    expect(await registry.metrics()).toMatch(/grouproles_sync_runs_total\{outcome="applied"\} 1/)
    expect(logs.some((l) => l.level === 40 && l.msg === 'after-run hook failed')).toBe(true)
  })

  it('should run on the interval until stopped', async () => {
    const { service, registry } = await setup(false, { intervalMs: 5 })
    const runs = async () =>
      Number(
        /grouproles_sync_runs_total\{outcome="planned"\} (\d+)/.exec(
          await registry.metrics(),
        )?.[1] ?? 0,
      )
    service.start()
    const deadline = Date.now() + 90_000
    while ((await runs()) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    await service.stop()
    const stoppedAt = await runs()
    expect(stoppedAt).toBeGreaterThanOrEqual(2)
    await new Promise((r) => setTimeout(r, 100))
    expect(await runs()).toBe(stoppedAt)
  })

  it('should refuse an interval that is not a number > 0 (no busy loop)', async () => {
    const { ports, client } = await setup(false)
    for (const intervalMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() =>
        createSyncService({
          ports,
          lockClient: client,
          policy: {},
          intervalMs,
          logger: pino({ level: 'silent' }),
          registry: new Registry(),
        }),
      ).toThrow(/intervalMs must be a number > 0/)
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

  it('should serve metrics and health over HTTP, and the hook only on its own port with the token', async () => {
    const { service } = await setup(false)
    const token = 'role-token-0123456789abcdef'
    const server = await service.listen(0)
    const roleServer = await service.listenRole(0, '127.0.0.1', { token })
    for (const sv of [server, roleServer])
      closers.push(
        () =>
          new Promise((r) => {
            sv.close(() => {
              r()
            })
          }),
      )
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
    const roleBase = `http://127.0.0.1:${(roleServer.address() as { port: number }).port}`
    expect((await fetch(`${base}/healthz`)).status).toBe(503)
    await service.runOnce()
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
    expect((await fetch(`${base}/healthz`, { method: 'HEAD' })).status).toBe(200)
    expect(await (await fetch(`${base}/metrics`)).text()).toContain(
      'grouproles_sync_planned_commands',
    )
    const query = `/role?user=${mmId('bob')}&channel=${mmId('rlinfrastructure')}`
    // Not on the metrics port, whatever the caller sends.
    expect(
      (await fetch(`${base}${query}`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(404)
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405)
    // On its own port: only with the bearer token, only GET/HEAD.
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abc' }]) {
      const denied = await fetch(`${roleBase}${query}`, { headers })
      expect(denied.status).toBe(401)
      expect(denied.headers.get('www-authenticate')).toBe('Bearer')
      expect(await denied.text()).not.toContain('admin')
    }
    const auth = { authorization: `Bearer ${token}` }
    const role = (await (await fetch(`${roleBase}${query}`, { headers: auth })).json()) as {
      role: string
    }
    expect(role.role).toBe('admin')
    const post = await fetch(`${roleBase}${query}`, { method: 'POST', headers: auth })
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD'])
    expect((await fetch(`${roleBase}/metrics`, { headers: auth })).status).toBe(404)
    expect(() => service.listenRole(0, '127.0.0.1', { token: 'short' })).toThrow(RangeError)
  })

  it('should log and count a failed directory read, and remove nobody', async () => {
    const { client, ports } = await setup(true)
    const failing = createSyncService({
      ports: {
        ...ports,
        groups: {
          loadGroups: () =>
            errAsync({ kind: 'unreachable', message: 'connect ECONNREFUSED 127.0.0.1:636' }),
        },
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
