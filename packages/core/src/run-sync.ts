import { okAsync, type ResultAsync } from 'neverthrow'
import type { SyncState } from './model.js'
import { planSync } from './plan-sync.js'
import type { ApplyReport } from './ports.js'
import type { SyncPlan } from './sync-command.js'
import type { SyncPolicyInput } from './sync-policy.js'

/**
 * What `runSync` sequences. It does no I/O of its own: every effect is one of these calls, so it is
 * tested with in-memory ports and embedded with real adapters.
 */
export interface RunSyncPorts<D, E> {
  /** Reads the directory (e.g. `readDirectory` or `readLdif`). Runs in parallel with `loadTarget`. */
  readonly readDirectory: () => ResultAsync<D, E>
  /** Reads the Mattermost side (Postgres or REST adapter `loadSyncState`). */
  readonly loadTarget: () => ResultAsync<SyncState, E>
  /** Pure: resolves directory groups to Mattermost users and maps them to links (`resolveGroups` + `linksFromRules`). */
  readonly combine: (
    directory: D,
    target: SyncState,
  ) => { readonly state: SyncState; readonly warnings: readonly unknown[] }
  /** Applies a plan's commands (Postgres or REST adapter `applyPlan`). */
  readonly apply: (plan: SyncPlan) => ResultAsync<ApplyReport, E>
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
}

/** What a run did: the plan, what was applied, whether the re-plan came back empty, timings. */
export interface RunSyncResult {
  readonly dryRun: boolean
  readonly plan: SyncPlan
  readonly warnings: readonly unknown[]
  /** Why nothing was applied although `apply` was asked for (a closed gate); empty otherwise. */
  readonly gateReasons: readonly string[]
  readonly applied?: ApplyReport
  readonly verification?: { readonly plan: SyncPlan; readonly converged: boolean }
  readonly timings: {
    readonly loadMs: number
    readonly planMs: number
    readonly applyMs: number
    readonly verifyMs: number
  }
}

/** A run failed at a stage; `cause` is the port's own typed error. */
export type RunSyncError<E> = {
  readonly kind: 'loadFailed' | 'applyFailed' | 'verifyFailed'
  readonly message: string
  readonly cause: E
}

/**
 * One sync run: load directory and Mattermost in parallel, plan, check the gates, apply (only when
 * asked: dry run is the default), then re-load and re-plan to verify convergence.
 */
export function runSync<D, E>(
  ports: RunSyncPorts<D, E>,
  policy: SyncPolicyInput = {},
  options: RunSyncOptions = {},
): ResultAsync<RunSyncResult, RunSyncError<E>> {
  const clock = options.clock ?? (() => 0)
  const emit = options.onProgress ?? (() => undefined)
  const wantApply = options.apply === true
  const minGroups = options.gates?.minGroups ?? 1
  const maxCommands = options.gates?.maxCommands ?? Number.POSITIVE_INFINITY

  // Both reads start before either is awaited: directory and Mattermost load in parallel.
  const load = (): ResultAsync<
    { readonly state: SyncState; readonly warnings: readonly unknown[] },
    E
  > => {
    const directory = ports.readDirectory()
    const target = ports.loadTarget()
    return directory.andThen((d) => target.map((t) => ports.combine(d, t)))
  }

  const t0 = clock()
  emit({ kind: 'loading' })
  return load()
    .mapErr((cause): RunSyncError<E> => ({
      kind: 'loadFailed',
      message: 'could not load the directory or Mattermost: nothing was planned or applied',
      cause,
    }))
    .andThen(({ state, warnings }) => {
      emit({ kind: 'loaded', users: state.users.length, groups: state.groups.length })
      const t1 = clock()
      const plan = planSync(state, policy)
      const t2 = clock()
      emit({
        kind: 'planned',
        commands: plan.commands.length,
        held: plan.held.length,
        warnings: plan.warnings.length,
      })
      const base = { plan, warnings: [...warnings, ...plan.warnings] }
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
      if (!wantApply || gateReasons.length > 0 || plan.commands.length === 0) {
        return okAsync<RunSyncResult, RunSyncError<E>>({
          dryRun: !wantApply,
          ...base,
          gateReasons,
          timings,
        })
      }
      emit({ kind: 'applying', commands: plan.commands.length })
      return ports
        .apply(plan)
        .mapErr((cause): RunSyncError<E> => ({
          kind: 'applyFailed',
          message: 'applying the plan failed; see cause (a re-run re-plans from what was written)',
          cause,
        }))
        .andThen((applied) => {
          const failed = applied.outcomes.filter((o) => o.kind === 'failed').length
          emit({ kind: 'applied', done: applied.outcomes.length - failed, failed })
          const t3 = clock()
          const result = { dryRun: false, ...base, gateReasons, applied }
          if (options.verify === false)
            return okAsync<RunSyncResult, RunSyncError<E>>({
              ...result,
              timings: { ...timings, applyMs: t3 - t2 },
            })
          emit({ kind: 'verifying' })
          return load()
            .mapErr((cause): RunSyncError<E> => ({
              kind: 'verifyFailed',
              message: 'the plan was applied, but re-loading to verify it failed',
              cause,
            }))
            .andThen(({ state: after }) => {
              const again = planSync(after, policy)
              const converged = again.commands.length === 0
              emit({ kind: 'verified', converged, remaining: again.commands.length })
              return okAsync<RunSyncResult, RunSyncError<E>>({
                ...result,
                verification: { plan: again, converged },
                timings: { ...timings, applyMs: t3 - t2, verifyMs: clock() - t3 },
              })
            })
        })
    })
}
