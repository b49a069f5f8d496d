import fc from 'fast-check'
import { okAsync, type ResultAsync } from 'neverthrow'
import type { ApplyContext } from '../admit-commands.js'
import { applyPlan } from '../apply-plan.js'
import { fingerprintTarget } from '../fingerprint.js'
import type { ManagedSyncable } from '../link-rules.js'
import type { SyncState } from '../model.js'
import { normalizeState } from '../normalize-state.js'
import { planSync } from '../plan-sync.js'
import type { ApplyReport, CommandError, GroupSource, SyncTarget } from '../ports.js'
import { runSync } from '../run-sync.js'
import { commandKey, type SyncCommand, type SyncPlan } from '../sync-command.js'
import type { SyncPolicyInput } from '../sync-policy.js'
import { syncPolicyInputArb } from './arbitraries.js'
import { targetStateArb } from './target-state-arb.js'

/** A target the suite seeded, and how to release it when the case is over. */
export interface SeededTarget<E, F extends CommandError = CommandError> {
  readonly target: SyncTarget<E, F>
  /** Called after every case, passed or failed (drop a database, close a client). */
  readonly cleanup?: () => Promise<void>
}

/** What the contract suite needs to know about a target. */
export interface TargetFactory<E, F extends CommandError = CommandError> {
  /**
   * A target holding `state` (a fresh one, or the same one with its contents replaced): as much of
   * it as the target can hold. Everything the suite then does goes through `target`.
   */
  seed(state: SyncState): Promise<SeededTarget<E, F>>
  /**
   * What the target holds of `state`, as its `loadSyncState` gives it back: e.g. no `managed`
   * flags (configuration), `defaultChannel` from the channel names, only what its API can show.
   * Must be idempotent; the suite checks that.
   */
  holds(state: SyncState): SyncState
  /**
   * Where the groups and links come from. `target` (default): the target holds them (Mattermost's
   * own groups: the database, an Enterprise server), and plans use what it loads. `directory`: a
   * group source supplies them (Team Edition over REST), so plans use the seeded state's.
   */
  readonly groups?: 'target' | 'directory'
  /** Whether an error of a whole apply is the refusal of a stale plan. Default: `kind === 'stalePlan'`. */
  isStale?(error: E): boolean
}

/** How much to test. */
export interface TargetContractOptions {
  /** Cases per check. Default 20; keep it small for a real server. */
  readonly numRuns?: number
  /** fast-check seed; default the global one (`fc.configureGlobal`). */
  readonly seed?: number
  /** States to seed. Default `targetStateArb()`. */
  readonly states?: fc.Arbitrary<SyncState>
  /**
   * Policies to plan with; merged over the target's `policyDefaults` as `runSync` does. Default
   * `syncPolicyInputArb()` without `groupConstrainedRemovals`, which is the target's to choose.
   */
  readonly policies?: fc.Arbitrary<SyncPolicyInput>
}

/** One named check of the contract; `run` rejects with the counterexample when the target fails it. */
export interface TargetContractCheck {
  readonly id: 'load' | 'apply' | 'applyTwice' | 'stalePlan' | 'converges'
  readonly name: string
  run(): Promise<void>
}

/** The part of a test framework `describeTargetContract` uses (vitest, jest, mocha fit it). */
export interface TestFunctions {
  describe(name: string, body: () => void): void
  it(name: string, body: () => Promise<void>, timeout?: number): void
}

/**
 * The contract every Mattermost target (`SyncTarget`) keeps, as named checks over generated
 * states that any test framework can run (`describeTargetContract` for the vitest/jest shape):
 *
 * - `load`: loading a seeded target gives back what it holds of the seeded state, twice alike.
 * - `apply`: applying a fresh `planSync` plan fails no command, and loading then gives what core
 *   `applyPlan` models (default-channel joins included, and the target's `appliesAs`), as far as
 *   the target holds it.
 * - `applyTwice`: the same plan applied again is refused as stale (it changed the target), and its
 *   commands re-sent with a fresh fingerprint change nothing (refused as a whole, or no command
 *   fails); either way the target is unchanged.
 * - `stalePlan`: a plan whose target changed after planning is refused as stale, nothing written.
 * - `converges`: `runSync` (removal limits lifted) applies without a failed command and verifies
 *   converged; a second run plans no command (removals left to Mattermost are held, not commands).
 */
