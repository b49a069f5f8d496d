import { suffix, udn, uuid } from './freeipa-fixture.js'
import type { TestEntry } from './write-ldif.js'

// Group managers in three directory shapes, each in its own subtree so the main fixture's reads
// (and their counts) do not see them: FreeIPA memberManager (cn=mgmt), AD managedBy (cn=ad),
// OpenLDAP owner (cn=ol).

export const ipaBase: string = `cn=mgmt,${suffix}`
export const adBase: string = `cn=ad,${suffix}`
export const olBase: string = `cn=ol,${suffix}`

const container = (dn: string): TestEntry => ({
  dn,
  attributes: [
    ['objectClass', ['top', 'nsContainer']],
    ['cn', [/^cn=([^,]+)/i.exec(dn)?.[1] ?? '']],
  ],
})

export const ipaUser = (uid: string): string => `uid=${uid},cn=users,${ipaBase}`
export const ipaGroup = (cn: string): string => `cn=${cn},cn=groups,${ipaBase}`

function ipaUserEntry(n: number, uid: string, lock?: 'TRUE'): TestEntry {
  return {
    dn: ipaUser(uid),
    attributes: [
      [
        'objectClass',
        [
          'top',
          'person',
          'organizationalperson',
          'inetorgperson',
          'inetuser',
          'posixaccount',
          'ipaobject',
        ],
      ],
      ['uid', [uid]],
      ['sn', ['User']],
      ['cn', [uid]],
      ['mail', [`${uid}@ipa.test`]],
      ['uidNumber', [String(20000 + n)]],
      ['gidNumber', [String(20000 + n)]],
      ['homeDirectory', [`/home/${uid}`]],
      ['ipaUniqueID', [uuid(3000 + n)]],
      ...(lock !== undefined ? [['nsAccountLock', [lock]] as const] : []),
    ],
  }
}

function ipaGroupEntry(
  n: number,
  cn: string,
  members: readonly string[],
  managers: readonly string[] = [],
): TestEntry {
  return {
    dn: ipaGroup(cn),
    attributes: [
      [
        'objectClass',
        ['top', 'groupofnames', 'nestedgroup', 'ipausergroup', 'ipaobject', 'posixgroup'],
      ],
      ['cn', [cn]],
      ['gidNumber', [String(70000 + n)]],
      ['ipaUniqueID', [uuid(3000 + n, 5)]],
      ...(members.length > 0 ? [['member', members] as const] : []),
      ...(managers.length > 0 ? [['memberManager', managers] as const] : []),
    ],
  }
}

export const adUser = (cn: string): string => `CN=${cn},CN=Users,${adBase}`
export const adGroup = (cn: string): string => `CN=${cn},CN=Groups,${adBase}`

function adUserEntry(n: number, sam: string, disabled = false): TestEntry {
  return {
    dn: adUser(sam),
    attributes: [
      ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'user']],
      ['cn', [sam]],
      ['sn', ['User']],
      ['sAMAccountName', [sam]],
      ['objectGUID', [Buffer.alloc(16, n)]],
      ['userAccountControl', [disabled ? '514' : '512']],
      ['mail', [`${sam}@corp.example`]],
    ],
  }
}

function adGroupEntry(
  n: number,
  cn: string,
  members: readonly string[],
  managedBy?: string,
): TestEntry {
  return {
    dn: adGroup(cn),
    attributes: [
      ['objectClass', ['top', 'groupOfNames', 'group']],
      ['cn', [cn]],
      ['objectGUID', [Buffer.alloc(16, 100 + n)]],
      ...(members.length > 0 ? [['member', members] as const] : []),
      ...(managedBy !== undefined ? [['managedBy', [managedBy]] as const] : []),
    ],
  }
}

export const olUser = (uid: string): string => `uid=${uid},cn=people,${olBase}`
export const olGroup = (cn: string): string => `cn=${cn},cn=groups,${olBase}`

export function managersFixture(): TestEntry[] {
  return [
    // FreeIPA: a user, a manager group with a nested group, a disabled manager, a manager outside
    // the read base (a user of the main fixture's cn=accounts tree).
    container(ipaBase),
    container(`cn=users,${ipaBase}`),
    container(`cn=groups,${ipaBase}`),
    ipaUserEntry(1, 'mona'),
    ipaUserEntry(2, 'ned'),
    ipaUserEntry(3, 'olga'),
    ipaUserEntry(4, 'pete', 'TRUE'),
    ipaUserEntry(5, 'quinn'),
    ipaGroupEntry(
      1,
      'mm_rl_infrastructure',
      [ipaUser('quinn'), ipaUser('mona')],
      [ipaUser('mona'), ipaGroup('infra_owners'), ipaUser('pete')],
    ),
    ipaGroupEntry(2, 'infra_owners', [ipaUser('ned'), ipaGroup('infra_deputies')]),
    ipaGroupEntry(3, 'infra_deputies', [ipaUser('olga'), ipaUser('pete')]),
    ipaGroupEntry(4, 'mm_rl_outside', [ipaUser('quinn')], [ipaUser('mona'), udn('alice')]),
    ipaGroupEntry(5, 'mm_rl_plain', [ipaUser('quinn')]),
    // Active Directory: managedBy names one user, or one group.
    container(adBase),
    container(`CN=Users,${adBase}`),
    container(`CN=Groups,${adBase}`),
    adUserEntry(1, 'sam'),
    adUserEntry(2, 'tina'),
    adUserEntry(3, 'uma', true),
    adGroupEntry(1, 'mm_ad_infra', [adUser('tina')], adUser('sam')),
    adGroupEntry(2, 'mm_ad_ops', [adUser('sam')], adGroup('Ops Owners')),
    adGroupEntry(3, 'Ops Owners', [adUser('tina'), adUser('uma')]),
    // OpenLDAP: groupOfNames owner (several DNs).
    container(olBase),
    container(`cn=people,${olBase}`),
    container(`cn=groups,${olBase}`),
    ...['victor', 'wendy', 'xavier'].map((uid): TestEntry => ({
      dn: olUser(uid),
      attributes: [
        ['objectClass', ['top', 'person', 'organizationalPerson', 'inetOrgPerson']],
        ['uid', [uid]],
        ['cn', [uid]],
        ['sn', ['User']],
      ],
    })),
    {
      dn: olGroup('mm_ol_web'),
      attributes: [
        ['objectClass', ['top', 'groupOfNames']],
        ['cn', ['mm_ol_web']],
        ['member', [olUser('xavier')]],
        ['owner', [olUser('victor'), olUser('wendy')]],
      ],
    },
  ]
}
