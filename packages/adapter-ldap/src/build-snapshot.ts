import type { ResolvedLdapConfig } from './ldap-directory-config.js'
import {
  firstText,
  idValue,
  textValues,
  valueText,
  type DirectoryEntry,
} from './directory-entry.js'
import {
  directoryWarning,
  type DirectoryGroup,
  type DirectorySnapshot,
  type DirectoryUser,
  type DirectoryWarning,
} from '@grouproles/core'
import { err, ok, type Result } from 'neverthrow'
import { flattenGroups, type GroupNode } from './flatten-groups.js'
import type { ReadLimitError } from './read-limits.js'
import { dnKey, isDnKeyWithin, normalizeDn } from './normalize-dn.js'
import { managerValues, withManagers, type ManagerValues } from './resolve-managers.js'

/** A group entry plus what the reader learnt about it (e.g. a failed range retrieval). */
export interface GroupEntryInput {
  readonly entry: DirectoryEntry
  readonly unavailableReason?: string
}

/** The schema part of a resolved config the builder needs. */
export type SnapshotSchema = Pick<ResolvedLdapConfig, 'attributes' | 'disabled' | 'idFormat'> &
  Partial<Pick<ResolvedLdapConfig, 'usersDn' | 'groupsDn' | 'limits'>>

/** A user entry reduced to what the snapshot keeps, or the reason it is skipped. */
export function toDirectoryUser(
  entry: DirectoryEntry,
  schema: SnapshotSchema,
  warnings: DirectoryWarning[],
): DirectoryUser | undefined {
  const a = schema.attributes
  const dn = normalizeDn(entry.dn)
  if (dn.isErr()) {
    warnings.push(
      directoryWarning({ kind: 'entrySkipped', dn: entry.dn, reason: dn.error.message }),
    )
    return undefined
  }
  const username = firstText(entry, a.username)
  if (username === undefined) {
    warnings.push(
      directoryWarning({ kind: 'entrySkipped', dn: dn.value, reason: `no ${a.username}` }),
    )
    return undefined
  }
  let id = idValue(entry, a.userId, schema.idFormat)
  if (id === undefined) {
    warnings.push(directoryWarning({ kind: 'idFromDn', dn: dn.value, attribute: a.userId }))
    id = dn.value.toLowerCase()
  }
  const emails = textValues(entry, a.email).filter((m) => m.trim() !== '')
  const email = emails[0]
  return {
    dn: dn.value,
    id,
    username,
    ...(email !== undefined ? { email, emails } : {}),
    disabled: isDisabled(entry, schema),
  }
}

function isDisabled(entry: DirectoryEntry, schema: SnapshotSchema): boolean {
  const rule = schema.disabled
  switch (rule.kind) {
    case 'none':
      return false
    case 'attributeEquals':
      return textValues(entry, rule.attribute).some(
        (v) => v.trim().toLowerCase() === rule.value.toLowerCase(),
      )
    case 'present':
      return textValues(entry, rule.attribute).length > 0
    case 'bitSet':
      return textValues(entry, rule.attribute).some(
        (v) =>
          /^-?\d+$/.test(v.trim()) &&
          (BigInt.asUintN(64, BigInt(v.trim())) & BigInt(rule.bit)) !== 0n,
      )
  }
}

/** Finds a `member;range=a-b` slice left in an entry: the reader could not (or did not) fetch the rest. */
export function openRange(entry: DirectoryEntry, attribute: string): string | undefined {
  const prefix = `${attribute.toLowerCase()};range=`
  for (const key of entry.attributes.keys())
    if (key.startsWith(prefix) && !key.endsWith('-*')) return key
  return undefined
}

/** Accumulates entries page by page (keeping only what the snapshot needs) and builds the snapshot. */
export interface SnapshotBuilder {
  addUser(entry: DirectoryEntry): void
  addGroup(entry: DirectoryEntry, unavailableReason?: string): void
  warn(warning: DirectoryWarning): void
  /** The snapshot, or the nesting limit it hit (`limits.maxNestingDepth`, `limits.maxMemberships`). */
  finish(): Result<DirectorySnapshot, ReadLimitError>
}

interface ParsedGroup {
  readonly dn: string
  readonly key: string
  readonly id: string
  readonly name: string
  /** Where this group's member slots sit in the shared slot pool. */
  readonly from: number
  readonly to: number
  readonly memberUids: readonly string[]
  readonly unavailableReason?: string
  /** Manager DNs (`memberManager`, `managedBy`, `owner`), resolved once every group is read. */
  readonly managers?: ManagerValues
}

