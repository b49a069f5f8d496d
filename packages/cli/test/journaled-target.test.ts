import {
  planSync,
  runBeforeOf,
  syncCommandKinds,
  type SyncCommandKind,
  type SyncState,
  type SyncTarget,
} from '@grouproles/core'
import { runOutcomeOf, type PostgresClient, type PostgresError } from '@grouproles/adapter-postgres'
import { syncStateArb } from '@grouproles/core/testing'
import fc from 'fast-check'
import { errAsync, okAsync } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import {
  journaledDatabaseTarget,
  journaledTarget,
  type DatabaseJournal,
  type DatabaseTarget,
  type Journal,
  type JournaledPlan,
} from '../src/journaled-target.js'
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

describe('journaledTarget: serve’s runs', () => {
  it('should journal the rows of the state it last loaded when the plan carries none', async () => {
    const states = fc.sample(syncStateArb(), { numRuns: 20 })
    for (const s of states) {
      const plan = planSync(s)
      const { journal, summaries } = memoryJournal()
      const target = journaledTarget(memoryTarget(s), journal, {} as PostgresClient, 'site')
      // As runSync does: load, plan from it, apply.
      await target.loadSyncState()
      const marked: JournaledPlan = { ...plan, revertOf: 3 }
      await target.applyPlan(marked)
      expect(runBeforeOfSummary(1, summaries[0])._unsafeUnwrap()).toEqual(
        runBeforeOf(s, plan.commands),
      )
      expect(summaries[0]).toMatchObject({ revertOf: 3 })
    }
  })
})

describe('journaledDatabaseTarget', () => {
  const stale: PostgresError = { kind: 'stalePlan', message: 'changed', expected: 'a', actual: 'b' }

  /** The database journal in memory, and what the inner apply was given. */
  function databaseJournal() {
    const calls: string[] = []
    const runs: { summary: unknown; end?: unknown }[] = []
    const journal: DatabaseJournal = {
      migrate: () => {
        calls.push('migrate')
        return okAsync([])
      },
      startRun: (_db, plan) => {
        calls.push(`start:${plan.target ?? ''}`)
        runs.push({ summary: JSON.parse(JSON.stringify({ stats: plan.stats, ...plan.summary })) })
        return okAsync(runs.length)
      },
      finishRun: (_db, runId, end) => {
        calls.push(`finish:${runId}:${end.outcome}`)
        const run = runs[runId - 1]
        if (run !== undefined) run.end = end
        return okAsync(undefined)
      },
      runOutcomeOf,
    }
    return { journal, calls, runs }
  }

  function databaseTarget(
    s: SyncState,
    fail?: PostgresError,
  ): DatabaseTarget & { runIds: unknown[] } {
    const runIds: unknown[] = []
    const inner = memoryTarget(s)
    return {
      runIds,
      loadSyncState: () => okAsync(s),
      applyPlan: (plan, context) => {
        runIds.push(context?.runId)
        if (fail !== undefined) return errAsync(fail)
        return inner.applyPlan(plan).map((r) => ({
          ...r,
          timings: { staleCheckMs: 1, writeMs: 2, journalMs: 3, totalMs: 6 },
        }))
      },
    }
  }

  it('should migrate, open a database run with the rows before, journal in the apply and close it', async () => {
    for (const s of fc.sample(syncStateArb(), { numRuns: 10 })) {
      const plan = planSync(s)
      const { journal, calls, runs } = databaseJournal()
      const inner = databaseTarget(s)
      const target = journaledDatabaseTarget(inner, journal, {} as PostgresClient)
      await target.loadSyncState()
      const report = (await target.applyPlan(plan))._unsafeUnwrap()
      expect(report.outcomes).toHaveLength(plan.commands.length)
      const outcome = plan.commands.length > 0 ? 'applied' : 'nothingToDo'
      expect(calls).toEqual(['migrate', 'start:database', `finish:1:${outcome}`])
      // The commands are journalled by the apply itself, in its transaction.
      expect(inner.runIds).toEqual([1])
      expect(runBeforeOfSummary(1, runs[0]?.summary)._unsafeUnwrap()).toEqual(
        runBeforeOf(s, plan.commands),
      )
      expect(runs[0]?.end).toMatchObject({ outcome, timings: { totalMs: 6 } })
    }
  })

  it('should close a refused apply as refused, with the error, and pass the error on', async () => {
    const s = fc.sample(syncStateArb(), { numRuns: 1 })[0] as SyncState
    const { journal, calls, runs } = databaseJournal()
    const target = journaledDatabaseTarget(databaseTarget(s, stale), journal, {} as PostgresClient)
    const applied = await target.applyPlan(planSync(s))
    expect(applied._unsafeUnwrapErr()).toBe(stale)
    expect(calls).toEqual(['migrate', 'start:database', 'finish:1:refused'])
    expect(runs[0]?.end).toMatchObject({ error: { kind: 'stalePlan', message: 'changed' } })
  })
})