export function targetContract<E, F extends CommandError = CommandError>(
  factory: TargetFactory<E, F>,
  options: TargetContractOptions = {},
): readonly TargetContractCheck[] {
  const states = options.states ?? targetStateArb()
  const policies = options.policies ?? defaultPolicies()
  const numRuns = options.numRuns ?? 20
  const seed = options.seed
  const isStale = (e: E): boolean =>
    factory.isStale !== undefined ? factory.isStale(e) : kindOf(e) === 'stalePlan'
  const holds = (state: SyncState): SyncState => factory.holds(state)

  // One case: seed, run, always clean up.
  const onTarget = async (
    state: SyncState,
    body: (target: SyncTarget<E, F>) => Promise<void>,
  ): Promise<void> => {
    const seeded = await factory.seed(state)
    try {
      await body(seeded.target)
    } finally {
      await seeded.cleanup?.()
    }
  }
  const check = <T extends [unknown, ...unknown[]]>(
    property: fc.IAsyncPropertyWithHooks<T>,
  ): Promise<void> => assertProperty(property, numRuns, seed)

  return [
    {
      id: 'load',
      name: 'load gives back what was seeded',
      run: () =>
        check(
          fc.asyncProperty(states, async (seeded) => {
            const held = holds(seeded)
            sameState(holds(held), held, 'holds(holds(state)) differs from holds(state)')
            await onTarget(seeded, async (target) => {
              const loaded = await must(target.loadSyncState(), 'loading the seeded target')
              sameState(loaded, held, 'the load differs from what the target holds of the seed')
              const again = await must(target.loadSyncState(), 'loading it again')
              sameState(again, loaded, 'a second load differs from the first')
            })
          }),
        ),
    },
    {
      id: 'apply',
      name: 'apply then load equals core applyPlan',
      run: () =>
        check(
          fc.asyncProperty(states, policies, async (seeded, drawn) => {
            await onTarget(seeded, async (target) => {
              const { input, plan, context } = await planFor(target, seeded, drawn)
              const report = await must(target.applyPlan(plan, context), 'applying a fresh plan')
              noFailures(report, plan.commands, 'applying a fresh plan')
              const after = await must(target.loadSyncState(), 'loading after the apply')
              sameState(
                after,
                holds(applyPlan(input, plan, target.appliesAs)),
                'the load after applying differs from core applyPlan',
              )
            })
          }),
        ),
    },
    {
      id: 'applyTwice',
      name: 'applying the same plan twice changes nothing the second time',
      run: () =>
        check(
          fc.asyncProperty(states, policies, async (seeded, drawn) => {
            await onTarget(seeded, async (target) => {
              const { loaded, plan, context } = await planFor(target, seeded, drawn)
              const first = await must(target.applyPlan(plan, context), 'applying a fresh plan')
              noFailures(first, plan.commands, 'applying a fresh plan')
              const between = await must(target.loadSyncState(), 'loading after the apply')
              const changed = fingerprintTarget(between) !== fingerprintTarget(loaded)
              const again = await target.applyPlan(plan, context)
              if (changed && !(again.isErr() && isStale(again.error)))
                fail('the same plan applied again was not refused as stale', again)
              if (!changed && again.isOk()) noFailures(again.value, plan.commands, 'the same plan')
              sameState(
                await must(target.loadSyncState(), 'loading after the second apply'),
                between,
                'applying the same plan again changed the target',
              )
              const replay = await target.applyPlan(
                {
                  commands: plan.commands,
                  targetFingerprint: fingerprintTarget(between),
                },
                context,
              )
              if (replay.isErr() && isStale(replay.error))
                fail('commands with the fingerprint of its own load were refused as stale', replay)
              if (replay.isOk()) noFailures(replay.value, plan.commands, 'the replayed commands')
              sameState(
                await must(target.loadSyncState(), 'loading after the replay'),
                between,
                'the replayed commands changed the target',
              )
            })
          }),
        ),
    },
    {
      id: 'stalePlan',
      name: 'a stale plan is refused with nothing written',
      run: () =>
        check(
          fc.asyncProperty(states, policies, async (seeded, drawn) => {
            await onTarget(seeded, async (target) => {
              const { plan, context } = await planFor(target, seeded, drawn)
              // The target changes after planning: its own apply of the plan's first command.
              fc.pre(plan.commands.length > 0)
              const head = plan.commands.slice(0, 1)
              const part = await must(
                target.applyPlan(
                  { commands: head, targetFingerprint: plan.targetFingerprint },
                  context,
                ),
                "applying the plan's first command",
              )
              noFailures(part, head, "applying the plan's first command")
              const between = await must(target.loadSyncState(), 'loading after the first command')
              if (fingerprintTarget(between) === plan.targetFingerprint)
                fail("the plan's first command left the target fingerprint as it was", head)
              const stale = await target.applyPlan(plan, context)
              if (!(stale.isErr() && isStale(stale.error)))
                fail('a plan made before the target changed was not refused as stale', stale)
              sameState(
                await must(target.loadSyncState(), 'loading after the refusal'),
                between,
                'refusing the stale plan wrote something',
              )
            })
          }),
        ),
    },
    {
      id: 'converges',
      name: 'a run converges',
      run: () =>
        check(
          fc.asyncProperty(states, policies, async (seeded, drawn) => {
            await onTarget(seeded, async (target) => {
              const ports = { groups: groupSource(groupSide(seeded)), target }
              const options = { apply: true, gates: { minGroups: 0 } }
              // Removal limits hold removals a run's own adds may bring under the limit: by design a
              // second run may then remove them. Without limits one run must do it all.
              const policy = { ...drawn, limits: { maxRemovals: Infinity, maxRemovalFraction: 1 } }
              const first = await must(runSync(ports, policy, options), 'the first run')
              if (first.applied !== undefined)
                noFailures(first.applied, first.plan.commands, 'the first run')
              if (first.verification !== undefined && !first.verification.converged)
                fail('the first run did not verify converged', first.verification.plan.commands)
              const second = await must(runSync(ports, policy, options), 'the second run')
              if (second.plan.commands.length > 0)
                fail('the second run planned commands', second.plan.commands)
            })
          }),
        ),
    },
  ]

  // The groups, links and managed syncables a run combines with the target's load.
  function groupSide(seeded: SyncState): GroupSide {
    const from = factory.groups === 'directory' ? seeded : holds(seeded)
    return { groups: from.groups, links: from.links, managed: managedOf(seeded) }
  }

  async function planFor(
    target: SyncTarget<E, F>,
    seeded: SyncState,
    drawn: SyncPolicyInput,
  ): Promise<{ loaded: SyncState; input: SyncState; plan: SyncPlan; context: ApplyContext }> {
    const loaded = await must(target.loadSyncState(), 'loading the seeded target')
    // A target that holds the groups plans with what it loaded; else the seeded state's groups.
    const side =
      factory.groups === 'directory'
        ? groupSide(seeded)
        : { groups: loaded.groups, links: loaded.links, managed: managedOf(seeded) }
    const input = combine(loaded, side)
    const plan = planSync(input, { ...target.policyDefaults, ...drawn })
    // What runSync tells the target the plan was made with, so it can admit each command.
    return { loaded, input, plan, context: { groupLoad: side, policy: plan.policy } }
  }
}

