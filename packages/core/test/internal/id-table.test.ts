import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { IdTable } from '../../src/internal/id-table.js'

/** Inserts each id the table does not have yet, as the index does with user ids. */
function fill(ids: readonly string[]): IdTable {
  const table = new IdTable(ids.length)
  for (const id of ids) if (table.get(id) < 0) table.insert(id)
  return table
}

describe('IdTable', () => {
  it('should give slots in insertion order and -1 for ids it does not have', () => {
    const table = fill(['alice', 'bob', 'alice', 'carol'])

    expect(['alice', 'bob', 'carol', 'dave', ''].map((id) => table.get(id))).toEqual([
      0, 1, 2, -1, -1,
    ])
    expect(table.size).toBe(3)
  })

  it('should always agree with a Map, for any ids (duplicates, empty, unicode, look-alikes)', () => {
    const id = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'grapheme', maxLength: 4 }),
      fc.integer({ min: 0, max: 50 }).map((n) => `u${String(n).padStart(25, '0')}`),
    )
    fc.assert(
      fc.property(
        fc.array(id, { maxLength: 300 }),
        fc.array(id, { maxLength: 50 }),
        (ids, probes) => {
          const table = fill(ids)
          const map = new Map<string, number>()
          for (const x of ids) if (!map.has(x)) map.set(x, map.size)
          for (const x of [...ids, ...probes]) expect(table.get(x)).toBe(map.get(x) ?? -1)
        },
      ),
    )
  })

  it('should keep the lane hashes of each slot', () => {
    const a = fill(['x', 'y'])
    const b = fill(['y', 'x'])

    expect([a.laneA[0], a.laneB[0]]).toEqual([b.laneA[1], b.laneB[1]])
    expect(a.laneA[0]).not.toBe(a.laneA[1])
  })

  it('should throw (a bug) when given more ids than its capacity', () => {
    const table = new IdTable(1)
    table.get('a')
    table.insert('a')
    table.get('b')

    expect(() => table.insert('b')).toThrow(/full/)
  })
})
