import { err, errAsync, ok, okAsync, ResultAsync, type Result } from 'neverthrow'
import type { GroupSourceWarning } from './groups-from-directory.js'
import {
  admitCommands,
  inadmissibleCommands,
  withGroupLoad,
  type ApplyContext,
  type InadmissibleCommandsError,
} from './admit-commands.js'
import type { SyncState } from './model.js'
import { planSafely, type SafePlan, type SafetyOptions } from './plan-safely.js'
import type {
  ApplyReport,
  CommandError,
  GroupLoad,
  GroupSource,
  SyncHistoryStore,
  SyncTarget,
  TargetView,
  Warning,
} from './ports.js'
import type { SafetyWarning, SyncPlan, SyncWarning } from './sync-command.js'
import { emptySyncHistory, nextSyncHistory, type SyncHistory } from './sync-history.js'
import { recordAdded } from './own-removals.js'
import type { SyncPolicyInput } from './sync-policy.js'

/**
 * What `runSync` sequences: where the groups come from and the Mattermost it syncs. It does no I/O
 * of its own: every effect is a call on one of these, so it is tested with in-memory ports and
 * embedded with real adapters.
 */
export interface RunSyncPorts<GE, GW extends Warning, TE, TF extends CommandError = CommandError> {
  readonly groups: GroupSource<GE, GW>
  readonly target: SyncTarget<TE, TF>
  /**
   * Where the safety rules remember earlier runs (the grace period, the health gate). Without it
   * every run is planned as the first one; its failures read as the target's.
   */
  readonly history?: SyncHistoryStore<TE>
}

/** Stages reported through `onProgress`, in order. */
export type RunSyncEvent =
  | { readonly kind: 'loading' }
  | { readonly kind: 'loaded'; readonly users: number; readonly groups: number }
  | {
      readonly kind: 'planned'
      readonly commands: number
      readonly held: number
      readonly warnings: number
    }
  | { readonly kind: 'gateClosed'; readonly reasons: readonly string[] }
  | { readonly kind: 'applying'; readonly commands: number }
  | { readonly kind: 'applied'; readonly done: number; readonly failed: number }
  | { readonly kind: 'verifying' }
  | { readonly kind: 'verified'; readonly converged: boolean; readonly remaining: number }

export interface RunSyncOptions {
  /** Apply the plan. Default `false`: a dry run that only plans. */
  readonly apply?: boolean
  /** After applying, re-load and re-plan to check the plan converged. Default `true`. */
  readonly verify?: boolean
  /**
   * Gates checked before applying; a closed gate means nothing is applied. `minGroups` (default 1):
   * a directory that yields fewer groups is misconfigured or broken, not empty. `maxCommands`
   * (default unlimited): a plan larger than this needs a person.
   */
  readonly gates?: { readonly minGroups?: number; readonly maxCommands?: number }
  readonly onProgress?: (event: RunSyncEvent) => void
  /** A monotonic clock in milliseconds for the timings (inject `performance.now`); default: no timings. */
  readonly clock?: () => number
  /**
   * The safety rules across runs (see `planSafely`): removal grace, health gate, last-admin guard.
   * Defaults keep `planSync`'s behaviour. `now` is the wall clock in epoch ms (inject `Date.now`);
   * required with a history store.
   */
  readonly safety?: Omit<SafetyOptions, 'history' | 'now' | 'freshness'> & {
    readonly now?: () => number
  }
}

/**
 * What a run did: the state it planned from, the plan, what was applied, whether the re-plan came
 * back empty, timings. `warnings` are the group source's, the safety rules', then the plan's.
 */
export interface RunSyncResult<GW = GroupSourceWarning, TF extends CommandError = CommandError> {
  readonly dryRun: boolean
  /** The combined state the plan was made from (target + groups, links and managed syncables). */
  readonly state: SyncState
  readonly plan: SyncPlan
  readonly warnings: readonly (SyncWarning | SafetyWarning | GW)[]
  /** Why nothing was applied although `apply` was asked for (a closed gate); empty otherwise. */
  readonly gateReasons: readonly string[]
  readonly applied?: ApplyReport<TF>
  /**
   * What the safety rules found: groups the health gate froze (size then and now), whether the
   * directory gate held every removal, whether this run counts, and the history it saved (only
   * after an applied run that counts, with a history store).
   */
  readonly safety: Pick<SafePlan, 'frozenGroups' | 'directoryGated' | 'counted'> & {
    readonly savedHistory?: SyncHistory
  }
  /**
   * The re-plan after applying. `converged`: it has no commands (removals left to Mattermost's own
   * group sync are held, not commands, so they do not stop a run from converging).
   */
  readonly verification?: {
    readonly plan: SyncPlan
    readonly converged: boolean
    readonly state: SyncState
  }
  readonly timings: {
    readonly loadMs: number
    readonly planMs: number
    readonly applyMs: number
    readonly verifyMs: number
  }
}

/** Which side of a run failed, with that side's own typed error. */
export type RunSyncFailure<GE, TE> =
  { readonly side: 'groups'; readonly error: GE } | { readonly side: 'target'; readonly error: TE }

