import type { HoldReason, SafetyWarning } from './sync-command.js'

/**
 * A directory's freshness marker, read before removals: OpenLDAP/389-DS `contextCSN` on the
 * suffix (one CSN per server id, several joined by single spaces), AD `highestCommittedUSN` on the
 * root DSE (a decimal integer). Plain data from the group source to the run and its history.
 */
export interface FreshnessMarker {
  readonly kind: 'contextCSN' | 'highestCommittedUSN'
  readonly value: string
}

/**
 * How the directory read now compares with the last complete run's. `behind`: it went backwards
 * (a lagging or restored replica); `sids` lists the CSN server ids that are older or missing
 * (empty for a USN). `incomparable`: the kinds differ or a value does not parse; nothing trips.
 */
export type FreshnessCheck =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'fresh' }
  | { readonly kind: 'behind'; readonly sids: readonly string[] }
  | { readonly kind: 'incomparable'; readonly reason: string }

// `YYYYmmddHHMMSS.ffffffZ#count#sid#mod`: fixed-width fields, so text order is time order.
const csnPattern = /^(\d{14}(?:\.\d{1,6})?Z)#([0-9a-f]{6})#([0-9a-f]{3})#([0-9a-f]{6})$/i

/** One `contextCSN` value per server id (time and change count); `undefined` when one is malformed. */
export function parseContextCsn(value: string): Map<string, string> | undefined {
  const bySid = new Map<string, string>()
  const parts = value.split(/\s+/).filter((p) => p.length > 0)
  if (parts.length === 0) return undefined
  for (const part of parts) {
    const m = csnPattern.exec(part)
    if (m === null) return undefined
    const [, time, count, sid] = m as unknown as [string, string, string, string]
    const key = `${padFraction(time)}#${count.toLowerCase()}`
    const s = sid.toLowerCase()
    const prev = bySid.get(s)
    if (prev === undefined || key > prev) bySid.set(s, key)
  }
  return bySid
}

/**
 * Compares the marker read now with the stored one. A CSN went backwards when, for some server id
 * the stored marker has, the current CSN is older or absent; equal is fresh. A USN went backwards
 * when it is smaller. Pure.
 */
export function checkFreshness(
  stored: FreshnessMarker | undefined,
  current: FreshnessMarker | undefined,
): FreshnessCheck {
  if (stored === undefined || current === undefined) return { kind: 'unknown' }
  if (stored.kind !== current.kind)
    return {
      kind: 'incomparable',
      reason: `the last complete run stored a ${stored.kind}, the directory now gives a ${current.kind}`,
    }
  if (current.kind === 'highestCommittedUSN') {
    const [then, now] = [stored.value.trim(), current.value.trim()]
    if (!/^\d+$/.test(then) || !/^\d+$/.test(now))
      return { kind: 'incomparable', reason: `a highestCommittedUSN is not an integer` }
    return BigInt(now) < BigInt(then) ? { kind: 'behind', sids: [] } : { kind: 'fresh' }
  }
  const then = parseContextCsn(stored.value)
  const now = parseContextCsn(current.value)
  if (then === undefined || now === undefined)
    return { kind: 'incomparable', reason: 'a contextCSN does not parse' }
  const sids: string[] = []
  for (const [sid, csn] of then) {
    const latest = now.get(sid)
    if (latest === undefined || latest < csn) sids.push(sid)
  }
  return sids.length === 0 ? { kind: 'fresh' } : { kind: 'behind', sids: sids.sort() }
}

/** What the freshness check means for a run: the hold for its removals and demotions, if any. */
export interface ReplicaFreshness {
  readonly check: FreshnessCheck
  readonly hold?: HoldReason
  readonly warnings: readonly SafetyWarning[]
}

/**
 * `checkFreshness` as the safety rules use it: a marker that went backwards gives a
 * `replicaBehind` hold and warning naming both markers; markers that cannot be compared only warn.
 * Pure.
 */
export function replicaFreshness(
  stored: FreshnessMarker | undefined,
  current: FreshnessMarker | undefined,
): ReplicaFreshness {
  const check = checkFreshness(stored, current)
  if (check.kind === 'incomparable')
    return {
      check,
      warnings: [
        {
          kind: 'freshnessUnchecked',
          reason: check.reason,
          message: `the directory's freshness could not be checked (${check.reason}): the marker read now is stored after this run`,
        },
      ],
    }
  if (check.kind !== 'behind' || stored === undefined || current === undefined)
    return { check, warnings: [] }
  const sids = check.sids.length === 0 ? '' : ` (server id ${check.sids.join(', ')})`
  return {
    check,
    hold: { kind: 'replicaBehind', marker: current.kind, then: stored.value, now: current.value },
    warnings: [
      {
        kind: 'replicaBehind',
        marker: current.kind,
        then: stored.value,
        now: current.value,
        sids: check.sids,
        message: `the directory's ${current.kind} went backwards since the last complete run${sids}, from ${stored.value} to ${current.value}: a lagging or restored replica; every removal and demotion of this run is held and the run does not count`,
      },
    ],
  }
}

/** `20240101120000Z` and `20240101120000.5Z` sort with the 6-digit form. */
function padFraction(time: string): string {
  const [whole, fraction = ''] = time.slice(0, -1).split('.')
  return `${whole}.${fraction.padEnd(6, '0')}Z`
}
