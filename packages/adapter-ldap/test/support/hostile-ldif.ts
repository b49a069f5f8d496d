import { groupsDn, suffix, usersDn } from './freeipa-fixture.js'

/*
 * Hostile and huge FreeIPA-shaped exports, written as text directly (the generic LDIF writer is
 * too slow for half a million values): shared by the bounded-read tests and the benchmark.
 */

const user = (i: number): string =>
  `dn: uid=u${i},${usersDn}\nobjectClass: posixAccount\nuid: u${i}\nipaUniqueID: u-${i}\n`
const groupHead = (name: string): string =>
  `dn: cn=${name},${groupsDn}\nobjectClass: ipaUserGroup\ncn: ${name}\nipaUniqueID: g-${name}\n`
const member = (dn: string): string => `member: ${dn}\n`
const userDn = (i: number): string => `uid=u${i},${usersDn}`
const groupDn = (name: string): string => `cn=${name},${groupsDn}`

/** `users` users and one group `everyone` naming `members` users (default: every one of them). */
export function bigGroupLdif(users: number, members: number = users): string {
  const parts: string[] = []
  for (let i = 0; i < users; i++) parts.push(user(i))
  const values: string[] = [groupHead('everyone')]
  for (let i = 0; i < members; i++) values.push(member(userDn(i)))
  parts.push(values.join(''))
  return parts.join('\n')
}

/** `depth` groups, each naming one user of its own and the next group. */
export function chainLdif(depth: number): string {
  const parts: string[] = []
  for (let i = 0; i < depth; i++) parts.push(user(i))
  for (let i = 0; i < depth; i++)
    parts.push(
      groupHead(`chain${i}`) +
        member(userDn(i)) +
        (i + 1 < depth ? member(groupDn(`chain${i + 1}`)) : ''),
    )
  return parts.join('\n')
}

/** `size` groups in one cycle, each naming one user of its own and the next group. */
export function cycleLdif(size: number): string {
  const parts: string[] = []
  for (let i = 0; i < size; i++) parts.push(user(i))
  for (let i = 0; i < size; i++)
    parts.push(
      groupHead(`cycle${i}`) + member(userDn(i)) + member(groupDn(`cycle${(i + 1) % size}`)),
    )
  return parts.join('\n')
}

/** The FreeIPA reader settings these exports are read with. */
export const hostileLdapConfig: {
  readonly url: string
  readonly bindDn: string
  readonly password: string
  readonly preset: 'freeipa'
  readonly baseDn: string
} = {
  url: 'ldap://unused',
  bindDn: `uid=mattermost,cn=sysaccounts,cn=etc,${suffix}`,
  password: 'unused',
  preset: 'freeipa',
  baseDn: suffix,
}
