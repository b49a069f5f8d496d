import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import {
  admitCommands,
  applyPlan,
  runSync,
  withGroupLoad,
  type ApplyContext,
  type ApplyReport,
  type Group,
  type GroupLink,
  type GroupLoad,
  type GroupSource,
  type ManagedSyncable,
  type RunSyncEvent,
  type RunSyncPorts,
  type SyncPlan,
  type SyncState,
  type SyncTarget,
  type TargetView,
} from '../src/index.js'
import { syncStateArb } from '../src/testing/index.js'

type Failure = { kind: 'down'; stage: string; message: string }
type Note = { kind: 'note'; message: string }
type Directory = {
  groups: readonly Group[]
  links: readonly GroupLink[]
  managed?: readonly ManagedSyncable[]
}

const down = (stage: string): Failure => ({ kind: 'down', stage, message: `${stage} is down` })

/** In-memory ports over a mutable Mattermost side; the directory gives groups and links. */
function memoryPorts(
  target: SyncState,
  directory: Directory,
  faults: { read?: boolean; apply?: boolean; reload?: boolean } = {},
  policyDefaults?: SyncTarget<Failure>['policyDefaults'],
) {
  const world = {
    target,
    loads: 0,
    applied: [] as Pick<SyncPlan, 'commands' | 'targetFingerprint'>[],
    contexts: [] as (ApplyContext | undefined)[],
    seen: [] as TargetView[],
  }
  const groups: GroupSource<Failure, Note> = {
    loadGroups: (view) => {
      if (faults.read === true) return errAsync(down('directory'))
      return ResultAsync.fromSafePromise(Promise.resolve(view)).map((t): GroupLoad<Note> => {
        world.seen.push(t)
        return {
          groups: directory.groups,
          links: directory.links,
          managed: directory.managed ?? [],
          warnings: [{ kind: 'note', message: `resolved against ${t.users.length} users` }],
        }
      })
    },
  }
  const sink: SyncTarget<Failure> = {
    ...(policyDefaults !== undefined ? { policyDefaults } : {}),
    loadSyncState: () => {
      world.loads++
      if (faults.reload === true && world.loads > 1) return errAsync(down('reload'))
      return okAsync(world.target)
    },
    applyPlan: (plan, context): ResultAsync<ApplyReport, Failure> => {
      if (faults.apply === true) return errAsync(down('apply'))
      world.applied.push(plan)
      world.contexts.push(context)
      world.target = applyPlan(world.target, plan.commands)
      const counts = {
        addTeamMember: 0,
        addChannelMember: 0,
        setTeamMemberAdmin: 0,
        setChannelMemberAdmin: 0,
        removeTeamMember: 0,
        removeChannelMember: 0,
      }
      for (const c of plan.commands) counts[c.kind]++
      return okAsync({
        outcomes: plan.commands.map((command) => ({ kind: 'done' as const, command })),
        counts,
      })
    },
  }
  const ports: RunSyncPorts<Failure, Note, Failure> = { groups, target: sink }
  return { ports, world }
}

const target: SyncState = {
  users: [
    { id: 'alice', username: 'alice', systemRole: 'user' },
    { id: 'bob', username: 'bob', systemRole: 'user' },
    { id: 'carol', username: 'carol', systemRole: 'user' },
  ],
  groups: [],
  links: [],
  teams: [{ id: 'rl', name: 'rl', groupConstrained: true }],
  channels: [
    { id: 'infra', teamId: 'rl', name: 'infrastructure', type: 'P', groupConstrained: true },
  ],
  // carol is already where the groups want her, so bob is 1 of 2 members: under the fraction limit.
  teamMembers: [
    { teamId: 'rl', userId: 'bob', schemeAdmin: false, schemeGuest: false },
    { teamId: 'rl', userId: 'carol', schemeAdmin: false, schemeGuest: false },
  ],
  channelMembers: [{ channelId: 'infra', userId: 'carol', schemeAdmin: true, schemeGuest: false }],
  channelHistory: [{ channelId: 'infra', userId: 'carol' }],
}
const directory = {
  groups: [{ id: 'g1', name: 'mm_rl_infrastructure', memberIds: ['alice', 'carol'] }],
  links: [
    {
      groupId: 'g1',
      syncable: { kind: 'team' as const, id: 'rl' },
      autoAdd: true,
      schemeAdmin: false,
    },
    {
      groupId: 'g1',
      syncable: { kind: 'channel' as const, id: 'infra' },
      autoAdd: true,
      schemeAdmin: true,
    },
  ],
}

