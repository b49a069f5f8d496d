import type { SyncState } from './model.js'
import { resolvePolicy, type SyncPolicyInput } from './sync-policy.js'

/**
 * A 64-bit multiset hash: each record is hashed on its own (two independent 32-bit FNV-1a lanes)
 * and the record hashes are added up. Addition commutes, so the result is the same for any order of
 * the input arrays without sorting millions of rows, and it still counts duplicates. It detects
 * change (a stale plan); it is not meant to resist someone forging a collision.
 */
class MultisetHash {
  #sumA = 0
  #sumB = 0
  #count = 0
  #a = 0
  #b = 0

  begin(tag: number): this {
    this.#a = (0x811c9dc5 ^ tag) >>> 0
    this.#b = (0x01000193 ^ Math.imul(tag, 0x9e3779b1)) >>> 0
    return this
  }

  str(value: string | undefined): this {
    let a = this.#a
    let b = this.#b
    if (value === undefined) {
      a = Math.imul(a ^ 0xfffe, 0x01000193)
      b = Math.imul(b ^ 0xfffe, 0x5bd1e995)
    } else {
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i)
        a = Math.imul(a ^ c, 0x01000193)
        b = Math.imul(b ^ c, 0x5bd1e995)
      }
      // Field separator, so ("ab","c") and ("a","bc") differ.
      a = Math.imul(a ^ 0xffff, 0x01000193)
      b = Math.imul(b ^ 0xffff, 0x5bd1e995)
    }
    this.#a = a
    this.#b = b
    return this
  }

  flag(value: boolean | undefined): this {
    return this.str(value === true ? '1' : '0')
  }

  end(): void {
    this.#sumA = (this.#sumA + fmix(this.#a)) >>> 0
    this.#sumB = (this.#sumB + fmix(this.#b ^ 0x27d4eb2f)) >>> 0
    this.#count++
  }

  digest(): string {
    const a = fmix((this.#sumA ^ this.#count) >>> 0)
    const b = fmix((this.#sumB ^ Math.imul(this.#count, 0x85ebca6b)) >>> 0)
    return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')
  }
}

// murmur3's finaliser: spreads every input bit over the output before the sums mix records.
function fmix(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const Tag = {
  User: 1,
  Group: 2,
  GroupMember: 3,
  Team: 4,
  Channel: 5,
  Link: 6,
  TeamMember: 7,
  ChannelMember: 8,
  History: 9,
  Policy: 10,
} as const

function hashTarget(h: MultisetHash, state: Pick<SyncState, 'users' | 'teams' | 'channels' | 'teamMembers' | 'channelMembers' | 'channelHistory'>): void {
  for (const u of state.users) {
    h.begin(Tag.User).str(u.id).str(u.username).str(u.email).str(u.authData).str(u.systemRole).flag(u.isBot).flag(u.deactivated).end()
  }
  for (const t of state.teams) h.begin(Tag.Team).str(t.id).str(t.name).flag(t.groupConstrained).flag(t.deleted).end()
  for (const c of state.channels) {
    h.begin(Tag.Channel).str(c.id).str(c.teamId).str(c.name).str(c.type).flag(c.groupConstrained).flag(c.deleted).end()
  }
  for (const m of state.teamMembers) {
    h.begin(Tag.TeamMember).str(m.teamId).str(m.userId).flag(m.schemeAdmin).flag(m.schemeGuest).flag(m.deleted).end()
  }
  for (const m of state.channelMembers) {
    h.begin(Tag.ChannelMember).str(m.channelId).str(m.userId).flag(m.schemeAdmin).flag(m.schemeGuest).end()
  }
  for (const x of state.channelHistory) h.begin(Tag.History).str(x.channelId).str(x.userId).end()
}

/**
 * Fingerprint of the whole state and the resolved policy. Equal states (whatever the order of
 * their arrays) and equal policies give equal fingerprints.
 */
export function fingerprintState(state: SyncState, policy?: SyncPolicyInput): string {
  const h = new MultisetHash()
  hashTarget(h, state)
  for (const g of state.groups) {
    h.begin(Tag.Group).str(g.id).str(g.name).flag(g.deleted).str(g.status ?? 'complete').end()
    // Members are hashed as (group, user) pairs: order-free, and a set (duplicates folded).
    for (const userId of new Set(g.memberIds)) h.begin(Tag.GroupMember).str(g.id).str(userId).end()
  }
  for (const l of state.links) {
    h.begin(Tag.Link).str(l.groupId).str(l.syncable.kind).str(l.syncable.id).flag(l.autoAdd).flag(l.schemeAdmin).flag(l.deleted).end()
  }
  const p = resolvePolicy(policy)
  h.begin(Tag.Policy)
    .str(p.sysadmins)
    .str(p.roleSync)
    .flag(p.reAddRemovedMembers)
    .str(String(p.limits.maxRemovals))
    .str(String(p.limits.maxRemovalFraction))
    .str(String(p.limits.fractionMinRemovals))
    .end()
  return h.digest()
}

/**
 * Fingerprint of the Mattermost side only: users, teams, channels, team and channel members and
 * channel history. An adapter re-reads these before applying and refuses a plan whose
 * `targetFingerprint` no longer matches.
 */
export function fingerprintTarget(state: Pick<SyncState, 'users' | 'teams' | 'channels' | 'teamMembers' | 'channelMembers' | 'channelHistory'>): string {
  const h = new MultisetHash()
  hashTarget(h, state)
  return h.digest()
}
