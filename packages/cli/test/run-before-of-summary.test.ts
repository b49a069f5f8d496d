import { applyPlan, planSync, revertPlan, runBeforeOf, type SyncCommand } from '@grouproles/core'
import { syncStateArb } from '@grouproles/core/testing'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { runBeforeOfSummary } from '../src/run-before-of-summary.js'

describe('runBeforeOfSummary', () => {
  it('should read back the rows a run journals in its summary (JSON), so its revert is the same', () => {
    fc.assert(
      fc.property(syncStateArb(), (s) => {
        const commands: SyncCommand[] = [...planSync(s).commands]
        const before = runBeforeOf(s, commands)
        // As the journal stores it: a jsonb summary next to the stats.
        const summary: unknown = JSON.parse(JSON.stringify({ stats: {}, before }))
        const read = runBeforeOfSummary(7, summary)._unsafeUnwrap()
        expect(read).toEqual(before)
        const s1 = applyPlan(s, commands)
        expect(revertPlan({ commands, ...(read ? { before: read } : {}) }, s1)).toEqual(
          revertPlan({ commands, before }, s1),
        )
      }),
      { numRuns: 50 },
    )
  })

  it('should say a run journalled without them has none, and refuse a malformed record', () => {
    expect(runBeforeOfSummary(1, { stats: {} })._unsafeUnwrap()).toBeUndefined()
    expect(runBeforeOfSummary(1, null)._unsafeUnwrap()).toBeUndefined()
    const bad = runBeforeOfSummary(3, { before: { teamMembers: [{ teamId: 't' }] } })
    expect(bad._unsafeUnwrapErr()).toMatchObject({ kind: 'failure', code: 'badJournal' })
    expect(bad._unsafeUnwrapErr().message).toMatch(/^run 3: /)
  })
})
