import type { Group } from './model.js'

const byName = (a: Group, b: Group): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0

// A group without `subgroupIds` names every member itself.
const namesDirectly = (g: Group, userId: string): boolean =>
  (g.subgroupIds === undefined ? g.memberIds : (g.directMemberIds ?? [])).includes(userId)

/**
 * How a user is in a group only through nested groups: group names from the group down to the one
 * that names the user directly (a shortest chain; among equals, the first by group names), or
 * undefined for a direct member, a non-member or a group without nesting. Built on demand from the
 * groups' `subgroupIds`, so a state carries links, not a path per member (those grow with the cube
 * of the depth). A group's own `nesting` entry wins when a source gave one.
 */
export function nestingPath(
  groupsById: ReadonlyMap<string, Group>,
  groupId: string,
  userId: string,
): readonly string[] | undefined {
  const root = groupsById.get(groupId)
  if (root === undefined) return undefined
  const given = root.nesting?.[userId]
  if (given !== undefined) return given
  if (root.subgroupIds === undefined || namesDirectly(root, userId)) return undefined
  // Breadth-first over the links: the first group reached that names the user ends a shortest chain.
  const parentOf = new Map<string, Group | undefined>([[root.id, undefined]])
  const pathTo = (g: Group): string[] => {
    const names: string[] = []
    for (let at: Group | undefined = g; at !== undefined; at = parentOf.get(at.id))
      names.push(at.name)
    return names.reverse()
  }
  let frontier: Group[] = [root]
  while (frontier.length > 0) {
    const next: Group[] = []
    for (const g of frontier) {
      const kids: Group[] = []
      for (const id of g.subgroupIds ?? []) {
        const kid = groupsById.get(id)
        if (kid !== undefined && !parentOf.has(kid.id)) kids.push(kid)
      }
      for (const kid of kids.sort(byName)) {
        if (parentOf.has(kid.id)) continue
        parentOf.set(kid.id, g)
        if (namesDirectly(kid, userId)) return pathTo(kid)
        next.push(kid)
      }
    }
    frontier = next
  }
  return undefined
}
