import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { escapeForTerminal, readPlanFile, type PlanFile, type Warning } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'
import { badInput, failure, messageOf, usageError, type CliError } from './cli-error.js'
import { sourceWarningsOf } from './plan-file-warnings.js'
import { planKeyOf } from './plan-key.js'

/** A plan file named on the command line (from the caller's directory), checked. */
export function readPlan(
  file: string | undefined,
  cwd: string,
  command: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Result<{ readonly file: PlanFile; readonly warnings: readonly Warning[] }, CliError> {
  if (file === undefined)
    return err(usageError(`${command} needs the plan file (grouproles ${command} PLAN_FILE)`))
  const key = planKeyOf(env)
  if (key.isErr()) return err(key.error)
  let text: string
  try {
    text = readFileSync(resolve(cwd, file), 'utf8')
  } catch (e) {
    return err(
      badInput(
        'unreadableFile',
        `cannot read the plan file ${escapeForTerminal(file)}: ${escapeForTerminal(messageOf(e))}`,
      ),
    )
  }
  const read = readPlanFile(text, key.value === undefined ? {} : { signingKey: key.value })
  if (read.isErr()) {
    const e = read.error
    const message = `${escapeForTerminal(file)}: ${escapeForTerminal(e.message)}`
    // A missing or wrong signature is a refusal (exit 1), not a malformed file.
    return err(
      e.kind === 'unsignedPlan' || e.kind === 'badSignature'
        ? failure(e.kind, `refused: ${message}`)
        : badInput(e.kind, message),
    )
  }
  const warnings = sourceWarningsOf(text, file)
  if (warnings.isErr()) return err(warnings.error)
  return ok({ file: read.value, warnings: warnings.value })
}

/** One line for a person when a plan file's commands cannot be shown to be the ones written. */
export function integrityLine(file: PlanFile): string | undefined {
  if (file.integrity === 'edited')
    return 'WARNING: this plan file was edited by hand since it was written (its digest does not match)'
  if (file.integrity === 'noDigest')
    return 'WARNING: this plan file has no digest; it may have been edited by hand since it was written'
  return undefined
}
