import type { RunBefore } from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'
import { z } from 'zod'
import { failure, type CliError } from './cli-error.js'

const row = { userId: z.string(), schemeAdmin: z.boolean(), schemeGuest: z.boolean() }
const runBeforeSchema = z.object({
  teamMembers: z.array(z.object({ teamId: z.string(), ...row, deleted: z.boolean().optional() })),
  channelMembers: z.array(z.object({ channelId: z.string(), ...row })),
})

/**
 * The rows before a journalled run (`JournaledPlan.before`, kept in the run's summary), for
 * `revertPlan`. `undefined` for a run journalled without them (older runs, a caller that had no
 * state): core then inverts its commands alone and lists its removals as `priorRoleUnknown`. A
 * summary whose `before` is not that shape is a typed error, never a guess.
 */
export function runBeforeOfSummary(
  runId: number,
  summary: unknown,
): Result<RunBefore | undefined, CliError> {
  if (typeof summary !== 'object' || summary === null || !('before' in summary))
    return ok(undefined)
  const parsed = runBeforeSchema.safeParse(summary.before)
  if (!parsed.success)
    return err(
      failure(
        'badJournal',
        `run ${runId}: the journal's record of the rows before the run is not readable (${parsed.error.issues[0]?.message ?? 'bad shape'}); it cannot be reverted with roles`,
      ),
    )
  // Rebuilt so an absent `deleted` stays absent (exact optional types).
  return ok({
    teamMembers: parsed.data.teamMembers.map(({ deleted, ...m }) =>
      deleted === undefined ? m : { ...m, deleted },
    ),
    channelMembers: parsed.data.channelMembers,
  })
}
