import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import {
  escapeForTerminal,
  planRevert,
  writePlanFile,
  type NotRevertible,
  type NotRevertibleReason,
} from '@grouproles/core'
import { err, ok } from 'neverthrow'
import { match } from 'ts-pattern'
import { badInput, messageOf, usageError } from '../cli-error.js'
import {
  boolFlag,
  loadConfig,
  stringFlag,
  type CommandContext,
  type CommandResult,
} from '../command-context.js'
import { planJson, printJson } from '../json-output.js'
import { planKeyOf } from '../plan-key.js'
import { withRunAndState } from '../read-applied-run.js'
import { namesOf, renderPlan } from '../render.js'

/** A run id as typed: a whole number from 1 (the journal's ids). */
export function parseRunId(text: string | undefined): number | undefined {
  if (text === undefined || !/^[1-9][0-9]{0,15}$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

/**
 * `grouproles revert RUN_ID`: the inverse of a journalled run's applied commands against the live
 * state (re-adds with the old role, restored admin flags, removals of what it added), planned like
 * a sync's (removals past the limits held), printed for review with what cannot be undone, and
 * with `--out` written as a plan file marked "revert of run N" for `apply`. Changes nothing.
 */
export async function run(ctx: CommandContext): Promise<CommandResult> {
  const given = ctx.positionals[0]
  const runId = parseRunId(given)
  if (runId === undefined)
    return err(
      usageError(
        given === undefined
          ? 'revert needs the run id (grouproles revert RUN_ID; the run summary and the journal give it)'
          : `revert: "${escapeForTerminal(given)}" is not a run id (a whole number from 1)`,
      ),
    )
  const key = planKeyOf(ctx.env)
  if (key.isErr()) return err(key.error)
  const config = loadConfig(ctx, 'revert')
  if (config.isErr()) return err(config.error)
  return withRunAndState(ctx, config.value, runId, (start) => {
    const { read, state } = start
    const policy = { ...start.target.target.policyDefaults, ...config.value.policy }
    const { plan, notRevertible } = planRevert(read.applied, state, policy)
    const names = namesOf(state)
    const out = stringFlag(ctx.flags, 'out')
    if (out !== undefined) {
      try {
        writeFileSync(
          resolve(ctx.io.cwd, out),
          writePlanFile(plan, {
            state,
            createdAt: new Date().toISOString(),
            revertOf: { runId },
            ...(key.value === undefined ? {} : { signingKey: key.value }),
          }),
        )
      } catch (e) {
        return err(badInput('unwritableFile', `cannot write the plan file ${out}: ${messageOf(e)}`))
      }
    }
    const withBefore = read.applied.before !== undefined
    if (ctx.json)
      ctx.io.out(
        printJson({
          kind: 'revert',
          runId,
          run: {
            startedAt: read.run.startedAt,
            finishedAt: read.run.finishedAt ?? null,
            target: read.run.target,
            commands: read.applied.commands.length,
            rolesRecorded: withBefore,
          },
          changes: plan.commands.length > 0,
          planFile: out ?? null,
          sources: { mattermost: start.target.description },
          ...planJson(plan, names, []),
          notRevertible: notRevertible.map((n) => ({
            command: n.command,
            reason: n.reason,
            message: describeNotRevertible(n, names),
          })),
        }),
      )
    else {
      ctx.io.out(
        `Revert of run ${runId} (${read.applied.commands.length} applied commands, started ${read.run.startedAt})`,
      )
      ctx.io.out(`Mattermost: ${start.target.description}`)
      if (!withBefore)
        ctx.io.out(
          'WARNING: the journal has no record of the roles before this run: its removals cannot be undone',
        )
      ctx.io.out('')
      for (const line of renderPlan(plan, names, [])) ctx.io.out(line)
      if (notRevertible.length > 0) {
        ctx.io.out('')
        ctx.io.out(`Not revertible (${notRevertible.length}), listed, never forced:`)
        for (const n of notRevertible) ctx.io.out(`  - ${describeNotRevertible(n, names)}`)
      }
      if (out !== undefined)
        ctx.io.out(`\nRevert plan written to ${out}; review it, then: grouproles apply ${out}`)
    }
    if (boolFlag(ctx.flags, 'detailed-exitcode')) return ok(plan.commands.length > 0 ? 2 : 0)
    return ok(0)
  })
}

/** One line: the inverse command (names from the live state, escaped) and why it is not planned. */
export function describeNotRevertible(
  n: NotRevertible,
  names: Readonly<Record<string, string>>,
): string {
  const name = (id: string): string =>
    escapeForTerminal(Object.hasOwn(names, id) ? String(names[id]) : id)
  const c = n.command
  const where = 'teamId' in c ? `team ${name(c.teamId)}` : `channel ${name(c.channelId)}`
  const what = match(c)
    .with({ kind: 'addTeamMember' }, { kind: 'addChannelMember' }, (x) => `re-add as ${x.role}`)
    .with({ kind: 'setTeamMemberAdmin' }, { kind: 'setChannelMemberAdmin' }, (x) =>
      x.schemeAdmin ? 'promote to admin' : 'demote to member',
    )
    .with({ kind: 'removeTeamMember' }, { kind: 'removeChannelMember' }, () => 'remove')
    .exhaustive()
  // For a removal journalled without the rows before it, the command listed is the run's own.
  const doing = n.reason.kind === 'priorRoleUnknown' ? 're-add' : what
  return `${doing} ${name(c.userId)} in ${where}: ${reasonText(n.reason, name)}`
}

function reasonText(reason: NotRevertibleReason, name: (id: string) => string): string {
  return match(reason)
    .with({ kind: 'userUnknown' }, () => 'the user no longer exists')
    .with({ kind: 'userDeactivated' }, () => 'the user is deactivated')
    .with({ kind: 'syncableUnknown' }, (r) => `the ${r.syncable.kind} no longer exists`)
    .with({ kind: 'syncableArchived' }, (r) => `the ${r.syncable.kind} is archived`)
    .with(
      { kind: 'teamNotRestored' },
      (r) => `the membership of team ${name(r.teamId)} it needs cannot be restored`,
    )
    .with({ kind: 'priorRoleUnknown' }, () => 'the journal did not record the role before the run')
    .with(
      { kind: 'notRestored' },
      () =>
        'the revert would not bring it back as it was (a team removal takes its channels; a default join is never a guest row)',
    )
    .exhaustive()
}
