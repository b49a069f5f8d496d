import type { GroupLink, SyncableRef } from '@grouproles/core'
import { errAsync, okAsync, ResultAsync } from 'neverthrow'
import type { ApiGroupSyncable } from './api-types.js'
import type { MattermostClient } from './mattermost-client.js'
import type { MattermostError } from './mattermost-error.js'

/** A link to create: both flags are always sent (the server treats a missing one as false). */
export interface GroupLinkInput {
  readonly groupId: string
  readonly syncable: SyncableRef
  readonly autoAdd: boolean
  readonly schemeAdmin: boolean
}

/** A change to an existing link; a missing flag keeps its current value. */
export interface GroupLinkPatch {
  readonly groupId: string
  readonly syncable: SyncableRef
  readonly autoAdd?: boolean
  readonly schemeAdmin?: boolean
}

/** What `linkGroup` did, including the repair of the team link the server overwrote. */
export interface LinkGroupResult {
  readonly link: GroupLink
  /** The team link as restored after a channel link reset it; absent when nothing needed repair. */
  readonly restoredTeamLink?: GroupLink
  /**
   * The team link the server created (or revived) for a channel link when the group had no live
   * link to the channel's team. Undo with `unlinkGroup` on the team, which also drops the group's
   * channel links (this one included).
   */
  readonly createdTeamLink?: GroupLink
}

/** What `unlinkGroup` did. */
export interface UnlinkGroupResult {
  /** Channel links the server soft-deleted as a side effect of unlinking a team (in every team). */
  readonly droppedChannelLinks: readonly GroupLink[]
  /** Those of them that were linked again (only with `restoreChannelLinks`). */
  readonly restoredChannelLinks: readonly GroupLink[]
}

/** Options of `unlinkGroup`. */
export interface UnlinkGroupOptions {
  /**
   * Unlinking a team link makes the server soft-delete ALL of the group's channel links, in every
   * team. With `true`, the ones in other teams are linked again with their old flags. Default false.
   */
  readonly restoreChannelLinks?: boolean
}

/**
 * The live links of a group (teams and channels) with true `auto_add` and `scheme_admin`, read from
 * the list endpoints: the single-link GET always reports `scheme_admin: false`, so it is never used.
 */
export function listGroupLinks(
  client: MattermostClient,
  groupId: string,
): ResultAsync<GroupLink[], MattermostError> {
  return ResultAsync.combine([
    client.listGroupSyncables(groupId, 'team'),
    client.listGroupSyncables(groupId, 'channel'),
  ] as const).map(([teams, channels]) => [...teams, ...channels].map(toGroupLink))
}

/** The live links of one team or channel, with both flags (list endpoints only). */
export function listSyncableGroupLinks(
  client: MattermostClient,
  syncable: SyncableRef,
): ResultAsync<GroupLink[], MattermostError> {
  return client
    .listSyncableGroups(syncable)
    .andThen((groups) => ResultAsync.combine(groups.map((g) => findLink(client, g.id, syncable))))
    .map((links) => links.filter((l): l is GroupLink => l !== undefined))
}

/**
 * Links a group to a team or channel (an upsert) with both flags. A channel link on a team that is
 * not group-constrained makes the server upsert the team link too: an existing one gets the
 * channel's `auto_add` and `scheme_admin: false`, so it is read first and patched back
 * (`restoredTeamLink`); a missing one is created and reported (`createdTeamLink`).
 */
export function linkGroup(
  client: MattermostClient,
  input: GroupLinkInput,
): ResultAsync<LinkGroupResult, MattermostError> {
  const flags = { autoAdd: input.autoAdd, schemeAdmin: input.schemeAdmin }
  if (input.syncable.kind === 'team') {
    return client
      .linkGroupSyncable(input.groupId, input.syncable, flags)
      .andThen(() => mustFind(client, input.groupId, input.syncable))
      .map((link) => ({ link }))
  }
  const channel = input.syncable
  return client.getChannel(channel.id).andThen((c) => {
    const team: SyncableRef = { kind: 'team', id: c.team_id }
    return findLink(client, input.groupId, team).andThen((before) =>
      client
        .linkGroupSyncable(input.groupId, channel, flags)
        .andThen(() =>
          before === undefined
            ? findLink(client, input.groupId, team).map((created) => ({ created }))
            : restoreTeamLink(client, before).map((restored) => ({ restored })),
        )
        .andThen((team: { created?: GroupLink | undefined; restored?: GroupLink | undefined }) =>
          mustFind(client, input.groupId, channel).map((link): LinkGroupResult => ({
            link,
            ...(team.restored !== undefined ? { restoredTeamLink: team.restored } : {}),
            ...(team.created !== undefined ? { createdTeamLink: team.created } : {}),
          })),
        ),
    )
  })
}

