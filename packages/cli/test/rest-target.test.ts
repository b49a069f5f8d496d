import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { describe, expect, it } from 'vitest'
import type { SyncState } from '@grouproles/core'
import { FakeMattermost, type FakeEdition } from '@grouproles/adapter-mattermost/testing'
import { fromPglite, listRuns } from '@grouproles/adapter-postgres'
import {
  LdifGroupSource,
  parseLdapConfig,
  parseLinkRules,
  type LdapDirectoryConfig,
  type LinkRule,
} from '@grouproles/adapter-ldap'
import { assets, schemaErrors, spawnBin, tempDir } from './support/cli.js'

const demoState = JSON.parse(readFileSync(assets('demo-mattermost.json'), 'utf8')) as SyncState
const idOf = (name: string): string => {
  const u = demoState.users.find((x) => x.username === name)
  if (u === undefined) throw new Error(`no user ${name}`)
  return u.id
}
const teamId = (name: string): string => {
  const t = demoState.teams.find((x) => x.name === name)
  if (t === undefined) throw new Error(`no team ${name}`)
  return t.id
}

/** The demo's Mattermost on Team Edition: nothing is group-constrained, no Mattermost groups. */
const teamEdition: SyncState = {
  ...demoState,
  teams: demoState.teams.map((t) => ({ ...t, groupConstrained: false })),
  channels: demoState.channels.map((c) => ({ ...c, groupConstrained: false })),
}

/** A config next to its (default) store: the demo's, with `extra` keys. */
function writeConfig(dir: string, extra: Record<string, unknown>): string {
  const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as object
  const file = join(dir, 'grouproles.json')
  writeFileSync(file, JSON.stringify({ ...config, ...extra }))
  return file
}

