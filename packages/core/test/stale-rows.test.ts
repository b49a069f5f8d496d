import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  applyPlan,
  planSync,
  revertPlan,
  runBeforeOf,
  staleRows,
  type SyncCommand,
  type SyncState,
} from '../src/index.js'
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
        // A channel row an earlier team add of the plan default-joins is there again when the
        // removal runs, whoever took it out before: that removal holds (see the next describe).
        const teamOf = new Map(state.channels.map((c) => [c.id, c.teamId]))
        fc.pre(
          command.kind !== 'removeChannelMember' ||
            !commands
              .slice(0, at)
              .some(
                (c) =>
                  c.kind === 'addTeamMember' &&
                  c.userId === command.userId &&
                  c.teamId === teamOf.get(command.channelId),
              ),
        )
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

describe('staleRows: default joins of the commands’ own team adds', () => {
  it('should find no stale row in any run’s revert made from the same state', () => {
    fc.assert(
      fc.property(states, syncPolicyArb(), (s0, policy) => {
        const commands = [...planSync(s0, policy).commands]
        const s1 = applyPlan(s0, commands)
        const revert = revertPlan({ commands, before: runBeforeOf(s0, commands) }, s1)
        expect(staleRows(revert.commands, s1)).toEqual([])
      }),
      { numRuns: 200 },
    )
  })

  it('should let a removal find the row a non-guest team add joined, only with the channels', () => {
    const s: SyncState = {
      users: [
        { id: 'alice', username: 'alice', systemRole: 'user' },
        { id: 'gus', username: 'gus', systemRole: 'guest' },
      ],
      groups: [],
      links: [],
      teams: [{ id: 't', name: 't', groupConstrained: false }],
      channels: [
        {
          id: 'ot',
          teamId: 't',
          name: 'off-topic',
          type: 'O',
          groupConstrained: false,
          defaultChannel: true,
        },
      ],
      teamMembers: [],
      channelMembers: [],
      channelHistory: [],
    }
    const join = (userId: string, role: 'member' | 'guest'): SyncCommand[] => [
      { kind: 'addTeamMember', teamId: 't', userId, role },
      { kind: 'removeChannelMember', channelId: 'ot', userId },
    ]
    expect(staleRows(join('alice', 'member'), s)).toEqual([])
    // Without the channels nothing is known of joins; a guest joins nothing.
    expect(
      staleRows(join('alice', 'member'), { teamMembers: [], channelMembers: [] }),
    ).toHaveLength(1)
    expect(staleRows(join('gus', 'guest'), s).map((r) => r.index)).toEqual([1])
    // A second removal, or one after the team removal took the row, finds nothing.
    const twice: SyncCommand[] = [
      ...join('alice', 'member'),
      join('alice', 'member')[1] as SyncCommand,
    ]
    expect(staleRows(twice, s).map((r) => r.index)).toEqual([2])
    const left: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: 't', userId: 'alice', role: 'member' },
      { kind: 'removeTeamMember', teamId: 't', userId: 'alice' },
      { kind: 'removeChannelMember', channelId: 'ot', userId: 'alice' },
    ]
    expect(staleRows(left, s).map((r) => r.index)).toEqual([2])
  })
})
