import { Client4 } from '@mattermost/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ResultAsync } from 'neverthrow'
import {
  createMattermostClient,
  type MattermostClient,
  type MattermostError,
} from '../src/index.js'
import { RecordingServer, type Recorded } from './fake-mattermost/recording-server.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const [g, t, c, u1, u2] = [id('g', 1), id('t', 1), id('c', 1), id('u', 1), id('u', 2)]
const token = 'cross-check-token'

type Call = [
  name: string,
  ours: (m: MattermostClient) => ResultAsync<unknown, MattermostError>,
  official: (c: Client4) => Promise<unknown>,
]

// Each pair is one operation: our call and the Client4 call a webapp developer would make.
const calls: Call[] = [
  ['GET /users', (m) => m.listUsers(), (k) => k.getProfiles(0, 200)],
  ['POST /users/ids', (m) => m.getUsersByIds([u1, u2]), (k) => k.getProfilesByIds([u1, u2])],
  ['GET /teams', (m) => m.listTeams(), (k) => k.getTeams(0, 200)],
  ['GET /teams/{id}/members', (m) => m.listTeamMembers(t), (k) => k.getTeamMembers(t, 0, 200)],
  [
    'POST /teams/{id}/members/ids',
    (m) => m.getTeamMembersByIds(t, [u1]),
    (k) => k.getTeamMembersByIds(t, [u1]),
  ],
  [
    'POST /teams/{id}/members/batch',
    (m) => m.addTeamMembers(t, [u1, u2]),
    (k) => k.addUsersToTeamGracefully(t, [u1, u2]),
  ],
  [
    'DELETE /teams/{id}/members/{user}',
    (m) => m.removeTeamMember(t, u1),
    (k) => k.removeFromTeam(t, u1),
  ],
  [
    'PUT team schemeRoles',
    (m) => m.updateTeamMemberSchemeAdmin(t, u1, true),
    (k) => k.updateTeamMemberSchemeRoles(t, u1, true, true),
  ],
  [
    'GET /channels',
    (m) => m.listChannels({ includeDeleted: true }),
    (k) => k.getAllChannels(0, 200, '', false, false, true, false, false, false),
  ],
  [
    'GET /teams/{id}/channels',
    (m) => m.listTeamChannels(t, 'public'),
    (k) => k.getChannels(t, 0, 200),
  ],
  [
    'GET /teams/{id}/channels/deleted',
    (m) => m.listTeamChannels(t, 'deleted'),
    (k) => k.getArchivedChannels(t, 0, 200),
  ],
  ['GET /config/client', (m) => m.getSiteIdentity(), (k) => k.getClientConfig()],
  ['GET /channels/{id}', (m) => m.getChannel(c), (k) => k.getChannel(c)],
  [
    'GET /teams/name/{team}/channels/name/{channel}',
    (m) => m.getChannelByNames('rl-ops', 'run_summaries'),
    (k) => k.getChannelByNameAndTeamName('rl-ops', 'run_summaries'),
  ],
  [
    'POST /posts',
    (m) => m.createPost(c, 'grouproles run 7'),
    (k) => k.createPost({ channel_id: c, message: 'grouproles run 7' }),
  ],
  [
    'GET /users?in_channel',
    (m) => m.listChannelMemberIds(c),
    (k) => k.getProfilesInChannel(c, 0, 200),
  ],
  ['GET /channels/{id}/stats', (m) => m.getChannelMemberCount(c), (k) => k.getChannelStats(c)],
  [
    'GET /channels/{id}/members',
    (m) => m.listChannelMembers(c),
    (k) => k.getChannelMembers(c, 0, 200),
  ],
  [
    'POST /channels/{id}/members/ids',
    (m) => m.getChannelMembersByIds(c, [u1]),
    (k) => k.getChannelMembersByIds(c, [u1]),
  ],
  [
    'DELETE /channels/{id}/members/{user}',
    (m) => m.removeChannelMember(c, u1),
    (k) => k.removeFromChannel(u1, c),
  ],
  [
    'PUT channel schemeRoles',
    (m) => m.updateChannelMemberSchemeAdmin(c, u1, false),
    (k) => k.updateChannelMemberSchemeRoles(c, u1, true, false),
  ],
  ['GET /groups', (m) => m.listGroups(), (k) => k.getGroups({ page: 0, per_page: 200 })],
  [
    'GET /groups/{id}/teams',
    (m) => m.listGroupSyncables(g, 'team'),
    (k) => k.getGroupSyncables(g, 'team'),
  ],
  [
    'GET /groups/{id}/channels',
    (m) => m.listGroupSyncables(g, 'channel'),
    (k) => k.getGroupSyncables(g, 'channel'),
  ],
  [
    'GET /teams/{id}/groups',
    (m) => m.listSyncableGroups({ kind: 'team', id: t }),
    (k) => k.getGroupsAssociatedToTeam(t, '', 0, 200),
  ],
  [
    'GET /channels/{id}/groups',
    (m) => m.listSyncableGroups({ kind: 'channel', id: c }),
    (k) => k.getGroupsAssociatedToChannel(c, '', 0, 200),
  ],
  [
    'POST team link',
    (m) => m.linkGroupSyncable(g, { kind: 'team', id: t }, { autoAdd: true, schemeAdmin: true }),
    (k) => k.linkGroupSyncable(g, t, 'team', { auto_add: true, scheme_admin: true }),
  ],
  [
    'POST channel link',
    (m) =>
      m.linkGroupSyncable(g, { kind: 'channel', id: c }, { autoAdd: true, schemeAdmin: false }),
    (k) => k.linkGroupSyncable(g, c, 'channel', { auto_add: true, scheme_admin: false }),
  ],
  [
    'PUT team patch',
    (m) => m.patchGroupSyncable(g, { kind: 'team', id: t }, { autoAdd: false, schemeAdmin: true }),
    (k) => k.patchGroupSyncable(g, t, 'team', { auto_add: false, scheme_admin: true }),
  ],
  [
    'PUT channel patch',
    (m) =>
      m.patchGroupSyncable(g, { kind: 'channel', id: c }, { autoAdd: true, schemeAdmin: false }),
    (k) => k.patchGroupSyncable(g, c, 'channel', { auto_add: true, scheme_admin: false }),
  ],
  [
    'DELETE team link',
    (m) => m.unlinkGroupSyncable(g, { kind: 'team', id: t }),
    (k) => k.unlinkGroupSyncable(g, t, 'team'),
  ],
  [
    'DELETE channel link',
    (m) => m.unlinkGroupSyncable(g, { kind: 'channel', id: c }),
    (k) => k.unlinkGroupSyncable(g, c, 'channel'),
  ],
]

