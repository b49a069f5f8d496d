import type { HeldCommand, PlannedCommand, SyncPlan, Warning } from '@grouproles/core'
import { summaryOf, type PlanSummary } from './render.js'

/** The JSON of a plan, as `plan --json` and `show --json` print it (see schema/*.schema.json). */
export interface PlanJson {
  readonly summary: PlanSummary
  readonly fingerprint: string
  readonly targetFingerprint: string
  readonly commands: readonly PlannedCommand[]
  readonly held: readonly HeldCommand[]
  /** The directory's, matching's and rules' warnings first, then the plan's. */
  readonly warnings: readonly Warning[]
  readonly names: Readonly<Record<string, string>>
}

export function planJson(
  plan: SyncPlan,
  names: Readonly<Record<string, string>>,
  sourceWarnings: readonly Warning[],
): PlanJson {
  return {
    summary: summaryOf(plan, sourceWarnings),
    fingerprint: plan.fingerprint,
    targetFingerprint: plan.targetFingerprint,
    commands: plan.commands,
    held: plan.held,
    warnings: [...sourceWarnings, ...plan.warnings].map(({ kind, message }) => ({ kind, message })),
    names,
  }
}

export const printJson = (value: unknown): string =>
  JSON.stringify(value, (_, v: unknown) => (v === Number.POSITIVE_INFINITY ? 'Infinity' : v), 2)
