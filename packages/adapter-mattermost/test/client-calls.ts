import type { ResultAsync } from 'neverthrow'
import type { MattermostClient, MattermostError } from '../src/index.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`

const [g, t, c, u1, u2] = [id('g', 1), id('t', 1), id('c', 1), id('u', 1), id('u', 2)]

/** One call of every request-sending method of `MattermostClient`, keyed by method name. */
export const clientCalls: Readonly<
  Record<string, (m: MattermostClient) => ResultAsync<unknown, MattermostError>>
> = {
  listUsers: (m) => m.listUsers(),
  getUsersByIds: (m) => m.getUsersByIds([u1, u2]),
  listTeams: (m) => m.listTeams(),
  listTeamMembers: (m) => m.listTeamMembers(t),
  getTeamMembersByIds: (m) => m.getTeamMembersByIds(t, [u1]),
  addTeamMembers: (m) => m.addTeamMembers(t, [u1, u2]),
  removeTeamMember: (m) => m.removeTeamMember(t, u1),
  updateTeamMemberSchemeAdmin: (m) => m.updateTeamMemberSchemeAdmin(t, u1, true),
  listChannels: (m) => m.listChannels({ includeDeleted: true }),
  listTeamChannels: (m) => m.listTeamChannels(t, 'public'),
  getChannel: (m) => m.getChannel(c),
  getChannelMemberCount: (m) => m.getChannelMemberCount(c),
  listChannelMembers: (m) => m.listChannelMembers(c),
  pageChannelMembers: (m) => m.pageChannelMembers(c),
  listChannelMemberIds: (m) => m.listChannelMemberIds(c),
  getChannelMembersByIds: (m) => m.getChannelMembersByIds(c, [u1]),
  addChannelMembers: (m) => m.addChannelMembers(c, [u1, u2]),
  removeChannelMember: (m) => m.removeChannelMember(c, u1),
  updateChannelMemberSchemeAdmin: (m) => m.updateChannelMemberSchemeAdmin(c, u1, false),
  listGroups: (m) => m.listGroups(),
  listGroupMembers: (m) => m.listGroupMembers(g),
  listGroupMemberIds: (m) => m.listGroupMemberIds(g),
  listUserGroups: (m) => m.listUserGroups(u1),
  listGroupSyncables: (m) => m.listGroupSyncables(g, 'team'),
  listSyncableGroups: (m) => m.listSyncableGroups({ kind: 'channel', id: c }),
  linkGroupSyncable: (m) =>
    m.linkGroupSyncable(g, { kind: 'team', id: t }, { autoAdd: true, schemeAdmin: true }),
  patchGroupSyncable: (m) =>
    m.patchGroupSyncable(g, { kind: 'channel', id: c }, { autoAdd: false, schemeAdmin: true }),
  unlinkGroupSyncable: (m) => m.unlinkGroupSyncable(g, { kind: 'team', id: t }),
  getSiteIdentity: (m) => m.getSiteIdentity(),
  getChannelByNames: (m) => m.getChannelByNames('rl-ops', 'run_summaries'),
  createPost: (m) => m.createPost(c, '#### grouproles run 7\nApplied 2 commands.'),
}

/** Calls that send more than one kind of request, beyond the one above. */
export const extraCalls: readonly [
  string,
  (m: MattermostClient) => ResultAsync<unknown, MattermostError>,
][] = [
  ['listTeamChannels private', (m) => m.listTeamChannels(t, 'private')],
  ['listTeamChannels deleted', (m) => m.listTeamChannels(t, 'deleted')],
  ['listChannels live only', (m) => m.listChannels({ includeDeleted: false })],
  ['listGroupSyncables channel', (m) => m.listGroupSyncables(g, 'channel')],
  ['listSyncableGroups team', (m) => m.listSyncableGroups({ kind: 'team', id: t })],
  [
    'linkGroupSyncable channel',
    (m) =>
      m.linkGroupSyncable(g, { kind: 'channel', id: c }, { autoAdd: true, schemeAdmin: false }),
  ],
  [
    'patchGroupSyncable team',
    (m) => m.patchGroupSyncable(g, { kind: 'team', id: t }, { autoAdd: true, schemeAdmin: false }),
  ],
  ['unlinkGroupSyncable channel', (m) => m.unlinkGroupSyncable(g, { kind: 'channel', id: c })],
]

/** The public methods of `MattermostClient` that send requests (everything but accessors). */
export function requestMethods(client: MattermostClient): string[] {
  return (
    Object.getOwnPropertyNames(Object.getPrototypeOf(client))
      // The methods that send nothing themselves.
      .filter((name) => !['constructor', 'toJSON', 'withReadBudget'].includes(name))
      .filter((name) => {
        const d = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(client), name)
        return typeof d?.value === 'function'
      })
  )
}
