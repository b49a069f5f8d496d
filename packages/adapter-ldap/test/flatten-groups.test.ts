import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { flattenGroups, type GroupNode } from '../src/flatten-groups.js'

const node = (
  id: string,
  memberIds: string[],
  subgroupIds: string[],
  unavailable?: boolean,
): GroupNode => ({
  id,
  name: id.toUpperCase(),
  memberIds,
  subgroupIds,
  ...(unavailable === true ? { unavailable } : {}),
})

const graphArb = fc.integer({ min: 1, max: 7 }).chain((n) => {
  const ids = Array.from({ length: n }, (_, i) => `g${i}`)
  const users = Array.from({ length: 8 }, (_, i) => `u${i}`)
  return fc.tuple(
    ...ids.map((id) =>
      fc
        .record({
          memberIds: fc.subarray(users),
          subgroupIds: fc.subarray([...ids, 'missing']),
          unavailable: fc.boolean(),
        })
        .map((r) => node(id, r.memberIds, r.subgroupIds, r.unavailable)),
    ),
  )
})

/** Reachability by a fixpoint over all groups at once: a different algorithm from the BFS under test. */
function closure(groups: readonly GroupNode[]): Map<string, Set<string>> {
  const reach = new Map(
    groups.map((g) => [g.id, new Set(g.subgroupIds.filter((s) => groups.some((x) => x.id === s)))]),
  )
  for (let changed = true; changed;) {
    changed = false
    for (const [, set] of reach)
      for (const s of [...set])
        for (const t of reach.get(s) ?? [])
          if (!set.has(t)) {
            set.add(t)
            changed = true
          }
  }
  return reach
}

describe('flattenGroups', () => {
  it('should flatten nesting and keep the path from the outer group down', () => {
    const [outer] = flattenGroups([
      node('outer', ['alice'], ['mid']),
      node('mid', [], ['leaf']),
      node('leaf', ['bob'], []),
    ])
    expect(outer).toEqual({
      id: 'outer',
      name: 'OUTER',
      memberIds: ['alice', 'bob'],
      nesting: { bob: ['OUTER', 'MID', 'LEAF'] },
      unavailable: false,
    })
  })

  it('should terminate on cycles and give both groups all members', () => {
    const flat = flattenGroups([node('a', ['dave'], ['b']), node('b', ['eve'], ['a'])])
    expect(flat.map((g) => g.memberIds)).toEqual([
      ['dave', 'eve'],
      ['dave', 'eve'],
    ])
  })

  it('should mark a group unavailable when a nested group is', () => {
    const flat = flattenGroups([
      node('a', ['x'], ['b']),
      node('b', ['y'], [], true),
      node('c', ['z'], []),
    ])
    expect(flat.map((g) => g.unavailable)).toEqual([true, true, false])
  })

  it('should always contain a user iff a chain of groups leads to one naming the user', () => {
    fc.assert(
      fc.property(graphArb, (groups) => {
        const reach = closure(groups)
        const byId = new Map(groups.map((g) => [g.id, g]))
        for (const flat of flattenGroups(groups)) {
          const reachable = [flat.id, ...(reach.get(flat.id) ?? [])]
          const expected = new Set(reachable.flatMap((id) => byId.get(id)?.memberIds ?? []))
          expect(new Set(flat.memberIds)).toEqual(expected)
          expect(flat.unavailable).toBe(reachable.some((id) => byId.get(id)?.unavailable === true))
        }
      }),
    )
  })

  it('should always give nesting paths that exist in the graph', () => {
    fc.assert(
      fc.property(graphArb, (groups) => {
        const byName = new Map(groups.map((g) => [g.name, g]))
        for (const flat of flattenGroups(groups)) {
          const root = byName.get(flat.name)!
          for (const m of flat.memberIds) {
            const path = flat.nesting[m]
            if (root.memberIds.includes(m)) {
              expect(path).toBeUndefined()
              continue
            }
            expect(path?.[0]).toBe(flat.name)
            for (let i = 1; i < path!.length; i++)
              expect(byName.get(path![i - 1]!)!.subgroupIds).toContain(byName.get(path![i]!)!.id)
            expect(byName.get(path![path!.length - 1]!)!.memberIds).toContain(m)
          }
        }
      }),
    )
  })

  it('should always give the same result for a root whether or not others are flattened', () => {
    fc.assert(
      fc.property(
        graphArb.chain((g) => fc.tuple(fc.constant(g), fc.subarray(g.map((x) => x.id)))),
        ([groups, roots]) => {
          const all = new Map(flattenGroups(groups).map((f) => [f.id, f]))
          const some = flattenGroups(groups, { roots: new Set(roots) })
          expect(some.map((f) => f.id)).toEqual(
            groups.filter((g) => roots.includes(g.id)).map((g) => g.id),
          )
          for (const f of some) expect(f).toEqual(all.get(f.id))
        },
      ),
    )
  })

  it('should never depend on the order of the input', () => {
    fc.assert(
      fc.property(
        graphArb.chain((g) =>
          fc.tuple(
            fc.constant(g),
            fc.shuffledSubarray(g, { minLength: g.length, maxLength: g.length }),
          ),
        ),
        ([groups, shuffled]) => {
          const sortById = (xs: readonly { id: string }[]) =>
            [...xs].sort((a, b) => (a.id < b.id ? -1 : 1))
          expect(sortById(flattenGroups(shuffled))).toEqual(sortById(flattenGroups(groups)))
        },
      ),
    )
  })
})
