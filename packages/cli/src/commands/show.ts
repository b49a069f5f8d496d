import { err, ok } from 'neverthrow'
import type { CommandContext, CommandResult } from '../command-context.js'
import { planJson, printJson } from '../json-output.js'
import { readPlan } from '../read-plan.js'
import { renderPlan } from '../render.js'

/** `grouproles show PLAN_FILE`: a saved plan, as `plan` printed it. Needs no server. */
export function run(ctx: CommandContext): Promise<CommandResult> {
  const name = ctx.positionals[0]
  const read = readPlan(name, ctx.io.cwd, 'show')
  if (read.isErr()) return Promise.resolve(err(read.error))
  const { file, warnings } = read.value
  const names = file.names ?? {}
  if (ctx.json)
    ctx.io.out(
      printJson({
        kind: 'show',
        file: name,
        createdAt: file.createdAt ?? null,
        ...planJson(file.plan, names, warnings),
      }),
    )
  else for (const line of renderPlan(file.plan, names, warnings)) ctx.io.out(line)
  return Promise.resolve(ok(0))
}
