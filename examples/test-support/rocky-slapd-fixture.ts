/**
 * The Rocky Linux example's directory served by a throwaway slapd (FreeIPA-shaped): the example's
 * LDIF moved under the test suffix, the containers, the bind account and optional bulk users. Used by
 * the fault suite and the demo's real-server test.
 */
import { readFile } from 'node:fs/promises'

export const suffix = 'dc=ipa,dc=test'
export const bindDn = `uid=mattermost,cn=sysaccounts,cn=etc,${suffix}`
export const bindPassword = 'fault-suite-secret'

// OpenLDAP needs a structural class on the user-private group (389 does not): add nsContainer.
export const rockyLdif = (
  await readFile(new URL('../rocky-linux/directory.ldif', import.meta.url), 'utf8')
)
  .replaceAll('dc=rockylinux,dc=org', suffix)
  .replace(
    'objectClass: top\nobjectClass: posixgroup\nobjectClass: ipaobject\n',
    'objectClass: top\nobjectClass: nsContainer\nobjectClass: posixgroup\nobjectClass: ipaobject\n',
  )

/** The Rocky Linux directory under the test suffix, plus bulk users so that a read spans many pages. */
export function fixtureLdif(bulkUsers: number): string {
  const container = (dn: string, cn: string) =>
    `dn: ${dn}\nobjectClass: top\nobjectClass: nsContainer\ncn: ${cn}\n`
  const bulk = Array.from({ length: bulkUsers }, (_, i) => {
    const uid = `bulk${String(i).padStart(5, '0')}`
    return [
      `dn: uid=${uid},cn=users,cn=accounts,${suffix}`,
      ...[
        'top',
        'person',
        'organizationalperson',
        'inetorgperson',
        'inetuser',
        'posixaccount',
        'ipaobject',
      ].map((c) => `objectClass: ${c}`),
      `uid: ${uid}`,
      `cn: Bulk ${i}`,
      `sn: ${i}`,
      `uidNumber: ${20000 + i}`,
      `gidNumber: ${20000 + i}`,
      `homeDirectory: /home/${uid}`,
      `ipaUniqueID: 30000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      '',
    ].join('\n')
  })
  return [
    `dn: ${suffix}\nobjectClass: top\nobjectClass: domain\ndc: ipa\n`,
    container(`cn=accounts,${suffix}`, 'accounts'),
    container(`cn=users,cn=accounts,${suffix}`, 'users'),
    container(`cn=groups,cn=accounts,${suffix}`, 'groups'),
    container(`cn=etc,${suffix}`, 'etc'),
    container(`cn=sysaccounts,cn=etc,${suffix}`, 'sysaccounts'),
    `dn: ${bindDn}\nobjectClass: account\nobjectClass: simpleSecurityObject\nuid: mattermost\nuserPassword: ${bindPassword}\n`,
    rockyLdif,
    ...bulk,
  ].join('\n')
}
