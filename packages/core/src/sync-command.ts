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
  /**
   * A removal inside its grace period (`removalGrace`): the membership has been unjustified in
   * `runs` of the `of` consecutive complete runs it needs, first seen at `since` (epoch ms), and
   * must stay unjustified for `hours` hours. Not a review item: a later run removes it.
   */
  | {
      readonly kind: 'pendingRemoval'
      readonly runs: number
      readonly of: number
      readonly since: number
      readonly hours: number
    }
  /**
   * The directory's users dropped by more than `limit` since the last complete run (`then` to
   * `now`): every removal and demotion of the run is held.
   */
  | {
      readonly kind: 'healthGate'
      readonly then: number
      readonly now: number
      readonly limit: number
    }
  /** The demotion or removal would leave the syncable with no scheme admin (`lastAdmin: 'guard'`). */
  | { readonly kind: 'lastAdmin'; readonly syncable: SyncableRef }
  /**
   * `removals: 'ownOnly'`: the removal would take a membership this project did not add (added by
   * hand): drift, reported and never touched.
   */
  | { readonly kind: 'notAdded' }
  /**
   * The directory's freshness marker (`contextCSN`, `highestCommittedUSN`) went backwards since the
   * last complete run (`then` to `now`): a lagging or restored replica. Every removal and demotion
   * of the run is held.
   */
  | {
      readonly kind: 'replicaBehind'
      readonly marker: 'contextCSN' | 'highestCommittedUSN'
      readonly then: string
      readonly now: string
    }

/** The holds `planSync`'s own limits make: what a `removalsHeld` warning reports. */
export type LimitHoldReason = Extract<
  HoldReason,
  { readonly kind: 'maxRemovalFraction' | 'maxRemovals' | 'leftToMattermost' }
>

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
      readonly hold: LimitHoldReason
      readonly count: number
      readonly message: string
    }

/**
 * What the safety rules across runs report (`runSync` with a history: health gate, grace period,
 * last-admin guard): run warnings, next to the plan's. Kept apart from `SyncWarning`, which is what
 * `planSync` alone can say and what a plan file carries; their holds are in the plan.
 */
export type SafetyWarning =
  | {
      /** Shrank by more than `limit` since the last complete run: frozen like an unavailable group. */
      readonly kind: 'groupShrank'
      readonly groupId: string
      readonly groupName: string
      readonly then: number
      readonly now: number
      readonly limit: number
      readonly syncables: readonly SyncableRef[]
      readonly message: string
    }
  | {
      /** All directory users dropped by more than `limit`: the run's removals and demotions held. */
      readonly kind: 'directoryShrank'
      readonly then: number
      readonly now: number
      readonly limit: number
      readonly message: string
    }
  | {
      /** Removals waiting out their grace period (`runs` complete runs, `hours` hours). */
      readonly kind: 'removalsPending'
      readonly count: number
      readonly runs: number
      readonly hours: number
      readonly message: string
    }
  | {
      /** Memberships no linked group justifies that were added by hand (`removals: 'ownOnly'`). */
      readonly kind: 'drift'
      readonly count: number
      readonly message: string
    }
  | {
      /** An applied run's history could not be saved: the next run counts from the one before. */
      readonly kind: 'historyNotSaved'
      readonly message: string
    }
  | {
      /**
       * The freshness marker went backwards since the last complete run (`sids`: the CSN server
       * ids that are older or missing): removals and demotions held, the run does not count.
       */
      readonly kind: 'replicaBehind'
      readonly marker: 'contextCSN' | 'highestCommittedUSN'
      readonly then: string
      readonly now: string
      readonly sids: readonly string[]
      readonly message: string
    }
  | {
      /** The freshness markers could not be compared (another kind, a malformed value). */
      readonly kind: 'freshnessUnchecked'
      readonly reason: string
      readonly message: string
    }
  | {
      /** The last scheme admin(s) of a syncable kept: their demotion or removal is held. */
      readonly kind: 'lastAdminKept'
      readonly syncable: SyncableRef
      readonly userIds: readonly string[]
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

/**
 * How a held command is labelled for people: `PENDING: 1 of 2 runs` for a removal in its grace
 * period, `HELD: <kind>` for the rest.
 */
export function describeHold(hold: HoldReason): string {
  return match<HoldReason, string>(hold)
    .with({ kind: 'pendingRemoval' }, (h) => {
      const hours = h.hours > 0 ? `, ${h.hours} h since ${new Date(h.since).toISOString()}` : ''
      return `PENDING: ${h.runs} of ${h.of} runs${hours}`
    })
    .with(
      { kind: P.union('maxRemovalFraction', 'maxRemovals', 'leftToMattermost', 'healthGate') },
      (h) => `HELD: ${h.kind}`,
    )
    .with({ kind: 'lastAdmin' }, () => 'HELD: lastAdmin (its last scheme admin)')
    .with({ kind: 'notAdded' }, () => 'DRIFT: added by hand, not removed')
    .with({ kind: 'replicaBehind' }, (h) => `HELD: replicaBehind (${h.marker} went backwards)`)
    .exhaustive()
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
