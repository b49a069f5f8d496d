import { intAt, itemAt } from './int-at.js'
import type { LiveLink } from './state-index.js'

/**
 * The scheme-admin groups a user is in on one syncable, for reasons. Indexed on first use per
 * syncable, in one pass over its admin links, so that naming the groups costs O(1) per command
 * instead of a scan of every admin group's members.
 */
export class AdminGroupNames {
  #syncable = -1
  /** Per user slot: the syncable the entries below belong to. */
  readonly #stamp: Int32Array
  /** Per user slot: the first admin link (index into the syncable's links) containing the user. */
  readonly #first: Int32Array
  /** Users in two or more admin links of the syncable: rare, so kept out of the typed arrays. */
  readonly #more = new Map<number, string[]>()

  constructor(userCount: number) {
    this.#stamp = new Int32Array(userCount).fill(-1)
    this.#first = new Int32Array(userCount)
  }

  /** The names, `, `-separated and sorted, of the admin groups of syncable `s` user `u` is in. */
  of(s: number, links: readonly LiveLink[], u: number): string {
    if (this.#syncable !== s) this.#build(s, links)
    if (this.#stamp[u] !== s) return ''
    const more = this.#more.get(u)
    if (more !== undefined) return more.sort().join(', ')
    return itemAt(links, intAt(this.#first, u)).group.name
  }

  #build(s: number, links: readonly LiveLink[]): void {
    this.#syncable = s
    this.#more.clear()
    const stamp = this.#stamp
    const first = this.#first
    for (let i = 0; i < links.length; i++) {
      const l = itemAt(links, i)
      if (!l.link.schemeAdmin) continue
      const members = l.members
      for (let j = 0; j < members.length; j++) {
        const u = intAt(members, j)
        if (stamp[u] !== s) {
          stamp[u] = s
          first[u] = i
          continue
        }
        const more = this.#more.get(u)
        if (more === undefined)
          this.#more.set(u, [itemAt(links, intAt(first, u)).group.name, l.group.name])
        else more.push(l.group.name)
      }
    }
  }
}
