import type {
  Channel,
  ChannelMember,
  HeldCommand,
  TeamMember,
  GroupLink,
  SyncCommand,
  SyncableRef,
  SyncPlan,
  SyncPolicy,
  SyncState,
  Team,
  User,
} from '@grouproles/core'
import * as rules from '../../src/rules.js'

// Direct reads of a raw state with plain array scans; the rules themselves ("live", "constrained",
// town-square, …) are rules.ts's, so a rule changed there is changed here too. Properties check
// planSync's output against these, never against planSync itself. They assume unique keys, which
// syncStateArb guarantees. `referencePlan` (reference-plan.ts) is the whole plan made this way.

/** Limits that hold nothing back. */
export const unlimited: { readonly maxRemovals: number; readonly maxRemovalFraction: number } = {
  maxRemovals: Number.POSITIVE_INFINITY,
  maxRemovalFraction: 1,
}

export function findUser(s: SyncState, id: string): User | undefined {
  return s.users.find((u) => u.id === id)
}

export function isLiveTeam(s: SyncState, id: string): boolean {
  return s.teams.some((t) => t.id === id && rules.isLiveTeam(t))
}

export function findChannel(s: SyncState, id: string): Channel | undefined {
  return s.channels.find((c) => c.id === id)
}

/** Not deleted, type O or P, and its team live. */
export function isLiveChannel(s: SyncState, id: string): boolean {
  const c = findChannel(s, id)
  return (
    c !== undefined &&
    rules.isLiveChannel(
      c,
      s.teams.find((t) => t.id === c.teamId),
    )
  )
}

export function isLive(s: SyncState, ref: SyncableRef): boolean {
  return ref.kind === 'team' ? isLiveTeam(s, ref.id) : isLiveChannel(s, ref.id)
}

function findSyncable(s: SyncState, ref: SyncableRef): Team | Channel | undefined {
  return ref.kind === 'team' ? s.teams.find((t) => t.id === ref.id) : findChannel(s, ref.id)
}

/** Mattermost's own constraint (`GroupConstrained`): its REST API refuses removals there. */
export function isGroupConstrained(s: SyncState, ref: SyncableRef): boolean {
  return findSyncable(s, ref)?.groupConstrained === true
}

/** This project's own constraint (config `manage`). */
export function isManaged(s: SyncState, ref: SyncableRef): boolean {
  return findSyncable(s, ref)?.managed === true
}

/**
 * Rule: constrained for planning. Removals, role sync under `roleSync: 'groupConstrained'` and the
 * "no channel add into a team that would remove you" rule apply where Mattermost group-constrains
 * the syncable or this project manages it.
 */
export function isConstrained(s: SyncState, ref: SyncableRef): boolean {
  const x = findSyncable(s, ref)
  return x !== undefined && rules.isConstrained(x)
}

/**
 * Rule: with `groupConstrainedRemovals: 'leaveToMattermost'`, a removal from a syncable Mattermost
 * group-constrains is not a command but held as left to Mattermost's own sync (managed alone is
 * not enough: there the REST API removes).
 */
export function isLeftToMattermost(
  s: SyncState,
  ref: SyncableRef,
  policy: Pick<SyncPolicy, 'groupConstrainedRemovals'>,
): boolean {
  const x = findSyncable(s, ref)
  return (
    x !== undefined &&
    rules.leavesRemovalsToMattermost(x, {
      groupConstrainedRemovals: policy.groupConstrainedRemovals ?? 'apply',
    })
  )
}

/** Rule: Mattermost never removes a non-guest account from a channel named town-square. */
export function keepsTownSquare(s: SyncState, channelId: string, userId: string): boolean {
  const name = findChannel(s, channelId)?.name
  return (
    name !== undefined && rules.keepsTownSquare(name, findUser(s, userId)?.systemRole === 'guest')
  )
}

/**
 * Rule: a default channel a new non-guest member of its team joins: flagged, open and not archived
 * (a planned team add names a live team, so the channel is live).
 */
export function joinsByDefault(s: SyncState, channelId: string): boolean {
  const c = findChannel(s, channelId)
  return c !== undefined && rules.joinsByDefault(c)
}

/**
 * The channel rows the commands' team adds make by default joins, for commands that each create or
 * revive the team row (as planned team adds do): every team add of a non-guest, times every
 * default channel of that team where the user has no row.
 */
export function defaultJoins(
  s: SyncState,
  commands: readonly SyncCommand[],
): { readonly channelId: string; readonly userId: string }[] {
  return commands.flatMap((c) =>
    c.kind === 'addTeamMember' && c.role !== 'guest'
      ? s.channels
          .filter(
            (ch) =>
              ch.teamId === c.teamId &&
              joinsByDefault(s, ch.id) &&
              channelRow(s, ch.id, c.userId) === undefined,
          )
          .map((ch) => ({ channelId: ch.id, userId: c.userId }))
      : [],
  )
}

export function isLeftHold(h: HeldCommand): boolean {
  return h.hold.kind === 'leftToMattermost'
}

