import { toDirectoryEntry, firstText, idValue, textValues } from '../src/directory-entry.js'
import { normalizeDn } from '../src/normalize-dn.js'
import { toDirectoryUser } from '../src/build-snapshot.js'
import { resolveLdapConfig } from '../src/index.js'
const c = resolveLdapConfig({ url: 'ldap://x', bindDn: 'cn=x', password: 'x', preset: 'freeipa', baseDn: 'dc=ipa,dc=test' })._unsafeUnwrap()
const N = 50000
const name = (i: number) => `u${String(i).padStart(6, '0')}`
const users = Array.from({ length: N }, (_, i) => toDirectoryEntry(`uid=${name(i)},cn=users,cn=accounts,dc=ipa,dc=test`, [['uid', name(i)], ['ipaUniqueID', `id-${i}`], ['mail', `${name(i)}@x`]]))
const time = (label: string, f: () => void) => { const t = performance.now(); f(); console.log(label, (performance.now() - t).toFixed(0)) }
for (let r = 0; r < 3; r++) {
  time('normalizeDn', () => { for (const u of users) normalizeDn(u.dn) })
  time('firstText', () => { for (const u of users) firstText(u, 'uid') })
  time('idValue', () => { for (const u of users) idValue(u, 'ipaUniqueID', 'text') })
  time('textValues', () => { for (const u of users) textValues(u, 'mail') })
  time('toDirectoryUser', () => { const w: never[] = []; for (const u of users) toDirectoryUser(u, c, w) })
}
