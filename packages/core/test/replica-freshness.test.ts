import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import {
  checkFreshness,
  directorySizes,
  nextSyncHistory,
  parseContextCsn,
  planSafely,
  planSync,
  readPlanFile,
  writePlanFile,
  type FreshnessMarker,
} from '../src/index.js'
import { syncPolicyInputArb, syncStateArb } from '../src/testing/index.js'

/** A CSN as slapd writes it, from a time (seconds since 2000), a change count and a server id. */
const csn = (seconds: number, count: number, sid: number, micros = 0): string => {
  const d = new Date(Date.UTC(2000, 0, 1) + seconds * 1000)
  const t = d.toISOString().replace(/[-:T]/g, '').slice(0, 14)
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0')
  return `${t}.${String(micros).padStart(6, '0')}Z#${hex(count, 6)}#${hex(sid, 3)}#000000`
}

/** One CSN per server id: (seconds, count) per sid. */
const csnSetArb = fc.uniqueArray(
  fc.record({
    sid: fc.integer({ min: 0, max: 4095 }),
    seconds: fc.integer({ min: 0, max: 1e9 }),
    count: fc.integer({ min: 0, max: 0xffffff }),
  }),
  { minLength: 1, maxLength: 5, selector: (c) => c.sid },
)
type CsnSet = readonly { sid: number; seconds: number; count: number }[]
const marker = (set: CsnSet): FreshnessMarker => ({
  kind: 'contextCSN',
  value: set.map((c) => csn(c.seconds, c.count, c.sid)).join(' '),
})
const sidText = (sid: number) => sid.toString(16).padStart(3, '0')

describe('checkFreshness', () => {
  it('should find a contextCSN fresh when every server id is equal or newer, in any order, with new server ids', () => {
    fc.assert(
      fc.property(
        csnSetArb,
        fc.array(fc.nat({ max: 1000 }), { minLength: 5, maxLength: 5 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 5, maxLength: 5 }),
        fc.boolean(),
        (set, ahead, more, extra) => {
          const later = set.map((c, i) => ({
            ...c,
            seconds: c.seconds + (ahead[i] ?? 0),
            count: ahead[i] === 0 ? c.count + (more[i] ?? 0) : c.count,
          }))
          const now = extra ? [...later, { sid: 4096 - 1 - 0, seconds: 0, count: 0 }] : later
          // A new server id (4095) may collide with a drawn one: keep it only when it does not.
          const nowSet = now.filter((c, i) => now.findIndex((d) => d.sid === c.sid) === i)
          expect(checkFreshness(marker(set), marker(set)).kind).toBe('fresh')
          expect(checkFreshness(marker(set), marker([...nowSet].reverse())).kind).toBe('fresh')
        },
      ),
      { numRuns: 150 },
    )
  })

  it('should find a contextCSN behind exactly when some server id is older or missing, naming those ids', () => {
    fc.assert(
      fc.property(
        csnSetArb,
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 5, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (set, delta, dropped) => {
          const now = set.flatMap((c, i) =>
            // The first stays: a contextCSN with no value at all is no marker.
            i > 0 && dropped[i] === true
              ? []
              : [{ ...c, seconds: Math.max(0, c.seconds + (delta[i] ?? 0)) }],
          )
          const expected = set
            .filter((c) => {
              const n = now.find((d) => d.sid === c.sid)
              return n === undefined || n.seconds < c.seconds
            })
            .map((c) => sidText(c.sid))
            .sort()
          const check = checkFreshness(marker(set), marker(now))
          if (expected.length === 0) expect(check).toEqual({ kind: 'fresh' })
          else expect(check).toEqual({ kind: 'behind', sids: expected })
        },
      ),
      { numRuns: 150 },
    )
  })

  it('should order CSNs of the same second by fraction and then by change count', () => {
    const at = (micros: number, count: number): FreshnessMarker => ({
      kind: 'contextCSN',
      value: csn(100, count, 1, micros),
    })
    expect(checkFreshness(at(5, 0), at(4, 9)).kind).toBe('behind')
    expect(checkFreshness(at(5, 2), at(5, 1)).kind).toBe('behind')
    expect(checkFreshness(at(5, 2), at(5, 2)).kind).toBe('fresh')
    expect(checkFreshness(at(5, 2), at(6, 0)).kind).toBe('fresh')
    expect(parseContextCsn('20240101000000Z#000000#001#000000')?.get('001')).toBe(
      '20240101000000.000000Z#000000',
    )
  })

  it('should find a highestCommittedUSN behind exactly when it is smaller, at any size', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 70n }),
        fc.bigInt({ min: 0n, max: 2n ** 70n }),
        (a, b) => {
          const check = checkFreshness(
            { kind: 'highestCommittedUSN', value: String(a) },
            { kind: 'highestCommittedUSN', value: String(b) },
          )
          expect(check.kind).toBe(b < a ? 'behind' : 'fresh')
        },
      ),
      { numRuns: 100 },
    )
  })

  it('should not trip without a stored marker, across kinds or on a malformed value', () => {
    const usn: FreshnessMarker = { kind: 'highestCommittedUSN', value: '12' }
    const cs: FreshnessMarker = { kind: 'contextCSN', value: csn(1, 0, 0) }
    expect(checkFreshness(undefined, usn).kind).toBe('unknown')
    expect(checkFreshness(usn, undefined).kind).toBe('unknown')
    expect(checkFreshness(usn, cs).kind).toBe('incomparable')
    expect(checkFreshness(cs, { kind: 'contextCSN', value: 'garbage' }).kind).toBe('incomparable')
    expect(checkFreshness(usn, { kind: 'highestCommittedUSN', value: '-1' }).kind).toBe(
      'incomparable',
    )
  })
})