describe('MattermostClient against Client4', () => {
  let recorder: RecordingServer
  let ours: MattermostClient
  let official: Client4
  beforeAll(async () => {
    recorder = await RecordingServer.start()
    ours = createMattermostClient({ url: recorder.url, token, maxAttempts: 1 })
    official = new Client4()
    official.setUrl(recorder.url)
    official.setToken(token)
  })
  afterAll(async () => {
    await recorder.close()
  })

  it.each(calls)('should send what Client4 sends for %s', async (_, callOurs, callOfficial) => {
    await callOurs(ours)
    const [mine] = recorder.take()
    await callOfficial(official).catch(() => undefined)
    const [theirs] = recorder.take()

    expect(mine).toBeDefined()
    expect(theirs).toBeDefined()
    const a = mine as Recorded
    const b = theirs as Recorded
    expect([a.method, a.path]).toEqual([b.method, b.path])
    expect(a.authorization.toLowerCase()).toBe(b.authorization.toLowerCase())
    // Client4 adds parameters of its own (for_directory, q, include_member_count …): ours must be a subset.
    expect(b.query).toMatchObject(a.query)
    expect(b.body).toEqual(a.body)
  })

  // `GET /groups/{id}/members` (listGroupMembers) has no Client4 counterpart: Client4 11.x only
  // POSTs and DELETEs that path (custom group membership) and reads a group's members with
  // `getProfilesInGroup`, i.e. `GET /users?in_group=…`. We use the spec's group endpoint because it also returns
  // `total_member_count`; this test pins both requests so the difference stays deliberate.
  it('should page GET /groups/{id}/members, where Client4 pages GET /users?in_group', async () => {
    await ours.listGroupMembers(g)
    const [mine] = recorder.take()
    await official.getProfilesInGroup(g, 0, 200).catch(() => undefined)
    const [theirs] = recorder.take()

    expect(mine).toMatchObject({
      method: 'GET',
      path: `/api/v4/groups/${g}/members`,
      query: { page: '0', per_page: '200' },
    })
    expect(theirs).toMatchObject({
      method: 'GET',
      path: '/api/v4/users',
      query: { in_group: g, page: '0', per_page: '200' },
    })
  })

  // Client4 11.x has no call for a team's private channels (the webapp reads them through the
  // system console's channel search); this pins our request so a change is deliberate.
  it('should page GET /teams/{id}/channels/private, which Client4 has no call for', async () => {
    await ours.listTeamChannels(t, 'private')

    expect(recorder.take()).toMatchObject([
      {
        method: 'GET',
        path: `/api/v4/teams/${t}/channels/private`,
        query: { page: '0', per_page: '200' },
      },
    ])
  })

  it('should send the channel multi-add body Client4 sends, minus its default extras', async () => {
    await ours.addChannelMembers(c, [u1, u2])
    const [mine] = recorder.take()
    await official.addToChannels([u1, u2], c).catch(() => undefined)
    const [theirs] = recorder.take()

    expect([mine?.method, mine?.path]).toEqual([theirs?.method, theirs?.path])
    expect(theirs?.body).toEqual({ ...(mine?.body as object), channel_id: c, post_root_id: '' })
  })
})
