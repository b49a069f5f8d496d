import fc from 'fast-check'
import { it } from 'vitest'
import { planSync } from '@grouproles/core'
import { syncStateArb, syncPolicyArb } from '@grouproles/core/testing'
import { denseStateArb, stateArb } from './support/arbitraries.js'
it('debug', () => {
  for (const [name, arb] of [
    ['sync', syncStateArb()],
    ['dense', denseStateArb()],
    ['mix', stateArb()],
  ] as const) {
    for (let rep = 0; rep < 5; rep++) {
      const counts: Record<string, number> = {}
      for (const [s, p] of fc.sample(fc.tuple(arb, syncPolicyArb()), 200)) {
        const plan = planSync(s, p)
        const seen = new Set<string>()
        for (const c of plan.commands)
          seen.add(c.kind + ('schemeAdmin' in c ? String(c.schemeAdmin) : ''))
        if (plan.held.length) seen.add('held:' + plan.held[0]!.hold.kind)
        for (const w of plan.warnings) seen.add('w:' + w.kind + ('cause' in w ? w.cause : ''))
        for (const k of seen) counts[k] = (counts[k] ?? 0) + 1
      }
      ;(globalThis as any).console.log(name, JSON.stringify(counts))
    }
  }
})
