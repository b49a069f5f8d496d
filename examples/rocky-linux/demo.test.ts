import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { toSyncCommand } from '@grouproles/core'
import { FakeMattermost } from '@grouproles/adapter-mattermost/testing'
import { mmId, runDemo } from './demo.js'
import { enterpriseSeed } from './rest-seed.js'

const quiet = { env: {}, log: () => undefined }

// PGlite starts in seconds on a loaded machine; each test creates one.
describe('runDemo', { timeout: 120_000 }, () => {
  it('should plan the Rocky Linux example, apply it from the plan file, converge and explain', async () => {
    const lines: string[] = []
    const summary = (await runDemo({ env: {}, log: (l) => lines.push(l) }))._unsafeUnwrap()
    expect(summary.plan.commands.map(toSyncCommand)).toEqual([
      {
        kind: 'setTeamMemberAdmin',
        teamId: mmId('teamrl'),
        userId: mmId('alice'),
        schemeAdmin: true,
      },
      {
        kind: 'setChannelMemberAdmin',
        channelId: mmId('rlinfrastructure'),
        userId: mmId('alice'),
        schemeAdmin: false,
      },
      { kind: 'addTeamMember', teamId: mmId('teamresf'), userId: mmId('alice'), role: 'member' },
      { kind: 'addTeamMember', teamId: mmId('teamresf'), userId: mmId('dave'), role: 'guest' },
      { kind: 'addTeamMember', teamId: mmId('teamrl'), userId: mmId('bob'), role: 'member' },
      { kind: 'addTeamMember', teamId: mmId('teamrl'), userId: mmId('erin'), role: 'member' },
      {
        kind: 'addChannelMember',
        channelId: mmId('resfboard'),
        userId: mmId('alice'),
        role: 'member',
      },
      {
        kind: 'addChannelMember',
        channelId: mmId('resfboard'),
        userId: mmId('dave'),
        role: 'guest',
      },
      {
        kind: 'addChannelMember',
        channelId: mmId('rlinfrastructure'),
        userId: mmId('bob'),
        role: 'admin',
      },
      // erin manages mm_rl_infrastructure (memberManager) and the rule says managers: 'admin'.
      {
        kind: 'addChannelMember',
        channelId: mmId('rlinfrastructure'),
        userId: mmId('erin'),
        role: 'admin',
      },
      { kind: 'removeTeamMember', teamId: mmId('teamrl'), userId: mmId('carol') },
      { kind: 'removeTeamMember', teamId: mmId('teamrl'), userId: mmId('frank') },
    ])
    expect(summary.applied?.outcomes.every((o) => o.kind === 'done')).toBe(true)
    expect(summary.replanned).toBe(0)
    expect(summary.explanation.join('\n')).toContain(
      'member via mm_rl_infrastructure_admins > rl_infra_leads',
    )
    expect(summary.explanation[1]).toBe('  now: member, admin')
    expect(summary.managerExplanation.join('\n')).toContain(
      'decided role: admin: manages mm_rl_infrastructure (memberManager)',
    )
    expect(lines.join('\n')).toMatch(/Re-planned: 0 changes \(converged\)/)
    expect(lines.join('\n')).toContain(
      '  - rule 1: group mm_rl_docs names channel rl/docs, which does not exist: not linked',
    )
  })

  it('should keep the system admin, the bot and the guest safe', async () => {
    const summary = (await runDemo(quiet))._unsafeUnwrap()
    const touched = summary.plan.commands
      .filter((c) => c.kind === 'removeTeamMember' || c.kind === 'setTeamMemberAdmin')
      .map((c) => c.userId)
    expect(touched).not.toContain(mmId('grace'))
    expect(touched).not.toContain(mmId('cibot'))
    expect(
      summary.plan.commands
        .filter((c) => c.userId === mmId('dave'))
        .every((c) => 'role' in c && c.role === 'guest'),
    ).toBe(true)
  })

  it('should only plan (dry run) when asked to', async () => {
    const summary = (await runDemo({ ...quiet, apply: false }))._unsafeUnwrap()
    expect(summary.applied).toBeUndefined()
    expect(summary.replanned).toBe(summary.plan.commands.length)
  })

  it('should refuse malformed config and LDIF with typed errors', async () => {
    const config = readFileSync(new URL('./config.json', import.meta.url), 'utf8')
    const matchBy = (
      await runDemo({ ...quiet, configText: config.replace('"username"', '"nickname"') })
    )._unsafeUnwrapErr()
    expect([matchBy.kind, matchBy.message]).toEqual([
      'config',
      expect.stringMatching(/config.matchBy/) as unknown,
    ])
    const fraction = (
      await runDemo({
        ...quiet,
        configText: config.replace('"maxRemovalFraction": 0.5', '"maxRemovalFraction": 7'),
      })
    )._unsafeUnwrapErr()
    expect([fraction.kind, fraction.message]).toEqual([
      'config',
      expect.stringMatching(/maxRemovalFraction/) as unknown,
    ])
    const typo = (
      await runDemo({ ...quiet, configText: config.replace('"limits"', '"limit"') })
    )._unsafeUnwrapErr()
    expect([typo.kind, typo.message]).toEqual([
      'config',
      expect.stringMatching(/config\.policy\.limit: unknown key/) as unknown,
    ])
    const broken = await runDemo({
      ...quiet,
      ldifText: 'dn: uid=x,cn=users,cn=accounts,dc=rockylinux,dc=org\nuid:: not base64 !!!\n',
    })
    expect(broken._unsafeUnwrapErr()).toMatchObject({ kind: 'sync' })
  })

  it('should read the config from --config or GROUPROLES_CONFIG instead of the example', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grouproles-demo-'))
    const config = JSON.parse(
      readFileSync(new URL('./config.json', import.meta.url), 'utf8'),
    ) as Record<string, unknown>
    // Only the team-level rule: no channel commands at all.
    const teamsOnly = join(dir, 'teams-only.json')
    writeFileSync(
      teamsOnly,
      JSON.stringify({
        ...config,
        rules: [{ kind: 'pattern', pattern: 'mm_{team}', adminSuffix: '_admins' }],
      }),
    )
    const channelKinds = (s: { plan: { commands: readonly { kind: string }[] } }) =>
      s.plan.commands.filter((c) => c.kind === 'addChannelMember').length
    const byOption = (
      await runDemo({ ...quiet, apply: false, configPath: teamsOnly })
    )._unsafeUnwrap()
    expect(channelKinds(byOption)).toBe(0)
    const byEnv = (
      await runDemo({ env: { GROUPROLES_CONFIG: teamsOnly }, log: () => undefined, apply: false })
    )._unsafeUnwrap()
    expect(channelKinds(byEnv)).toBe(0)
    const missing = (
      await runDemo({ ...quiet, configPath: join(dir, 'nope.json') })
    )._unsafeUnwrapErr()
    expect([missing.kind, missing.message]).toEqual([
      'config',
      expect.stringMatching(/cannot read the config file/) as unknown,
    ])
  })

  it('should run the REST demo (pnpm demo --target rest): the Team Edition fake, managed teams, a PGlite store, converged', async () => {
    const lines: string[] = []
    const storeDir = mkdtempSync(join(tmpdir(), 'grouproles-store-'))
    const summary = (
      await runDemo({ env: {}, log: (l) => lines.push(l), target: 'rest', storeDir })
    )._unsafeUnwrap()
    expect(summary.sources.mattermost).toMatch(
      /^in-process fake Mattermost \(Team Edition\) http:\/\/127\.0\.0\.1:\d+, REST API; store: PGlite in /,
    )
    // Managed by the config (Team Edition constrains nothing): removals and demotions are planned
    // and sent through the API, nothing is held, nothing fails.
    const kinds = (kind: string) =>
      summary.plan.commands
        .filter((c) => c.kind === kind)
        .map((c) => c.userId)
        .sort()
    expect(kinds('removeTeamMember')).toEqual([mmId('carol'), mmId('frank')])
    expect(kinds('setChannelMemberAdmin')).toEqual([mmId('alice')])
    expect(summary.plan.held).toEqual([])
    expect(summary.applied?.outcomes.map((o) => o.kind)).toEqual(
      summary.plan.commands.map(() => 'done'),
    )
    expect(summary.replanned).toBe(0)
    const text = lines.join('\n')
    expect(text).toContain('(managed by the manage list; also leaves its channels)')
    expect(text).toMatch(/Re-planned: 0 changes \(converged\)/)
    // The store was written in its folder: PGlite's data directory.
    expect(readdirSync(storeDir)).toContain('PG_VERSION')
  })

  it('should plan through the REST API (dry run), find the channels by name and touch no group route', async () => {
    const fake = await FakeMattermost.start()
    try {
      fake.seed(await enterpriseSeed())
      const lines: string[] = []
      const summary = (
        await runDemo({
          env: { MATTERMOST_URL: fake.url, MATTERMOST_TOKEN: fake.token },
          log: (l) => lines.push(l),
        })
      )._unsafeUnwrap()
      expect(summary.sources.mattermost).toBe(`REST API ${fake.url}`)
      expect(summary.applied).toBeUndefined()
      expect(lines.join('\n')).toMatch(/Dry run: nothing applied/)
      // No channel ids given: the listing found both channels the rules name.
      const channels = new Set(
        summary.plan.commands.flatMap((c) => ('channelId' in c ? [c.channelId] : [])),
      )
      expect([...channels].sort()).toEqual([mmId('resfboard'), mmId('rlinfrastructure')])
      // rl is group-constrained in Mattermost: its removals are left to Mattermost's own sync.
      expect(summary.plan.commands.filter((c) => c.kind.startsWith('remove'))).toEqual([])
      expect(summary.plan.held.map((h) => [h.hold.kind, h.kind, h.userId]).sort()).toEqual([
        ['leftToMattermost', 'removeChannelMember', mmId('carol')],
        ['leftToMattermost', 'removeChannelMember', mmId('frank')],
        ['leftToMattermost', 'removeTeamMember', mmId('carol')],
        ['leftToMattermost', 'removeTeamMember', mmId('frank')],
      ])
      // The groups come from the directory: no group route was called.
      const groupRoutes = [...fake.counts.keys()].filter((id) => /Group/.test(id))
      expect(groupRoutes).toEqual([])
      expect(fake.violations).toEqual([])
    } finally {
      await fake.close()
    }
  })

  it('should apply through the REST API when asked, leave constrained removals to Mattermost and converge', async () => {
    const fake = await FakeMattermost.start()
    try {
      fake.seed(await enterpriseSeed())
      const summary = (
        await runDemo({
          env: { MATTERMOST_URL: fake.url, MATTERMOST_TOKEN: fake.token },
          log: () => undefined,
          apply: true,
        })
      )._unsafeUnwrap()
      const outcome = (kind: string, user: string) =>
        summary.applied?.outcomes.find(
          (o) => o.command.kind === kind && o.command.userId === mmId(user),
        )?.kind
      expect(outcome('addChannelMember', 'alice')).toBe('done')
      expect(outcome('addTeamMember', 'dave')).toBe('done')
      // Never sent (the server would refuse them), so never failed: held as left to Mattermost.
      expect(outcome('removeTeamMember', 'carol')).toBeUndefined()
      expect(summary.applied?.outcomes.filter((o) => o.kind === 'failed')).toEqual([])
      expect(summary.plan.held.map((h) => [h.hold.kind, h.kind, h.userId]).sort()).toEqual([
        ['leftToMattermost', 'removeChannelMember', mmId('carol')],
        ['leftToMattermost', 'removeChannelMember', mmId('frank')],
        ['leftToMattermost', 'removeTeamMember', mmId('carol')],
        ['leftToMattermost', 'removeTeamMember', mmId('frank')],
      ])
      // The re-plan is empty apart from those held removals: converged.
      expect(summary.replanned).toBe(0)
      const after = fake.snapshot()
      expect(
        after.channelMembers
          .filter((m) => m.channelId === mmId('resfboard'))
          .map((m) => m.userId)
          .sort(),
      ).toEqual([mmId('alice'), mmId('dave'), mmId('erin')])
      expect(
        after.teamMembers
          .filter((m) => m.teamId === mmId('teamrl'))
          .map((m) => m.userId)
          .sort(),
      ).toContain(mmId('carol'))
      expect(fake.violations).toEqual([])
    } finally {
      await fake.close()
    }
  })
})
