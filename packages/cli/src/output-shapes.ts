import { z } from 'zod'

/*
 * The `--json` shapes, one per command: the source of the published schemas
 * (`schema/<name>.schema.json`) that the tests check every printed document against. Not loaded by
 * the CLI itself (it prints plain objects), so `--help` does not pay for zod.
 */

const id = z.string()
const role = z.enum(['guest', 'member', 'admin'])
const reason = { reason: z.string(), userId: id }
const command = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('addTeamMember'), teamId: id, role, ...reason }),
  z.strictObject({ kind: z.literal('addChannelMember'), channelId: id, role, ...reason }),
  z.strictObject({
    kind: z.literal('setTeamMemberAdmin'),
    teamId: id,
    schemeAdmin: z.boolean(),
    ...reason,
  }),
  z.strictObject({
    kind: z.literal('setChannelMemberAdmin'),
    channelId: id,
    schemeAdmin: z.boolean(),
    ...reason,
  }),
  z.strictObject({ kind: z.literal('removeTeamMember'), teamId: id, ...reason }),
  z.strictObject({ kind: z.literal('removeChannelMember'), channelId: id, ...reason }),
])
const syncable = z.strictObject({ kind: z.enum(['team', 'channel']), id })
const hold = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('maxRemovalFraction'),
    syncable,
    removals: z.number(),
    activeMembers: z.number(),
    limit: z.number(),
  }),
  z.strictObject({
    kind: z.literal('maxRemovals'),
    removals: z.number(),
    limit: z.union([z.number(), z.literal('Infinity')]),
  }),
  z.strictObject({ kind: z.literal('leftToMattermost'), syncable }),
  z.strictObject({
    kind: z.literal('pendingRemoval'),
    runs: z.number().int(),
    of: z.number().int(),
    since: z.number(),
    hours: z.number(),
  }),
  z.strictObject({
    kind: z.literal('healthGate'),
    then: z.number().int(),
    now: z.number().int(),
    limit: z.number(),
  }),
  z.strictObject({ kind: z.literal('lastAdmin'), syncable }),
  z.strictObject({ kind: z.literal('notAdded') }),
  z.strictObject({
    kind: z.literal('replicaBehind'),
    marker: z.enum(['contextCSN', 'highestCommittedUSN']),
    then: z.string(),
    now: z.string(),
  }),
])
const held = z.intersection(command, z.object({ hold }))
const warning = z.strictObject({ kind: z.string(), message: z.string() })
const plan = {
  summary: z.strictObject({
    commands: z.number().int(),
    held: z.number().int(),
    warnings: z.number().int(),
    byKind: z.record(z.string(), z.number().int()),
  }),
  fingerprint: z.string(),
  targetFingerprint: z.string(),
  commands: z.array(command),
  held: z.array(held),
  warnings: z.array(warning),
  names: z.record(z.string(), z.string()),
}
const plainCommand = z.looseObject({ kind: z.string(), userId: id })
/** What the plan file's digest and signature say (see core's `readPlanFile`). */
const fileFacts = {
  integrity: z.enum(['intact', 'edited', 'noDigest']),
  edited: z.boolean(),
  signed: z.boolean(),
}

/** Every `--json` document, by name. */
export const outputShapes = {
  'plan-output': z.strictObject({
    kind: z.literal('plan'),
    changes: z.boolean(),
    planFile: z.string().nullable(),
    sources: z.strictObject({ directory: z.string(), mattermost: z.string() }),
    ...plan,
  }),
  'show-output': z.strictObject({
    kind: z.literal('show'),
    file: z.string(),
    createdAt: z.string().nullable(),
    /** A revert plan file (`grouproles revert --out`): the run it undoes. */
    revertOf: z.number().int().optional(),
    ...fileFacts,
    ...plan,
  }),
  'apply-output': z.strictObject({
    kind: z.literal('apply'),
    file: z.string(),
    ...fileFacts,
    /** A revert plan file: the run it undid (its commands were checked against that run's inverse). */
    revertOf: z.number().int().optional(),
    /** `--partial` was given: stale commands were skipped, not refused. */
    partial: z.boolean(),
    /**
     * The file's commands a fresh plan no longer makes (empty unless `--partial`); for a revert,
     * those no longer part of undoing the run (`notInRevert`).
     */
    skipped: z.array(
      z.strictObject({
        index: z.number().int(),
        command: plainCommand,
        cause: z.enum(['changed', 'held', 'duplicate', 'noLongerPlanned', 'notInRevert']),
        message: z.string(),
      }),
    ),
    summary: z.strictObject({
      done: z.number().int(),
      already: z.number().int(),
      failed: z.number().int(),
    }),
    outcomes: z.array(
      z.union([
        z.strictObject({ kind: z.enum(['done', 'already']), command: plainCommand }),
        z.strictObject({
          kind: z.literal('failed'),
          command: plainCommand,
          error: z.strictObject({ kind: z.string(), message: z.string() }),
        }),
      ]),
    ),
  }),
  'revert-output': z.strictObject({
    kind: z.literal('revert'),
    runId: z.number().int(),
    /** The journalled run: when, through which target, its applied commands. */
    run: z.strictObject({
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
      target: z.enum(['database', 'rest']),
      commands: z.number().int(),
      /** The journal recorded the rows before the run (else its removals are not revertible). */
      rolesRecorded: z.boolean(),
    }),
    changes: z.boolean(),
    planFile: z.string().nullable(),
    sources: z.strictObject({ mattermost: z.string() }),
    ...plan,
    /** Inverse commands that no longer apply: listed, never planned. */
    notRevertible: z.array(
      z.strictObject({
        command: plainCommand,
        reason: z.looseObject({
          kind: z.enum([
            'userUnknown',
            'userDeactivated',
            'syncableUnknown',
            'syncableArchived',
            'teamNotRestored',
            'priorRoleUnknown',
            'notRestored',
          ]),
        }),
        message: z.string(),
      }),
    ),
  }),
  'explain-output': z.strictObject({
    kind: z.literal('explain'),
    user: z.strictObject({ id, username: z.string() }),
    syncable: z.strictObject({ kind: z.enum(['team', 'channel']), id, name: z.string() }),
    role,
    reason: z.string(),
    commands: z.array(command),
    lines: z.array(z.string()),
  }),
  'init-output': z.strictObject({ kind: z.literal('init'), file: z.string() }),
  'version-output': z.strictObject({ kind: z.literal('version'), version: z.string() }),
  'error-output': z.strictObject({
    kind: z.literal('error'),
    error: z.strictObject({
      kind: z.enum(['usage', 'badInput', 'failure']),
      code: z.string(),
      message: z.string(),
    }),
  }),
}

/** The published JSON Schemas of the `--json` documents. */
export function outputJsonSchemas(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(outputShapes).map(([name, shape]) => [
      name,
      z.toJSONSchema(shape, { io: 'output', target: 'draft-2020-12' }),
    ]),
  )
}
