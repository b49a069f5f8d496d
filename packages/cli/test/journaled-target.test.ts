import {
  planSync,
  runBeforeOf,
  syncCommandKinds,
  type SyncCommandKind,
  type SyncState,
  type SyncTarget,
} from '@grouproles/core'
import type { PostgresClient } from '@grouproles/adapter-postgres'
import { syncStateArb } from '@grouproles/core/testing'
import fc from 'fast-check'
import { okAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import { journaledTarget, type Journal } from '../src/journaled-target.js'
import { runBeforeOfSummary } from '../src/run-before-of-summary.js'

/** A target over a state in memory that reports every command done. */
function memoryTarget(state: SyncState): SyncTarget<never> {
  return {
    loadSyncState: () => okAsync(state),
    applyPlan: (plan) => {
      const counts = Object.fromEntries(syncCommandKinds.map((k) => [k, 0])) as Record<
        SyncCommandKind,
        number
      >
      for (const c of plan.commands) counts[c.kind]++
      return okAsync({
        outcomes: plan.commands.map((command) => ({ kind: 'done' as const, command })),
        counts,
      })
    },
  }
}

/** The journal's runs in memory: what startRun was given, as the jsonb summary would hold it. */
function memoryJournal() {
  const summaries: unknown[] = []
  const journal: Journal<never> = {
    startRun: (_db, plan) => {
      summaries.push(JSON.parse(JSON.stringify({ stats: plan.stats, ...plan.summary })))
      return okAsync(summaries.length)
    },
    recordCommands: () => okAsync(undefined),
    finishRun: () => okAsync(undefined),
  }
  return { journal, summaries }
}

describe('journaledTarget', () => {
  it('should journal the rows before the run in its summary when the plan carries them', async () => {
    const states = fc.sample(syncStateArb(), { numRuns: 20 })
    for (const s of states) {
      const plan = planSync(s)
      const before = runBeforeOf(s, plan.commands)
      const { journal, summaries } = memoryJournal()
      const target = journaledTarget(memoryTarget(s), journal, {} as PostgresClient, 'site')
      // Typed as any SyncTarget, as callers hold it: `before` rides along on the plan.
      const withBefore = { ...plan, before }
      await target.applyPlan(withBefore)
      await target.applyPlan(plan)
      expect(runBeforeOfSummary(1, summaries[0])._unsafeUnwrap()).toEqual(before)
      expect(runBeforeOfSummary(2, summaries[1])._unsafeUnwrap()).toBeUndefined()
    }
  })
})