/** A run failed at a stage; `cause` names the side that failed and carries its typed error. */
export type RunSyncError<GE, TE> =
  | {
      readonly kind: 'loadFailed'
      readonly message: string
      readonly cause: RunSyncFailure<GE, TE>
    }
  /**
   * Nothing was written when `error` is an `inadmissibleCommands` error (runSync's own check of the
   * plan, or the target's), a stale plan or any other error the target fails a whole call with.
   */
  | {
      readonly kind: 'applyFailed'
      readonly message: string
      readonly cause: { readonly side: 'target'; readonly error: TE | InadmissibleCommandsError }
    }
  | {
      readonly kind: 'verifyFailed'
      readonly message: string
      readonly cause: RunSyncFailure<GE, TE>
    }

/**
 * Loads both sides at once: the target, and the group source with a promise of the target (so a
 * directory read runs while Mattermost loads). The first failure wins; a target failure is
 * reported without waiting for the group source, whose promise of the target then never settles.
 */
function loadBoth<GE, GW extends Warning, TE, TF extends CommandError>(
  ports: RunSyncPorts<GE, GW, TE, TF>,
): ResultAsync<
  { state: SyncState; warnings: readonly GW[]; load: GroupLoad<GW> },
  RunSyncFailure<GE, TE>
> {
  type Loaded = { state: SyncState; warnings: readonly GW[]; load: GroupLoad<GW> }
  let deliver: (view: TargetView) => void = () => undefined
  const view = new Promise<TargetView>((resolve) => {
    deliver = resolve
  })
  const target = ports.target.loadSyncState()
  const groups = ports.groups.loadGroups(view)
  return new ResultAsync(
    new Promise<Result<Loaded, RunSyncFailure<GE, TE>>>((resolve) => {
      void groups.then((g) => {
        if (g.isErr()) resolve(err({ side: 'groups', error: g.error }))
      })
      void target.then((t) => {
        if (t.isErr()) {
          resolve(err({ side: 'target', error: t.error }))
          return
        }
        deliver(t.value)
        void groups.then((g) => {
          if (g.isOk())
            resolve(
              ok({
                state: withGroupLoad(t.value, g.value),
                warnings: g.value.warnings,
                load: g.value,
              }),
            )
        })
      })
    }),
  )
}

/**
 * One sync run: load the groups and Mattermost in parallel, plan with `{ ...target.policyDefaults,
 * ...policy }`, check the gates, apply (only when asked: dry run is the default), then re-load and
 * re-plan to verify convergence.
 */
