import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  admitRevert,
  applyPlan,
  planSync,
  revertPlan,
  runBeforeOf,
  type NotRevertible,
  type SyncCommand,
  type SyncState,
} from '../src/index.js'
import { syncCommandArb, syncPolicyInputArb } from '../src/testing/index.js'
import { stateArb } from './support/arbitraries.js'
import { bare, channel, state, team, teamMember, user } from './support/fixtures.js'

/** Live membership rows as `team:t:u` / `channel:c:u` → `admin,guest` flags. */
function rows(s: SyncState): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of s.teamMembers)
    if (m.deleted !== true)
      out.set(`team:${m.teamId}:${m.userId}`, `${m.schemeAdmin},${m.schemeGuest}`)
  for (const m of s.channelMembers)
    out.set(`channel:${m.channelId}:${m.userId}`, `${m.schemeAdmin},${m.schemeGuest}`)
  return out
}

/** The memberships a listed inverse leaves alone: its own, and for a team, the team's channels. */
function exempt(s: SyncState, listed: readonly NotRevertible[]): (key: string) => boolean {
  const keys = new Set<string>()
  for (const { command: c } of listed) {
    if ('teamId' in c) {
      keys.add(`team:${c.teamId}:${c.userId}`)
      for (const ch of s.channels)
        if (ch.teamId === c.teamId) keys.add(`channel:${ch.id}:${c.userId}`)
    } else keys.add(`channel:${c.channelId}:${c.userId}`)
  }
  return (key) => keys.has(key)
}

function expectSameRows(actual: SyncState, expected: SyncState, skip: (key: string) => boolean) {
  const a = rows(actual)
  const e = rows(expected)
  for (const k of new Set([...a.keys(), ...e.keys()])) {
    if (skip(k)) continue
    expect([k, a.get(k)]).toEqual([k, e.get(k)])
  }
}

/** The membership a command acts on. */
const membership = (c: SyncCommand): string =>
  'teamId' in c ? `team:${c.teamId}:${c.userId}` : `channel:${c.channelId}:${c.userId}`

const runArb = fc.tuple(stateArb(), syncPolicyInputArb()).map(([s, policy]) => {
  const plan = planSync(s, policy)
  const commands: SyncCommand[] = [...plan.commands]
  return { s, commands, s1: applyPlan(s, commands), before: runBeforeOf(s, commands) }
})

