import { defaultHealthGate, type HealthGateThresholds, type RemovalGrace } from '@grouproles/core'
import { z } from 'zod'

/*
 * The safety rules across runs (issue #12) as config: the fields the config schema spreads in,
 * and what `readConfig` makes of them, defaults filled in. Defaults are the CLI's, not core's:
 * an unattended service waits two runs before a removal and guards a syncable's last admin.
 */

const fraction = z.number().min(0).max(1)

/** The config's top-level safety fields (spread into `configSchema`). */
export const safetyFields = {
  removalGrace: z
    .strictObject({
      runs: z
        .number()
        .int()
        .min(1)
        .meta({ description: 'consecutive complete runs that must find it unjustified' }),
      hours: z
        .number()
        .min(0)
        .optional()
        .meta({ description: 'and at least this long (default 0)' }),
    })
    .optional()
    .meta({
      description:
        'a membership no linked group justifies is removed only after this (default { runs: 2, hours: 0 }; { runs: 1 } removes at once)',
    }),
  healthGate: z
    .union([
      z.strictObject({
        groupShrink: fraction
          .optional()
          .meta({ description: 'a group losing more than this fraction is frozen (default 0.5)' }),
        minMembers: z
          .number()
          .int()
          .min(0)
          .optional()
          .meta({ description: 'only groups that had at least this many members (default 5)' }),
        totalShrink: fraction.optional().meta({
          description:
            "the directory's users dropping by more than this holds every removal (default 0.2)",
        }),
      }),
      z.literal(false),
    ])
    .optional()
    .meta({
      description:
        'compare the directory with the last complete run before removing or demoting; false turns it off',
    }),
  removals: z.enum(['all', 'ownOnly']).optional().meta({
    description:
      'all (default): remove any membership no linked group justifies; ownOnly: only those grouproles added (the rest is reported as drift)',
  }),
  lastAdmin: z.enum(['guard', 'allow']).optional().meta({
    description:
      "guard (default): never demote or remove a team's or channel's last scheme admin (system admins do not count)",
  }),
}

/** The safety fields as decoded. */
export interface SafetyInput {
  readonly removalGrace?: { readonly runs: number; readonly hours?: number | undefined } | undefined
  readonly healthGate?:
    | false
    | {
        readonly groupShrink?: number | undefined
        readonly minMembers?: number | undefined
        readonly totalShrink?: number | undefined
      }
    | undefined
  readonly lastAdmin?: 'guard' | 'allow' | undefined
  readonly removals?: 'all' | 'ownOnly' | undefined
}

/** The safety rules a run of this config plans with. */
export interface SafetyConfig {
  readonly removalGrace: RemovalGrace
  readonly healthGate: HealthGateThresholds | false
  readonly lastAdmin: 'guard' | 'allow'
  readonly removals: 'all' | 'ownOnly'
}

/** The CLI's defaults (see the README): two runs' grace, the gate at core's defaults, guarded admins. */
export const defaultSafety: SafetyConfig = Object.freeze({
  removalGrace: Object.freeze({ runs: 2, hours: 0 }),
  healthGate: defaultHealthGate,
  lastAdmin: 'guard',
  removals: 'all',
})

/** The decoded fields with the CLI's defaults filled in. */
export function safetyFromConfig(c: SafetyInput): SafetyConfig {
  const gate = c.healthGate
  return {
    removalGrace:
      c.removalGrace === undefined
        ? defaultSafety.removalGrace
        : { runs: c.removalGrace.runs, hours: c.removalGrace.hours ?? 0 },
    healthGate:
      gate === false
        ? false
        : {
            groupShrink: gate?.groupShrink ?? defaultHealthGate.groupShrink,
            minMembers: gate?.minMembers ?? defaultHealthGate.minMembers,
            totalShrink: gate?.totalShrink ?? defaultHealthGate.totalShrink,
          },
    lastAdmin: c.lastAdmin ?? defaultSafety.lastAdmin,
    removals: c.removals ?? defaultSafety.removals,
  }
}
