/** The operations the fake serves, named as in the project's OpenAPI description. */
export type FakeOperationId =
  | 'GetUsers'
  | 'GetUsersByIds'
  | 'GetAllTeams'
  | 'GetTeam'
  | 'GetTeamMembers'
  | 'AddTeamMember'
  | 'AddTeamMembers'
  | 'GetTeamMembersByIds'
  | 'GetTeamMember'
  | 'RemoveTeamMember'
  | 'UpdateTeamMemberSchemeRoles'
  | 'GetPublicChannelsForTeam'
  | 'GetPrivateChannelsForTeam'
  | 'GetDeletedChannelsForTeam'
  | 'GetAllChannels'
  | 'GetChannel'
  | 'GetChannelStats'
  | 'GetChannelMembers'
  | 'AddChannelMember'
  | 'GetChannelMembersByIds'
  | 'GetChannelMember'
  | 'RemoveUserFromChannel'
  | 'UpdateChannelMemberSchemeRoles'
  | 'GetGroups'
  | 'GetGroup'
  | 'GetGroupUsers'
  | 'GetGroupSyncablesTeams'
  | 'GetGroupSyncablesChannels'
  | 'GetGroupSyncableForTeamId'
  | 'GetGroupSyncableForChannelId'
  | 'LinkGroupSyncableForTeam'
  | 'UnlinkGroupSyncableForTeam'
  | 'LinkGroupSyncableForChannel'
  | 'UnlinkGroupSyncableForChannel'
  | 'PatchGroupSyncableForTeam'
  | 'PatchGroupSyncableForChannel'
  | 'GetGroupsByTeam'
  | 'GetGroupsByChannel'
  | 'GetGroupsByUserId'
  | 'GetClientConfig'
  | 'GetChannelByNameForTeamName'
  | 'CreatePost'

/** A matched route: the operation and its path parameters. */
export interface RouteMatch {
  readonly operationId: FakeOperationId
  readonly params: Readonly<Record<string, string>>
}

type Route = readonly [method: string, pattern: string, operationId: FakeOperationId]

/** Every route the fake answers: method, path under `/api/v4`, operation id. */
export const routes: readonly Route[] = [
  ['GET', '/users', 'GetUsers'],
  ['POST', '/users/ids', 'GetUsersByIds'],
  ['GET', '/teams', 'GetAllTeams'],
  ['GET', '/teams/{team_id}', 'GetTeam'],
  ['GET', '/teams/{team_id}/members', 'GetTeamMembers'],
  ['POST', '/teams/{team_id}/members', 'AddTeamMember'],
  ['POST', '/teams/{team_id}/members/batch', 'AddTeamMembers'],
  ['POST', '/teams/{team_id}/members/ids', 'GetTeamMembersByIds'],
  ['GET', '/teams/{team_id}/members/{user_id}', 'GetTeamMember'],
  ['DELETE', '/teams/{team_id}/members/{user_id}', 'RemoveTeamMember'],
  ['PUT', '/teams/{team_id}/members/{user_id}/schemeRoles', 'UpdateTeamMemberSchemeRoles'],
  ['GET', '/teams/{team_id}/channels', 'GetPublicChannelsForTeam'],
  ['GET', '/teams/{team_id}/channels/private', 'GetPrivateChannelsForTeam'],
  ['GET', '/teams/{team_id}/channels/deleted', 'GetDeletedChannelsForTeam'],
  ['GET', '/teams/{team_id}/groups', 'GetGroupsByTeam'],
  ['GET', '/channels', 'GetAllChannels'],
  ['GET', '/channels/{channel_id}', 'GetChannel'],
  ['GET', '/channels/{channel_id}/stats', 'GetChannelStats'],
  ['GET', '/channels/{channel_id}/members', 'GetChannelMembers'],
  ['POST', '/channels/{channel_id}/members', 'AddChannelMember'],
  ['POST', '/channels/{channel_id}/members/ids', 'GetChannelMembersByIds'],
  ['GET', '/channels/{channel_id}/members/{user_id}', 'GetChannelMember'],
  ['DELETE', '/channels/{channel_id}/members/{user_id}', 'RemoveUserFromChannel'],
  ['PUT', '/channels/{channel_id}/members/{user_id}/schemeRoles', 'UpdateChannelMemberSchemeRoles'],
  ['GET', '/channels/{channel_id}/groups', 'GetGroupsByChannel'],
  ['GET', '/users/{user_id}/groups', 'GetGroupsByUserId'],
  ['GET', '/groups', 'GetGroups'],
  ['GET', '/groups/{group_id}', 'GetGroup'],
  ['GET', '/groups/{group_id}/members', 'GetGroupUsers'],
  ['GET', '/groups/{group_id}/teams', 'GetGroupSyncablesTeams'],
  ['GET', '/groups/{group_id}/channels', 'GetGroupSyncablesChannels'],
  ['GET', '/groups/{group_id}/teams/{team_id}', 'GetGroupSyncableForTeamId'],
  ['GET', '/groups/{group_id}/channels/{channel_id}', 'GetGroupSyncableForChannelId'],
  ['POST', '/groups/{group_id}/teams/{team_id}/link', 'LinkGroupSyncableForTeam'],
  ['DELETE', '/groups/{group_id}/teams/{team_id}/link', 'UnlinkGroupSyncableForTeam'],
  ['POST', '/groups/{group_id}/channels/{channel_id}/link', 'LinkGroupSyncableForChannel'],
  ['DELETE', '/groups/{group_id}/channels/{channel_id}/link', 'UnlinkGroupSyncableForChannel'],
  ['PUT', '/groups/{group_id}/teams/{team_id}/patch', 'PatchGroupSyncableForTeam'],
  ['PUT', '/groups/{group_id}/channels/{channel_id}/patch', 'PatchGroupSyncableForChannel'],
  ['GET', '/config/client', 'GetClientConfig'],
  ['GET', '/teams/name/{team_name}/channels/name/{channel_name}', 'GetChannelByNameForTeamName'],
  ['POST', '/posts', 'CreatePost'],
]

// Path parameters match `[A-Za-z0-9]+` (names: `[A-Za-z0-9_-]+`), as the server's router does.
const compiled = routes.map(([method, pattern, operationId]) => {
  const names: string[] = []
  const source = pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name)
    return name.endsWith('_name') ? '([A-Za-z0-9_-]+)' : '([A-Za-z0-9]+)'
  })
  return { method, regex: new RegExp(`^/api/v4${source}$`), names, operationId }
})

/** Finds the operation for a method and a URL path (with its `/api/v4` prefix). */
export function matchRoute(method: string, path: string): RouteMatch | undefined {
  for (const r of compiled) {
    if (r.method !== method) continue
    const m = r.regex.exec(path)
    if (m === null) continue
    const params: Record<string, string> = {}
    r.names.forEach((name, i) => {
      params[name] = m[i + 1] ?? ''
    })
    return { operationId: r.operationId, params }
  }
  return undefined
}

/** The operations behind a licence: every `/groups` route and the groups of a team or channel. */
export function needsGroupsLicence(operationId: FakeOperationId): boolean {
  return operationId.includes('Group')
}
