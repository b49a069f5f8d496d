import type { SyncState } from '../../../src/model.js'
import { resolvePolicy, type SyncPolicyInput } from '../../../src/sync-policy.js'
import { indexState, type StateIndex } from './state-index.js'
import { HashTag, MultisetHash } from './multiset-hash.js'

type TargetPart = Pick<
  SyncState,
  'users' | 'teams' | 'channels' | 'teamMembers' | 'channelMembers' | 'channelHistory'
>

/** Both fingerprints of an indexed state: what `planSync` puts in a plan. */
export function fingerprintsOf(
  index: StateIndex,
  policy?: SyncPolicyInput,
): { readonly state: string; readonly target: string } {
  const whole = new MultisetHash()
  whole.add(index.targetHash)
  whole.add(index.groupHash)
  const p = resolvePolicy(policy)
  whole
    .begin(HashTag.Policy)
    .str(p.sysadmins)
    .str(p.roleSync)
    .str(String(p.limits.maxRemovals))
    .str(String(p.limits.maxRemovalFraction))
    .str(String(p.limits.fractionMinRemovals))
    .flags(p.reAddRemovedMembers)
  // Only a non-default value is hashed: policies from before it existed keep their fingerprints.
  if (p.groupConstrainedRemovals !== 'apply') whole.str(p.groupConstrainedRemovals)
  whole.end()
  return { state: whole.digest(), target: index.targetHash.digest() }
}

/**
 * Fingerprint of the whole state and the resolved policy: a 64-bit multiset hash of every record,
 * so equal states (whatever the order of their arrays) and equal policies give equal fingerprints.
 * Group members and channel history count as sets.
 */
export function fingerprintState(state: SyncState, policy?: SyncPolicyInput): string {
  return fingerprintsOf(indexState(state), policy).state
}

/**
 * Fingerprint of the Mattermost side only: users, teams, channels, team and channel members and
 * channel history. An adapter re-reads these before applying and refuses a plan whose
 * `targetFingerprint` no longer matches.
 */
export function fingerprintTarget(state: TargetPart): string {
  return indexState({ ...state, groups: [], links: [] }).targetHash.digest()
}
