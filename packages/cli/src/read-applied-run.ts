import { toSyncCommand, type AppliedRun, type SyncCommand, type SyncState } from '@grouproles/core'
import type { PostgresClient, RunRecord } from '@grouproles/adapter-postgres'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import { badInput, failure, type CliError } from './cli-error.js'
import type { OpenedTarget } from './open-target.js'
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

/**
 * What `revert` and the apply of a revert file start from: the target's journal, run `runId` read
 * from it, and the live state loaded. A target without a journal (the demo) is the caller's input.
 */
export async function readRunAndState(
  target: OpenedTarget,
  runId: number,
): Promise<
  Result<
    { readonly journal: PostgresClient; readonly read: JournalledRun; readonly state: SyncState },
    CliError
  >
> {
  const journal = target.lockClient
  if (journal === undefined)
    return err(badInput('noJournal', `${target.description} keeps no run journal`))
  const read = await readAppliedRun(journal, runId)
  if (read.isErr()) return err(read.error)
  const loaded = await target.target.loadSyncState()
  if (loaded.isErr())
    return err(failure(loaded.error.kind, `could not load Mattermost: ${loaded.error.message}`))
  return ok({ journal, read: read.value, state: loaded.value })
}