/**
 * Changes a link's flags. Both flags are always sent, because a patch without `scheme_admin` resets
 * it to false; a flag the caller leaves out is read from the list endpoint first.
 */
export function patchGroupLink(
  client: MattermostClient,
  patch: GroupLinkPatch,
): ResultAsync<GroupLink, MattermostError> {
  const current: ResultAsync<{ autoAdd: boolean; schemeAdmin: boolean }, MattermostError> =
    patch.autoAdd !== undefined && patch.schemeAdmin !== undefined
      ? okAsync({ autoAdd: patch.autoAdd, schemeAdmin: patch.schemeAdmin })
      : mustFind(client, patch.groupId, patch.syncable).map((l) => ({
          autoAdd: patch.autoAdd ?? l.autoAdd,
          schemeAdmin: patch.schemeAdmin ?? l.schemeAdmin,
        }))
  return current
    .andThen((flags) => client.patchGroupSyncable(patch.groupId, patch.syncable, flags))
    .andThen(() => mustFind(client, patch.groupId, patch.syncable))
}

/**
 * Removes a link. Unlinking a team link also soft-deletes every channel link of the group in every
 * team (a server defect); the dropped links are reported, and with `restoreChannelLinks` the ones
 * in other teams are linked again (channels of the unlinked team are not, since that would
 * re-create the team link).
 */
export function unlinkGroup(
  client: MattermostClient,
  groupId: string,
  syncable: SyncableRef,
  options: UnlinkGroupOptions = {},
): ResultAsync<UnlinkGroupResult, MattermostError> {
  if (syncable.kind === 'channel') {
    return client
      .unlinkGroupSyncable(groupId, syncable)
      .map(() => ({ droppedChannelLinks: [], restoredChannelLinks: [] }))
  }
  return client.listGroupSyncables(groupId, 'channel').andThen((before) =>
    client
      .unlinkGroupSyncable(groupId, syncable)
      .andThen(() => client.listGroupSyncables(groupId, 'channel'))
      .andThen((after) => {
        const live = new Set(after.map((l) => l.syncable_id))
        const dropped = before.filter((l) => !live.has(l.syncable_id))
        const toRestore =
          options.restoreChannelLinks === true
            ? dropped.filter((l) => l.team_id !== undefined && l.team_id !== syncable.id)
            : []
        // One at a time: links in the same team each repair that team's link.
        const restoreAll = toRestore.reduce<ResultAsync<GroupLink[], MattermostError>>(
          (acc, l) =>
            acc.andThen((done) =>
              linkGroup(client, {
                groupId,
                syncable: { kind: 'channel', id: l.syncable_id },
                autoAdd: l.auto_add,
                schemeAdmin: l.scheme_admin,
              }).map((r) => [...done, r.link]),
            ),
          okAsync([]),
        )
        return restoreAll.map((restored) => ({
          droppedChannelLinks: dropped.map(toGroupLink),
          restoredChannelLinks: restored,
        }))
      }),
  )
}

function restoreTeamLink(
  client: MattermostClient,
  before: GroupLink | undefined,
): ResultAsync<GroupLink | undefined, MattermostError> {
  if (before === undefined) return okAsync(undefined)
  return mustFind(client, before.groupId, before.syncable).andThen((now) =>
    now.autoAdd === before.autoAdd && now.schemeAdmin === before.schemeAdmin
      ? okAsync(undefined)
      : client
          .patchGroupSyncable(before.groupId, before.syncable, {
            autoAdd: before.autoAdd,
            schemeAdmin: before.schemeAdmin,
          })
          .andThen(() => mustFind(client, before.groupId, before.syncable)),
  )
}

function findLink(
  client: MattermostClient,
  groupId: string,
  syncable: SyncableRef,
): ResultAsync<GroupLink | undefined, MattermostError> {
  return client.listGroupSyncables(groupId, syncable.kind).map((links) => {
    const l = links.find((x) => x.syncable_id === syncable.id && x.delete_at === 0)
    return l === undefined ? undefined : toGroupLink(l)
  })
}

function mustFind(
  client: MattermostClient,
  groupId: string,
  syncable: SyncableRef,
): ResultAsync<GroupLink, MattermostError> {
  return findLink(client, groupId, syncable).andThen((l) =>
    l === undefined
      ? errAsync<GroupLink, MattermostError>({
          kind: 'linkNotFound',
          groupId,
          syncable,
          message: `group ${groupId} has no live link to ${syncable.kind} ${syncable.id}`,
        })
      : okAsync(l),
  )
}

function toGroupLink(l: ApiGroupSyncable): GroupLink {
  return {
    groupId: l.group_id,
    syncable: { kind: l.kind, id: l.syncable_id },
    autoAdd: l.auto_add,
    schemeAdmin: l.scheme_admin,
  }
}