describe('planSafely with a freshness marker', () => {
  const newer: FreshnessMarker = { kind: 'contextCSN', value: csn(200, 0, 1) }
  const older: FreshnessMarker = { kind: 'contextCSN', value: csn(100, 0, 1) }

  it('should hold every removal and demotion, not count the run and name both markers when the marker went backwards; plan as without it otherwise', () => {
    fc.assert(
      fc.property(syncStateArb(), syncPolicyInputArb(), fc.boolean(), (state, policy, behind) => {
        const lastGood = { ...directorySizes(state.groups, 0), freshness: newer }
        const history = { pendingRemovals: [], lastGood }
        const safe = planSafely(state, policy, {
          history,
          now: 1,
          healthGate: false,
          freshness: behind ? older : newer,
        })
        const plain = planSafely(state, policy, { history, now: 1, healthGate: false })
        if (!behind) {
          expect(safe.plan).toEqual(plain.plan)
          expect(safe.freshness.kind).toBe('fresh')
          expect(safe.counted).toBe(plain.counted)
          return
        }
        expect(safe.counted).toBe(false)
        expect(safe.freshness).toEqual({ kind: 'behind', sids: ['001'] })
        // Turned off, the same markers change nothing.
        const off = planSafely(state, policy, {
          history,
          now: 1,
          healthGate: false,
          freshness: older,
          replicaFreshness: false,
        })
        expect(off.plan).toEqual(plain.plan)
        expect(off.counted).toBe(plain.counted)
        const members = new Set(state.channelMembers.map((m) => `${m.channelId}\u0000${m.userId}`))
        for (const c of safe.plan.commands) {
          expect(c.kind).not.toBe('removeTeamMember')
          if (c.kind === 'removeChannelMember')
            expect(members.has(`${c.channelId}\u0000${c.userId}`)).toBe(false)
          if (c.kind === 'setTeamMemberAdmin' || c.kind === 'setChannelMemberAdmin')
            expect(c.schemeAdmin).toBe(true)
        }
        const held = safe.plan.held.filter((c) => c.hold.kind === 'replicaBehind')
        expect(held.length).toBe(plain.plan.commands.length - safe.plan.commands.length)
        expect(safe.warnings).toContainEqual(
          expect.objectContaining({ kind: 'replicaBehind', then: newer.value, now: older.value }),
        )
      }),
      { numRuns: 100 },
    )
  })

  it('should carry a replicaBehind hold through a plan file', () => {
    fc.assert(
      fc.property(syncStateArb(), (state) => {
        const history = {
          pendingRemovals: [],
          lastGood: { ...directorySizes(state.groups, 0), freshness: newer },
        }
        const safe = planSafely(state, {}, { history, now: 1, healthGate: false, freshness: older })
        const read = readPlanFile(writePlanFile(safe.plan))
        expect(read.isOk()).toBe(true)
        if (read.isOk()) expect(read.value.plan.held).toEqual(safe.plan.held)
      }),
      { numRuns: 30 },
    )
  })

  it('should store the marker read with a counted run in the last good run', () => {
    fc.assert(
      fc.property(syncStateArb(), (state) => {
        const plan = planSync(state, {})
        const next = nextSyncHistory({ pendingRemovals: [] }, plan, state, 5, older)
        expect(next.lastGood?.freshness).toEqual(older)
        expect(
          nextSyncHistory({ pendingRemovals: [] }, plan, state, 5).lastGood,
        ).not.toHaveProperty('freshness')
      }),
      { numRuns: 20 },
    )
  })
})
