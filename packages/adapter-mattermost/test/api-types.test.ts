import fc from 'fast-check'
import type { Result } from 'neverthrow'
import { describe, expect, it } from 'vitest'
import {
  arrayOf,
  checkChannel,
  checkChannelMember,
  checkGroup,
  checkGroupSyncable,
  checkTeam,
  checkTeamMember,
  checkTeamMemberWithError,
  checkUser,
  parseChannel,
  parseChannelMember,
  parseChannelStats,
  parseGroupMembersPage,
  parseGroupsWithSchemeAdmin,
  parsePost,
  parseSiteIdentity,
} from '../src/api-types.js'
import { fuzzJsonArb } from './mutate-json.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

// Bodies as the server sends them (mattermost-api.md §4), with fields the decoders ignore.
const user = {
  id: id('u', 1),
  username: 'alice',
  email: 'alice@example.com',
  auth_data: 'alice',
  auth_service: 'ldap',
  roles: 'system_user system_admin',
  delete_at: 0,
  is_bot: false,
  create_at: 1700000000000,
}
const team = {
  id: id('t', 1),
  name: 'rl',
  display_name: 'RL',
  type: 'I',
  delete_at: 0,
  group_constrained: null,
}
const channel = {
  id: id('c', 1),
  team_id: id('t', 1),
  name: 'infra',
  type: 'P',
  delete_at: 0,
  group_constrained: true,
}
const teamMember = {
  team_id: id('t', 1),
  user_id: id('u', 1),
  roles: 'team_user',
  delete_at: 0,
  scheme_admin: false,
  scheme_guest: false,
  scheme_user: true,
}
const channelMember = {
  channel_id: id('c', 1),
  user_id: id('u', 1),
  roles: 'channel_user',
  scheme_admin: true,
  scheme_guest: false,
  scheme_user: true,
}
const group = {
  id: id('g', 1),
  name: 'mm_rl',
  display_name: 'mm_rl',
  source: 'ldap',
  remote_id: 'cn=mm_rl',
  delete_at: 0,
}
const groupTeam = {
  group_id: id('g', 1),
  team_id: id('t', 1),
  auto_add: true,
  scheme_admin: false,
  delete_at: 0,
}
const groupChannel = { ...groupTeam, channel_id: id('c', 1) }

// Every decoder with a valid body for it.
const decoders: readonly (readonly [
  string,
  (json: unknown) => Result<unknown, string>,
  unknown,
])[] = [
  ['User[]', arrayOf(checkUser, 'User[]'), [user, { ...user, id: id('u', 2), is_bot: true }]],
  ['Team[]', arrayOf(checkTeam, 'Team[]'), [team]],
  ['Channel[]', arrayOf(checkChannel, 'Channel[]'), [channel, { ...channel, type: 'O' }]],
  ['TeamMember[]', arrayOf(checkTeamMember, 'TeamMember[]'), [teamMember]],
  [
    'TeamMemberWithError[]',
    arrayOf(checkTeamMemberWithError, 'TeamMemberWithError[]'),
    [
      { user_id: id('u', 1), member: teamMember },
      { user_id: id('u', 2), error: { id: 'api.team.add', message: 'no', status_code: 400 } },
    ],
  ],
  ['ChannelMember[]', arrayOf(checkChannelMember, 'ChannelMember[]'), [channelMember]],
  ['Group[]', arrayOf(checkGroup, 'Group[]'), [group]],
  ['GroupTeam[]', arrayOf(checkGroupSyncable('team'), 'GroupTeam[]'), [groupTeam]],
  ['GroupChannel[]', arrayOf(checkGroupSyncable('channel'), 'GroupChannel[]'), [groupChannel]],
  ['Channel', parseChannel, channel],
  ['ChannelMember', parseChannelMember, channelMember],
  ['Post', parsePost, { id: id('p', 1), channel_id: id('c', 1), message: 'hi' }],
  ['GroupMembers', parseGroupMembersPage, { members: [user], total_member_count: 1 }],
  [
    'GroupsWithCount',
    parseGroupsWithSchemeAdmin,
    { groups: [{ ...group, scheme_admin: true }], total_group_count: 1 },
  ],
  ['ChannelStats', parseChannelStats, { channel_id: id('c', 1), member_count: 3 }],
  ['ClientConfig', parseSiteIdentity, { TelemetryId: 'abc', SiteURL: 'https://chat.example.com/' }],
]

/** Every string field the decoded value promises is a string, every flag a boolean. */
function expectWellTyped(value: unknown): void {
  for (const row of Array.isArray(value) ? value : [value]) {
    expect(typeof row).toBe('object')
    for (const [k, v] of Object.entries(row as Record<string, unknown>)) {
      if (/(^|_)id$|^(username|name|source|roles|type|siteId|siteUrl)$/.test(k))
        expect(['string', 'undefined']).toContain(typeof v)
      if (/^(scheme_|is_bot|auto_add)/.test(k)) expect(typeof v).toBe('boolean')
      if (/delete_at|member_count/.test(k)) expect(typeof v).toBe('number')
    }
  }
}

describe('response decoders on broken and arbitrary JSON', () => {
  it('should decode the valid bodies', () => {
    for (const [, decode, body] of decoders) expectWellTyped(decode(body)._unsafeUnwrap())
  })

  it.each(decoders.map(([name, decode, body]) => ({ name, decode, body })))(
    'should give $name back well typed or a message, never throw',
    ({ decode, body }) => {
      fc.assert(
        fc.property(fuzzJsonArb(body), (json) => {
          const decoded = decode(json)
          if (decoded.isOk()) expectWellTyped(decoded.value)
          else expect(decoded.error).toMatch(/\S/)
        }),
        { numRuns: 1000 },
      )
    },
  )
})
