import { emptyState, type SyncCommand, type SyncState } from '@grouproles/core'
import { admittingContext } from '@grouproles/core/testing'
import { describe, expect, it } from 'vitest'
import { checkTouched } from '../src/check-touched.js'
import { clientFor, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const [team, channel, ann, bob] = [id('t', 1), id('c', 1), id('u', 1), id('u', 2)]

// ann is in the team and the channel; bob in neither.
const state: SyncState = {
  ...emptyState,
  users: [
    { id: ann, username: 'ann', systemRole: 'user' },
    { id: bob, username: 'bob', systemRole: 'user' },
  ],
  teams: [{ id: team, name: 'eng', groupConstrained: false }],
  channels: [{ id: channel, teamId: team, name: 'ops', type: 'O', groupConstrained: false }],
  teamMembers: [{ teamId: team, userId: ann, schemeAdmin: false, schemeGuest: false }],
  channelMembers: [{ channelId: channel, userId: ann, schemeAdmin: false, schemeGuest: false }],
}

describe('checkTouched', () => {
  const { fake } = useFake()

  it("should name a batch's stale commands by their place in the plan, after its context", async () => {
    fake().seed(state)
    const commands: SyncCommand[] = [
      { kind: 'addTeamMember', teamId: team, userId: bob, role: 'member' },
      { kind: 'addChannelMember', channelId: channel, userId: ann, role: 'member' },
    ]

    const error = (
      await checkTouched(clientFor(fake()), commands, {
        context: admittingContext(commands),
        strict: true,
        positions: [3, 7],
        contextCount: 1,
      })
    )._unsafeUnwrapErr()

    expect(error).toMatchObject({ kind: 'staleCommands', stale: [{ index: 7 }] })
    expect(error.kind === 'staleCommands' ? error.stale[0]?.message : '').toMatch(
      /^#8 addChannelMember expected user /,
    )
    expect(error.message).toContain('1 of 1 commands')
  })

  it('should refuse an unjustified command by its place in the plan, and pass what its own writes explain', async () => {
    fake().seed(state)
    const add: SyncCommand = { kind: 'addTeamMember', teamId: team, userId: bob, role: 'member' }
    const again: SyncCommand = {
      kind: 'addChannelMember',
      channelId: channel,
      userId: ann,
      role: 'member',
    }
    const client = clientFor(fake())

    const refused = (
      await checkTouched(client, [add], { strict: true, positions: [4] })
    )._unsafeUnwrapErr()
    const explained = await checkTouched(client, [again], {
      context: admittingContext([again]),
      strict: true,
      explained: (s) => s.command === again,
    })
    const lenient = await checkTouched(client, [again], {
      context: admittingContext([again]),
      strict: false,
    })

    expect(refused).toMatchObject({ kind: 'inadmissibleCommands', refused: [{ index: 4 }] })
    expect(refused.kind === 'inadmissibleCommands' ? refused.refused[0]?.message : '').toMatch(
      /^#5 addTeamMember /,
    )
    expect(explained.isOk()).toBe(true)
    expect(lenient.isOk()).toBe(true)
  })
})
