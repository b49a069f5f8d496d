import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { readPlanFile, type PlanFile, type Warning } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'
import { badInput, messageOf, usageError, type CliError } from './cli-error.js'
import { sourceWarningsOf } from './plan-file-warnings.js'

/** A plan file named on the command line (from the caller's directory), checked. */
export function readPlan(
  file: string | undefined,
  cwd: string,
  command: string,
): Result<{ readonly file: PlanFile; readonly warnings: readonly Warning[] }, CliError> {
  if (file === undefined)
    return err(usageError(`${command} needs the plan file (grouproles ${command} PLAN_FILE)`))
  let text: string
  try {
    text = readFileSync(resolve(cwd, file), 'utf8')
  } catch (e) {
    return err(badInput('unreadableFile', `cannot read the plan file ${file}: ${messageOf(e)}`))
  }
  const read = readPlanFile(text)
  if (read.isErr()) return err(badInput(read.error.kind, `${file}: ${read.error.message}`))
  const warnings = sourceWarningsOf(text, file)
  if (warnings.isErr()) return err(warnings.error)
  return ok({ file: read.value, warnings: warnings.value })
}
