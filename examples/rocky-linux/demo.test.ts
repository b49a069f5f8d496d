import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { toSyncCommand } from '@grouproles/core'
import { mmId, parseDemoConfig, runDemo } from './demo.js'

const quiet = { env: {}, log: () => undefined }

describe('runDemo', () => {
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
      { kind: 'removeTeamMember', teamId: mmId('teamrl'), userId: mmId('carol') },
      { kind: 'removeTeamMember', teamId: mmId('teamrl'), userId: mmId('frank') },
    ])
    expect(summary.applied?.outcomes.every((o) => o.kind === 'done')).toBe(true)
    expect(summary.replanned).toBe(0)
    expect(summary.explanation.join('\n')).toContain(
      'member via mm_rl_infrastructure_admins > rl_infra_leads',
    )
    expect(summary.explanation[1]).toBe('  now: member, admin')
    expect(lines.join('\n')).toMatch(/Re-planned: 0 changes \(converged\)/)
    expect(lines.join('\n')).toMatch(/channel=docs/)
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
    const broken = await runDemo({
      ...quiet,
      ldifText: 'dn: uid=x,cn=users,cn=accounts,dc=rockylinux,dc=org\nuid:: not base64 !!!\n',
    })
    expect(broken._unsafeUnwrapErr()).toMatchObject({ kind: 'sync' })
  })

  it('should refuse a config that is not an object', () => {
    expect(parseDemoConfig([])._unsafeUnwrapErr().message).toMatch(/JSON object/)
  })
})
