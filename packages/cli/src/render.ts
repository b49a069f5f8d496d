import {
  escapeForTerminal,
  formatPlan,
  type SyncPlan,
  type SyncState,
  type Warning,
} from '@grouproles/core'

/** Display names of a state's users, teams and channels, by id. */
export function namesOf(state: SyncState): Record<string, string> {
  const names: Record<string, string> = {}
  for (const u of state.users) names[u.id] = u.username
  for (const t of state.teams) names[t.id] = t.name
  for (const c of state.channels) names[c.id] = c.name
  return names
}

/** Counts a person reads first: what would change, what is held, how many warnings in all. */
export interface PlanSummary {
  readonly commands: number
  readonly held: number
  /** The plan's warnings plus the directory's, matching's and rules'. */
  readonly warnings: number
  readonly byKind: Readonly<Record<string, number>>
}

export function summaryOf(plan: SyncPlan, sourceWarnings: readonly Warning[]): PlanSummary {
  const byKind: Record<string, number> = {}
  for (const c of plan.commands) byKind[c.kind] = (byKind[c.kind] ?? 0) + 1
  return {
    commands: plan.commands.length,
    held: plan.held.length,
    warnings: plan.warnings.length + sourceWarnings.length,
    byKind,
  }
}

/**
 * A plan for review: the table per team and channel with reasons (and the plan's own warnings),
 * then the directory and rule warnings apart from the commands, then the summary line.
 */
export function renderPlan(
  plan: SyncPlan,
  names: Readonly<Record<string, string>>,
  sourceWarnings: readonly Warning[],
): string[] {
  const lines = formatPlan(plan, names).trimEnd().split('\n')
  // The table's header counts the plan's own warnings; a person wants them all counted.
  const total = plan.warnings.length + sourceWarnings.length
  if (lines[1] !== undefined) lines[1] = lines[1].replace(/; \d+ warnings$/, `; ${total} warnings`)
  if (sourceWarnings.length > 0)
    lines.push(
      '',
      `Directory and rule warnings (${sourceWarnings.length})`,
      ...sourceWarnings.map((w) => `  - ${escapeForTerminal(w.message)}`),
    )
  const s = summaryOf(plan, sourceWarnings)
  lines.push(
    '',
    `Summary: ${s.commands} ${s.commands === 1 ? 'change' : 'changes'}, ${s.held} held, ${s.warnings} ${s.warnings === 1 ? 'warning' : 'warnings'}`,
  )
  return lines
}
