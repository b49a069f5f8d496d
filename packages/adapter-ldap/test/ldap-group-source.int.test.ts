import { describe, expect, inject, it } from 'vitest'
import {
  emptyState,
  runSync,
  syncCommandKinds,
  type SyncCommand,
  type SyncCommandKind,
  type SyncHistory,
  type SyncHistoryStore,
  type SyncState,
  type SyncTarget,
  type TargetView,
} from '@grouproles/core'
import { okAsync } from 'neverthrow'
import { LdapGroupSource, LdifGroupSource, type LdapDirectoryConfig } from '../src/index.js'
import { freeipaFixture } from './support/freeipa-fixture.js'
import { serverConfig } from './support/server-config.js'
import { writeLdif } from './support/write-ldif.js'

const server = inject('ldap')

const target: TargetView = {
  users: [
    { id: 'U1', username: 'alice', systemRole: 'user' },
    { id: 'U2', username: 'bob', systemRole: 'user' },
  ],
  teams: [{ id: 'T1', name: 'rl', groupConstrained: false }],
  channels: [{ id: 'C1', teamId: 'T1', name: 'infra', type: 'P', groupConstrained: false }],
}

describe.runIf(server !== null)('LdapGroupSource', () => {
  const ldap = (): LdapDirectoryConfig => serverConfig(server)
  const options = {
    matchBy: 'username' as const,
    rules: [{ kind: 'pattern' as const, pattern: 'mm_{team}_{channel}', manage: true }],
  }

  it('should read before the target arrives and then give what the LDIF export gives', async () => {
    let deliver: (t: TargetView) => void = () => undefined
    const later = new Promise<TargetView>((resolve) => {
      deliver = resolve
    })
    const loading = new LdapGroupSource({ ldap: ldap(), ...options }).loadGroups(later)
    setTimeout(() => {
      deliver(target)
    }, 50)
    const live = (await loading)._unsafeUnwrap()
    const offline = (
      await new LdifGroupSource({
        text: writeLdif(freeipaFixture(1200)),
        source: 'fixture.ldif',
        ldap: ldap(),
        ...options,
      }).loadGroups(target)
    )._unsafeUnwrap()
    expect(live.links).toEqual(offline.links)
    expect(live.managed).toEqual(offline.managed)
    expect(live.groups.find((g) => g.name === 'mm_rl_infra')?.memberIds).toEqual(['U1', 'U2'])
  })

  it('should fail with the typed LDAP error when the bind is refused', async () => {
    const r = await new LdapGroupSource({
      ldap: { ...ldap(), password: 'wrong' },
      ...options,
    }).loadGroups(target)
    expect(r._unsafeUnwrapErr().kind).toBe('invalidCredentials')
  })
})

describe.runIf(server !== null)('LdapGroupSource in a run: replica freshness', () => {
  const ldap = (): LdapDirectoryConfig =>
    serverConfig(server, {
      // Only the channel's group and the group nested in it: the fixture's cycles are unavailable
      // groups, and a run with one does not count.
      groupFilter: '(&(objectClass=ipaUserGroup)(|(cn=mm_rl_infra)(cn=rl_infra_leads)))',
    })
  // alice and bob are in mm_rl_infra; dave is in channel infra (and team rl) by hand: a removal.
  const state: SyncState = {
    ...emptyState,
    users: [...target.users, { id: 'U3', username: 'dave', systemRole: 'user' }],
    teams: target.teams,
    channels: target.channels,
    teamMembers: ['U1', 'U2', 'U3'].map((userId) => ({
      teamId: 'T1',
      userId,
      schemeAdmin: false,
      schemeGuest: false,
    })),
    channelMembers: ['U1', 'U2', 'U3'].map((userId) => ({
      channelId: 'C1',
      userId,
      schemeAdmin: false,
      schemeGuest: false,
    })),
  }
  const isRemoval = (c: SyncCommand) =>
    c.kind === 'removeTeamMember' || c.kind === 'removeChannelMember'

  /** One applied run against `state` with `history`; returns what it applied and saved. */
  async function run(history: SyncHistory) {
    const applied: SyncCommand[] = []
    let saved: SyncHistory | undefined
    const syncTarget: SyncTarget<never> = {
      loadSyncState: () => okAsync(state),
      applyPlan: (plan) => {
        applied.push(...plan.commands)
        const counts = Object.fromEntries(
          syncCommandKinds.map((k) => [k, plan.commands.filter((c) => c.kind === k).length]),
        ) as Record<SyncCommandKind, number>
        return okAsync({
          outcomes: plan.commands.map((command) => ({ kind: 'done' as const, command })),
          counts,
        })
      },
    }
    const store: SyncHistoryStore<never> = {
      loadHistory: () => okAsync(history),
      saveHistory: (h) => {
        saved = h
        return okAsync(undefined)
      },
    }
    const result = await runSync(
      {
        groups: new LdapGroupSource({
          ldap: ldap(),
          matchBy: 'username',
          rules: [{ kind: 'pattern', pattern: 'mm_{team}_{channel}', manage: true }],
        }),
        target: syncTarget,
        history: store,
      },
      {},
      { apply: true, verify: false, safety: { now: () => 1_000, healthGate: false } },
    )
    return { result: result._unsafeUnwrap(), applied, saved }
  }

  it('should store the contextCSN slapd gives, and freeze every removal when the replica went back behind it', async () => {
    const first = await run({ pendingRemovals: [] })
    const removed = first.applied.filter(isRemoval).map((c) => [c.kind, c.userId])
    expect(removed.length).toBeGreaterThan(0)
    expect(removed.every(([, user]) => user === 'U3')).toBe(true)
    const marker = first.saved?.lastGood?.freshness
    expect(marker?.kind).toBe('contextCSN')
    expect(first.result.safety.counted).toBe(true)

    // A restored replica: its contextCSN is older than the one the last complete run stored.
    // slapd cannot be made to go back, so the history is the one that moved ahead.
    const sid = /#([0-9a-f]{3})#/.exec(marker?.value ?? '')?.[1] ?? '000'
    const ahead = {
      kind: 'contextCSN' as const,
      value: `20991231235959.000000Z#000000#${sid}#000000`,
    }
    const lastGood = { at: 0, users: 2, groups: [], freshness: ahead }
    const second = await run({ pendingRemovals: [], lastGood })
    expect(second.applied.filter(isRemoval)).toEqual([])
    const held = second.result.plan.held.filter((c) => c.hold.kind === 'replicaBehind')
    expect(held.map((c) => [c.kind, c.userId])).toEqual(removed)
    expect(second.result.warnings).toContainEqual(
      expect.objectContaining({ kind: 'replicaBehind', then: ahead.value, now: marker?.value }),
    )
    expect(second.result.safety.counted).toBe(false)
    // The run does not count: the last complete run (and its marker) stay as they were.
    expect(second.saved?.lastGood ?? lastGood).toEqual(lastGood)
  })
})