/**
 * The contract as a `describe` block of one `it` per check, for frameworks shaped like vitest or
 * jest: `describeTargetContract('my target', factory, { describe, it })`.
 */
export function describeTargetContract<E, F extends CommandError = CommandError>(
  name: string,
  factory: TargetFactory<E, F>,
  test: TestFunctions,
  options: TargetContractOptions & { readonly timeoutMs?: number } = {},
): void {
  test.describe(name, () => {
    for (const c of targetContract(factory, options))
      test.it(c.name, () => c.run(), options.timeoutMs)
  })
}

interface GroupSide {
  readonly groups: SyncState['groups']
  readonly links: SyncState['links']
  readonly managed: readonly ManagedSyncable[]
}

function defaultPolicies(): fc.Arbitrary<SyncPolicyInput> {
  return syncPolicyInputArb().map((p) => {
    const copy: { -readonly [K in keyof SyncPolicyInput]: SyncPolicyInput[K] } = { ...p }
    delete copy.groupConstrainedRemovals
    return copy
  })
}

// Managed syncables are configuration: they come with the seeded state, never from the target.
function managedOf(state: SyncState): ManagedSyncable[] {
  const by = (label: string | undefined): string => label ?? 'the contract suite'
  return [
    ...state.teams
      .filter((t) => t.managed === true)
      .map((t) => ({ syncable: { kind: 'team' as const, id: t.id }, by: by(t.managedBy) })),
    ...state.channels
      .filter((c) => c.managed === true)
      .map((c) => ({ syncable: { kind: 'channel' as const, id: c.id }, by: by(c.managedBy) })),
  ]
}

