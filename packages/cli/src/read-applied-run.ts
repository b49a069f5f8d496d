import { toSyncCommand, type AppliedRun, type SyncCommand, type SyncState } from '@grouproles/core'
import type { PostgresClient, RunRecord } from '@grouproles/adapter-postgres'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import { badInput, failure, type CliError } from './cli-error.js'
import { boolFlag, type CommandContext, type CommandResult } from './command-context.js'
import type { GroupRolesConfig } from './config/read-config.js'
import { openTarget, type OpenedTarget } from './open-target.js'
import { runBeforeOfSummary } from './run-before-of-summary.js'

const id = z.string().min(1)
const role = z.enum(['guest', 'member', 'admin'])
const commandSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('addTeamMember'), teamId: id, userId: id, role }),
  z.object({ kind: z.literal('addChannelMember'), channelId: id, userId: id, role }),
  z.object({
    kind: z.literal('setTeamMemberAdmin'),
    teamId: id,
    userId: id,
    schemeAdmin: z.boolean(),
  }),
  z.object({
    kind: z.literal('setChannelMemberAdmin'),
    channelId: id,
    userId: id,
    schemeAdmin: z.boolean(),
  }),
  z.object({ kind: z.literal('removeTeamMember'), teamId: id, userId: id }),
  z.object({ kind: z.literal('removeChannelMember'), channelId: id, userId: id }),
])

/** A journalled run that was applied: what `revertPlan` and `admitRevert` need. */
export interface JournalledRun {
  readonly run: RunRecord
  /** Its commands whose outcome was `done`, in order, and the rows before it when recorded. */
  readonly applied: AppliedRun
}

/**
 * Reads run `runId` from the journal on `client` (the REST store's database, or Mattermost's own
 * with the database target). A run the journal does not have, one that did not apply (refused,
 * failed, nothing to do, never finished) and a journal whose record cannot be read are the
 * caller's input (exit 2), each one line; a database that cannot be reached is a failure.
 */
export async function readAppliedRun(
  client: PostgresClient,
  runId: number,
): Promise<Result<JournalledRun, CliError>> {
  const { getRun, listRunCommands } = await import('@grouproles/adapter-postgres')
  const found = await getRun(client, runId)
  if (found.isErr())
    return err(failure(found.error.kind, `cannot read the run journal: ${found.error.message}`))
  const run = found.value
  if (run === undefined)
    return err(
      badInput(
        'unknownRun',
        `run ${runId} is not in the journal of this Mattermost (the runs applied here are numbered from 1)`,
      ),
    )
  if (run.outcome !== 'applied')
    return err(
      badInput(
        'runNotApplied',
        `run ${runId} ${run.outcome === undefined ? 'never finished' : `ended ${run.outcome}`}: it applied nothing, so there is nothing to revert`,
      ),
    )
  const listed = await listRunCommands(client, runId)
  if (listed.isErr())
    return err(failure(listed.error.kind, `cannot read the run journal: ${listed.error.message}`))
  const commands: SyncCommand[] = []
  for (const [i, entry] of listed.value.entries()) {
    if (entry.outcome !== 'done') continue
    const parsed = commandSchema.safeParse(entry.command)
    if (!parsed.success)
      return err(
        badInput(
          'badJournal',
          `run ${runId}: the journal's command #${i + 1} is not readable (${parsed.error.issues[0]?.message ?? 'bad shape'}); it cannot be reverted`,
        ),
      )
    commands.push(toSyncCommand(parsed.data))
  }
  const before = runBeforeOfSummary(runId, run.summary)
  // The caller's to sort out like any journal record revert cannot use (exit 2), not a failure.
  if (before.isErr()) return err(badInput(before.error.code, before.error.message))
  return ok({
    run,
    applied: { commands, ...(before.value !== undefined ? { before: before.value } : {}) },
  })
}

/** What `revert` and the apply of a revert file start from. */
export interface RunAndState {
  readonly target: OpenedTarget
  readonly journal: PostgresClient
  readonly read: JournalledRun
  readonly state: SyncState
}

/**
 * Opens the config's target (its warnings on stderr), reads run `runId` from its journal and loads
 * the live state, runs `use` on them and closes the target. A target without a journal (the demo)
 * is the caller's input.
 */
export async function withRunAndState(
  ctx: CommandContext,
  config: GroupRolesConfig,
  runId: number,
  use: (start: RunAndState) => CommandResult | Promise<CommandResult>,
): Promise<CommandResult> {
  const target = await openTarget(ctx.env, { demo: boolFlag(ctx.flags, 'demo'), config })
  if (target.isErr()) return err(target.error)
  for (const w of target.value.warnings ?? []) ctx.io.err(`warning: ${w}`)
  try {
    const start = await readRunAndState(target.value, runId)
    if (start.isErr()) return err(start.error)
    return await use(start.value)
  } finally {
    await target.value.close()
  }
}

async function readRunAndState(
  target: OpenedTarget,
  runId: number,
): Promise<Result<RunAndState, CliError>> {
  const journal = target.lockClient
  if (journal === undefined)
    return err(badInput('noJournal', `${target.description} keeps no run journal`))
  const read = await readAppliedRun(journal, runId)
  if (read.isErr()) return err(read.error)
  const loaded = await target.target.loadSyncState()
  if (loaded.isErr())
    return err(failure(loaded.error.kind, `could not load Mattermost: ${loaded.error.message}`))
  return ok({ target, journal, read: read.value, state: loaded.value })
}