/**
 * Starts a snapshot: resolves member DNs (normalised, case-insensitive) and `memberUid` values at
 * the end, flattens nesting, and carries unavailable groups over (never as empty). Entries are reduced
 * as they arrive, so a big read does not hold every raw entry.
 */
export function createSnapshotBuilder(
  schema: SnapshotSchema,
  initialWarnings: readonly DirectoryWarning[] = [],
): SnapshotBuilder {
  const warnings: DirectoryWarning[] = [...initialWarnings]
  const users: DirectoryUser[] = []
  const userByKey = new Map<string, DirectoryUser>()
  const a = schema.attributes
  const memberAttributes = a.member.map((m) => m.toLowerCase())
  // A million member values name ~100k distinct DNs: each distinct DN key gets an integer slot, and a
  // group keeps slot numbers in one shared Int32Array (no per-member strings for the GC to trace).
  const slotByRaw = new Map<string, number>()
  const slotByKey = new Map<string, number>()
  const slotKeys: string[] = []
  const slotOf = (raw: string): number => {
    let slot = slotByRaw.get(raw)
    if (slot === undefined) {
      const k = dnKey(raw).unwrapOr(null)
      if (k === null) slot = -1
      else {
        slot = slotByKey.get(k)
        if (slot === undefined) {
          slot = slotKeys.length
          slotKeys.push(k)
          slotByKey.set(k, slot)
        }
      }
      slotByRaw.set(raw, slot)
    }
    return slot
  }
  let pool = new Int32Array(1 << 16)
  let poolLength = 0
  const pushSlot = (slot: number): void => {
    if (poolLength === pool.length) {
      const bigger = new Int32Array(pool.length * 2)
      bigger.set(pool)
      pool = bigger
    }
    pool[poolLength++] = slot
  }
  const parsed: ParsedGroup[] = []
  const groupKeys = new Set<string>()

  const addUser = (entry: DirectoryEntry): void => {
    const u = toDirectoryUser(entry, schema, warnings)
    if (u === undefined) return
    const key = u.dn.toLowerCase()
    if (userByKey.has(key)) return
    userByKey.set(key, u)
    users.push(u)
  }

  const addGroup = (entry: DirectoryEntry, unavailableReason?: string): void => {
    const dn = normalizeDn(entry.dn)
    if (dn.isErr()) {
      warnings.push(
        directoryWarning({ kind: 'entrySkipped', dn: entry.dn, reason: dn.error.message }),
      )
      return
    }
    const name = firstText(entry, a.groupName)
    if (name === undefined) {
      warnings.push(
        directoryWarning({ kind: 'entrySkipped', dn: dn.value, reason: `no ${a.groupName}` }),
      )
      return
    }
    const key = dn.value.toLowerCase()
    if (groupKeys.has(key)) return
    groupKeys.add(key)
    let id = idValue(entry, a.groupId, schema.idFormat)
    if (id === undefined) {
      warnings.push(directoryWarning({ kind: 'idFromDn', dn: dn.value, attribute: a.groupId }))
      id = key
    }
    const from = poolLength
    let badDns = 0
    const open = a.member.map((m) => openRange(entry, m)).find((r) => r !== undefined)
    // The members of a truncated slice are still members: an unavailable group keeps what is known.
    for (const attr of open !== undefined ? [...memberAttributes, open] : memberAttributes) {
      const values = entry.attributes.get(attr)
      if (values === undefined) continue
      // groupOfUniqueNames may append "#'0101'B" (an optional uid) to the DN.
      const unique = attr === 'uniquemember'
      for (const v of values) {
        const raw = valueText(v)
        const slot = slotOf(unique ? raw.replace(/#'[01]*'B$/, '') : raw)
        if (slot < 0) badDns++
        else pushSlot(slot)
      }
    }
    // Trusted-domain SIDs (FreeIPA external groups) are members we cannot resolve: not "no members".
    const external = textValues(entry, 'ipaExternalMember').length
    const reason =
      unavailableReason ??
      (open !== undefined
        ? `only the slice ${open} of the members was read`
        : badDns > 0
          ? `${badDns} member DN(s) could not be parsed`
          : external > 0
            ? `${external} external member(s) (ipaExternalMember) cannot be resolved to directory users`
            : undefined)
    const managers = managerValues(entry, a.manager ?? [])
    parsed.push({
      dn: dn.value,
      key,
      id,
      name,
      from,
      to: poolLength,
      memberUids: a.memberUid === '' ? [] : textValues(entry, a.memberUid),
      ...(reason !== undefined ? { unavailableReason: reason } : {}),
      ...(managers !== undefined ? { managers } : {}),
    })
  }

  const finish = (): Result<DirectorySnapshot, ReadLimitError> => {
    const usersByName = new Map<string, DirectoryUser[]>()
    for (const u of users) {
      const name = u.username.toLowerCase()
      const same = usersByName.get(name)
      if (same === undefined) usersByName.set(name, [u])
      else same.push(u)
    }
    for (const [, same] of usersByName)
      if (same.length > 1)
        warnings.push(
          directoryWarning({
            kind: 'duplicateUsername',
            username: same[0]?.username ?? '',
            dns: same.map((u) => u.dn),
          }),
        )

    // Rank users by username once (stable: equal names keep read order); members are then integers.
    const byUsername = [...userByKey.entries()].sort(([, x], [, y]) =>
      x.username < y.username ? -1 : x.username > y.username ? 1 : 0,
    )
    const rankOf = new Map<string, number>(byUsername.map(([k], i) => [k, i]))
    // What each slot names, resolved once per distinct DN instead of once per membership.
    // A slot holds a user's rank (>= 0), or one of these.
    const subgroup = -1
    const unresolvedSlot = -2
    // A DN in the groups container that the read did not return is a nested group outside the
    // group filter: its members are unknown, so the groups holding it cannot be complete. Only
    // decidable when the users and groups containers are disjoint (AD often shares one).
    const unreadGroup = -3
    const groupsKey =
      schema.groupsDn === undefined ? undefined : dnKey(schema.groupsDn).unwrapOr(undefined)
    const usersKey =
      schema.usersDn === undefined ? undefined : dnKey(schema.usersDn).unwrapOr(undefined)
    const groupsContainer =
      groupsKey !== undefined &&
      usersKey !== undefined &&
      !isDnKeyWithin(usersKey, groupsKey) &&
      !isDnKeyWithin(groupsKey, usersKey)
        ? groupsKey
        : undefined
    const slotRank = new Int32Array(slotKeys.length)
    for (let s = 0; s < slotKeys.length; s++) {
      const k = slotKeys[s] as string
      // Keys are lowercased normalised DNs, the same strings userByKey is keyed by.
      slotRank[s] =
        rankOf.get(k) ??
        (groupKeys.has(k)
          ? subgroup
          : groupsContainer !== undefined && isDnKeyWithin(k, groupsContainer)
            ? unreadGroup
            : unresolvedSlot)
    }

    interface Direct {
      readonly ranks: Int32Array
      readonly subgroupIds: readonly string[]
      readonly unavailable: boolean
      readonly reason?: string
    }
    const direct: Direct[] = parsed.map((g) => {
      // Sized for every member; trimmed below to the ones that are users.
      let ranks = new Int32Array(g.to - g.from + g.memberUids.length)
      let n = 0
      const subgroupIds: string[] = []
      let unresolvedCount = 0
      const unresolvedExamples: string[] = []
      const unreadGroups: string[] = []
      for (let j = g.from; j < g.to; j++) {
        const slot = pool[j] as number
        const r = slotRank[slot] as number
        if (r >= 0) ranks[n++] = r
        else if (r === subgroup) subgroupIds.push(slotKeys[slot] as string)
        else if (r === unreadGroup) unreadGroups.push(slotKeys[slot] as string)
        else {
          // A group DN we did not read (a user-private group, a filtered-out group) or a non-user
          // member (services, hosts, staged users) is not a Mattermost user: report, do not fail.
          unresolvedCount++
          if (unresolvedExamples.length < 3) unresolvedExamples.push(slotKeys[slot] as string)
        }
      }
      if (unresolvedCount > 0)
        warnings.push(
          directoryWarning({
            kind: 'unresolvedMembers',
            group: g.name,
            count: unresolvedCount,
            examples: unresolvedExamples,
          }),
        )
      const unknownUids: string[] = []
      for (const uid of g.memberUids) {
        const matches = usersByName.get(uid.toLowerCase())
        if (matches === undefined) unknownUids.push(uid)
        else
          for (const u of matches) {
            if (n === ranks.length) {
              // Several users share this uid (a duplicate username): make room.
              const bigger = new Int32Array(ranks.length * 2 + 1)
              bigger.set(ranks)
              ranks = bigger
            }
            ranks[n++] = rankOf.get(u.dn.toLowerCase()) ?? -1
          }
      }
      if (unknownUids.length > 0)
        warnings.push(
          directoryWarning({
            kind: 'unknownMemberUids',
            group: g.name,
            count: unknownUids.length,
            examples: unknownUids.slice(0, 3),
          }),
        )
      const reason =
        g.unavailableReason ??
        (unreadGroups.length > 0
          ? `${unreadGroups.length} nested group(s) outside the group filter could not be read: ${unreadGroups.slice(0, 3).join('; ')}`
          : undefined)
      if (reason !== undefined)
        warnings.push(directoryWarning({ kind: 'groupUnavailable', group: g.name, reason }))
      return {
        ranks: ranks.subarray(0, n),
        subgroupIds,
        unavailable: reason !== undefined,
        ...(reason !== undefined ? { reason } : {}),
      }
    })

    // Only groups that nest others need the traversal, over them and the groups they nest; the rest
    // are their direct members.
    const nesting = new Set<string>()
    const involved = new Set<string>()
    parsed.forEach((g, i) => {
      const d = direct[i] as Direct
      if (d.subgroupIds.length === 0) return
      nesting.add(g.key)
      involved.add(g.key)
      for (const k of d.subgroupIds) involved.add(k)
    })
    const nodes: GroupNode[] = []
    parsed.forEach((g, i) => {
      if (!involved.has(g.key)) return
      const d = direct[i] as Direct
      nodes.push({
        id: g.key,
        name: g.name,
        memberIds: Array.from(d.ranks, (r) => byUsername[r]?.[0] ?? ''),
        subgroupIds: d.subgroupIds,
        ...(d.unavailable ? { unavailable: true } : {}),
      })
    })
    const flat = flattenGroups(nodes, {
      roots: nesting,
      ...(schema.limits !== undefined
        ? {
            maxNestingDepth: schema.limits.maxNestingDepth,
            maxMemberships: schema.limits.maxMemberships,
          }
        : {}),
    })
    if (flat.isErr()) return err(flat.error)
    const flatById = new Map(flat.value.map((f) => [f.id, f]))
    const idByKey = new Map(parsed.map((g) => [g.key, g.id]))
    const sortedUsernames = (ranks: Int32Array): string[] => {
      ranks.sort()
      const out: string[] = []
      for (let j = 0; j < ranks.length; j++) {
        const r = ranks[j] as number
        if (r >= 0 && (j === 0 || ranks[j - 1] !== r)) out.push(byUsername[r]?.[1].username ?? '')
      }
      return out
    }
    // The groups of a cycle share one member array: keep sharing it.
    const flatUsernames = new Map<readonly string[], string[]>()
    const groups: DirectoryGroup[] = parsed.map((g, i) => {
      const d = direct[i] as Direct
      const f = flatById.get(g.key)
      let memberUsernames: string[]
      if (f === undefined) memberUsernames = sortedUsernames(d.ranks)
      else {
        const shared = flatUsernames.get(f.memberIds)
        memberUsernames =
          shared ?? sortedUsernames(Int32Array.from(f.memberIds, (k) => rankOf.get(k) ?? -1))
        if (shared === undefined) flatUsernames.set(f.memberIds, memberUsernames)
      }
      const unavailable = f?.unavailable ?? d.unavailable
      const subgroupIds = f?.subgroupIds.map((k) => idByKey.get(k) ?? k) ?? []
      const reason = d.reason ?? (unavailable ? 'a nested group could not be read' : undefined)
      return {
        dn: g.dn,
        id: g.id,
        name: g.name,
        memberUsernames,
        status: unavailable ? 'unavailable' : 'complete',
        ...(subgroupIds.length > 0
          ? { subgroupIds, directMemberUsernames: sortedUsernames(d.ranks) }
          : {}),
        ...(reason !== undefined ? { unavailableReason: reason } : {}),
      }
    })
    const managed = withManagers(
      groups,
      parsed.map((g) => g.key),
      parsed.map((g) => g.managers),
      userByKey,
      warnings,
    )
    return ok({ users, groups: managed, warnings })
  }

  return { addUser, addGroup, warn: (w) => warnings.push(w), finish }
}

/** Builds a snapshot from complete lists of user and group entries (see {@link createSnapshotBuilder}). */
export function buildSnapshot(
  userEntries: Iterable<DirectoryEntry>,
  groupEntries: readonly GroupEntryInput[],
  schema: SnapshotSchema,
  initialWarnings: readonly DirectoryWarning[] = [],
): Result<DirectorySnapshot, ReadLimitError> {
  const builder = createSnapshotBuilder(schema, initialWarnings)
  for (const e of userEntries) builder.addUser(e)
  for (const g of groupEntries) builder.addGroup(g.entry, g.unavailableReason)
  return builder.finish()
}