function groupSource(side: GroupSide): GroupSource<never> {
  return {
    loadGroups: () =>
      okAsync({ groups: side.groups, links: side.links, managed: side.managed, warnings: [] }),
  }
}

// As `runSync` combines a load with a group source: its groups and links, managed syncables marked.
function combine(loaded: SyncState, side: GroupSide): SyncState {
  const managed = new Map(side.managed.map((m) => [`${m.syncable.kind}:${m.syncable.id}`, m.by]))
  return {
    ...loaded,
    groups: side.groups,
    links: side.links,
    teams: loaded.teams.map((t) => {
      const by = managed.get(`team:${t.id}`)
      return by === undefined ? t : { ...t, managed: true, managedBy: by }
    }),
    channels: loaded.channels.map((c) => {
      const by = managed.get(`channel:${c.id}`)
      return by === undefined ? c : { ...c, managed: true, managedBy: by }
    }),
  }
}

// fc.assert's message leaves out what the check said; this one leads with it.
async function assertProperty<T extends [unknown, ...unknown[]]>(
  property: fc.IAsyncPropertyWithHooks<T>,
  numRuns: number,
  seed: number | undefined,
): Promise<void> {
  const details = await fc.check(property, {
    numRuns,
    ...(seed !== undefined ? { seed } : {}),
  })
  if (!details.failed) return
  // Too many skipped cases (no plan had a command) or an interrupted run: no counterexample.
  if (details.counterexample === null)
    throw new Error(fc.defaultReportMessage(details) ?? 'the property failed without a case')
  const error = details.errorInstance
  const said = error instanceof Error ? error.message : String(error)
  throw new Error(
    `${said}\nCounterexample after ${details.numRuns} case(s), ${details.numShrinks} shrink(s); ` +
      `replay with { seed: ${details.seed}, path: "${details.counterexamplePath ?? ''}" }:\n` +
      show(details.counterexample),
    { cause: error },
  )
}

async function must<T, X>(result: ResultAsync<T, X>, what: string): Promise<T> {
  const r = await result
  if (r.isErr()) fail(`${what} failed`, r.error)
  return r.value
}

// Every command got one outcome and none failed.
function noFailures(report: ApplyReport, commands: readonly SyncCommand[], what: string): void {
  const failed = report.outcomes.filter((o) => o.kind === 'failed')
  if (failed.length > 0) fail(`${what}: ${failed.length} command(s) failed`, failed)
  const want = commands.map(commandKey).sort()
  const got = report.outcomes.map((o) => commandKey(o.command)).sort()
  if (want.join('\n') !== got.join('\n'))
    fail(`${what}: the outcomes are not one per command`, { commands: want, outcomes: got })
}

// Compares normalised states row by row, so the message names the rows that differ.
function sameState(actual: SyncState, expected: SyncState, what: string): void {
  const a = normalizeState(actual)
  const e = normalizeState(expected)
  const lines: string[] = []
  for (const key of Object.keys(e) as (keyof SyncState)[]) {
    const got = a[key].map((r) => JSON.stringify(r))
    const want = e[key].map((r) => JSON.stringify(r))
    const gotSet = new Set(got)
    const wantSet = new Set(want)
    for (const r of want) if (!gotSet.has(r)) lines.push(`  ${key}: missing ${r}`)
    for (const r of got) if (!wantSet.has(r)) lines.push(`  ${key}: unexpected ${r}`)
    if (got.length !== want.length && lines.length === 0)
      lines.push(`  ${key}: ${got.length} rows, expected ${want.length} (a row repeated)`)
  }
  if (lines.length === 0) return
  const shown = lines.slice(0, 30)
  if (lines.length > shown.length) shown.push(`  … and ${lines.length - shown.length} more`)
  throw new Error(`${what}:\n${shown.join('\n')}`)
}

function fail(what: string, detail: unknown): never {
  throw new Error(`${what}: ${show(detail)}`)
}

function show(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message } : v,
    )
    return text.length > 4000 ? `${text.slice(0, 4000)}…` : text
  } catch {
    return String(value)
  }
}

function kindOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'kind' in error ? error.kind : undefined
}
