import type { TestEntry } from './write-ldif.js'

export const suffix: string = 'dc=ipa,dc=test'
export const usersDn: string = `cn=users,cn=accounts,${suffix}`
export const groupsDn: string = `cn=groups,cn=accounts,${suffix}`
export const bindDn: string = `uid=mattermost,cn=sysaccounts,cn=etc,${suffix}`
export const bindPassword: string = 'mm-secret'
export const rootDn: string = `cn=Directory Manager,${suffix}`
export const rootPassword: string = 'secret'

export const uuid = (n: number, kind = 4): string =>
  `00000000-0000-${kind}000-8000-${n.toString(16).padStart(12, '0')}`

const userClasses = [
  'top',
  'person',
  'organizationalperson',
  'inetorgperson',
  'inetuser',
  'posixaccount',
  'krbprincipalaux',
  'krbticketpolicyaux',
  'ipaobject',
  'ipasshuser',
  'ipaSshGroupOfPubKeys',
]
const groupClasses = [
  'top',
  'groupofnames',
  'nestedgroup',
  'ipausergroup',
  'ipaobject',
  'posixgroup',
]

function container(dn: string): TestEntry {
  const cn = /^cn=([^,]+)/.exec(dn)?.[1] ?? ''
  return {
    dn,
    attributes: [
      ['objectClass', ['top', 'nsContainer']],
      ['cn', [cn]],
    ],
  }
}

export function user(
  n: number,
  uid: string,
  opts: { sn?: string; mails?: string[]; lock?: 'TRUE' | 'FALSE'; rdn?: string } = {},
): TestEntry {
  const mails = opts.mails ?? [`${uid}@ipa.test`]
  return {
    dn: `uid=${opts.rdn ?? uid},${usersDn}`,
    attributes: [
      ['objectClass', userClasses],
      ['uid', [uid]],
      ['givenName', [uid]],
      ['sn', [opts.sn ?? 'User']],
      ['cn', [`${uid} ${opts.sn ?? 'User'}`]],
      ...(mails.length > 0 ? [['mail', mails] as const] : []),
      ['uidNumber', [String(10000 + n)]],
      ['gidNumber', [String(10000 + n)]],
      ['homeDirectory', [`/home/${uid}`]],
      ['loginShell', ['/bin/bash']],
      ['krbPrincipalName', [`${uid}@IPA.TEST`]],
      ['ipaUniqueID', [uuid(n)]],
      ['userPassword', ['password']],
      ...(opts.lock !== undefined ? [['nsAccountLock', [opts.lock]] as const] : []),
    ],
  }
}

export function group(
  n: number,
  cn: string,
  members: readonly string[],
  opts: { rdn?: string; extra?: TestEntry['attributes']; classes?: readonly string[] } = {},
): TestEntry {
  return {
    dn: `cn=${opts.rdn ?? cn},${groupsDn}`,
    attributes: [
      ['objectClass', [...groupClasses, ...(opts.classes ?? [])]],
      ['cn', [cn]],
      ['gidNumber', [String(50000 + n)]],
      ['ipaUniqueID', [uuid(n, 5)]],
      ...(members.length > 0 ? [['member', members] as const] : []),
      ...(opts.extra ?? []),
    ],
  }
}

export const udn = (uid: string): string => `uid=${uid},${usersDn}`
export const gdn = (cn: string): string => `cn=${cn},${groupsDn}`

/** The FreeIPA-shaped DIT of the integration tests (classes and attributes as in FreeIPA). */
export function freeipaFixture(bulkUsers = 1200): TestEntry[] {
  const bulk = Array.from({ length: bulkUsers }, (_, i) => `bulk${String(i).padStart(5, '0')}`)
  return [
    {
      dn: suffix,
      attributes: [
        ['objectClass', ['top', 'domain']],
        ['dc', ['ipa']],
      ],
    },
    container(`cn=accounts,${suffix}`),
    container(usersDn),
    container(groupsDn),
    container(`cn=etc,${suffix}`),
    container(`cn=sysaccounts,cn=etc,${suffix}`),
    container(`cn=compat,${suffix}`),
    container(`cn=users,cn=compat,${suffix}`),
    {
      dn: bindDn,
      attributes: [
        ['objectClass', ['account', 'simpleSecurityObject']],
        ['uid', ['mattermost']],
        ['userPassword', [bindPassword]],
      ],
    },
    user(1, 'alice', { sn: 'Admin', mails: ['alice@ipa.test', 'alice.alt@ipa.test'] }),
    user(2, 'bob'),
    user(3, 'carol', { lock: 'TRUE' }),
    user(4, 'dave', { lock: 'FALSE' }),
    user(5, 'eve', { sn: 'Spe(c)ial*\\chars' }),
    user(6, '*)(uid=*', { rdn: '*)(uid\\3D*', mails: [] }),
    user(7, 'josé', { mails: ['jose@ipa.test'] }),
    // A compat-tree duplicate, as slapi-nis makes: must not be read (outside cn=users).
    {
      dn: `uid=alice,cn=users,cn=compat,${suffix}`,
      attributes: [
        ['objectClass', ['top', 'account']],
        ['uid', ['alice']],
      ],
    },
    ...bulk.map((uid, i) => user(1000 + i, uid)),
    group(1, 'rl_infra_leads', [udn('bob')]),
    group(2, 'mm_rl_infra', [udn('alice'), udn('carol'), gdn('rl_infra_leads')], {
      extra: [['memberManager', [udn('alice')]]],
    }),
    // Odd spelling of member DNs: must resolve case- and space-insensitively.
    group(3, 'mm_rl_docs', [
      `UID=ALICE, CN=users,cn=accounts,DC=ipa,dc=test`,
      `uid=josé,${usersDn}`,
    ]),
    group(4, 'cycle_a', [udn('dave'), gdn('cycle_b')]),
    group(5, 'cycle_b', [udn('eve'), gdn('cycle_a')]),
    group(6, 'ipausers', [udn('alice'), udn('bob'), udn('carol'), udn('dave'), udn('eve')]),
    group(7, 'mm_bulk', bulk.map(udn)),
    group(8, 'mm_empty', []),
    group(9, 'mm_ext', [], {
      classes: ['ipaexternalgroup'],
      extra: [['ipaExternalMember', ['S-1-5-21-1-2-3-512']]],
    }),
    group(10, 'Spe(c)ial*\\chars', [udn('eve')], { rdn: 'Spe(c)ial*\\5Cchars' }),
    group(11, '*)(uid=*', [udn('alice'), `uid=*)(uid\\3D*,${usersDn}`], { rdn: '*)(uid\\3D*' }),
    group(12, 'mm_rl_outer', [
      gdn('mm_rl_infra'),
      `krbprincipalname=HTTP/host1.ipa.test@IPA.TEST,cn=services,cn=accounts,${suffix}`,
    ]),
    // A user-private group: no ipaUserGroup class, must stay out.
    {
      dn: gdn('alice'),
      attributes: [
        ['objectClass', ['top', 'nsContainer', 'posixgroup', 'ipaobject']],
        ['cn', ['alice']],
        ['gidNumber', ['10001']],
        ['ipaUniqueID', [uuid(99, 6)]],
      ],
    },
    // A plain posix group with memberUid (read with the openldap preset).
    {
      dn: gdn('legacy_posix'),
      attributes: [
        ['objectClass', ['top', 'nsContainer', 'posixGroup']],
        ['cn', ['legacy_posix']],
        ['gidNumber', ['60000']],
        ['memberUid', ['alice', 'BOB', 'ghost']],
      ],
    },
  ]
}
