import type { DirectoryGroup, LdapDirectoryConfig } from '../../src/index.js'
import { suffix } from './freeipa-fixture.js'
import { adBase, olBase } from './managers-fixture.js'

type Where = Omit<LdapDirectoryConfig, 'url' | 'bindDn' | 'password'>

/** Where each subtree of `managersFixture` is read from, per preset. */
export const managerConfigs: Readonly<Record<LdapDirectoryConfig['preset'], Where>> = {
  freeipa: {
    preset: 'freeipa',
    baseDn: suffix,
    usersContainer: 'cn=users,cn=mgmt',
    groupsContainer: 'cn=groups,cn=mgmt',
  },
  activeDirectory: {
    preset: 'activeDirectory',
    baseDn: adBase,
    usersContainer: 'CN=Users',
    groupsContainer: 'CN=Groups',
  },
  openldap: {
    preset: 'openldap',
    baseDn: olBase,
    usersContainer: 'cn=people',
    groupsContainer: 'cn=groups',
  },
}

/** A group's name, members and manager fields (ids differ between a server and an export). */
export const managerFields = (g: DirectoryGroup): Record<string, unknown> => ({
  name: g.name,
  memberUsernames: g.memberUsernames,
  status: g.status,
  managerUsernames: g.managerUsernames,
  managerAttribute: g.managerAttribute,
  managersUnavailableReason: g.managersUnavailableReason,
})
