import { describe, expect, it } from 'vitest'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import {
  applyPlan,
  emptySyncHistory,
  nextSyncHistory,
  runSync,
  type Group,
  type GroupLink,
  type RunSyncPorts,
  type SyncHistory,
  type SyncHistoryStore,
  type SyncState,
} from '../src/index.js'

type Down = { kind: 'down'; message: string }

describe('nextSyncHistory', () => {
  it('should count every unjustified membership of the plan one more run, keep when it was first seen, forget the rest, and record the directory sizes', () => {
    const history: SyncHistory = {
      pendingRemovals: [
        { kind: 'team', syncableId: 't', userId: 'x', runs: 1, since: 10 },
        { kind: 'channel', syncableId: 'c', userId: 'gone', runs: 3, since: 5 },
      ],
    }
    const next = nextSyncHistory(
      history,
      {
        commands: [{ kind: 'removeChannelMember', channelId: 'c', userId: 'y', reason: '' }],
        held: [
          {
            kind: 'removeTeamMember',
            teamId: 't',
            userId: 'x',
            reason: '',
            hold: { kind: 'pendingRemoval', runs: 2, of: 3, since: 10, hours: 0 },
          },
          {
            kind: 'removeTeamMember',
            teamId: 'gc',
            userId: 'z',
            reason: '',
            hold: { kind: 'leftToMattermost', syncable: { kind: 'team', id: 'gc' } },
          },
        ],
      },
      {
        groups: [
          { id: 'b', name: 'b', memberIds: ['x', 'y', 'y'] },
          { id: 'a', name: 'a', memberIds: ['x'] },
          { id: 'u', name: 'u', memberIds: ['q'], status: 'unavailable' },
        ],
      },
      20,
    )
    expect(next).toEqual({
      pendingRemovals: [
        { kind: 'channel', syncableId: 'c', userId: 'y', runs: 1, since: 20 },
        { kind: 'team', syncableId: 't', userId: 'x', runs: 2, since: 10 },
      ],
      lastGood: {
        at: 20,
        users: 2,
        groups: [
          { id: 'a', name: 'a', members: 1 },
          { id: 'b', name: 'b', members: 2 },
        ],
      },
    })
  })
})

/** Ten engineers in team `t` through group `g`; `o` keeps team `t2` and the directory non-empty. */
function mattermost(): SyncState {
  const ids = Array.from({ length: 10 }, (_, i) => `u${i}`)
  return {
    users: [...ids, 'other'].map((id) => ({ id, username: id, systemRole: 'user' as const })),
    groups: [],
    teams: [
      { id: 't', name: 'eng', groupConstrained: true },
      { id: 't2', name: 'misc', groupConstrained: true },
    ],
    channels: [],
    links: [],
    teamMembers: [
      ...ids.map((userId) => ({ teamId: 't', userId, schemeAdmin: false, schemeGuest: false })),
      { teamId: 't2', userId: 'other', schemeAdmin: false, schemeGuest: false },
    ],
    channelMembers: [],
    channelHistory: [],
  }
}

const links: GroupLink[] = [
  { groupId: 'g', syncable: { kind: 'team', id: 't' }, autoAdd: true, schemeAdmin: false },
  { groupId: 'o', syncable: { kind: 'team', id: 't2' }, autoAdd: true, schemeAdmin: false },
]

function ports(world: {
  target: SyncState
  groups: Group[]
  history: SyncHistory
  saves: number
  failSave?: boolean
}): RunSyncPorts<Down, { kind: string; message: string }, Down> {
  const history: SyncHistoryStore<Down> = {
    loadHistory: () => okAsync(world.history),
    saveHistory: (h) => {
      if (world.failSave === true) return errAsync({ kind: 'down', message: 'store is down' })
      world.history = h
      world.saves++
      return okAsync(undefined)
    },
  }
  return {
    groups: {
      loadGroups: (view) =>
        ResultAsync.fromSafePromise(Promise.resolve(view)).map(() => ({
          groups: world.groups,
          links,
          managed: [],
          warnings: [],
        })),
    },
    target: {
      loadSyncState: () => okAsync(world.target),
      applyPlan: (plan) => {
        world.target = applyPlan(world.target, plan)
        return okAsync({
          outcomes: plan.commands.map((command) => ({ kind: 'done' as const, command })),
          counts: {
            addTeamMember: 0,
            addChannelMember: 0,
            setTeamMemberAdmin: 0,
            setChannelMemberAdmin: 0,
            removeTeamMember: 0,
            removeChannelMember: 0,
          },
        })
      },
    },
    history,
  }
}

const engineers = (n: number): Group[] => [
  { id: 'g', name: 'engineers', memberIds: Array.from({ length: n }, (_, i) => `u${i}`) },
  { id: 'o', name: 'others', memberIds: ['other'] },
]

