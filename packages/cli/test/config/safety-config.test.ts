import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { z } from 'zod'
import { defaultHealthGate } from '@grouproles/core'
import { defaultSafety, safetyFields, safetyFromConfig } from '../../src/config/safety-config.js'

const decode = (value: unknown) => z.strictObject(safetyFields).safeParse(value)

describe('safety config', () => {
  it("should default to two runs of grace, core's health gate and a guarded last admin", () => {
    expect(safetyFromConfig({})).toEqual({
      removalGrace: { runs: 2, hours: 0 },
      healthGate: defaultHealthGate,
      lastAdmin: 'guard',
      removals: 'all',
    })
    expect(defaultSafety.removalGrace).toEqual({ runs: 2, hours: 0 })
  })

  it('should take what the file says, fill in the rest, and turn the gate off with false', () => {
    const decoded = decode({
      removalGrace: { runs: 3, hours: 12 },
      healthGate: { minMembers: 10 },
      lastAdmin: 'allow',
      removals: 'ownOnly',
    })
    expect(decoded.success).toBe(true)
    expect(safetyFromConfig(decoded.data ?? {})).toEqual({
      removalGrace: { runs: 3, hours: 12 },
      healthGate: { ...defaultHealthGate, minMembers: 10 },
      lastAdmin: 'allow',
      removals: 'ownOnly',
    })
    expect(safetyFromConfig({ healthGate: false }).healthGate).toBe(false)
    expect(safetyFromConfig({ removalGrace: { runs: 1 } }).removalGrace).toEqual({
      runs: 1,
      hours: 0,
    })
  })

  it('should refuse values the core would refuse: no grace below one run, fractions in [0, 1], known keys only', () => {
    for (const bad of [
      { removalGrace: { runs: 0 } },
      { removalGrace: { runs: 1.5 } },
      { removalGrace: { runs: 2, hours: -1 } },
      { healthGate: { groupShrink: 1.5 } },
      { healthGate: { totalShrink: -0.1 } },
      { healthGate: true },
      { lastAdmin: 'never' },
      { removals: 'some' },
      { removalGrace: { runs: 2, days: 1 } },
    ])
      expect(decode(bad).success).toBe(false)
  })

  it('should decode every valid combination to settings the core accepts', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            removalGrace: fc.record(
              {
                runs: fc.integer({ min: 1, max: 10 }),
                hours: fc.double({ min: 0, max: 1e4, noNaN: true }),
              },
              { requiredKeys: ['runs'] },
            ),
            healthGate: fc.oneof(
              fc.constant(false as const),
              fc.record(
                {
                  groupShrink: fc.double({ min: 0, max: 1, noNaN: true }),
                  minMembers: fc.nat(100),
                  totalShrink: fc.double({ min: 0, max: 1, noNaN: true }),
                },
                { requiredKeys: [] },
              ),
            ),
            lastAdmin: fc.constantFrom('guard' as const, 'allow' as const),
          },
          { requiredKeys: [] },
        ),
        (input) => {
          const decoded = decode(input)
          expect(decoded.success).toBe(true)
          const safety = safetyFromConfig(decoded.data ?? {})
          expect(Number.isSafeInteger(safety.removalGrace.runs)).toBe(true)
          expect(safety.removalGrace.hours).toBeGreaterThanOrEqual(0)
          if (safety.healthGate !== false) {
            expect(safety.healthGate.groupShrink).toBeLessThanOrEqual(1)
            expect(safety.healthGate.totalShrink).toBeGreaterThanOrEqual(0)
          }
        },
      ),
      { numRuns: 100 },
    )
  })
})
