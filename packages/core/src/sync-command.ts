import { match, P } from 'ts-pattern'
import type { Role, SyncableRef } from './model.js'
import type { ResolvedSyncPolicy } from './sync-policy.js'

/** One change to Mattermost memberships. Adapters execute these; they never decide. */
export type SyncCommand =
  | {
      readonly kind: 'addTeamMember'
      readonly teamId: string
      readonly userId: string
      readonly role: Role
    }
  | {
      readonly kind: 'addChannelMember'
      readonly channelId: string
      readonly userId: string
      readonly role: Role
    }
  | {
      readonly kind: 'setTeamMemberAdmin'
      readonly teamId: string
      readonly userId: string
      readonly schemeAdmin: boolean
    }
  | {
      readonly kind: 'setChannelMemberAdmin'
      readonly channelId: string
      readonly userId: string
      readonly schemeAdmin: boolean
    }
  /** Also removes the user from that team's channels (Mattermost's `LeaveTeam`). */
  | { readonly kind: 'removeTeamMember'; readonly teamId: string; readonly userId: string }
  | { readonly kind: 'removeChannelMember'; readonly channelId: string; readonly userId: string }

export type SyncCommandKind = SyncCommand['kind']

/** Every command kind, in plan order. */
export const syncCommandKinds: readonly SyncCommandKind[] = Object.freeze([
  'setTeamMemberAdmin',
  'setChannelMemberAdmin',
  'addTeamMember',
  'addChannelMember',
  'removeChannelMember',
  'removeTeamMember',
])

/** A command as `planSync` emits it: with the reason a person reviewing the plan reads. */
export type PlannedCommand = SyncCommand & { readonly reason: string }

/** Why a command was held back instead of planned. */
export type HoldReason =
  | {
      readonly kind: 'maxRemovalFraction'
      readonly syncable: SyncableRef
      /** Active members it would lose (not counting default joins the same plan undoes). */
      readonly removals: number
      readonly activeMembers: number
      readonly limit: number
    }
  | { readonly kind: 'maxRemovals'; readonly removals: number; readonly limit: number }
  /**
   * A removal from a syncable Mattermost itself group-constrains, planned with
   * `groupConstrainedRemovals: 'leaveToMattermost'`: the REST API refuses it, Mattermost's own group
   * sync does it. Not a failure and not a review item.
   */
  | { readonly kind: 'leftToMattermost'; readonly syncable: SyncableRef }

/** A command the safety limits kept out of `commands`; apply it only after review. */
export type HeldCommand = PlannedCommand & { readonly hold: HoldReason }

/** Something a person should know about a plan; never an error, the plan is still valid. */
export type SyncWarning =
  | {
      readonly kind: 'unavailableGroup'
      readonly groupId: string
      readonly groupName: string
      readonly syncables: readonly SyncableRef[]
      readonly message: string
    }
  | {
      readonly kind: 'channelAddSkipped'
      readonly channelId: string
      readonly userId: string
      readonly cause: 'leftTeam' | 'notInTeamGroups'
      readonly message: string
    }
  | {
      readonly kind: 'unknownReference'
      readonly entity: 'user' | 'group' | 'team' | 'channel'
      readonly id: string
      readonly where: string
      readonly message: string
    }
  | {
      readonly kind: 'removalsHeld'
      readonly hold: HoldReason
      readonly count: number
      readonly message: string
    }

/** Counts that summarise a plan; all numbers, so they log and export as metrics directly. */
export interface SyncStats {
  readonly users: number
  readonly groups: number
  readonly syncables: number
  readonly constrainedSyncables: number
  readonly liveLinks: number
  readonly activeMemberships: number
  readonly commands: Readonly<Record<SyncCommandKind, number>>
  /** All of `held` (review holds and removals left to Mattermost). */
  readonly held: number
  /** The part of `held` left to Mattermost's own group sync (`leftToMattermost`): not for review. */
  readonly leftToMattermost: number
  readonly warnings: number
}

/** The output of `planSync`: plain data that can be written to a file and applied later. */
export interface SyncPlan {
  readonly commands: readonly PlannedCommand[]
  readonly held: readonly HeldCommand[]
  readonly warnings: readonly SyncWarning[]
  readonly stats: SyncStats
  /** Hash of the whole normalised state and the policy: the plan is valid for exactly that input. */
  readonly fingerprint: string
  /**
   * Hash of the Mattermost side only (users, teams, channels, memberships, history): what an adapter
   * re-reads before applying, to refuse a plan made from a state that has changed since.
   */
  readonly targetFingerprint: string
  readonly policy: ResolvedSyncPolicy
}

/** The syncable a command acts on. */
export function commandSyncable(command: SyncCommand): SyncableRef {
  return match<SyncCommand, SyncableRef>(command)
    .with({ kind: P.union('addTeamMember', 'setTeamMemberAdmin', 'removeTeamMember') }, (c) => ({
      kind: 'team',
      id: c.teamId,
    }))
    .with(
      { kind: P.union('addChannelMember', 'setChannelMemberAdmin', 'removeChannelMember') },
      (c) => ({ kind: 'channel', id: c.channelId }),
    )
    .exhaustive()
}

/** A stable text key of (kind, syncable, user), unique within a valid plan. */
export function commandKey(command: SyncCommand): string {
  const s = commandSyncable(command)
  return `${command.kind}:${s.id}:${command.userId}`
}

/** Drops the extra fields `planSync` adds, leaving the pinned command shape. */
export function toSyncCommand(command: SyncCommand): SyncCommand {
  return match<SyncCommand, SyncCommand>(command)
    .with({ kind: 'addTeamMember' }, ({ kind, teamId, userId, role }) => ({
      kind,
      teamId,
      userId,
      role,
    }))
    .with({ kind: 'addChannelMember' }, ({ kind, channelId, userId, role }) => ({
      kind,
      channelId,
      userId,
      role,
    }))
    .with({ kind: 'setTeamMemberAdmin' }, ({ kind, teamId, userId, schemeAdmin }) => ({
      kind,
      teamId,
      userId,
      schemeAdmin,
    }))
    .with({ kind: 'setChannelMemberAdmin' }, ({ kind, channelId, userId, schemeAdmin }) => ({
      kind,
      channelId,
      userId,
      schemeAdmin,
    }))
    .with({ kind: 'removeTeamMember' }, ({ kind, teamId, userId }) => ({ kind, teamId, userId }))
    .with({ kind: 'removeChannelMember' }, ({ kind, channelId, userId }) => ({
      kind,
      channelId,
      userId,
    }))
    .exhaustive()
}
