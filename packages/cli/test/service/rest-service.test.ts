import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import type { SyncState } from '@grouproles/core'
import { LdifGroupSource } from '@grouproles/adapter-ldap'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { listRuns } from '@grouproles/adapter-postgres'
import { readConfig } from '../../src/config/read-config.js'
import { openGroups } from '../../src/open-groups.js'
import { openTarget } from '../../src/open-target.js'
import { createSyncService } from '../../src/service/sync-service.js'
import { assets, tempDir } from '../support/cli.js'

const demoState = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState
const ldif = assets('demo-directory.ldif')

// PGlite opens its data directory in seconds on a loaded machine.
describe('serve on the REST API (Enterprise fake, PGlite store)', { timeout: 120_000 }, () => {
  it('should turn /healthz 200 after an applied run whose only leftovers are removals left to Mattermost, and count them', async () => {
    const dir = tempDir()
    const configFile = join(dir, 'grouproles.json')
    writeFileSync(configFile, readFileSync(assets('demo-config.json'), 'utf8'))
    const config = readConfig(configFile, dir)._unsafeUnwrap()
    // A licensed server keeps the directory's groups and links itself (its LDAP group sync): a
    // group-constrained team takes only members of its linked groups.
    const directory = new LdifGroupSource({
      text: readFileSync(ldif, 'utf8'),
      source: 'demo-directory.ldif',
      ldap: config.ldap,
      matchBy: config.matchBy,
      rules: config.rules,
    })
    const load = (await directory.loadGroups(demoState))._unsafeUnwrap()
    const fake = await FakeMattermost.start({ settings: { edition: 'enterprise' } })
    try {
      fake.seed({ ...demoState, groups: load.groups, links: load.links })
      const env = { MATTERMOST_URL: fake.url, MATTERMOST_TOKEN: fake.token }
      const groups = (
        await openGroups(config, env, { ldif, cwd: dir, allowEmpty: false })
      )._unsafeUnwrap()
      const target = (await openTarget(env, { demo: false, config }))._unsafeUnwrap()
      const lockClient = target.lockClient
      if (lockClient === undefined)
        throw new Error('a REST target must bring its store for the lock')
      const registry = new Registry()
      const service = createSyncService({
        ports: { groups: groups.groups, target: target.target },
        lockClient,
        policy: config.policy,
        apply: true,
        intervalMs: 60_000,
        logger: pino({ level: 'silent' }),
        registry,
      })
      const server = await service.listen(0)
      try {
        const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
        expect((await fetch(`${base}/healthz`)).status).toBe(503)
        const tick = await service.runOnce()
        expect(tick.kind).toBe('synced')
        if (tick.kind !== 'synced') return
        const r = tick.result
        expect(r.applied?.outcomes.filter((o) => o.kind === 'failed')).toEqual([])
        expect(r.applied?.outcomes.length).toBeGreaterThan(0)
        expect(r.plan.held.map((h) => h.hold.kind)).toEqual(
          Array.from({ length: 4 }, () => 'leftToMattermost'),
        )
        expect(r.verification?.converged).toBe(true)
        expect((await fetch(`${base}/healthz`)).status).toBe(200)
        const metrics = await (await fetch(`${base}/metrics`)).text()
        expect(metrics).toContain('grouproles_sync_held_commands{hold="leftToMattermost"} 4')
        expect(metrics).toContain('grouproles_sync_held_commands{hold="maxRemovals"} 0')
        expect(metrics).toContain('grouproles_sync_runs_total{outcome="applied"} 1')
        // The run was journalled in the store's database (the same one that holds the lock).
        const runs = (await listRuns(lockClient))._unsafeUnwrap()
        expect(runs.map((x) => [x.target, x.siteId, x.outcome])).toEqual([
          ['rest', fake.settings.siteId, 'applied'],
        ])
        // A second run: nothing to do, still healthy, the removals still left to Mattermost.
        const second = await service.runOnce()
        expect(second.kind === 'synced' ? second.result.plan.commands : undefined).toEqual([])
        expect((await fetch(`${base}/healthz`)).status).toBe(200)
      } finally {
        await service.stop()
        await new Promise<void>((resolve) => {
          server.close(() => {
            resolve()
          })
        })
        await target.close()
      }
      expect(fake.violations).toEqual([])
    } finally {
      await fake.close()
    }
  })
})
