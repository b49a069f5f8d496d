import { okAsync, type ResultAsync } from 'neverthrow'
import {
  toSyncCommand,
  type CommandOutcome,
  type SyncCommand,
  type SyncPlan,
} from '@grouproles/core'
import type { PostgresClient } from './postgres-client.js'
import { match } from 'ts-pattern'
import { scrubSecrets, type PostgresError } from './postgres-error.js'
import { run, runArrays } from './internal/session.js'
import * as q from './queries.js'

/** How a run ended. */
export type RunOutcome = 'applied' | 'nothingToDo' | 'refused' | 'failed'

/** What a run wrote through: Mattermost's database (`applyPlan` here) or its REST API. */
export type RunTarget = 'database' | 'rest'

/** One journalled command. */
export interface RunCommand {
  readonly command: SyncCommand
  readonly reason?: string
  readonly outcome: CommandOutcome['kind']
}

/** A row of `grouproles.runs`, with the number of commands journalled for it. */
export interface RunRecord {
  readonly id: number
  readonly startedAt: string
  readonly finishedAt?: string
  readonly summary: unknown
  readonly fingerprint?: string
  readonly targetFingerprint?: string
  readonly outcome?: RunOutcome
  readonly error?: unknown
  readonly timings?: Readonly<Record<string, number>>
  readonly commandCount: number
  readonly target: RunTarget
  /** The Mattermost site the run was for (`SiteIdentity.siteId`), when `startRun` was told. */
  readonly siteId?: string
}

/** What `startRun` records about the plan: its stats and fingerprints (commands come later). */
export type RunStart = Pick<SyncPlan, 'stats' | 'fingerprint' | 'targetFingerprint'> & {
  readonly summary?: Readonly<Record<string, unknown>>
  /** Default `'database'`. A REST run journals on the store's database, which has no Mattermost tables. */
  readonly target?: RunTarget
  /** The Mattermost site the run is for (`SiteIdentity.siteId`). */
  readonly siteId?: string
}

/**
 * Opens a run in the journal (after `migrate`); returns its id. The journal lives in schema
 * `grouproles` only: it works on any database, Mattermost's or the membership store's.
 */
export function startRun(
  client: PostgresClient,
  plan: RunStart,
): ResultAsync<number, PostgresError> {
  const summary = { stats: plan.stats, ...plan.summary }
  return run(client, 'starting a run', q.insertRun, [
    JSON.stringify(summary),
    plan.fingerprint,
    plan.targetFingerprint,
    plan.target ?? 'database',
    plan.siteId ?? null,
  ]).map((rows) => Number((rows[0] as { id: unknown }).id))
}

/** Appends commands to a run; `applyPlan` with `runId` does this itself inside its transaction. */
export function recordCommands(
  client: PostgresClient,
  runId: number,
  commands: readonly RunCommand[],
): ResultAsync<void, PostgresError> {
  const entries = commands.map((c) => ({
    command: toSyncCommand(c.command),
    reason: c.reason ?? null,
    outcome: c.outcome,
  }))
  return run(client, 'journaling commands', q.insertRunCommands, [
    runId,
    JSON.stringify(entries),
  ]).map(() => undefined)
}

/**
 * How a run whose apply returned `error` ended: `refused` when the plan no longer fit the database
 * (`stalePlan`, `staleCommands`, `unexpectedRow`, `alreadyRunning`, `inadmissibleCommands`: nothing was written,
 * make a new plan), else
 * `failed` (rolled back; `schemaTooNew` and `differentMattermost` wrote nothing either, but a new
 * plan does not help: the setup must change).
 */
export function runOutcomeOf(error: PostgresError): RunOutcome {
  return match(error.kind)
    .with(
      'stalePlan',
      'staleCommands',
      'unexpectedRow',
      'alreadyRunning',
      'inadmissibleCommands',
      (): RunOutcome => 'refused',
    )
    .with(
      'schemaTooNew',
      'differentMattermost',
      'connectionRefused',
      'authFailed',
      'serializationFailure',
      'notMattermostDatabase',
      'poolTooSmall',
      'queryFailed',
      (): RunOutcome => 'failed',
    )
    .exhaustive()
}

