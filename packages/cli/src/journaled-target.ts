import {
  runBeforeOf,
  type ApplyContext,
  type ApplyReport,
  type CommandError,
  type RunBefore,
  type SyncCommand,
  type SyncCommandKind,
  type SyncPlan,
  type SyncState,
  type SyncStats,
  type SyncTarget,
} from '@grouproles/core'
import type * as Postgres from '@grouproles/adapter-postgres'
import type { ApplyPlanReport, PostgresClient, PostgresError } from '@grouproles/adapter-postgres'
import { errAsync, okAsync, type ResultAsync } from 'neverthrow'

/** The journal functions used (adapter-postgres, imported lazily by the caller). */
export interface Journal<JE> {
  startRun(
    client: PostgresClient,
    plan: Pick<SyncPlan, 'stats' | 'fingerprint' | 'targetFingerprint'> & {
      readonly target?: 'database' | 'rest'
      readonly siteId?: string
      readonly summary?: Readonly<Record<string, unknown>>
    },
  ): ResultAsync<number, JE>
  recordCommands(
    client: PostgresClient,
    runId: number,
    commands: readonly {
      readonly command: SyncCommand
      readonly reason?: string
      readonly outcome: 'done' | 'already' | 'failed'
    }[],
  ): ResultAsync<void, JE>
  finishRun(
    client: PostgresClient,
    runId: number,
    end: {
      readonly outcome: 'applied' | 'nothingToDo' | 'refused' | 'failed'
      readonly error?: unknown
    },
  ): ResultAsync<void, JE>
}

/**
 * A plan as appliers take it, with what the journal records when the caller has it: `before`,
 * the rows its commands can change as they are now (core `runBeforeOf` of the state the commands
 * were checked against), is what `revertPlan` needs to undo the run (a removed member's role).
 */
export type JournaledPlan = Pick<SyncPlan, 'commands' | 'targetFingerprint'> &
  Partial<Pick<SyncPlan, 'stats' | 'fingerprint'>> & {
    readonly before?: RunBefore
    /** The run this plan reverts (a `revertOf` plan file), kept in the run's summary. */
    readonly revertOf?: number
  }

/**
 * The run's summary extras: `before` as given, else the rows of the state this target last loaded
 * (the state `runSync` planned from, so `serve`'s runs are revertible too), and the revert marker.
 */
function summaryOf(
  plan: JournaledPlan,
  lastLoaded: SyncState | undefined,
): Readonly<Record<string, unknown>> {
  const before =
    plan.before ?? (lastLoaded !== undefined ? runBeforeOf(lastLoaded, plan.commands) : undefined)
  return {
    ...(before !== undefined ? { before } : {}),
    ...(plan.revertOf !== undefined ? { revertOf: plan.revertOf } : {}),
  }
}

/**
 * A REST target whose applies are journalled (`target: 'rest'`, the site id) in the store's
 * database: a run opens before the apply, every command is recorded with its reason and outcome,
 * and the run closes `applied`, `nothingToDo`, `refused` (a stale plan: nothing sent) or `failed`.
 */
export function journaledTarget<E extends CommandError, F extends CommandError, JE>(
  inner: SyncTarget<E, F>,
  journal: Journal<JE>,
  db: PostgresClient,
  siteId: string,
): SyncTarget<E | JE, F> {
  let lastLoaded: SyncState | undefined
  return {
    ...(inner.policyDefaults !== undefined ? { policyDefaults: inner.policyDefaults } : {}),
    loadSyncState: (): ResultAsync<SyncState, E | JE> =>
      inner.loadSyncState().map((state) => {
        lastLoaded = state
        return state
      }),
    applyPlan(plan: JournaledPlan, context?: ApplyContext): ResultAsync<ApplyReport<F>, E | JE> {
      return journal
        .startRun(db, {
          stats: plan.stats ?? statsOfCommands(plan.commands),
          fingerprint: plan.fingerprint ?? plan.targetFingerprint,
          targetFingerprint: plan.targetFingerprint,
          target: 'rest',
          siteId,
          // In the run's summary (jsonb): no migration, and `runBeforeOfSummary` reads it back.
          summary: summaryOf(plan, lastLoaded),
        })
        .andThen((runId) =>
          inner
            .applyPlan(plan, context)
            .orElse((error) =>
              journal
                .finishRun(db, runId, {
                  outcome:
                    error.kind === 'stalePlan' ||
                    error.kind === 'staleCommands' ||
                    error.kind === 'inadmissibleCommands'
                      ? 'refused'
                      : 'failed',
                  error: { kind: error.kind, message: error.message },
                })
                .andThen(() => errAsync(error)),
            )
            .andThen((report) =>
              journal
                .recordCommands(
                  db,
                  runId,
                  report.outcomes.map((o, i) => {
                    const reason = plan.commands[i]?.reason
                    return {
                      command: o.command,
                      ...(reason !== undefined ? { reason } : {}),
                      outcome: o.kind,
                    }
                  }),
                )
                .andThen(() =>
                  journal.finishRun(db, runId, {
                    outcome: report.outcomes.length > 0 ? 'applied' : 'nothingToDo',
                  }),
                )
                .andThen(() => okAsync(report)),
            ),
        )
    },
  }
}

