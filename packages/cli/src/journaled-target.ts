import {
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
import type { PostgresClient } from '@grouproles/adapter-postgres'
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
  Partial<Pick<SyncPlan, 'stats' | 'fingerprint'>> & { readonly before?: RunBefore }

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
  return {
    ...(inner.policyDefaults !== undefined ? { policyDefaults: inner.policyDefaults } : {}),
    loadSyncState: (): ResultAsync<SyncState, E | JE> => inner.loadSyncState(),
    applyPlan(plan: JournaledPlan, context?: ApplyContext): ResultAsync<ApplyReport<F>, E | JE> {
      return journal
        .startRun(db, {
          stats: plan.stats ?? statsOfCommands(plan.commands),
          fingerprint: plan.fingerprint ?? plan.targetFingerprint,
          targetFingerprint: plan.targetFingerprint,
          target: 'rest',
          siteId,
          // In the run's summary (jsonb): no migration, and `runBeforeOfSummary` reads it back.
          ...(plan.before !== undefined ? { summary: { before: plan.before } } : {}),
        })
        .andThen((runId) =>
          inner
            .applyPlan(plan, context)
            .orElse((error) =>
              journal
                .finishRun(db, runId, {
                  outcome:
                    error.kind === 'stalePlan' || error.kind === 'inadmissibleCommands'
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
