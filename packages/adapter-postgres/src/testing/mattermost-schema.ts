import { okAsync, type ResultAsync } from 'neverthrow'
import type { PostgresClient } from '../postgres-client.js'
import type { PostgresError } from '../postgres-error.js'
import { run } from '../internal/session.js'

/**
 * Our own DDL for the Mattermost tables the adapter reads and writes (mattermost-semantics §1):
 * lower-case names, Mattermost's column types and primary keys. The UNIQUE constraints on names and
 * emails are left out on purpose: core's arbitraries do not promise unique names, and the adapter
 * never relies on them.
 */
export const mattermostSchemaSql: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS users (
    id varchar(26) PRIMARY KEY, createat bigint, updateat bigint, deleteat bigint,
    username varchar(64), password varchar(128), authdata varchar(128), authservice varchar(32),
    email varchar(128), emailverified boolean, nickname varchar(64), firstname varchar(64), lastname varchar(64),
    position varchar(128), roles varchar(256), locale varchar(5), remoteid varchar(26))`,
  `CREATE TABLE IF NOT EXISTS bots (
    userid varchar(26) PRIMARY KEY, description varchar(1024), ownerid varchar(190), lasticonupdate bigint,
    createat bigint, updateat bigint, deleteat bigint)`,
  `CREATE TABLE IF NOT EXISTS usergroups (
    id varchar(26) PRIMARY KEY, name varchar(64), displayname varchar(128), description varchar(1024),
    source varchar(64), remoteid varchar(48), createat bigint, updateat bigint, deleteat bigint, allowreference boolean,
    UNIQUE (source, remoteid))`,
  `CREATE TABLE IF NOT EXISTS groupmembers (
    groupid varchar(26), userid varchar(26), createat bigint, deleteat bigint, PRIMARY KEY (groupid, userid))`,
  `CREATE TABLE IF NOT EXISTS groupteams (
    groupid varchar(26), autoadd boolean, schemeadmin boolean DEFAULT false, createat bigint, deleteat bigint,
    updateat bigint, teamid varchar(26), PRIMARY KEY (groupid, teamid))`,
  `CREATE TABLE IF NOT EXISTS groupchannels (
    groupid varchar(26), autoadd boolean, schemeadmin boolean, createat bigint, deleteat bigint,
    updateat bigint, channelid varchar(26), PRIMARY KEY (groupid, channelid))`,
  `CREATE TABLE IF NOT EXISTS teams (
    id varchar(26) PRIMARY KEY, createat bigint, updateat bigint, deleteat bigint, displayname varchar(64),
    name varchar(64), description varchar(255), email varchar(128), type text, companyname varchar(64),
    alloweddomains varchar(1000), inviteid varchar(32), schemeid varchar(26), allowopeninvite boolean,
    lastteamiconupdate bigint, groupconstrained boolean, cloudlimitsarchived boolean)`,
  `CREATE TABLE IF NOT EXISTS channels (
    id varchar(26) PRIMARY KEY, createat bigint, updateat bigint, deleteat bigint, teamid varchar(26),
    type varchar(1), displayname varchar(64), name varchar(64), header varchar(1024), purpose varchar(250),
    lastpostat bigint, totalmsgcount bigint, extraupdateat bigint, creatorid varchar(26), schemeid varchar(26),
    groupconstrained boolean, shared boolean, totalmsgcountroot bigint, lastrootpostat bigint DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS teammembers (
    teamid varchar(26), userid varchar(26), roles varchar(64), deleteat bigint, schemeuser boolean,
    schemeadmin boolean, schemeguest boolean, createat bigint DEFAULT 0, PRIMARY KEY (teamid, userid))`,
  `CREATE TABLE IF NOT EXISTS channelmembers (
    channelid varchar(26), userid varchar(26), roles varchar(64), lastviewedat bigint, msgcount bigint,
    mentioncount bigint, notifyprops jsonb, lastupdateat bigint, schemeuser boolean, schemeadmin boolean,
    schemeguest boolean, mentioncountroot bigint, msgcountroot bigint, urgentmentioncount bigint,
    PRIMARY KEY (channelid, userid))`,
  `CREATE TABLE IF NOT EXISTS channelmemberhistory (
    channelid varchar(26), userid varchar(26), jointime bigint NOT NULL, leavetime bigint,
    PRIMARY KEY (channelid, userid, jointime))`,
  // The indexes Mattermost has that the adapter's queries use.
  'CREATE INDEX IF NOT EXISTS idx_teammembers_user_id ON teammembers (userid)',
  'CREATE INDEX IF NOT EXISTS idx_channelmembers_user_id_channel_id_last_viewed_at ON channelmembers (userid, channelid, lastviewedat)',
  'CREATE INDEX IF NOT EXISTS idx_channels_team_id ON channels (teamid)',
  'CREATE INDEX IF NOT EXISTS idx_channelmemberhistory_user_id ON channelmemberhistory (userid)',
]

/** Creates the Mattermost tables (idempotent): a fresh database for tests, benchmarks and demos. */
export function createMattermostSchema(client: PostgresClient): ResultAsync<void, PostgresError> {
  let chain: ResultAsync<void, PostgresError> = okAsync(undefined)
  for (const sql of mattermostSchemaSql)
    chain = chain.andThen(() =>
      run(client, 'creating the Mattermost schema', sql).map(() => undefined),
    )
  return chain
}
