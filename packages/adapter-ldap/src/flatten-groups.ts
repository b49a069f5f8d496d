import { err, ok, type Result } from 'neverthrow'
import { readLimitError, type ReadLimitError } from './read-limits.js'

/** A group with its direct members: member ids and nested group ids. */
export interface GroupNode {
  readonly id: string
  readonly name: string
  readonly memberIds: readonly string[]
  readonly subgroupIds: readonly string[]
  /** The group's own members could not be read completely. */
  readonly unavailable?: boolean
}

/** A group with its transitive members. */
export interface FlatGroup {
  readonly id: string
  readonly name: string
  /**
   * Every member reachable through nesting, sorted, without duplicates. The groups of one cycle
   * share one array.
   */
  readonly memberIds: readonly string[]
  /**
   * The groups nested directly (ids of `groups`, sorted by name, without the group itself): the
   * links `nestingPath` follows to show how a member is in. Paths per member are not kept: they
   * grow with the cube of the depth.
   */
  readonly subgroupIds: readonly string[]
  /** This group, or a group nested in it, could not be read: `memberIds` is then not the whole truth. */
  readonly unavailable: boolean
}

/** Bounds on the flattening (see `LdapReadLimits`). */
export interface FlattenLimits {
  readonly maxNestingDepth?: number
  readonly maxMemberships?: number
}

const byName = (a: GroupNode, b: GroupNode): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0

const sortedUnique = (ids: readonly string[]): string[] => [...new Set(ids)].sort()

/**
 * Flattens nested groups: a member is in G iff a chain of nested groups leads from G to a group
 * naming it. Subgroup ids that are not in `groups` are ignored. Output follows input order; the
 * result does not depend on it otherwise. With `roots`, only those groups are flattened and returned
 * (the others still count as nested groups).
 *
 * Linear in the links plus the memberships it returns: cycles are collapsed first (Tarjan's strongly
 * connected components), then each component's members are the union of its own and those of the
 * components it nests, children first. Refused with a typed error, before the work grows: nesting
 * deeper than `maxNestingDepth` levels (the longest chain of nested groups, a cycle counting each of
 * its groups), or more than `maxMemberships` memberships in all.
 */
export function flattenGroups(
  groups: readonly GroupNode[],
  options: { readonly roots?: ReadonlySet<string> } & FlattenLimits = {},
): Result<readonly FlatGroup[], ReadLimitError> {
  const maxDepth = options.maxNestingDepth ?? Number.POSITIVE_INFINITY
  const maxMemberships = options.maxMemberships ?? Number.POSITIVE_INFINITY
  const nodes: GroupNode[] = []
  const indexOf = new Map<string, number>()
  for (const g of groups)
    if (!indexOf.has(g.id)) {
      indexOf.set(g.id, nodes.length)
      nodes.push(g)
    }
  // Children in a fixed order, so links are listed the same whatever the input order.
  const children: number[][] = nodes.map((g, i) => {
    const kids = new Set<number>()
    for (const id of g.subgroupIds) {
      const k = indexOf.get(id)
      if (k !== undefined && k !== i) kids.add(k)
    }
    return [...kids].sort((a, b) => byName(nodes[a] as GroupNode, nodes[b] as GroupNode))
  })
  const roots =
    options.roots === undefined ? groups : groups.filter((g) => options.roots?.has(g.id) === true)

  // Tarjan, iteratively (a 10,000-deep chain would overflow the stack): components come out
  // children first, which is the order their member sets are built in.
  const n = nodes.length
  const index = new Int32Array(n).fill(-1)
  const low = new Int32Array(n)
  const onStack = new Uint8Array(n)
  const component = new Int32Array(n).fill(-1)
  const stack: number[] = []
  const components: number[][] = []
  let counter = 0
  const visit = (start: number): void => {
    const work: [node: number, child: number][] = [[start, 0]]
    index[start] = low[start] = counter++
    stack.push(start)
    onStack[start] = 1
    while (work.length > 0) {
      const frame = work[work.length - 1] as [number, number]
      const [v, next] = frame
      const kids = children[v] as number[]
      if (next < kids.length) {
        frame[1] = next + 1
        const w = kids[next] as number
        if (index[w] === -1) {
          index[w] = low[w] = counter++
          stack.push(w)
          onStack[w] = 1
          work.push([w, 0])
        } else if (onStack[w] === 1) low[v] = Math.min(low[v] as number, index[w] as number)
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined)
        low[parent[0]] = Math.min(low[parent[0]] as number, low[v] as number)
      if (low[v] === index[v]) {
        const members: number[] = []
        for (;;) {
          const w = stack.pop() as number
          onStack[w] = 0
          component[w] = components.length
          members.push(w)
          if (w === v) break
        }
        components.push(members)
      }
    }
  }
  for (const r of roots) {
    const i = indexOf.get(r.id)
    if (i !== undefined && index[i] === -1 && (children[i] as number[]).length > 0) visit(i)
  }

  // Children first: depth, availability and members of each component from those it nests.
  const depth = new Int32Array(components.length)
  const unavailable = new Uint8Array(components.length)
  const membersOf: (readonly string[])[] = []
  let memberships = 0
  for (const [c, list] of components.entries()) {
    const nested = new Set<number>()
    for (const v of list)
      for (const w of children[v] as number[]) {
        const cw = component[w] as number
        if (cw !== c) nested.add(cw)
      }
    let d = list.length - 1
    let blocked = false
    for (const cw of nested) {
      d = Math.max(d, list.length + (depth[cw] as number))
      if (unavailable[cw] === 1) blocked = true
    }
    depth[c] = d
    const first = list.map((v) => nodes[v] as GroupNode).sort(byName)[0] as GroupNode
    if (d > maxDepth) return err(readLimitError('nestingDepth', maxDepth, { group: first.name }))
    if (list.some((v) => nodes[v]?.unavailable === true)) blocked = true
    unavailable[c] = blocked ? 1 : 0
    const own = list.reduce((sum, v) => sum + (nodes[v] as GroupNode).memberIds.length, 0)
    const only = nested.size === 1 ? (membersOf[[...nested][0] as number] as readonly string[]) : []
    let members: readonly string[]
    if (own === 0 && nested.size <= 1)
      members = only // nothing to add: share the nested array
    else {
      const set = new Set<string>()
      for (const v of list) for (const m of (nodes[v] as GroupNode).memberIds) set.add(m)
      for (const cw of nested) for (const m of membersOf[cw] as readonly string[]) set.add(m)
      members = [...set].sort()
    }
    membersOf[c] = members
    memberships += members.length * list.length
    if (memberships > maxMemberships)
      return err(readLimitError('memberships', maxMemberships, { group: first.name }))
  }

  return ok(
    roots.map((root): FlatGroup => {
      const i = indexOf.get(root.id) as number
      const c = component[i] as number
      // Groups that nest nothing (most of them) were not visited: their own members are all.
      if (c === -1)
        return {
          id: root.id,
          name: root.name,
          memberIds: sortedUnique(root.memberIds),
          subgroupIds: [],
          unavailable: root.unavailable === true,
        }
      return {
        id: root.id,
        name: root.name,
        memberIds: membersOf[c] as readonly string[],
        subgroupIds: (children[i] as number[]).map((k) => (nodes[k] as GroupNode).id),
        unavailable: unavailable[c] === 1,
      }
    }),
  )
}
