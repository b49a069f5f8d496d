import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { SyncState } from '@grouproles/core'
import { LdifGroupSource } from '@grouproles/adapter-ldap'
import { readConfigFile } from '../shared/parse-config.js'
import { mattermostSeed } from './mattermost-seed.js'

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url))

/**
 * The example's Mattermost as a licensed (Enterprise) server holds it: `mattermostSeed` plus the
 * directory's groups and links, as Mattermost's own LDAP group sync keeps them (a group-constrained
 * team only takes members of its linked groups).
 */
export async function enterpriseSeed(): Promise<SyncState> {
  const config = readConfigFile(here('./config.json'))._unsafeUnwrap()
  const source = new LdifGroupSource({
    text: readFileSync(here('./directory.ldif'), 'utf8'),
    source: 'directory.ldif',
    ldap: config.ldap,
    matchBy: config.matchBy,
    rules: config.rules,
  })
  const load = (await source.loadGroups(mattermostSeed))._unsafeUnwrap()
  return { ...mattermostSeed, groups: load.groups, links: load.links }
}

/**
 * The example's Mattermost on Team Edition (no licence): nothing is group-constrained and there
 * are no Mattermost groups; the demo manages its teams instead (config `manage`).
 */
export const teamEditionSeed: SyncState = {
  ...mattermostSeed,
  teams: mattermostSeed.teams.map((t) => ({ ...t, groupConstrained: false })),
  channels: mattermostSeed.channels.map((c) => ({ ...c, groupConstrained: false })),
}
