import { err, ok } from 'neverthrow'
import type { CommandContext, CommandResult } from '../command-context.js'
import { planJson, printJson } from '../json-output.js'
import { integrityLine, readPlan } from '../read-plan.js'
import { renderPlan } from '../render.js'

/** `grouproles show PLAN_FILE`: a saved plan, as `plan` printed it. Needs no server. */
export function run(ctx: CommandContext): Promise<CommandResult> {
  const name = ctx.positionals[0]
  const read = readPlan(name, ctx.io.cwd, 'show', ctx.env)
  if (read.isErr()) return Promise.resolve(err(read.error))
  const { file, warnings } = read.value
  // No server here: the file's names are all there is; `formatPlan` escapes them when printing.
  const names = file.names ?? {}
  if (ctx.json)
    ctx.io.out(
      printJson({
        kind: 'show',
        file: name,
        createdAt: file.createdAt ?? null,
        ...(file.revertOf !== undefined ? { revertOf: file.revertOf.runId } : {}),
        integrity: file.integrity,
        edited: file.edited,
        signed: file.signed,
        ...planJson(file.plan, names, warnings),
      }),
    )
  else {
    const line = integrityLine(file)
    if (line !== undefined) ctx.io.out(line)
    if (file.signed) ctx.io.out('Signed: the signature matches GROUPROLES_PLAN_KEY')
    if (file.revertOf !== undefined) ctx.io.out(`Revert of run ${file.revertOf.runId}`)
    for (const l of renderPlan(file.plan, names, warnings)) ctx.io.out(l)
  }
  return Promise.resolve(ok(0))
}
