import type { Warning } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'
import { badInput, type CliError } from './cli-error.js'

/*
 * A plan file written by the CLI carries the group source's warnings (directory, matching, rules)
 * beside the plan, under a top-level `warnings` key that core's `readPlanFile` leaves alone: the
 * plan's own warnings stay in `plan.warnings`.
 */

/** Adds the source warnings to a plan file's text (from `writePlanFile`). */
export function withSourceWarnings(planFileText: string, warnings: readonly Warning[]): string {
  const file = JSON.parse(planFileText) as Record<string, unknown>
  const { plan, ...head } = file
  return `${JSON.stringify(
    { ...head, warnings: warnings.map(({ kind, message }) => ({ kind, message })), plan },
    null,
    2,
  )}\n`
}

/** The source warnings of a plan file (none in a file written without them). */
export function sourceWarningsOf(text: string, name: string): Result<readonly Warning[], CliError> {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return ok([])
  }
  if (typeof raw !== 'object' || raw === null || !('warnings' in raw)) return ok([])
  const list = raw.warnings
  const bad = badInput('invalidPlanFile', `${name}: warnings: must be a list of { kind, message }`)
  if (!Array.isArray(list)) return err(bad)
  const out: Warning[] = []
  for (const w of list as unknown[]) {
    if (
      typeof w !== 'object' ||
      w === null ||
      !('kind' in w) ||
      !('message' in w) ||
      typeof w.kind !== 'string' ||
      typeof w.message !== 'string'
    )
      return err(bad)
    out.push({ kind: w.kind, message: w.message })
  }
  return ok(out)
}
