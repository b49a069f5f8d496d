import {
  escapeForTerminal,
  type CommandError,
  type CommandOutcome,
  type PlanFile,
  type RunSummaryInput,
  type SyncCommand,
  type Warning,
} from '@grouproles/core'
import type { PostgresClient } from '@grouproles/adapter-postgres'
import { failure, type CliError } from './cli-error.js'
import type { Io } from './io.js'
import { printJson } from './json-output.js'
import { runIdSince, type RunNotifier } from './notify-run.js'
import { integrityLine } from './read-plan.js'
import { renderPlan } from './render.js'

/** A command of the file left out as stale (`--partial`), as `apply` shows it. */
export interface SkippedCommand {
  readonly index: number
  readonly command: SyncCommand
  /** Why, for `--json` (a stale cause's kind, `notInRevert` for a revert file). */
  readonly cause: string
  readonly message: string
}

/** What `apply` (of a plan or of a revert) counts of its outcomes. */
export interface ApplySummary {
  readonly done: number
  readonly already: number
  readonly failed: number
}

/**
 * The one line for an apply the target refused or failed as a whole; `again` says what to do
 * when Mattermost changed under it ("plan again and review", "run grouproles revert 7 again…").
 */
export function applyFailure(e: CommandError, again: string): CliError {
  const message = escapeForTerminal(e.message)
  return failure(
    e.kind,
    e.kind === 'stalePlan' || e.kind === 'staleCommands'
      ? `refused: ${message} (Mattermost changed while applying; ${again})`
      : e.kind === 'inadmissibleCommands'
        ? message
        : `apply failed: ${message}`,
  )
}

export function applySummary(outcomes: readonly CommandOutcome[]): ApplySummary {
  const count = (kind: string) => outcomes.filter((o) => o.kind === kind).length
  return { done: count('done'), already: count('already'), failed: count('failed') }
}

/** The outcomes as `apply --json` shows them (the documented shape). */
export function outcomesJson(outcomes: readonly CommandOutcome[]): unknown[] {
  return outcomes.map((o) =>
    o.kind === 'failed'
      ? {
          kind: o.kind,
          command: o.command,
          error: { kind: o.error.kind, message: o.error.message },
        }
      : { kind: o.kind, command: o.command },
  )
}

/** One stderr line per failed command, the user by name when known. */
export function printFailures(
  io: Io,
  outcomes: readonly CommandOutcome[],
  names: Readonly<Record<string, string>>,
): void {
  for (const o of outcomes)
    if (o.kind === 'failed')
      io.err(
        `  failed: ${o.command.kind} ${escapeForTerminal(names[o.command.userId] ?? o.command.userId)}: ${escapeForTerminal(o.error.message)}`,
      )
}

/**
 * What `apply` prints before it applies (not with `--json`): the file's integrity, an optional
 * title, the plan, and the commands skipped as stale.
 */
export function printApplyPreview(
  io: Io,
  file: PlanFile,
  names: Readonly<Record<string, string>>,
  warnings: readonly Warning[],
  skipped: readonly SkippedCommand[],
  title?: string,
): void {
  const line = integrityLine(file)
  if (line !== undefined) io.out(line)
  if (title !== undefined) io.out(title)
  for (const l of renderPlan(file.plan, names, warnings)) io.out(l)
  io.out('')
  for (const s of skipped) io.out(`  skipped (stale): ${s.message}`)
  const total = file.plan.commands.length
  if (skipped.length > 0)
    io.out(
      `Applying ${total - skipped.length} of ${total} commands; ${skipped.length} skipped as stale (--partial)`,
    )
}

/** `apply --json` (the documented shape); `extra` goes after the file's fields (`revertOf`). */
export function applyJson(
  name: string | undefined,
  file: PlanFile,
  partial: boolean,
  skipped: readonly SkippedCommand[],
  outcomes: readonly CommandOutcome[],
  extra: Readonly<Record<string, unknown>> = {},
): string {
  return printJson({
    kind: 'apply',
    file: name,
    integrity: file.integrity,
    edited: file.edited,
    signed: file.signed,
    ...extra,
    partial,
    skipped: skipped.map((s) => ({
      index: s.index,
      command: s.command,
      cause: s.cause,
      message: s.message,
    })),
    summary: applySummary(outcomes),
    outcomes: outcomesJson(outcomes),
  })
}

/**
 * Posts the run summary of an apply, numbered with the run the journal recorded since `runBefore`.
 * Never a failed apply: the summary is a courtesy, a failure to post a warning.
 */
export async function notifyApplied(
  io: Io,
  notifier: RunNotifier,
  journal: PostgresClient | undefined,
  runBefore: number | undefined,
  summary: RunSummaryInput,
): Promise<void> {
  const runId = await runIdSince(journal, runBefore)
  const posted = await notifier.notify(summary, runId !== undefined ? { runId } : {})
  if (posted.kind === 'notifyFailed') io.err(`warning: ${escapeForTerminal(posted.message)}`)
}