async function withFake<T>(
  edition: FakeEdition,
  state: SyncState,
  fn: (fake: FakeMattermost, env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const fake = await FakeMattermost.start({ settings: { edition } })
  try {
    fake.seed(state)
    return await fn(fake, { MATTERMOST_URL: fake.url, MATTERMOST_TOKEN: fake.token })
  } finally {
    await fake.close()
  }
}

interface PlanDoc {
  readonly changes: boolean
  readonly commands: readonly {
    kind: string
    userId: string
    teamId?: string
    channelId?: string
  }[]
  readonly held: readonly { kind: string; hold: { kind: string } }[]
  readonly sources: { mattermost: string }
}
const parse = (stdout: string): PlanDoc => JSON.parse(stdout) as PlanDoc
// A plan of the demo with managed teams written to plan.json, and its first team add.
async function planWithTeamAdd(env: Readonly<Record<string, string>>) {
  const cwd = tempDir()
  writeConfig(cwd, { manage: ['rl', 'resf'] })
  const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
  const plan = await spawnBin(['plan', ...args, '--out', 'plan.json', '--json'], { cwd, env })
  expect(plan.code).toBe(0)
  const doc = parse(plan.stdout)
  const add = doc.commands.find((c) => c.kind === 'addTeamMember')
  if (add?.teamId === undefined) throw new Error('the demo plans a team add')
  return { cwd, args, doc, add: { ...add, teamId: add.teamId } }
}
const groupRoutes = (fake: FakeMattermost) =>
  [...fake.counts.keys()].filter((id) => /Group/.test(id))

// The bin is spawned with plain node, as a user runs it; PGlite opens its data directory each time.
describe('grouproles over the REST API (the exported fake)', { timeout: 180_000 }, () => {
  it('should sync managed teams on Team Edition, journal the run in the store and converge', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const cwd = tempDir()
      writeConfig(cwd, { manage: ['rl', 'resf'] })
      const ldif = assets('demo-directory.ldif')
      const args = ['--config', 'grouproles.json', '--ldif', ldif]
      const plan = await spawnBin(['plan', ...args, '--out', 'plan.json', '--json'], { cwd, env })
      expect([plan.code, plan.stderr]).toEqual([0, ''])
      const doc = parse(plan.stdout)
      expect(await schemaErrors('plan-output', doc)).toEqual([])
      const storeDir = join(cwd, '.grouproles', 'store')
      expect(doc.sources.mattermost).toBe(`REST API ${fake.url} (store: ${storeDir})`)
      // Managed: removals are planned and sent (nothing is constrained in Mattermost), none held.
      const removals = doc.commands.filter((c) => c.kind === 'removeTeamMember')
      expect(removals.map((c) => c.userId).sort()).toEqual([idOf('carol'), idOf('frank')].sort())
      expect(doc.held).toEqual([])
      // Channels were found by name (listing), and no group route was called (Team Edition: 501).
      expect(doc.commands.some((c) => c.kind === 'addChannelMember')).toBe(true)
      expect(groupRoutes(fake)).toEqual([])
      expect(existsSync(storeDir)).toBe(true)

      const apply = await spawnBin(['apply', 'plan.json', ...args, '--json'], {
        cwd,
        env,
      })
      expect(apply.code).toBe(0)
      const applied = JSON.parse(apply.stdout) as { summary: { failed: number; done: number } }
      expect(applied.summary.failed).toBe(0)
      expect(applied.summary.done).toBe(doc.commands.length)
      expect(
        fake
          .snapshot()
          .teamMembers.filter((m) => m.teamId === teamId('rl') && m.userId === idOf('carol'))
          .map((m) => m.deleted),
      ).toEqual([true])

      const again = await spawnBin(['plan', ...args, '--detailed-exitcode'], { cwd, env })
      expect(again.code).toBe(0)
      expect(again.stderr).toContain('planned 0 changes (0 held)')

      // The apply was journalled in the store's database: a REST run for this site.
      const db = new PGlite(storeDir)
      try {
        const runs = (await listRuns(fromPglite(db)))._unsafeUnwrap()
        expect(runs.map((r) => [r.target, r.siteId, r.outcome])).toEqual([
          ['rest', fake.settings.siteId, 'applied'],
        ])
      } finally {
        await db.close()
      }
    })
  })

  it('should refuse a Mattermost read past mattermost.limits with one line, writing nothing', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const cwd = tempDir()
      const ldif = assets('demo-directory.ldif')
      const args = ['--config', 'grouproles.json', '--ldif', ldif]
      // The loader's budget: a handful of requests cannot read the demo's Mattermost.
      writeConfig(cwd, { manage: ['rl'], mattermost: { limits: { maxRequests: 3 } } })
      const plan = await spawnBin(['plan', ...args], { cwd, env })
      expect(plan.code).toBe(1)
      expect(plan.stderr).toMatch(/limits\.maxRequests/)
      expect(plan.stderr).not.toMatch(/\n\s+at /)
      // The client's: no answer may be larger than 100 bytes (the site identity already is).
      writeConfig(cwd, { manage: ['rl'], mattermost: { limits: { maxBodyBytes: 100 } } })
      const small = await spawnBin(['plan', ...args], { cwd, env })
      expect(small.code).toBe(1)
      expect(small.stderr).toMatch(/maxBodyBytes/)
      expect(fake.requests.every((q) => q.method === 'GET')).toBe(true)
    })
  })

  it('should hold constrained removals as leftToMattermost on Enterprise, apply the rest, and journal a stale plan as refused', async () => {
    const config = JSON.parse(readFileSync(assets('demo-config.json'), 'utf8')) as {
      ldap: LdapDirectoryConfig
      rules: LinkRule[]
    }
    // A licensed server keeps the directory's groups and links itself (its LDAP group sync).
    const directory = new LdifGroupSource({
      text: readFileSync(assets('demo-directory.ldif'), 'utf8'),
      source: 'demo-directory.ldif',
      ldap: parseLdapConfig(config.ldap)._unsafeUnwrap(),
      matchBy: 'username',
      rules: parseLinkRules(config.rules)._unsafeUnwrap(),
    })
    const load = (await directory.loadGroups(demoState))._unsafeUnwrap()
    const state = { ...demoState, groups: load.groups, links: load.links }
    await withFake('enterprise', state, async (fake, env) => {
      const cwd = tempDir()
      writeConfig(cwd, {})
      const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
      const plan = await spawnBin(['plan', ...args, '--out', 'plan.json', '--json'], { cwd, env })
      expect(plan.code).toBe(0)
      const doc = parse(plan.stdout)
      expect(await schemaErrors('plan-output', doc)).toEqual([])
      expect(doc.commands.filter((c) => c.kind.startsWith('remove'))).toEqual([])
      expect(doc.held.map((h) => [h.hold.kind, h.kind]).sort()).toEqual([
        ['leftToMattermost', 'removeChannelMember'],
        ['leftToMattermost', 'removeChannelMember'],
        ['leftToMattermost', 'removeTeamMember'],
        ['leftToMattermost', 'removeTeamMember'],
      ])
      // A plan file whose Mattermost state no longer holds: refused, journalled as refused.
      const file = join(cwd, 'plan.json')
      writeFileSync(
        join(cwd, 'stale.json'),
        readFileSync(file, 'utf8').replace(
          /"targetFingerprint": "[0-9a-f]+"/,
          '"targetFingerprint": "0123456789abcdef"',
        ),
      )
      const stale = await spawnBin(['apply', 'stale.json', ...args, '--json'], {
        cwd,
        env,
      })
      expect(stale.code).toBe(1)
      // A changed fingerprint is a hand edit: refused before Mattermost is read.
      expect(JSON.parse(stale.stdout)).toMatchObject({ error: { code: 'editedPlan' } })
      const apply = await spawnBin(['apply', 'plan.json', ...args, '--json'], {
        cwd,
        env,
      })
      expect(apply.code).toBe(0)
      expect((JSON.parse(apply.stdout) as { summary: unknown }).summary).toEqual({
        done: doc.commands.length,
        already: 0,
        failed: 0,
      })
      const again = await spawnBin(['plan', ...args, '--detailed-exitcode'], { cwd, env })
      expect(again.code).toBe(0)
      expect(again.stderr).toContain('planned 0 changes (4 held)')
      const db = new PGlite(join(cwd, '.grouproles', 'store'))
      try {
        const runs = (await listRuns(fromPglite(db)))._unsafeUnwrap()
        expect(runs.map((r) => [r.target, r.outcome])).toEqual([['rest', 'applied']])
      } finally {
        await db.close()
      }
      expect(groupRoutes(fake)).toEqual([])
    })
  })

  it('should refuse a plan whose commands no longer hold, naming them, and apply the rest with --partial', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const { cwd, args, doc, add } = await planWithTeamAdd(env)
      // Someone adds that user by hand between plan and apply: that one command no longer holds.
      fake.addTeamMember(add.teamId, add.userId)

      const refused = await spawnBin(['apply', 'plan.json', ...args], { cwd, env })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('stale:')
      expect(refused.stderr).toContain('1 of')
      expect(
        fake.snapshot().teamMembers.filter((m) => m.deleted === true && m.userId === idOf('carol')),
      ).toEqual([])

      const partial = await spawnBin(['apply', 'plan.json', ...args, '--partial', '--json'], {
        cwd,
        env,
      })
      expect(partial.code).toBe(0)
      const out = JSON.parse(partial.stdout) as {
        partial: boolean
        skipped: readonly { command: { userId: string } }[]
        summary: { done: number; failed: number }
      }
      expect(out.partial).toBe(true)
      expect(out.skipped.map((s) => s.command.userId)).toEqual([add.userId])
      expect(out.summary).toMatchObject({ done: doc.commands.length - 1, failed: 0 })
      const again = await spawnBin(['plan', ...args, '--detailed-exitcode'], { cwd, env })
      expect(again.code).toBe(0)
    })
  })

  it('should apply with one full load (the touched check reads only what each batch touches), and journal a row changed meanwhile as refused', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const { cwd, args, doc, add } = await planWithTeamAdd(env)
      const { teamId: addedTo, userId } = add
      const oneLoad = fake.count('GetUsers')
      // The user is added by hand just as the touched check starts (after apply's re-plan).
      let changed = false
      fake.onRequest = (r) => {
        if (changed || r.operationId !== 'GetUsersByIds') return
        changed = true
        fake.addTeamMember(addedTo, userId)
      }

      const refused = await spawnBin(['apply', 'plan.json', ...args], { cwd, env })
      fake.onRequest = undefined
      const applied = await spawnBin(['apply', 'plan.json', ...args, '--partial', '--json'], {
        cwd,
        env,
      })

      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain('Mattermost changed while applying')
      expect(refused.stderr).toContain(userId)
      expect(applied.code).toBe(0)
      expect((JSON.parse(applied.stdout) as { summary: unknown }).summary).toEqual({
        done: doc.commands.length - 1,
        already: 0,
        failed: 0,
      })
      // plan, refused apply, apply: one users listing each, none for the check before the writes.
      expect(fake.count('GetUsers')).toBe(3 * oneLoad)
      const db = new PGlite(join(cwd, '.grouproles', 'store'))
      try {
        const runs = (await listRuns(fromPglite(db)))._unsafeUnwrap()
        expect(runs.map((r) => r.outcome).sort()).toEqual(['applied', 'refused'])
      } finally {
        await db.close()
      }
    })
  })

  it('should not re-add a user who left a channel on the next REST run (the store remembers)', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const cwd = tempDir()
      writeConfig(cwd, { manage: ['rl', 'resf'] })
      const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
      const first = await spawnBin(['plan', ...args, '--out', 'plan.json', '--json'], { cwd, env })
      expect(first.code).toBe(0)
      const added = parse(first.stdout).commands.find(
        (c) => c.kind === 'addChannelMember' && c.userId === idOf('alice'),
      )
      expect(added?.channelId).toBeDefined()
      const channelId = added?.channelId ?? ''
      const apply = await spawnBin(['apply', 'plan.json', ...args], {
        cwd,
        env,
      })
      expect(apply.code).toBe(0)
      // alice leaves the channel in Mattermost; the API cannot show that she was ever in it.
      fake.removeChannelMember(channelId, idOf('alice'))
      const next = await spawnBin(['plan', ...args, '--json'], { cwd, env })
      expect(next.code).toBe(0)
      expect(
        parse(next.stdout).commands.filter(
          (c) => c.channelId === channelId && c.userId === idOf('alice'),
        ),
      ).toEqual([])
      // With reAddRemovedMembers: true she is planned back in.
      const config = JSON.parse(readFileSync(join(cwd, 'grouproles.json'), 'utf8')) as {
        policy: object
      }
      writeConfig(cwd, {
        manage: ['rl', 'resf'],
        policy: { ...config.policy, reAddRemovedMembers: true },
      })
      const reAdd = await spawnBin(['plan', ...args, '--json'], { cwd, env })
      expect(
        parse(reAdd.stdout).commands.filter(
          (c) => c.channelId === channelId && c.userId === idOf('alice'),
        ),
      ).toHaveLength(1)
    })
  })

  it('should scope by mattermost.teams and refuse a store bound to another Mattermost', async () => {
    await withFake('enterprise', demoState, async (fake, env) => {
      const cwd = tempDir()
      writeConfig(cwd, { mattermost: { teams: ['resf'] }, store: { dataDir: 'state' } })
      const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
      const plan = await spawnBin(['plan', ...args, '--json', '--allow-empty'], { cwd, env })
      expect(plan.code).toBe(0)
      const commands = parse(plan.stdout).commands
      expect(commands.length).toBeGreaterThan(0)
      expect(commands.filter((c) => c.teamId !== undefined && c.teamId !== teamId('resf'))).toEqual(
        [],
      )
      expect(existsSync(join(cwd, 'state'))).toBe(true)
      // The same store, another server: refused, exit 2, nothing written.
      fake.configure({ siteId: 'anothersite000000000000000' })
      const other = await spawnBin(['plan', ...args, '--json'], { cwd, env })
      expect(other.code).toBe(2)
      expect(JSON.parse(other.stdout)).toMatchObject({
        kind: 'error',
        error: { kind: 'badInput', code: 'differentMattermost' },
      })
    })
  })

  it('should post one run summary after an applied run (notify), none for the plan, with the run id', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const cwd = tempDir()
      writeConfig(cwd, { manage: ['rl', 'resf'], notify: { team: 'rl', channel: 'town-square' } })
      const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
      const plan = await spawnBin(['plan', ...args, '--out', 'plan.json', '--json'], { cwd, env })
      expect(plan.code).toBe(0)
      expect(fake.posts).toEqual([])
      const removals = parse(plan.stdout).commands.filter((c) => c.kind === 'removeTeamMember')

      const apply = await spawnBin(['apply', 'plan.json', ...args], { cwd, env })

      expect([apply.code, apply.stderr]).toEqual([0, ''])
      expect(fake.posts).toHaveLength(1)
      const message = fake.posts[0]?.message ?? ''
      // The store's first journalled run.
      expect(message).toMatch(/^#### grouproles run 1\n/)
      expect(message).toContain(`| removeTeamMember | ${removals.length} | 0 | 0 |`)
      expect(message).toContain('grouproles revert 1')
    })
  })

  it('should warn, not fail, when the run summary cannot be posted (no such channel)', async () => {
    await withFake('team', teamEdition, async (fake, env) => {
      const cwd = tempDir()
      writeConfig(cwd, { manage: ['rl', 'resf'], notify: { team: 'rl', channel: 'no-such' } })
      const args = ['--config', 'grouproles.json', '--ldif', assets('demo-directory.ldif')]
      expect((await spawnBin(['plan', ...args, '--out', 'plan.json'], { cwd, env })).code).toBe(0)

      const apply = await spawnBin(['apply', 'plan.json', ...args], { cwd, env })

      expect(apply.code).toBe(0)
      expect(apply.stderr).toContain('warning: cannot find the notify channel ~no-such of team rl')
      expect(fake.posts).toEqual([])
    })
  })

  it('should need --config for the REST API (its store makes the plan)', async () => {
    await withFake('team', teamEdition, async (_fake, env) => {
      const r = await spawnBin(['apply', 'nope.json', '--json'], { cwd: tempDir(), env })
      expect(r.code).toBe(2)
    })
  })
})