/** What this plan itself does or holds for review: everything but what it leaves to Mattermost. */
export function carriedOut(plan: Pick<SyncPlan, 'commands' | 'held'>): SyncCommand[] {
  return [...plan.commands, ...plan.held.filter((h) => !isLeftHold(h))]
}

/** Links to `ref` that are not deleted and come from an existing, not deleted group. */
export function liveLinksTo(s: SyncState, ref: SyncableRef): GroupLink[] {
  return s.links.filter(
    (l) =>
      l.syncable.kind === ref.kind &&
      l.syncable.id === ref.id &&
      l.deleted !== true &&
      s.groups.some((g) => g.id === l.groupId && g.deleted !== true),
  )
}

/** Is the user in a group with a live link to `ref` that satisfies `which`? */
export function inLinkedGroup(
  s: SyncState,
  ref: SyncableRef,
  userId: string,
  which: (l: GroupLink) => boolean = () => true,
): boolean {
  return liveLinksTo(s, ref).some(
    (l) => which(l) && s.groups.some((g) => g.id === l.groupId && g.memberIds.includes(userId)),
  )
}

/** A syncable with a live link from an unavailable group: its membership truth is unknown. */
export function isFrozen(s: SyncState, ref: SyncableRef): boolean {
  return liveLinksTo(s, ref).some((l) =>
    s.groups.some((g) => g.id === l.groupId && g.status === 'unavailable'),
  )
}

export function isBypassed(u: User, policy: Pick<SyncPolicy, 'sysadmins'>): boolean {
  return rules.isBypassed(u, policy)
}

export function activeTeamRow(
  s: SyncState,
  teamId: string,
  userId: string,
): TeamMember | undefined {
  return s.teamMembers.find((m) => m.teamId === teamId && m.userId === userId && m.deleted !== true)
}

export function teamRow(s: SyncState, teamId: string, userId: string): TeamMember | undefined {
  return s.teamMembers.find((m) => m.teamId === teamId && m.userId === userId)
}

export function channelRow(
  s: SyncState,
  channelId: string,
  userId: string,
): ChannelMember | undefined {
  return s.channelMembers.find((m) => m.channelId === channelId && m.userId === userId)
}

export function hasHistory(s: SyncState, channelId: string, userId: string): boolean {
  return s.channelHistory.some((h) => h.channelId === channelId && h.userId === userId)
}

/** The membership row a command acts on (active team row or channel row), if any. */
export function rowOf(s: SyncState, c: SyncCommand): TeamMember | ChannelMember | undefined {
  return 'teamId' in c ? activeTeamRow(s, c.teamId, c.userId) : channelRow(s, c.channelId, c.userId)
}

export function syncableOf(c: SyncCommand): SyncableRef {
  return 'teamId' in c ? { kind: 'team', id: c.teamId } : { kind: 'channel', id: c.channelId }
}

export function keyOf(c: SyncCommand): string {
  return `${c.kind}|${syncableOf(c).id}|${c.userId}`
}

export function isRemoval(
  c: SyncCommand,
): c is Extract<SyncCommand, { kind: 'removeTeamMember' | 'removeChannelMember' }> {
  return c.kind === 'removeTeamMember' || c.kind === 'removeChannelMember'
}

export function isRoleChange(
  c: SyncCommand,
): c is Extract<SyncCommand, { kind: 'setTeamMemberAdmin' | 'setChannelMemberAdmin' }> {
  return c.kind === 'setTeamMemberAdmin' || c.kind === 'setChannelMemberAdmin'
}

export function isAdd(
  c: SyncCommand,
): c is Extract<SyncCommand, { kind: 'addTeamMember' | 'addChannelMember' }> {
  return c.kind === 'addTeamMember' || c.kind === 'addChannelMember'
}

/** Active members of a syncable: team rows not soft-deleted, or channel rows. */
export function activeMemberCount(s: SyncState, ref: SyncableRef): number {
  return ref.kind === 'team'
    ? s.teamMembers.filter((m) => m.teamId === ref.id && m.deleted !== true).length
    : s.channelMembers.filter((m) => m.channelId === ref.id).length
}

/** Does the plan take the user off this syncable (directly, or by a team removal's cascade)? */
export function leaves(
  s: SyncState,
  commands: readonly SyncCommand[],
  ref: SyncableRef,
  userId: string,
): boolean {
  const teamId = ref.kind === 'team' ? ref.id : findChannel(s, ref.id)?.teamId
  return commands.some(
    (c) =>
      c.userId === userId &&
      ((c.kind === 'removeTeamMember' && c.teamId === teamId) ||
        (c.kind === 'removeChannelMember' && ref.kind === 'channel' && c.channelId === ref.id)),
  )
}

/** Order-free view of a command list, for comparing plans as multisets. */
export function sortedKeys(commands: readonly SyncCommand[]): string[] {
  return commands.map((c) => JSON.stringify(c, Object.keys(c).sort())).sort()
}
