import fc from 'fast-check'
import { expect, it } from 'vitest'
import { planSync, normalizeState } from '@grouproles/core'
import { shuffledStateArb, syncPolicyArb } from '@grouproles/core/testing'
import { stateArb } from './support/arbitraries.js'
import { commandsOf, heldOf } from './support/fixtures.js'
const strip = (p: ReturnType<typeof planSync>) => ({ c: commandsOf(p), h: heldOf(p), hold: p.held.map((x) => x.hold), w: p.warnings.map((w) => ({ ...w, message: ''  })), stats: p.stats, f: p.fingerprint })
it('det', () => {
  fc.assert(fc.property(stateArb().chain((s) => fc.tuple(fc.constant(s), shuffledStateArb(s))), syncPolicyArb(), ([s, sh], p) => {
    expect(strip(planSync(sh, p))).toEqual(strip(planSync(s, p)))
    expect(strip(planSync(normalizeState(s), p))).toEqual(strip(planSync(s, p)))
  }))
})
