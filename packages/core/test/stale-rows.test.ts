import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { applyPlan, planSync, staleRows, type SyncCommand, type SyncState } from '../src/index.js'
import { denseStateArb, syncPolicyArb, syncStateArb } from '../src/testing/index.js'

const states = fc.oneof(syncStateArb(), denseStateArb())

/** The state with `command`'s row made what the command would make it (someone else did it). */
function overtaken(state: SyncState, command: SyncCommand): SyncState {
  return applyPlan(state, [command])
}

describe('staleRows', () => {
  it('should find no stale row in a plan made from the same state', () => {
    fc.assert(
      fc.property(states, syncPolicyArb(), (state, policy) => {
        expect(staleRows(planSync(state, policy).commands, state)).toEqual([])
      }),
      { numRuns: 200 },
    )
  })

  it('should name the command whose row another writer changed, at its position', () => {
    const arb = fc
      .tuple(states, syncPolicyArb())
      .map(([state, policy]) => ({ state, commands: planSync(state, policy).commands }))
      .filter(({ commands }) => commands.length > 0)
      .chain((x) => fc.tuple(fc.constant(x), fc.nat({ max: x.commands.length - 1 })))
    fc.assert(
      fc.property(arb, ([{ state, commands }, at]) => {
        const command = commands[at] as SyncCommand
        const stale = staleRows(commands, overtaken(state, command))
        expect(stale.map((s) => s.index)).toContain(at)
        const mine = stale.find((s) => s.index === at)
        expect(mine?.command).toEqual(command)
        expect(mine?.message).toContain(`#${at + 1} ${command.kind}`)
      }),
      { numRuns: 200 },
    )
  })

  it('should see the rows the earlier commands leave, and soft-deleted team rows as absent', () => {
    const [t, u] = ['t1', 'u1']
    const state: Pick<SyncState, 'teamMembers' | 'channelMembers'> = {
      teamMembers: [
        { teamId: t, userId: u, schemeAdmin: false, schemeGuest: false, deleted: true },
      ],
      channelMembers: [],
    }
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: t, userId: u, role: 'member' },
      { kind: 'setTeamMemberAdmin', teamId: t, userId: u, schemeAdmin: true },
      { kind: 'removeTeamMember', teamId: t, userId: u },
      { kind: 'removeTeamMember', teamId: t, userId: u },
      { kind: 'setChannelMemberAdmin', channelId: 'c1', userId: u, schemeAdmin: false },
    ]
    expect(staleRows(commands, state).map((s) => [s.index, s.message])).toEqual([
      [
        3,
        '#4 removeTeamMember expected user u1 in team t1 to be an active member, and is none (changed since the plan)',
      ],
      [
        4,
        '#5 setChannelMemberAdmin expected user u1 in channel c1 to be an active member, and is none (changed since the plan)',
      ],
    ])
  })

  it('should escape ids for a terminal', () => {
    const [s] = staleRows([{ kind: 'removeChannelMember', channelId: 'c\u001b[2J', userId: 'u' }], {
      teamMembers: [],
      channelMembers: [],
    })
    expect(s?.message).not.toContain('\u001b')
  })
})