export function runSync<GE, GW extends Warning, TE, TF extends CommandError = CommandError>(
  ports: RunSyncPorts<GE, GW, TE, TF>,
  policy: SyncPolicyInput = {},
  options: RunSyncOptions = {},
): ResultAsync<RunSyncResult<GW, TF>, RunSyncError<GE, TE>> {
  type Out = ResultAsync<RunSyncResult<GW, TF>, RunSyncError<GE, TE>>
  const clock = options.clock ?? (() => 0)
  const emit = options.onProgress ?? (() => undefined)
  const wantApply = options.apply === true
  const minGroups = options.gates?.minGroups ?? 1
  const maxCommands = options.gates?.maxCommands ?? Number.POSITIVE_INFINITY
  const effective: SyncPolicyInput = { ...ports.target.policyDefaults, ...policy }
  const { now: wallClock = () => 0, ...rules } = options.safety ?? {}
  const historyStore = ports.history
  // Pending removals' times would all be 0: a wiring bug, not a run-time condition.
  if (historyStore !== undefined && options.safety?.now === undefined)
    throw new TypeError('runSync: a history store needs options.safety.now (a wall clock)')

  const t0 = clock()
  emit({ kind: 'loading' })
  // Every load starts at once (the history is one small read next to the two big ones).
  const loadHistory: ResultAsync<SyncHistory, RunSyncFailure<GE, TE>> = historyStore === undefined
    ? okAsync(emptySyncHistory)
    : historyStore.loadHistory().mapErr((error) => ({ side: 'target', error }))
  return ResultAsync.combine([loadBoth(ports), loadHistory] as const)
    .map(([loaded, history]) => ({ ...loaded, history }))
    .mapErr((cause): RunSyncError<GE, TE> => ({
      kind: 'loadFailed',
      message: `could not load ${cause.side === 'groups' ? 'the groups (directory)' : 'Mattermost'}: nothing was planned or applied`,
      cause,
    }))
    .andThen(({ state, warnings, load, history }): Out => {
      emit({ kind: 'loaded', users: state.users.length, groups: state.groups.length })
      const t1 = clock()
      const now = wallClock()
      // The freshness marker comes with the groups; the history stores it once the run counts.
      const safeOptions: SafetyOptions = {
        ...rules,
        history,
        now,
        ...(load.freshness === undefined ? {} : { freshness: load.freshness }),
      }
      const safe = planSafely(state, effective, safeOptions)
      const plan = safe.plan
      const t2 = clock()
      emit({
        kind: 'planned',
        commands: plan.commands.length,
        held: plan.held.length,
        warnings: plan.warnings.length,
      })
      // The plan's own warnings stay last: callers tell them from the rest by position.
      const all: readonly (SyncWarning | SafetyWarning | GW)[] = [
        ...warnings,
        ...safe.warnings,
        ...plan.warnings,
      ]
      const safety = {
        frozenGroups: safe.frozenGroups,
        directoryGated: safe.directoryGated,
        counted: safe.counted,
      }
      const base = { state, plan, warnings: all, safety }
      const gateReasons: string[] = []
      if (wantApply) {
        const liveGroups = state.groups.filter((g) => g.deleted !== true).length
        if (liveGroups < minGroups)
          gateReasons.push(
            `the directory gave ${liveGroups} groups, fewer than gates.minGroups (${minGroups}): refusing to apply`,
          )
        if (plan.commands.length > maxCommands)
          gateReasons.push(
            `the plan has ${plan.commands.length} commands, more than gates.maxCommands (${maxCommands}): review and apply it by hand`,
          )
        if (gateReasons.length > 0) emit({ kind: 'gateClosed', reasons: gateReasons })
      }
      const timings = { loadMs: t1 - t0, planMs: t2 - t1, applyMs: 0, verifyMs: 0 }
      // Only an applied run that counts moves the history on; a dry or gated run never does. A
      // failed save is a warning: the next run then counts from the history before this one.
      type Saved = Pick<RunSyncResult<GW, TF>, 'safety' | 'warnings'>
      // Provenance (the adds it made) is recorded after every apply, counted or not.
      const save = (applied?: ApplyReport<TF>): ResultAsync<Saved, never> => {
        if (historyStore === undefined || (!safe.counted && applied === undefined))
          return okAsync({ safety, warnings: all })
        const counted = safe.counted
          ? nextSyncHistory(history, plan, state, now, load.freshness)
          : history
        const next: SyncHistory =
          applied === undefined
            ? counted
            : { ...counted, added: recordAdded(history.added, applied, state) }
        return historyStore
          .saveHistory(next)
          .map((): Saved => ({ safety: { ...safety, savedHistory: next }, warnings: all }))
          .orElse((e) =>
            okAsync<Saved>({
              safety,
              warnings: [
                ...warnings,
                ...safe.warnings,
                {
                  kind: 'historyNotSaved',
                  message: `the run's history could not be saved (${messageOf(e)}): the next run counts pending removals as the run before left them`,
                },
                ...plan.warnings,
              ],
            }),
          )
      }
      if (!wantApply || gateReasons.length > 0)
        return okAsync({ dryRun: !wantApply, ...base, gateReasons, timings })
      if (plan.commands.length === 0)
        return save().map((saved) => ({ dryRun: false, ...base, ...saved, gateReasons, timings }))
      // The plan came from this state, so a refusal here is a planner bug: still, nothing is
      // written that a sync could not have planned, whatever the target checks itself.
      const admission = admitCommands(plan.commands, state, { policy: plan.policy })
      if (admission.refused.length > 0)
        return errAsync({
          kind: 'applyFailed',
          message: 'the plan has commands no sync could have planned; nothing was applied',
          cause: {
            side: 'target',
            error: inadmissibleCommands(admission.refused, plan.commands.length),
          },
        })
      emit({ kind: 'applying', commands: plan.commands.length })
      // The target admits each command against what it re-reads with the run's groups and links.
      const context: ApplyContext = {
        groupLoad: { groups: load.groups, links: load.links, managed: load.managed },
        policy: plan.policy,
      }
      return ports.target
        .applyPlan(plan, context)
        .mapErr((error): RunSyncError<GE, TE> => ({
          kind: 'applyFailed',
          message: 'applying the plan failed; see cause (a re-run re-plans from what was written)',
          cause: { side: 'target', error },
        }))
        .andThen((applied) => save(applied).map((saved) => ({ applied, saved })))
        .andThen(({ applied, saved }): Out => {
          const failed = applied.outcomes.filter((o) => o.kind === 'failed').length
          emit({ kind: 'applied', done: applied.outcomes.length - failed, failed })
          const t3 = clock()
          const result = { dryRun: false, ...base, ...saved, gateReasons, applied }
          if (options.verify === false)
            return okAsync({ ...result, timings: { ...timings, applyMs: t3 - t2 } })
          emit({ kind: 'verifying' })
          return loadBoth(ports)
            .mapErr((cause): RunSyncError<GE, TE> => ({
              kind: 'verifyFailed',
              message: 'the plan was applied, but re-loading to verify it failed',
              cause,
            }))
            .andThen(({ state: after }): Out => {
              // The same rules and history: removals still in their grace stay held, not commands.
              const again = planSafely(after, effective, safeOptions).plan
              const converged = again.commands.length === 0
              emit({ kind: 'verified', converged, remaining: again.commands.length })
              return okAsync({
                ...result,
                verification: { plan: again, converged, state: after },
                timings: { ...timings, applyMs: t3 - t2, verifyMs: clock() - t3 },
              })
            })
        })
    })
}

/** A store error's sentence, whatever its type (the port's `E` is the target's error). */
function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error
    ? String(error.message)
    : String(error)
}