describe('revertPlan', () => {
  it('should restore the state before a planned run on every membership and flag', () => {
    fc.assert(
      fc.property(runArb, ({ s, commands, s1, before }) => {
        const revert = revertPlan({ commands, before }, s1)
        const s2 = applyPlan(s1, revert.commands)
        expectSameRows(s2, s, exempt(s, revert.notRevertible))
        // Nothing left to undo: planning it again on the restored state is empty.
        const again = revertPlan({ commands, before }, s2)
        if (revert.notRevertible.length === 0) expect(again.commands).toEqual([])
      }),
      { numRuns: 200 },
    )
  })

  it('should restore the run’s result when the revert is reverted', () => {
    fc.assert(
      fc.property(runArb, ({ s1, commands, before }) => {
        const revert = revertPlan({ commands, before }, s1)
        const s2 = applyPlan(s1, revert.commands)
        const back = revertPlan(
          { commands: revert.commands, before: runBeforeOf(s1, revert.commands) },
          s2,
        )
        const s3 = applyPlan(s2, back.commands)
        expectSameRows(s3, s1, exempt(s1, [...revert.notRevertible, ...back.notRevertible]))
      }),
      { numRuns: 200 },
    )
  })

  it('should list, never plan, inverses whose user is deactivated or whose syncable is archived', () => {
    const gone = runArb.chain((run) =>
      fc
        .record({
          users: fc.subarray(run.s1.users.map((u) => u.id)),
          teams: fc.subarray(run.s1.teams.map((t) => t.id)),
          channels: fc.subarray(run.s1.channels.map((c) => c.id)),
        })
        .map((g) => ({ run, gone: g })),
    )
    fc.assert(
      fc.property(gone, ({ run: { s1, commands, before }, gone }) => {
        const users = new Set(gone.users)
        const teams = new Set(gone.teams)
        const channels = new Set(gone.channels)
        const now: SyncState = {
          ...s1,
          users: s1.users.map((u) => (users.has(u.id) ? { ...u, deactivated: true } : u)),
          teams: s1.teams.map((t) => (teams.has(t.id) ? { ...t, deleted: true } : t)),
          channels: s1.channels.map((c) => (channels.has(c.id) ? { ...c, deleted: true } : c)),
        }
        const live = revertPlan({ commands, before }, s1)
        const revert = revertPlan({ commands, before }, now)
        const refused = (c: SyncCommand): boolean =>
          users.has(c.userId) || ('teamId' in c ? teams.has(c.teamId) : channels.has(c.channelId))
        expect(revert.commands.filter(refused)).toEqual([])
        // A team re-add or removal that is refused is listed; so is every inverse of a
        // deactivated user's membership that does not hang on a default join (which an archived
        // channel no longer makes).
        const listed = new Set(revert.notRevertible.map((n) => membership(n.command)))
        const teamAdds = new Set(
          live.commands
            .filter((c) => c.kind === 'addTeamMember')
            .map((c) => `${c.teamId}:${c.userId}`),
        )
        const teamOf = new Map(s1.channels.map((c) => [c.id, c.teamId]))
        for (const c of live.commands) {
          const hangs = 'channelId' in c && teamAdds.has(`${teamOf.get(c.channelId)}:${c.userId}`)
          if (
            ('teamId' in c && (users.has(c.userId) || teams.has(c.teamId))) ||
            ('channelId' in c && users.has(c.userId) && !hangs)
          )
            expect(listed.has(membership(c))).toBe(true)
        }
      }),
      { numRuns: 150 },
    )
  })

  it('should re-add a removed team admin as admin, with the channel rows the removal took', () => {
    const s = state({
      users: [user('alice')],
      teams: [team('rl', { groupConstrained: true })],
      channels: [channel('ops', 'rl', { type: 'O', defaultChannel: true })],
      teamMembers: [teamMember('rl', 'alice', { schemeAdmin: true })],
      channelMembers: [],
    })
    const commands: SyncCommand[] = [{ kind: 'removeTeamMember', teamId: 'rl', userId: 'alice' }]
    const s1 = applyPlan(s, commands)
    const revert = revertPlan({ commands, before: runBeforeOf(s, commands) }, s1)
    expect(revert.commands.map(bare)).toEqual([
      { kind: 'addTeamMember', teamId: 'rl', userId: 'alice', role: 'admin' },
      // The re-add joins the default channel alice had left before the run.
      { kind: 'removeChannelMember', channelId: 'ops', userId: 'alice' },
    ])
    expect(revertPlan({ commands }, s1)).toEqual({
      commands: [],
      notRevertible: [{ command: commands[0], reason: { kind: 'priorRoleUnknown' } }],
    })
  })

  it('should list, never plan, a non-guest’s removal from town-square (Mattermost refuses it)', () => {
    const s = state({
      users: [user('alice'), user('gus', { systemRole: 'guest' })],
      teams: [team('rl', { groupConstrained: true })],
      channels: [channel('ts', 'rl', { name: 'town-square', type: 'O', defaultChannel: true })],
      teamMembers: [teamMember('rl', 'alice'), teamMember('rl', 'gus', { schemeGuest: true })],
      channelMembers: [],
    })
    // The run added both to town-square: undoing it may take the guest out, never alice.
    const commands: SyncCommand[] = [
      { kind: 'addChannelMember', channelId: 'ts', userId: 'alice', role: 'member' },
      { kind: 'addChannelMember', channelId: 'ts', userId: 'gus', role: 'guest' },
    ]
    const s1 = applyPlan(s, commands)
    for (const before of [runBeforeOf(s, commands), undefined]) {
      const revert = revertPlan({ commands, ...(before !== undefined ? { before } : {}) }, s1)
      expect(revert.commands.map(bare)).toEqual([
        { kind: 'removeChannelMember', channelId: 'ts', userId: 'gus' },
      ])
      expect(revert.notRevertible).toEqual([
        {
          command: { kind: 'removeChannelMember', channelId: 'ts', userId: 'alice' },
          reason: { kind: 'notRestored' },
        },
      ])
    }
  })

  describe('admitRevert', () => {
    it('should admit exactly the run’s inverse, once, and nothing once it is applied', () => {
      const withForeign = runArb.chain((run) =>
        fc.array(syncCommandArb(run.s1), { maxLength: 4 }).map((foreign) => ({ run, foreign })),
      )
      fc.assert(
        fc.property(withForeign, ({ run: { s1, commands, before }, foreign }) => {
          const applied = { commands, before }
          const revert = revertPlan(applied, s1)
          const inverse = new Set(revert.commands.map((c) => JSON.stringify(bare(c))))
          const file = [...revert.commands.map(bare), ...foreign]
          const { admitted, refused } = admitRevert(file, applied, s1)
          expect(admitted.slice(0, revert.commands.length)).toEqual(revert.commands.map(bare))
          // A foreign command is admitted only when it is the inverse's own and not yet seen.
          expect(refused.map((r) => r.index)).toEqual(
            foreign.flatMap((c, i) => {
              const text = JSON.stringify(c)
              const earlier = file
                .slice(0, revert.commands.length + i)
                .map((x) => JSON.stringify(x))
              return inverse.has(text) && !earlier.includes(text)
                ? []
                : [revert.commands.length + i]
            }),
          )
          const s2 = applyPlan(s1, revert.commands)
          if (revert.notRevertible.length === 0)
            expect(admitRevert(revert.commands, applied, s2).admitted).toEqual([])
        }),
        { numRuns: 150 },
      )
    })
  })
})
