import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  emptyState,
  escapeMattermostMarkdown,
  formatRunSummary,
  planSync,
  shouldPostRunSummary,
  syncCommandKinds,
  type CommandOutcome,
  type HeldCommand,
  type HoldReason,
  type RunSummaryInput,
  type ShrunkGroup,
  type SyncCommand,
  type SyncCommandKind,
} from '../src/index.js'

const basePlan = planSync(emptyState)

function command(kind: SyncCommandKind, n: number): SyncCommand {
  const userId = `u${n}`
  switch (kind) {
    case 'addTeamMember':
      return { kind, teamId: 't', userId, role: 'member' }
    case 'addChannelMember':
      return { kind, channelId: 'c', userId, role: 'member' }
    case 'setTeamMemberAdmin':
      return { kind, teamId: 't', userId, schemeAdmin: true }
    case 'setChannelMemberAdmin':
      return { kind, channelId: 'c', userId, schemeAdmin: true }
    case 'removeTeamMember':
      return { kind, teamId: 't', userId }
    case 'removeChannelMember':
      return { kind, channelId: 'c', userId }
  }
}

const holds: readonly HoldReason[] = [
  { kind: 'pendingRemoval', runs: 1, of: 2, since: 0, hours: 0 },
  { kind: 'maxRemovals', removals: 9, limit: 5 },
  { kind: 'lastAdmin', syncable: { kind: 'team', id: 't' } },
  { kind: 'healthGate', then: 10, now: 2, limit: 0.2 },
  { kind: 'notAdded' },
]

function input(
  outcomes: readonly CommandOutcome[],
  held: readonly HeldCommand[] = [],
  frozenGroups: readonly ShrunkGroup[] = [],
  extra: Partial<RunSummaryInput> = {},
): RunSummaryInput {
  return {
    dryRun: false,
    plan: { ...basePlan, held },
    applied: { outcomes, counts: basePlan.stats.commands },
    safety: { frozenGroups, directoryGated: false, counted: frozenGroups.length === 0 },
    gateReasons: [],
    ...extra,
  }
}

const outcomeArb = fc
  .tuple(
    fc.constantFrom(...syncCommandKinds),
    fc.constantFrom('done' as const, 'already' as const, 'failed' as const),
    fc.nat(1000),
  )
  .map(([kind, outcome, n]): CommandOutcome => {
    const c = command(kind, n)
    return outcome === 'failed'
      ? { kind: 'failed', command: c, error: { kind: 'x', message: 'm' } }
      : { kind: outcome, command: c }
  })

const heldArb = fc
  .tuple(fc.constantFrom(...holds), fc.nat(1000))
  .map(([hold, n]): HeldCommand => ({ ...command('removeTeamMember', n), reason: 'r', hold }))

/** The table row of one command kind, as numbers. */
function row(text: string, kind: string): number[] | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`| ${kind} |`))
  return line
    ?.split('|')
    .slice(2, 5)
    .map((c) => Number(c.trim()))
}

describe('formatRunSummary', () => {
  it('counts each kind done, already and failed, held by kind, pending removals (property)', () => {
    fc.assert(
      fc.property(
        fc.array(outcomeArb, { maxLength: 40 }),
        fc.array(heldArb, { maxLength: 20 }),
        (outcomes, held) => {
          const text = formatRunSummary(input(outcomes, held), { runId: 42 })
          for (const kind of syncCommandKinds) {
            const of = outcomes.filter((o) => o.command.kind === kind)
            const expected = ['done', 'already', 'failed'].map(
              (k) => of.filter((o) => o.kind === k).length,
            )
            expect(row(text, kind)).toEqual(of.length === 0 ? undefined : expected)
          }
          const pending = held.filter((h) => h.hold.kind === 'pendingRemoval').length
          expect(text.includes(`Pending removals: ${pending} `)).toBe(pending > 0)
          const review = held.length - pending
          expect(text.includes(`Held for review: ${review} `)).toBe(review > 0)
          expect(text.includes('grouproles revert 42')).toBe(outcomes.length > 0)
          expect(text.startsWith('#### grouproles run 42')).toBe(true)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('lists frozen groups with their sizes, names escaped', () => {
    const text = formatRunSummary(
      input([], [], [{ id: 'g', name: '*eng* @all\n#### x', then: 40, now: 3 }]),
    )
    expect(text).toContain('Frozen groups: 1 ')
    expect(text).toContain('- \\*eng\\* \\@all\uFFFD\\#\\#\\#\\# x: 40 → 3 members')
  })

  it('shows a closed directory gate and why nothing was applied', () => {
    const text = formatRunSummary(
      input([], [], [], {
        safety: { frozenGroups: [], directoryGated: true, counted: false },
        gateReasons: ['more than 5 commands [limit]'],
      }),
    )
    expect(text).toContain('Directory gate closed')
    expect(text).toContain('Not applied: more than 5 commands \\[limit\\]')
  })
})

describe('shouldPostRunSummary', () => {
  it('is false for a dry run and for an applied run with nothing done, held, frozen or gated', () => {
    expect(shouldPostRunSummary(input([]))).toBe(false)
    const done: CommandOutcome = { kind: 'done', command: command('addTeamMember', 1) }
    expect(shouldPostRunSummary(input([done], [], [], { dryRun: true }))).toBe(false)
    expect(shouldPostRunSummary(input([done]))).toBe(true)
    expect(shouldPostRunSummary(input([], [fc.sample(heldArb, 1)[0] as HeldCommand]))).toBe(true)
    expect(shouldPostRunSummary(input([], [], [{ id: 'g', name: 'g', then: 9, now: 1 }]))).toBe(
      true,
    )
  })
})

describe('escapeMattermostMarkdown', () => {
  // Undoes the backslashes: what a markdown renderer shows as literal text.
  const unescape = (s: string): string => s.replace(/\\(.)/gu, '$1')

  it('leaves no control, separator or bidi character, no unescaped markdown, at most 101 chars (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 150 }), (name) => {
        const out = escapeMattermostMarkdown(name)
        expect(out).not.toMatch(
          // eslint-disable-next-line no-control-regex
          /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/,
        )
        expect(out).not.toMatch(/(^|[^\\])(\\\\)*[`*_[\]()#|<>~@:]/u)
        const shown = Array.from(unescape(out))
        expect(shown.length).toBeLessThanOrEqual(101)
        // Safe text is shown as it was.
        if (/^[A-Za-z0-9 ]*$/.test(name) && name.length <= 100) expect(out).toBe(name)
      }),
      { numRuns: 100 },
    )
  })

  it('keeps the text a reader sees', () => {
    expect(unescape(escapeMattermostMarkdown('mm_rl-ops [x](http://e) `c` @here ~town'))).toBe(
      'mm_rl-ops [x](http://e) `c` @here ~town',
    )
  })
})