describe('runSync', () => {
  it('should plan without applying by default (dry run)', async () => {
    const { ports, world } = memoryPorts(target, directory)
    const result = (await runSync(ports)).unwrapOr(undefined)
    expect(result?.dryRun).toBe(true)
    expect(result?.plan.commands.map((c) => [c.kind, c.userId])).toEqual([
      ['addTeamMember', 'alice'],
      ['addChannelMember', 'alice'],
      ['removeTeamMember', 'bob'],
    ])
    expect(world.applied).toEqual([])
  })

  it('should apply, then re-load and verify convergence, reporting every stage', async () => {
    const { ports, world } = memoryPorts(target, directory)
    const events: RunSyncEvent['kind'][] = []
    let now = 0
    const result = await runSync(
      ports,
      {},
      { apply: true, onProgress: (e) => events.push(e.kind), clock: () => (now += 5) },
    )
    const r = result._unsafeUnwrap()
    expect(r.dryRun).toBe(false)
    expect(r.applied?.outcomes).toHaveLength(3)
    expect(r.verification?.converged).toBe(true)
    expect(r.verification?.state.teamMembers).toEqual(world.target.teamMembers)
    expect(world.loads).toBe(2)
    expect(world.seen).toHaveLength(2)
    expect(events).toEqual([
      'loading',
      'loaded',
      'planned',
      'applying',
      'applied',
      'verifying',
      'verified',
    ])
    expect(r.timings.planMs).toBeGreaterThan(0)
  })

  it('should start both loads before either resolves (directory and Mattermost in parallel)', async () => {
    const started: string[] = []
    const release: Record<string, () => void> = {}
    // A port whose read only resolves when the test says so.
    const deferred = <T>(name: string, value: T): ResultAsync<T, Failure> => {
      started.push(name)
      return new ResultAsync(
        new Promise<Result<T, Failure>>((resolve) => {
          release[name] = () => {
            resolve(ok(value))
          }
        }),
      )
    }
    const { ports: base } = memoryPorts(target, directory)
    // The source reads its directory at once and resolves against the target when it arrives.
    const ports: RunSyncPorts<Failure, Note, Failure> = {
      groups: {
        loadGroups: (view) =>
          deferred('directory', directory).andThen((d) =>
            ResultAsync.fromSafePromise(Promise.resolve(view)).map((t) => ({
              groups: d.groups,
              links: d.links,
              managed: [],
              warnings: [{ kind: 'note' as const, message: `${t.users.length} users` }],
            })),
          ),
      },
      target: { ...base.target, loadSyncState: () => deferred('target', target) },
    }
    const run = runSync(ports)
    expect(started.sort()).toEqual(['directory', 'target'])
    // Resolving the directory first must not deadlock: it waits for the target, not the reverse.
    release['directory']?.()
    release['target']?.()
    const r = (await run)._unsafeUnwrap()
    expect(r.plan.commands).toHaveLength(3)
    expect(r.warnings[0]).toEqual({ kind: 'note', message: '3 users' })
  })

  it('should report a failed target load as the target side, without waiting for the directory', async () => {
    const { ports: base } = memoryPorts(target, directory)
    const ports: RunSyncPorts<Failure, Note, Failure> = {
      // A directory read that never finishes: the target's failure must still be reported.
      groups: { loadGroups: () => new ResultAsync(new Promise(() => undefined)) },
      target: { ...base.target, loadSyncState: () => errAsync(down('mattermost')) },
    }
    const error = (await runSync(ports, {}, { apply: true }))._unsafeUnwrapErr()
    expect(error).toEqual({
      kind: 'loadFailed',
      message: 'could not load Mattermost: nothing was planned or applied',
      cause: { side: 'target', error: down('mattermost') },
    })
  })

  it('should mark the managed teams and channels with what made them managed, and plan their removals', async () => {
    const unconstrained: SyncState = {
      ...target,
      teams: target.teams.map((t) => ({ ...t, groupConstrained: false })),
      channels: target.channels.map((c) => ({ ...c, groupConstrained: false })),
    }
    const plain = memoryPorts(unconstrained, directory)
    const before = (await runSync(plain.ports))._unsafeUnwrap()
    expect(before.plan.commands.some((c) => c.kind === 'removeTeamMember')).toBe(false)
    const { ports } = memoryPorts(unconstrained, {
      ...directory,
      managed: [{ syncable: { kind: 'team', id: 'rl' }, by: 'rule 2' }],
    })
    const r = (await runSync(ports))._unsafeUnwrap()
    expect(r.state.teams).toEqual([
      { id: 'rl', name: 'rl', groupConstrained: false, managed: true, managedBy: 'rule 2' },
    ])
    expect(r.state.channels).toEqual(unconstrained.channels)
    // Planned like a group-synced team: bob, in no linked group, is removed.
    expect(r.plan.commands).toContainEqual(
      expect.objectContaining({ kind: 'removeTeamMember', teamId: 'rl', userId: 'bob' }),
    )
  })

  it("should give the target the run's groups, links, managed syncables and policy to admit the plan by", async () => {
    const managed = [{ syncable: { kind: 'team' as const, id: 'rl' }, by: 'rule 2' }]
    const { ports, world } = memoryPorts(target, { ...directory, managed })

    const r = (await runSync(ports, {}, { apply: true }))._unsafeUnwrap()

    expect(world.contexts).toEqual([
      { groupLoad: { ...directory, managed }, policy: r.plan.policy },
    ])
    const context = world.contexts[0] as ApplyContext
    expect(
      admitCommands(r.plan.commands, withGroupLoad(target, context.groupLoad)).refused,
    ).toEqual([])
    // Against the target's own state (no groups or links) no add would be justified.
    const adds = r.plan.commands.filter((c) => c.kind.startsWith('add'))
    expect(adds.length).toBeGreaterThan(0)
    expect(admitCommands(r.plan.commands, target).refused.map((x) => x.command)).toEqual(adds)
  })

  it("should plan with the target's policy defaults, a caller's explicit policy winning", async () => {
    const { ports } = memoryPorts(target, directory, {}, { reAddRemovedMembers: true })
    expect((await runSync(ports))._unsafeUnwrap().plan.policy.reAddRemovedMembers).toBe(true)
    expect(
      (await runSync(ports, { reAddRemovedMembers: false }))._unsafeUnwrap().plan.policy
        .reAddRemovedMembers,
    ).toBe(false)
  })

  it('should report gateClosed with the reasons, then stop before applying', async () => {
    const { ports, world } = memoryPorts(target, directory)
    const events: RunSyncEvent[] = []
    const r = (
      await runSync(
        ports,
        {},
        { apply: true, gates: { minGroups: 5, maxCommands: 1 }, onProgress: (e) => events.push(e) },
      )
    )._unsafeUnwrap()
    expect(events.map((e) => e.kind)).toEqual(['loading', 'loaded', 'planned', 'gateClosed'])
    const closed = events.find((e) => e.kind === 'gateClosed')
    expect(closed).toEqual({ kind: 'gateClosed', reasons: r.gateReasons })
    expect(r.gateReasons).toEqual([
      expect.stringMatching(/gave 1 groups, fewer than gates.minGroups \(5\)/) as unknown,
      expect.stringMatching(/has 3 commands, more than gates.maxCommands \(1\)/) as unknown,
    ])
    expect(world.applied).toEqual([])
  })

  it('should not close a gate on a dry run', async () => {
    const { ports } = memoryPorts(target, directory)
    const events: RunSyncEvent['kind'][] = []
    const r = (
      await runSync(ports, {}, { gates: { minGroups: 5 }, onProgress: (e) => events.push(e.kind) })
    )._unsafeUnwrap()
    expect(events).not.toContain('gateClosed')
    expect(r.gateReasons).toEqual([])
  })

  it('should refuse to apply when the directory gives no groups (gate), and apply nothing', async () => {
    const { ports, world } = memoryPorts(target, { groups: [], links: [] })
    const r = (await runSync(ports, {}, { apply: true }))._unsafeUnwrap()
    expect(r.gateReasons[0]).toMatch(/fewer than gates.minGroups/)
    expect(r.applied).toBeUndefined()
    expect(world.applied).toEqual([])
  })

  it('should refuse to apply a plan larger than gates.maxCommands', async () => {
    const { ports, world } = memoryPorts(target, directory)
    const r = (await runSync(ports, {}, { apply: true, gates: { maxCommands: 2 } }))._unsafeUnwrap()
    expect(r.gateReasons[0]).toMatch(/more than gates.maxCommands/)
    expect(world.applied).toEqual([])
  })

  it('should fail with loadFailed and apply nothing when a read fails', async () => {
    const { ports, world } = memoryPorts(target, directory, { read: true })
    const r = await runSync(ports, {}, { apply: true })
    expect(r._unsafeUnwrapErr()).toEqual({
      kind: 'loadFailed',
      message: 'could not load the groups (directory): nothing was planned or applied',
      cause: { side: 'groups', error: down('directory') },
    })
    expect(world.applied).toEqual([])
  })

  it('should report applyFailed and verifyFailed with the port error as cause', async () => {
    const a = memoryPorts(target, directory, { apply: true })
    expect((await runSync(a.ports, {}, { apply: true }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'applyFailed',
      cause: { side: 'target', error: { stage: 'apply' } },
    })
    const v = memoryPorts(target, directory, { reload: true })
    expect((await runSync(v.ports, {}, { apply: true }))._unsafeUnwrapErr()).toMatchObject({
      kind: 'verifyFailed',
      cause: { side: 'target', error: { stage: 'reload' } },
    })
  })

  it('should always converge in one applied run when nothing is held and no group is unavailable', async () => {
    await fc.assert(
      fc.asyncProperty(syncStateArb(), async (state) => {
        const groups = state.groups.map((g) => ({ ...g, status: 'complete' as const }))
        const { ports } = memoryPorts(state, { groups, links: state.links })
        const r = (
          await runSync(
            ports,
            { limits: { maxRemovals: Number.POSITIVE_INFINITY, maxRemovalFraction: 1 } },
            { apply: true, gates: { minGroups: 0 } },
          )
        )._unsafeUnwrap()
        expect(r.verification?.converged ?? r.plan.commands.length === 0).toBe(true)
      }),
    )
  })
})