/**
 * Closes a run with its outcome, timings (ms per phase, e.g. `ApplyPlanReport.timings`) and, when
 * it was refused or failed, the error. The error is stored as JSON with every string scrubbed of
 * passwords (`scrubSecrets`) and caught driver errors reduced to name, message and code.
 */
export function finishRun(
  client: PostgresClient,
  runId: number,
  end: {
    readonly outcome: RunOutcome
    readonly timings?: Readonly<Record<string, number>>
    readonly error?: unknown
  },
): ResultAsync<void, PostgresError> {
  const error = end.error === undefined ? null : JSON.stringify(end.error, errorReplacer)
  return run(client, 'finishing a run', q.updateRunFinished, [
    runId,
    end.outcome,
    error,
    JSON.stringify(end.timings ?? {}),
  ]).map(() => undefined)
}

/** The newest runs first; `siteId` keeps only the runs `startRun` was told were for that site. */
export function listRuns(
  client: PostgresClient,
  options: { readonly limit?: number; readonly siteId?: string } = {},
): ResultAsync<readonly RunRecord[], PostgresError> {
  return runArrays(client, 'listing runs', q.selectRuns, [
    options.limit ?? 20,
    options.siteId ?? null,
  ]).map((rows) => rows.map(toRunRecord))
}

/**
 * One run by id, or `undefined` when the journal has none of that id, or no journal at all (a
 * database never migrated: nothing was ever applied through it). Creates nothing.
 */
export function getRun(
  client: PostgresClient,
  runId: number,
): ResultAsync<RunRecord | undefined, PostgresError> {
  return runArrays(client, 'looking for the run journal', q.selectRunsTable).andThen((rows) =>
    rows[0]?.[0] !== true
      ? okAsync(undefined)
      : runArrays(client, 'reading a run', q.selectRunById, [runId]).map((found) =>
          found[0] === undefined ? undefined : toRunRecord(found[0]),
        ),
  )
}

/** The commands journalled for a run, in order. */
export function listRunCommands(
  client: PostgresClient,
  runId: number,
): ResultAsync<readonly RunCommand[], PostgresError> {
  return run(client, 'listing run commands', q.selectRunCommands, [runId]).map((rows) =>
    rows.map((row) => {
      const r = row as {
        command: SyncCommand
        reason: string | null
        outcome: CommandOutcome['kind']
      }
      return {
        command: r.command,
        ...(r.reason !== null ? { reason: r.reason } : {}),
        outcome: r.outcome,
      }
    }),
  )
}

function toRunRecord(r: unknown[]): RunRecord {
  const opt = <K extends string>(key: K, value: unknown): Partial<Record<K, unknown>> =>
    value === null || value === undefined ? {} : ({ [key]: value } as Record<K, unknown>)
  return {
    id: Number(r[0]),
    startedAt: String(r[1]),
    ...(opt('finishedAt', r[2]) as { finishedAt?: string }),
    summary: r[3],
    ...(opt('fingerprint', r[4]) as { fingerprint?: string }),
    ...(opt('targetFingerprint', r[5]) as { targetFingerprint?: string }),
    ...(opt('outcome', r[6]) as { outcome?: RunOutcome }),
    ...(opt('error', r[7]) as { error?: unknown }),
    ...(opt('timings', r[8]) as { timings?: Record<string, number> }),
    commandCount: Number(r[9]),
    target: r[10] === 'rest' ? 'rest' : 'database',
    ...(opt('siteId', r[11]) as { siteId?: string }),
  }
}

// Errors carry `cause` objects (driver errors) that JSON.stringify would drop or choke on; any
// string may hold a connection string.
function errorReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return scrubSecrets(value)
  if (!(value instanceof Error)) return value
  const code = 'code' in value && typeof value.code === 'string' ? { code: value.code } : {}
  return { name: value.name, message: value.message, ...code }
}
