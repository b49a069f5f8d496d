import type { SyncState } from '@grouproles/core'

/** A Mattermost id (26 × [a-z0-9]) that still reads as its name in a plan. */
export const mmId = (name: string): string =>
  name
    .replace(/[^a-z0-9]/g, '')
    .padEnd(26, '0')
    .slice(0, 26)

const member = (userId: string, admin = false) => ({
  userId: mmId(userId),
  schemeAdmin: admin,
  schemeGuest: false,
})

/**
 * The Mattermost side of the Rocky Linux example before any sync: two teams (`rl` is group-synced),
 * their channels and the memberships people made by hand. Groups and links come from the directory.
 */
export const mattermostSeed: SyncState = {
  users: [
    { id: mmId('alice'), username: 'alice', email: 'alice@rockylinux.org', systemRole: 'user' },
    { id: mmId('bob'), username: 'bob', email: 'bob@rockylinux.org', systemRole: 'user' },
    { id: mmId('carol'), username: 'carol', email: 'carol@rockylinux.org', systemRole: 'user' },
    { id: mmId('dave'), username: 'dave', email: 'dave@rockylinux.org', systemRole: 'guest' },
    { id: mmId('erin'), username: 'erin', email: 'erin@rockylinux.org', systemRole: 'user' },
    { id: mmId('frank'), username: 'frank', email: 'frank@rockylinux.org', systemRole: 'user' },
    { id: mmId('grace'), username: 'grace', email: 'grace@rockylinux.org', systemRole: 'admin' },
    { id: mmId('cibot'), username: 'ci-bot', systemRole: 'user', isBot: true },
  ],
  groups: [],
  links: [],
  teams: [
    { id: mmId('teamrl'), name: 'rl', groupConstrained: true },
    { id: mmId('teamresf'), name: 'resf', groupConstrained: false },
  ],
  channels: [
    {
      id: mmId('rlinfrastructure'),
      teamId: mmId('teamrl'),
      name: 'infrastructure',
      type: 'P',
      groupConstrained: true,
    },
    {
      id: mmId('rltownsquare'),
      teamId: mmId('teamrl'),
      name: 'town-square',
      type: 'O',
      groupConstrained: false,
    },
    {
      id: mmId('resfboard'),
      teamId: mmId('teamresf'),
      name: 'board',
      type: 'P',
      groupConstrained: false,
    },
    {
      id: mmId('resftownsquare'),
      teamId: mmId('teamresf'),
      name: 'town-square',
      type: 'O',
      groupConstrained: false,
    },
  ],
  teamMembers: [
    { teamId: mmId('teamrl'), ...member('alice') },
    { teamId: mmId('teamrl'), ...member('carol') },
    { teamId: mmId('teamrl'), ...member('frank') },
    { teamId: mmId('teamrl'), ...member('grace', true) },
    { teamId: mmId('teamrl'), ...member('cibot') },
    { teamId: mmId('teamresf'), ...member('erin') },
  ],
  channelMembers: [
    { channelId: mmId('rlinfrastructure'), ...member('alice', true) },
    { channelId: mmId('rlinfrastructure'), ...member('carol') },
    { channelId: mmId('rlinfrastructure'), ...member('frank') },
    { channelId: mmId('rltownsquare'), ...member('alice') },
    { channelId: mmId('rltownsquare'), ...member('frank') },
    { channelId: mmId('resfboard'), ...member('erin') },
  ],
  channelHistory: [
    { channelId: mmId('rlinfrastructure'), userId: mmId('alice') },
    { channelId: mmId('rlinfrastructure'), userId: mmId('carol') },
    { channelId: mmId('rlinfrastructure'), userId: mmId('frank') },
    { channelId: mmId('rltownsquare'), userId: mmId('alice') },
    { channelId: mmId('rltownsquare'), userId: mmId('frank') },
    { channelId: mmId('resfboard'), userId: mmId('erin') },
  ],
}
