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
  /** Every member reachable through nesting, sorted, without duplicates. */
  readonly memberIds: readonly string[]
  /**
   * For members that are in the group only through nested groups: group names from this group down to
   * the group that names the member directly (a shortest path). Direct members have no entry.
   */
  readonly nesting: Readonly<Record<string, readonly string[]>>
  /** This group, or a group nested in it, could not be read: `memberIds` is then not the whole truth. */
  readonly unavailable: boolean
}

const byName = (a: GroupNode, b: GroupNode): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/**
 * Flattens nested groups. Cycle-safe (each group is visited once per outer group); a member is in G
 * iff a chain of nested groups leads from G to a group naming it. Subgroup ids that are not in
 * `groups` are ignored. Output follows input order; the result does not depend on it otherwise.
 * With `roots`, only those groups are flattened and returned (the others still count as nested groups).
 */
export function flattenGroups(
  groups: readonly GroupNode[],
  options: { readonly roots?: ReadonlySet<string> } = {},
): readonly FlatGroup[] {
  const byId = new Map<string, GroupNode>()
  for (const g of groups) if (!byId.has(g.id)) byId.set(g.id, g)
  // Children in a fixed order so the chosen shortest path does not depend on input order.
  const children = new Map<string, readonly GroupNode[]>()
  for (const g of byId.values()) {
    const kids = [...new Set(g.subgroupIds)].flatMap((id) => {
      const k = byId.get(id)
      return k === undefined || k.id === g.id ? [] : [k]
    })
    children.set(g.id, kids.sort(byName))
  }
  const roots =
    options.roots === undefined ? groups : groups.filter((g) => options.roots?.has(g.id) === true)
  return roots.map((root) => {
    const kids = children.get(root.id) ?? []
    if (kids.length === 0) {
      // Most groups nest nothing: skip the traversal.
      return {
        id: root.id,
        name: root.name,
        memberIds: [...new Set(root.memberIds)].sort(),
        nesting: {},
        unavailable: root.unavailable === true,
      }
    }
    const nesting: Record<string, readonly string[]> = {}
    const members = new Set(root.memberIds)
    let unavailable = root.unavailable === true
    // Breadth-first: the first path that reaches a member is a shortest one.
    const seen = new Set<string>([root.id])
    let frontier: { node: GroupNode; path: readonly string[] }[] = [
      { node: root, path: [root.name] },
    ]
    while (frontier.length > 0) {
      const next: { node: GroupNode; path: readonly string[] }[] = []
      for (const { node, path } of frontier) {
        for (const kid of children.get(node.id) ?? []) {
          if (seen.has(kid.id)) continue
          seen.add(kid.id)
          const kidPath = [...path, kid.name]
          if (kid.unavailable === true) unavailable = true
          for (const m of [...kid.memberIds].sort()) {
            if (members.has(m)) continue
            members.add(m)
            nesting[m] = kidPath
          }
          next.push({ node: kid, path: kidPath })
        }
      }
      frontier = next
    }
    return { id: root.id, name: root.name, memberIds: [...members].sort(), nesting, unavailable }
  })
}
