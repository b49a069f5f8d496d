import { errAsync, okAsync, type ResultAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import {
  applyPlan,
  emptyState,
  fingerprintTarget,
  planSync,
  syncCommandKinds,
  type ApplyReport,
  type SyncCommand,
  type SyncPlan,
  type SyncState,
  type SyncTarget,
} from '@grouproles/core'
import {
  describeTargetContract,
  targetContract,
  targetStateArb,
  withMattermostIds,
  type TargetContractCheck,
  type TargetFactory,
} from '@grouproles/core/testing'
import fc from 'fast-check'

type TargetError = { readonly kind: 'stalePlan'; readonly message: string }

/** How a broken target differs from the reference one. */
interface Defects {
  /** Loads forget channel history of non-members (the factory still claims to hold it). */
  readonly forgetsHistory?: boolean
  /** Applies without the default-channel joins of team adds. */
  readonly noDefaultJoins?: boolean
  /** Never checks the plan's fingerprint. */
  readonly noStaleCheck?: boolean
  /** Drops channel removals (and says they were done). */
  readonly skipsChannelRemovals?: boolean
}

/** Managed flags are configuration: a target never holds them. */
function withoutConfig(state: SyncState): SyncState {
  return {
    ...state,
    teams: state.teams.map((t) => without(t, 'managed', 'managedBy')),
    channels: state.channels.map((c) => without(c, 'managed', 'managedBy')),
  }
}

/** `row` without the optional fields `keys`. */
function without<T extends object>(row: T, ...keys: (keyof T)[]): T {
  const copy = { ...row }
  for (const k of keys) Reflect.deleteProperty(copy, k)
  return copy
}

/** A target in memory that applies plans with core `applyPlan`: the reference the contract describes. */
class MemoryTarget implements SyncTarget<TargetError> {
  #state: SyncState

  constructor(
    state: SyncState,
    private readonly defects: Defects = {},
  ) {
    this.#state = withoutConfig(state)
  }

  loadSyncState(): ResultAsync<SyncState, TargetError> {
    const s = this.#state
    if (this.defects.forgetsHistory !== true) return okAsync(s)
    const members = new Set(s.channelMembers.map((m) => `${m.channelId}:${m.userId}`))
    return okAsync({
      ...s,
      channelHistory: s.channelHistory.filter((h) => members.has(`${h.channelId}:${h.userId}`)),
    })
  }

  applyPlan(
    plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>,
  ): ResultAsync<ApplyReport, TargetError> {
    if (
      this.defects.noStaleCheck !== true &&
      fingerprintTarget(this.#state) !== plan.targetFingerprint
    )
      return errAsync({ kind: 'stalePlan', message: 'the target changed since the plan was made' })
    const commands: SyncCommand[] = plan.commands.filter(
      (c) => this.defects.skipsChannelRemovals !== true || c.kind !== 'removeChannelMember',
    )
    const before =
      this.defects.noDefaultJoins === true
        ? {
            ...this.#state,
            channels: this.#state.channels.map((c) => without(c, 'defaultChannel')),
          }
        : this.#state
    const after = applyPlan(before, commands)
    this.#state = { ...after, channels: this.#state.channels }
    const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
      SyncCommand['kind'],
      number
    >
    for (const c of plan.commands) counts[c.kind]++
    return okAsync({
      outcomes: plan.commands.map((command) => ({ kind: 'done', command })),
      counts,
    })
  }
}

function memoryFactory(defects: Defects = {}): TargetFactory<TargetError> {
  return {
    seed: (state) => Promise.resolve({ target: new MemoryTarget(state, defects) }),
    holds: withoutConfig,
  }
}

async function failure(check: TargetContractCheck | undefined): Promise<string> {
  if (check === undefined) throw new Error('no such check')
  return check.run().then(
    () => 'passed',
    (e: unknown) => String(e),
  )
}

const byId = (checks: readonly TargetContractCheck[], id: TargetContractCheck['id']) =>
  checks.find((c) => c.id === id)

describeTargetContract(
  'the contract on the reference target (core applyPlan in memory)',
  memoryFactory(),
  { describe, it },
  { numRuns: 60 },
)

describeTargetContract(
  'the contract on the reference target, groups from a directory',
  { ...memoryFactory(), groups: 'directory' },
  { describe, it },
  { numRuns: 30 },
)

describe('targetContract', () => {
  it('should name five checks, in the order of the contract', () => {
    expect(targetContract(memoryFactory()).map((c) => c.id)).toEqual([
      'load',
      'apply',
      'applyTwice',
      'stalePlan',
      'converges',
    ])
  })

  it('should fail load on a target that loses what it claims to hold', async () => {
    const checks = targetContract(memoryFactory({ forgetsHistory: true }), { numRuns: 200 })
    expect(await failure(byId(checks, 'load'))).toMatch(
      /load differs[\s\S]*channelHistory: missing/,
    )
  })

  it('should fail apply on a target that skips default-channel joins', async () => {
    const checks = targetContract(memoryFactory({ noDefaultJoins: true }), { numRuns: 400 })
    expect(await failure(byId(checks, 'apply'))).toMatch(
      /differs from core applyPlan[\s\S]*channel(Members|History): missing/,
    )
  })

  it('should fail stalePlan and applyTwice on a target that never checks fingerprints', async () => {
    const checks = targetContract(memoryFactory({ noStaleCheck: true }), { numRuns: 200 })
    expect(await failure(byId(checks, 'stalePlan'))).toMatch(/not refused as stale/)
    expect(await failure(byId(checks, 'applyTwice'))).toMatch(/not refused as stale/)
  })

  it('should fail apply and converges on a target that drops channel removals', async () => {
    // Without removal limits, so that every drawn removal is planned.
    const checks = targetContract(memoryFactory({ skipsChannelRemovals: true }), {
      numRuns: 300,
      policies: fc.constant({ limits: { maxRemovals: Infinity, maxRemovalFraction: 1 } }),
    })
    expect(await failure(byId(checks, 'apply'))).toMatch(/channelMembers: unexpected/)
    expect(await failure(byId(checks, 'converges'))).toMatch(/did not verify converged|second run/)
  })

  it('should fail load when holds is not idempotent', async () => {
    const factory = memoryFactory()
    let n = 0
    const check = targetContract(
      { ...factory, holds: (s) => ({ ...withoutConfig(s), users: s.users.slice(n++ % 2) }) },
      { numRuns: 20 },
    )[0]
    expect(await failure(check)).toMatch(/holds\(holds\(state\)\) differs|load differs/)
  })

  it('should say so when no drawn state gives the stale check a plan to work with', async () => {
    const checks = targetContract(memoryFactory(), { numRuns: 5, states: fc.constant(emptyState) })
    expect(await failure(byId(checks, 'stalePlan'))).toMatch(/skip|precondition/i)
    expect(await failure(byId(checks, 'load'))).toBe('passed')
  })

  it('should clean up after every case, passed or failed', async () => {
    let seeded = 0
    let cleaned = 0
    const factory: TargetFactory<TargetError> = {
      seed: (state) => {
        seeded++
        return Promise.resolve({
          target: new MemoryTarget(state, { noStaleCheck: true }),
          cleanup: () => {
            cleaned++
            return Promise.resolve()
          },
        })
      },
      holds: withoutConfig,
    }
    await failure(byId(targetContract(factory, { numRuns: 10 }), 'stalePlan'))
    expect(seeded).toBeGreaterThan(0)
    expect(cleaned).toBe(seeded)
  })
})

describe('targetStateArb', () => {
  it('should draw only Mattermost ids, and states with plans to apply', () => {
    let withCommands = 0
    fc.assert(
      fc.property(targetStateArb(), (s) => {
        const ids = [
          ...s.users.map((u) => u.id),
          ...s.teams.map((t) => t.id),
          ...s.channels.map((c) => c.id),
          ...s.groups.map((g) => g.id),
        ]
        for (const id of ids) expect(id).toMatch(/^[a-z0-9]{26}$/)
        if (planSync(s).commands.length > 0) withCommands++
      }),
      { numRuns: 200 },
    )
    expect(withCommands).toBeGreaterThan(100)
  })

  it('should keep distinct short ids distinct', () => {
    const state = withMattermostIds({
      users: [
        { id: 'u1', username: 'a', systemRole: 'user' },
        { id: 'u10', username: 'b', systemRole: 'user' },
      ],
      groups: [],
      teams: [],
      channels: [],
      links: [],
      teamMembers: [],
      channelMembers: [],
      channelHistory: [],
    })
    expect(state.users.map((u) => u.id)).toEqual([
      'u1z00000000000000000000000',
      'u10z0000000000000000000000',
    ])
  })
})
