import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { flattenGroups as flattenOrRefuse, type GroupNode } from '../src/flatten-groups.js'

// Without limits nothing is refused.
const flattenGroups = (...args: Parameters<typeof flattenOrRefuse>) =>
  flattenOrRefuse(...args)._unsafeUnwrap()

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
  it('should flatten nesting and keep the direct links, sorted by name', () => {
    const [outer] = flattenGroups([
      node('outer', ['alice'], ['mid']),
      node('mid', [], ['leaf']),
      node('leaf', ['bob'], []),
    ])
    expect(outer).toEqual({
      id: 'outer',
      name: 'OUTER',
      memberIds: ['alice', 'bob'],
      subgroupIds: ['mid'],
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

  it('should always give as links exactly the nested groups that exist, other than itself', () => {
    fc.assert(
      fc.property(graphArb, (groups) => {
        const ids = new Set(groups.map((g) => g.id))
        for (const [i, flat] of flattenGroups(groups).entries()) {
          const own = groups[i]!.subgroupIds.filter((id) => ids.has(id) && id !== flat.id)
          expect([...flat.subgroupIds].sort()).toEqual([...new Set(own)].sort())
        }
      }),
    )
  })

  it('should refuse a 10,000-deep chain and a 5,000-group cycle at the depth limit', () => {
    const chain = Array.from({ length: 10_000 }, (_, i) =>
      node(`g${i}`, [`u${i}`], i + 1 < 10_000 ? [`g${i + 1}`] : []),
    )
    const cycle = Array.from({ length: 5_000 }, (_, i) =>
      node(`c${i}`, [`v${i}`], [`c${(i + 1) % 5_000}`]),
    )
    for (const groups of [chain, cycle]) {
      const r = flattenOrRefuse(groups, { maxNestingDepth: 100, maxMemberships: 10_000_000 })
      expect(r._unsafeUnwrapErr()).toMatchObject({
        kind: 'readLimit',
        limit: 'nestingDepth',
        max: 100,
      })
    }
  })

  it('should flatten a 10,000-deep chain and a 5,000-group cycle when the limits allow it', () => {
    // Members only at the bottom: the memberships stay linear, only the depth is extreme.
    const chain = Array.from({ length: 10_000 }, (_, i) =>
      node(`g${i}`, i + 1 < 10_000 ? [] : ['bottom'], i + 1 < 10_000 ? [`g${i + 1}`] : []),
    )
    const flat = flattenGroups(chain, { maxNestingDepth: 10_000 })
    expect(flat.every((f) => f.memberIds.length === 1)).toBe(true)
    const cycle = Array.from({ length: 5_000 }, (_, i) =>
      node(`c${i}`, i === 0 ? ['eve'] : [], [`c${(i + 1) % 5_000}`]),
    )
    const flatCycle = flattenGroups(cycle, { maxNestingDepth: 5_000 })
    expect(flatCycle.every((f) => f.memberIds.length === 1 && f.memberIds[0] === 'eve')).toBe(true)
    // One cycle, one member list: the groups share it instead of holding a copy each.
    expect(new Set(flatCycle.map((f) => f.memberIds)).size).toBe(1)
  })

  it('should refuse more memberships than the limit, naming a group', () => {
    const everyone = node(
      'everyone',
      Array.from({ length: 1000 }, (_, i) => `u${i}`),
      [],
    )
    const wrappers = Array.from({ length: 50 }, (_, i) => node(`w${i}`, [], ['everyone']))
    const r = flattenOrRefuse([everyone, ...wrappers], { maxMemberships: 20_000 })
    expect(r._unsafeUnwrapErr()).toMatchObject({ kind: 'readLimit', limit: 'memberships' })
    expect(flattenOrRefuse([everyone, ...wrappers], { maxMemberships: 51_000 }).isOk()).toBe(true)
  })

  it('should refuse a chain exactly one level past the depth limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), (levels) => {
        // `levels` levels of nesting: levels + 1 groups, each nesting the next.
        const chain = Array.from({ length: levels + 1 }, (_, i) =>
          node(`g${i}`, [`u${i}`], i < levels ? [`g${i + 1}`] : []),
        )
        expect(flattenOrRefuse(chain, { maxNestingDepth: levels }).isOk()).toBe(true)
        expect(flattenOrRefuse(chain, { maxNestingDepth: levels - 1 }).isErr()).toBe(levels > 0)
      }),
    )
  })

  it('should always either refuse or give the unlimited result, and never refuse n - 1 levels', () => {
    fc.assert(
      fc.property(graphArb, fc.integer({ min: 0, max: 8 }), (groups, maxNestingDepth) => {
        const unlimited = flattenGroups(groups)
        const limited = flattenOrRefuse(groups, { maxNestingDepth })
        if (limited.isOk()) expect(limited.value).toEqual(unlimited)
        else expect(maxNestingDepth).toBeLessThan(groups.length - 1)
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
