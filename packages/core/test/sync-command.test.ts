import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  commandKey,
  commandSyncable,
  syncCommandKinds,
  toSyncCommand,
  type PlannedCommand,
  type SyncCommand,
} from '@grouproles/core'
import { syncCommandArb, syncStateArb } from '@grouproles/core/testing'

const commands: readonly SyncCommand[] = [
  { kind: 'setTeamMemberAdmin', teamId: 'rl', userId: 'alice', schemeAdmin: true },
  { kind: 'setChannelMemberAdmin', channelId: 'infra', userId: 'alice', schemeAdmin: false },
  { kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'member' },
  { kind: 'addChannelMember', channelId: 'infra', userId: 'bob', role: 'admin' },
  { kind: 'removeChannelMember', channelId: 'infra', userId: 'carol' },
  { kind: 'removeTeamMember', teamId: 'rl', userId: 'carol' },
]

describe('commandSyncable', () => {
  it('should name the team of team commands and the channel of channel commands', () => {
    expect(commands.map(commandSyncable)).toEqual([
      { kind: 'team', id: 'rl' },
      { kind: 'channel', id: 'infra' },
      { kind: 'team', id: 'rl' },
      { kind: 'channel', id: 'infra' },
      { kind: 'channel', id: 'infra' },
      { kind: 'team', id: 'rl' },
    ])
  })

  it('should always agree with the command’s own team or channel id', () => {
    fc.assert(
      fc.property(
        syncStateArb().chain((s) => syncCommandArb(s)),
        (c) => {
          expect(commandSyncable(c)).toEqual(
            'teamId' in c ? { kind: 'team', id: c.teamId } : { kind: 'channel', id: c.channelId },
          )
        },
      ),
    )
  })
})

describe('commandKey', () => {
  it('should be unique per (kind, syncable, user) and ignore the other fields', () => {
    expect(new Set(commands.map(commandKey)).size).toBe(commands.length)
    expect(commandKey({ kind: 'addTeamMember', teamId: 'rl', userId: 'bob', role: 'admin' })).toBe(
      commandKey(commands[2] as SyncCommand),
    )
  })
})

describe('toSyncCommand', () => {
  it('should drop the reason and hold planSync adds, keeping the pinned fields', () => {
    const planned = { ...(commands[5] as SyncCommand), reason: 'in no group', hold: 'x' }

    expect(toSyncCommand(planned)).toEqual({
      kind: 'removeTeamMember',
      teamId: 'rl',
      userId: 'carol',
    })
    for (const c of commands) {
      const withReason: PlannedCommand = { ...c, reason: 'r' }
      expect(toSyncCommand(withReason)).toEqual(c)
    }
  })
})

describe('syncCommandKinds', () => {
  it('should list every kind once, in plan order', () => {
    expect(syncCommandKinds).toEqual(commands.map((c) => c.kind))
  })
})
