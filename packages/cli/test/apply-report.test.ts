import type { CommandOutcome, SyncCommand } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import { applyFailure, applySummary, outcomesJson, printFailures } from '../src/apply-report.js'
import type { Io } from '../src/io.js'

const add: SyncCommand = { kind: 'addTeamMember', teamId: 't1', userId: 'u1', role: 'member' }
const outcomes: CommandOutcome[] = [
  { kind: 'done', command: add },
  { kind: 'already', command: { ...add, userId: 'u2' } },
  {
    kind: 'failed',
    command: { ...add, userId: 'u3' },
    error: { kind: 'http', message: 'boom\u001b[2J' },
  },
]

describe('applyFailure', () => {
  it('should tell a stale refusal to plan again, and escape what the server said', () => {
    const e = applyFailure(
      { kind: 'staleCommands', message: 'carol\u001b[31m changed' },
      'plan again and review',
    )

    expect([e.kind, e.code]).toEqual(['failure', 'staleCommands'])
    expect(e.message).toMatch(
      /^refused: carol.* changed \(Mattermost changed while applying; plan again and review\)$/,
    )
    expect(e.message).not.toContain('\u001b')
  })

  it('should give an inadmissible refusal as it is and anything else as a failed apply', () => {
    expect(applyFailure({ kind: 'inadmissibleCommands', message: 'no link' }, 'x').message).toBe(
      'no link',
    )
    expect(applyFailure({ kind: 'network', message: 'reset' }, 'x').message).toBe(
      'apply failed: reset',
    )
  })
})

describe('applySummary and outcomesJson', () => {
  it('should count each outcome kind and keep only kind and message of an error', () => {
    expect(applySummary(outcomes)).toEqual({ done: 1, already: 1, failed: 1 })
    expect(outcomesJson(outcomes)[2]).toEqual({
      kind: 'failed',
      command: { ...add, userId: 'u3' },
      error: { kind: 'http', message: 'boom\u001b[2J' },
    })
  })
})

describe('printFailures', () => {
  it('should print one escaped line per failed command, naming the user when known', () => {
    const lines: string[] = []
    const io: Io = {
      out: () => undefined,
      err: (l) => lines.push(l),
      errRaw: () => undefined,
      cwd: '.',
      stderrIsTty: false,
    }

    printFailures(io, outcomes, { u3: 'carol' })

    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^ {2}failed: addTeamMember carol: boom/)
    expect(lines[0]).not.toContain('\u001b')
  })
})
