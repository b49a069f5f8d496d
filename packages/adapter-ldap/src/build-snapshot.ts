import type { ResolvedLdapConfig } from './ldap-directory-config.js'
import { firstText, idValue, textValues, type DirectoryEntry } from './directory-entry.js'
import type {
  DirectoryGroup,
  DirectorySnapshot,
  DirectoryUser,
  DirectoryWarning,
} from './directory-snapshot.js'
import { flattenGroups, type GroupNode } from './flatten-groups.js'
import { dnKey, normalizeDn } from './normalize-dn.js'

/** A group entry plus what the reader learnt about it (e.g. a failed range retrieval). */
export interface GroupEntryInput {
  readonly entry: DirectoryEntry
  readonly unavailableReason?: string
}

/** The schema part of a resolved config the builder needs. */
export type SnapshotSchema = Pick<ResolvedLdapConfig, 'attributes' | 'disabled' | 'idFormat'>

/** A user entry reduced to what the snapshot keeps, or the reason it is skipped. */
export function toDirectoryUser(
  entry: DirectoryEntry,
  schema: SnapshotSchema,
  warnings: DirectoryWarning[],
): DirectoryUser | undefined {
  const a = schema.attributes
  const dn = normalizeDn(entry.dn)
  if (dn.isErr()) {
    warnings.push({ kind: 'entrySkipped', dn: entry.dn, reason: dn.error.message })
    return undefined
  }
  const username = firstText(entry, a.username)
  if (username === undefined) {
    warnings.push({ kind: 'entrySkipped', dn: dn.value, reason: `no ${a.username}` })
    return undefined
  }
  let id = idValue(entry, a.userId, schema.idFormat)
  if (id === undefined) {
    warnings.push({ kind: 'idFromDn', dn: dn.value, attribute: a.userId })
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
  finish(): DirectorySnapshot
}

interface ParsedGroup {
  readonly dn: string
  readonly key: string
  readonly id: string
  readonly name: string
  readonly memberDnKeys: readonly string[]
  readonly memberUids: readonly string[]
  readonly unavailableReason?: string
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
  // Member DNs repeat across groups (a million values for 100k users): normalise each text once,
  // and share the key string between all groups naming it.
  const keyCache = new Map<string, string | null>()
  const keyOf = (raw: string): string | null => {
    let k = keyCache.get(raw)
    if (k === undefined) {
      k = dnKey(raw).unwrapOr(null)
      keyCache.set(raw, k)
    }
    return k
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
      warnings.push({ kind: 'entrySkipped', dn: entry.dn, reason: dn.error.message })
      return
    }
    const name = firstText(entry, a.groupName)
    if (name === undefined) {
      warnings.push({ kind: 'entrySkipped', dn: dn.value, reason: `no ${a.groupName}` })
      return
    }
    const key = dn.value.toLowerCase()
    if (groupKeys.has(key)) return
    groupKeys.add(key)
    let id = idValue(entry, a.groupId, schema.idFormat)
    if (id === undefined) {
      warnings.push({ kind: 'idFromDn', dn: dn.value, attribute: a.groupId })
      id = key
    }
    const memberDnKeys: string[] = []
    let badDns = 0
    const open = a.member.map((m) => openRange(entry, m)).find((r) => r !== undefined)
    // The members of a truncated slice are still members: an unavailable group keeps what is known.
    for (const attr of open !== undefined ? [...memberAttributes, open] : memberAttributes)
      for (const raw of textValues(entry, attr)) {
        // groupOfUniqueNames may append "#'0101'B" (an optional uid) to the DN.
        const k = keyOf(attr === 'uniquemember' ? raw.replace(/#'[01]*'B$/, '') : raw)
        if (k === null) badDns++
        else memberDnKeys.push(k)
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
    parsed.push({
      dn: dn.value,
      key,
      id,
      name,
      memberDnKeys,
      memberUids: a.memberUid === '' ? [] : textValues(entry, a.memberUid),
      ...(reason !== undefined ? { unavailableReason: reason } : {}),
    })
  }

  const finish = (): DirectorySnapshot => {
    const usersByName = new Map<string, DirectoryUser[]>()
    for (const u of users) {
      const name = u.username.toLowerCase()
      const same = usersByName.get(name)
      if (same === undefined) usersByName.set(name, [u])
      else same.push(u)
    }
    for (const [, same] of usersByName)
      if (same.length > 1)
        warnings.push({
          kind: 'duplicateUsername',
          username: same[0]?.username ?? '',
          dns: same.map((u) => u.dn),
        })

    const nodes: GroupNode[] = parsed.map((g) => {
      const memberIds: string[] = []
      const subgroupIds: string[] = []
      const unresolved: string[] = []
      for (const k of g.memberDnKeys) {
        // Keys are lowercased normalised DNs, the same strings userByKey is keyed by.
        if (userByKey.has(k)) memberIds.push(k)
        else if (groupKeys.has(k)) subgroupIds.push(k)
        // A group DN we did not read (a user-private group, a filtered-out group) or a non-user member
        // (services, hosts, staged users) is not a Mattermost user: report, do not fail.
        else unresolved.push(k)
      }
      if (unresolved.length > 0)
        warnings.push({
          kind: 'unresolvedMembers',
          group: g.name,
          count: unresolved.length,
          examples: unresolved.slice(0, 3),
        })
      const unknownUids: string[] = []
      for (const uid of g.memberUids) {
        const matches = usersByName.get(uid.toLowerCase())
        if (matches === undefined) unknownUids.push(uid)
        else for (const u of matches) memberIds.push(u.dn.toLowerCase())
      }
      if (unknownUids.length > 0)
        warnings.push({
          kind: 'unknownMemberUids',
          group: g.name,
          count: unknownUids.length,
          examples: unknownUids.slice(0, 3),
        })
      if (g.unavailableReason !== undefined)
        warnings.push({ kind: 'groupUnavailable', group: g.name, reason: g.unavailableReason })
      return {
        id: g.key,
        name: g.name,
        memberIds,
        subgroupIds,
        ...(g.unavailableReason !== undefined ? { unavailable: true } : {}),
      }
    })

    // Only groups that nest others need the traversal; the rest are their direct members.
    const nesting = new Set(nodes.filter((n) => n.subgroupIds.length > 0).map((n) => n.id))
    const flatById = new Map(flattenGroups(nodes, { roots: nesting }).map((f) => [f.id, f]))
    const usernameOf = (k: string): string => userByKey.get(k)?.username ?? k
    // Rank users by username once; a group's members then sort as integers (a million memberships).
    const byUsername = [...userByKey.entries()].sort(([, a], [, b]) =>
      a.username < b.username ? -1 : a.username > b.username ? 1 : 0,
    )
    const rankOf = new Map<string, number>(byUsername.map(([k], i) => [k, i]))
    const sortedUsernames = (keys: readonly string[]): string[] => {
      const ranks = new Int32Array(keys.length)
      for (let j = 0; j < keys.length; j++) ranks[j] = rankOf.get(keys[j] as string) ?? -1
      ranks.sort()
      const out: string[] = []
      for (let j = 0; j < ranks.length; j++) {
        const r = ranks[j] as number
        if (r >= 0 && (j === 0 || ranks[j - 1] !== r)) out.push(byUsername[r]?.[1].username ?? '')
      }
      return out
    }
    const groups: DirectoryGroup[] = nodes.map((node, i) => {
      const g = parsed[i] as ParsedGroup
      const f = flatById.get(node.id)
      const memberKeys = f?.memberIds ?? node.memberIds
      const unavailable = f?.unavailable ?? node.unavailable === true
      const paths: Record<string, readonly string[]> = {}
      if (f !== undefined)
        for (const [k, path] of Object.entries(f.nesting)) paths[usernameOf(k)] = path
      const reason =
        g.unavailableReason ?? (unavailable ? 'a nested group could not be read' : undefined)
      return {
        dn: g.dn,
        id: g.id,
        name: g.name,
        memberUsernames: sortedUsernames(memberKeys),
        status: unavailable ? 'unavailable' : 'complete',
        ...(Object.keys(paths).length > 0 ? { nesting: paths } : {}),
        ...(reason !== undefined ? { unavailableReason: reason } : {}),
      }
    })
    return { users, groups, warnings }
  }

  return { addUser, addGroup, warn: (w) => warnings.push(w), finish }
}

/** Builds a snapshot from complete lists of user and group entries (see {@link createSnapshotBuilder}). */
export function buildSnapshot(
  userEntries: Iterable<DirectoryEntry>,
  groupEntries: readonly GroupEntryInput[],
  schema: SnapshotSchema,
  initialWarnings: readonly DirectoryWarning[] = [],
): DirectorySnapshot {
  const builder = createSnapshotBuilder(schema, initialWarnings)
  for (const e of userEntries) builder.addUser(e)
  for (const g of groupEntries) builder.addGroup(g.entry, g.unavailableReason)
  return builder.finish()
}