/** The adapter's journal functions a database target uses (imported lazily by the caller). */
export type DatabaseJournal = Pick<
  typeof Postgres,
  'migrate' | 'startRun' | 'finishRun' | 'runOutcomeOf'
>

/** Mattermost's database as `PostgresSyncTarget` opens it: its apply journals into a given run. */
export interface DatabaseTarget {
  readonly policyDefaults?: SyncTarget<PostgresError>['policyDefaults']
  loadSyncState(): ResultAsync<SyncState, PostgresError>
  applyPlan(
    plan: Pick<SyncPlan, 'commands' | 'targetFingerprint'>,
    context?: ApplyContext & { readonly runId?: number },
  ): ResultAsync<ApplyPlanReport, PostgresError>
}

/**
 * Mattermost's database with every apply journalled in its own `grouproles` schema (`target:
 * 'database'`), as the REST target journals in its store: the schema is migrated first (an apply
 * writes; a dry run never gets here), a run opens with the rows before it in its summary, the
 * commands are journalled inside the apply's transaction, and the run closes `applied`,
 * `nothingToDo`, or as `runOutcomeOf` the error (`refused`: nothing written; `failed`: rolled back).
 */
export function journaledDatabaseTarget(
  inner: DatabaseTarget,
  journal: DatabaseJournal,
  db: PostgresClient,
): SyncTarget<PostgresError> {
  let lastLoaded: SyncState | undefined
  return {
    ...(inner.policyDefaults !== undefined ? { policyDefaults: inner.policyDefaults } : {}),
    loadSyncState: () =>
      inner.loadSyncState().map((state) => {
        lastLoaded = state
        return state
      }),
    applyPlan(plan: JournaledPlan, context?: ApplyContext) {
      return journal
        .migrate(db)
        .andThen(() =>
          journal.startRun(db, {
            stats: plan.stats ?? statsOfCommands(plan.commands),
            fingerprint: plan.fingerprint ?? plan.targetFingerprint,
            targetFingerprint: plan.targetFingerprint,
            target: 'database',
            summary: summaryOf(plan, lastLoaded),
          }),
        )
        .andThen((runId) =>
          inner
            .applyPlan(plan, { ...context, runId })
            .orElse((error) =>
              journal
                .finishRun(db, runId, {
                  outcome: journal.runOutcomeOf(error),
                  error: { kind: error.kind, message: error.message },
                })
                .andThen(() => errAsync(error)),
            )
            .andThen((report) =>
              journal
                .finishRun(db, runId, {
                  outcome: report.outcomes.length > 0 ? 'applied' : 'nothingToDo',
                  timings: report.timings,
                })
                .map(() => report),
            ),
        )
    },
  }
}

// A caller that gives only the commands: the journal's summary counts them, nothing else.
function statsOfCommands(commands: JournaledPlan['commands']): SyncStats {
  const counts: Record<SyncCommandKind, number> = {
    setTeamMemberAdmin: 0,
    setChannelMemberAdmin: 0,
    addTeamMember: 0,
    addChannelMember: 0,
    removeChannelMember: 0,
    removeTeamMember: 0,
  }
  for (const c of commands) counts[c.kind]++
  return {
    users: 0,
    groups: 0,
    syncables: 0,
    constrainedSyncables: 0,
    liveLinks: 0,
    activeMemberships: 0,
    commands: counts,
    held: 0,
    leftToMattermost: 0,
    warnings: 0,
  }
}