describe('runSync with a history store', () => {
  it('should freeze a group emptied by mistake for one run (nothing removed, history kept), then have nothing to do once it is restored', async () => {
    const world = {
      target: mattermost(),
      groups: engineers(10),
      history: emptySyncHistory,
      saves: 0,
    }
    let now = 1_000
    const options = {
      apply: true,
      safety: { now: () => now, removalGrace: { runs: 2, hours: 0 }, lastAdmin: 'guard' as const },
    }
    const first = (await runSync(ports(world), {}, options))._unsafeUnwrap()
    expect(first.plan.commands).toEqual([])
    expect(first.safety.counted).toBe(true)
    expect(world.saves).toBe(1)
    expect(world.history.lastGood?.groups).toContainEqual({
      id: 'g',
      name: 'engineers',
      members: 10,
    })

    world.groups = engineers(0)
    now = 2_000
    const glitch = (await runSync(ports(world), {}, options))._unsafeUnwrap()
    expect(glitch.safety.frozenGroups).toEqual([{ id: 'g', name: 'engineers', then: 10, now: 0 }])
    expect(glitch.warnings).toContainEqual(
      expect.objectContaining({ kind: 'groupShrank', groupName: 'engineers', then: 10, now: 0 }),
    )
    expect(glitch.plan.commands).toEqual([])
    expect(glitch.applied).toBeUndefined()
    expect(world.target.teamMembers.filter((m) => m.deleted === true)).toEqual([])
    expect(world.saves).toBe(1)

    world.groups = engineers(10)
    now = 3_000
    const restored = (await runSync(ports(world), {}, options))._unsafeUnwrap()
    expect(restored.plan.commands).toEqual([])
    expect(restored.plan.held).toEqual([])
    expect(restored.warnings).toEqual([])
    expect(world.saves).toBe(2)
  })

  it('should show a real departure as pending ("1 of 2 runs") on the first applied run and remove it on the second; dry runs never count', async () => {
    const world = {
      target: mattermost(),
      groups: engineers(9),
      history: emptySyncHistory,
      saves: 0,
    }
    const options = { apply: true, safety: { now: () => 5, removalGrace: { runs: 2, hours: 0 } } }
    for (let i = 0; i < 3; i++) {
      const dry = (await runSync(ports(world), {}, { ...options, apply: false }))._unsafeUnwrap()
      expect(dry.plan.held).toMatchObject([
        { userId: 'u9', hold: { kind: 'pendingRemoval', runs: 1, of: 2 } },
      ])
    }
    expect(world.saves).toBe(0)
    const first = (await runSync(ports(world), {}, options))._unsafeUnwrap()
    expect(first.plan.commands).toEqual([])
    expect(first.verification).toBeUndefined()
    expect(world.history.pendingRemovals).toEqual([
      { kind: 'team', syncableId: 't', userId: 'u9', runs: 1, since: 5 },
    ])
    const second = (await runSync(ports(world), {}, options))._unsafeUnwrap()
    expect(second.plan.commands).toMatchObject([{ kind: 'removeTeamMember', userId: 'u9' }])
    expect(second.verification?.converged).toBe(true)
    expect(world.target.teamMembers).toContainEqual(
      expect.objectContaining({ userId: 'u9', deleted: true }),
    )
  })

  it("should record what it added after every apply, and with removals: 'ownOnly' remove only that (a hand-added member is drift, never removed)", async () => {
    const target = mattermost()
    const world = {
      // u0…u9 were added by hand (no provenance); nobody is in g yet except u0.
      target,
      groups: [
        { id: 'g', name: 'engineers', memberIds: ['u0', 'other'] },
        { id: 'o', name: 'others', memberIds: ['other'] },
      ],
      history: emptySyncHistory,
      saves: 0,
    }
    const noLimits = { limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 } }
    const options = {
      apply: true,
      safety: { now: () => 1, removals: 'ownOnly' as const, healthGate: false as const },
    }
    const first = (await runSync(ports(world), noLimits, options))._unsafeUnwrap()
    // other is added by grouproles; u1…u9 are hand-added and not in g: drift, held.
    expect(first.plan.commands).toMatchObject([
      { kind: 'addTeamMember', teamId: 't', userId: 'other' },
    ])
    expect(first.plan.held.filter((c) => c.hold.kind === 'notAdded')).toHaveLength(9)
    expect(first.warnings).toContainEqual(expect.objectContaining({ kind: 'drift', count: 9 }))
    expect(world.history.added?.teams).toEqual([{ teamId: 't', userIds: ['other'] }])
    // other leaves the group: ours, so removed; the hand-added stay.
    world.groups = [
      { id: 'g', name: 'engineers', memberIds: ['u0'] },
      { id: 'o', name: 'others', memberIds: ['other'] },
    ]
    const second = (await runSync(ports(world), noLimits, options))._unsafeUnwrap()
    expect(second.plan.commands).toMatchObject([
      { kind: 'removeTeamMember', teamId: 't', userId: 'other' },
    ])
    expect(world.target.teamMembers.filter((m) => m.deleted === true).map((m) => m.userId)).toEqual(
      ['other'],
    )
    expect(world.history.added?.teams).toEqual([])
  })

  it('should report a failed save as a warning, not a failed run', async () => {
    const world = {
      target: mattermost(),
      groups: engineers(10),
      history: emptySyncHistory,
      saves: 0,
      failSave: true,
    }
    const run = await runSync(ports(world), {}, { apply: true, safety: { now: () => 1 } })
    expect(run._unsafeUnwrap().warnings).toContainEqual(
      expect.objectContaining({ kind: 'historyNotSaved' }),
    )
  })
})
