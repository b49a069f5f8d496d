import { escapeForTerminal, type CommandError, type CommandOutcome } from '@grouproles/core'
import { failure, type CliError } from './cli-error.js'
import type { Io } from './io.js'

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
