// Every SQL string of the adapter. Identifiers are unquoted, so they fold to Mattermost's lower-case
// table names. Membership rows come back aggregated per team/channel as `userid<flag>` lists: one
// row per syncable instead of one per membership keeps the driver's per-row work off the hot path.
// Every column read as an array has a unique name, so `fromTextQueries` can rebuild the arrays
// from row objects.

/** A REPEATABLE READ snapshot: every load query sees the same database state. */
export const beginSnapshot = 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY'
export const exportSnapshot: string = 'SELECT pg_export_snapshot()'
/** Imports an exported snapshot; the id is checked, since SET cannot take a parameter. */
export function setSnapshot(id: string): string {
  if (!/^[0-9A-Fa-f-]+$/.test(id)) throw new Error(`not a snapshot id: ${id}`)
  return `SET TRANSACTION SNAPSHOT '${id}'`
}
/** Writes check then change rows; REPEATABLE READ turns a concurrent change into 40001. */
export const beginWrite = 'BEGIN ISOLATION LEVEL REPEATABLE READ'

const roleCode = `CASE WHEN ' ' || coalesce(u.roles, '') || ' ' LIKE '% system_admin %' THEN 'a'
  WHEN ' ' || coalesce(u.roles, '') || ' ' LIKE '% system_guest %' THEN 'g' ELSE 'u' END`

export const selectUsers: string = `SELECT u.id, u.username, u.email, u.authdata, ${roleCode} AS role, u.deleteat > 0 AS deleted,
    b.userid IS NOT NULL AS bot
  FROM users u LEFT JOIN bots b ON b.userid = u.id`

// $1: text[] of sources, or NULL for every source.
export const selectGroups: string = `SELECT g.id, coalesce(g.name, g.displayname, '') AS name, g.deleteat > 0 AS deleted,
    (SELECT string_agg(gm.userid, ',') FROM groupmembers gm WHERE gm.groupid = g.id AND gm.deleteat = 0) AS members
  FROM usergroups g WHERE ($1::text[] IS NULL OR g.source = ANY($1::text[]))`

// $1: sources or NULL, $2: team ids or NULL (whole database).
export const selectTeamLinks: string = `SELECT l.groupid, l.teamid, coalesce(l.autoadd, false) AS autoadd,
    coalesce(l.schemeadmin, false) AS schemeadmin, l.deleteat > 0 AS deleted
  FROM groupteams l JOIN usergroups g ON g.id = l.groupid
  WHERE ($1::text[] IS NULL OR g.source = ANY($1::text[])) AND ($2::text[] IS NULL OR l.teamid = ANY($2::text[]))`

export const selectChannelLinks: string = `SELECT l.groupid, l.channelid, coalesce(l.autoadd, false) AS autoadd,
    coalesce(l.schemeadmin, false) AS schemeadmin, l.deleteat > 0 AS deleted
  FROM groupchannels l JOIN usergroups g ON g.id = l.groupid
  WHERE ($1::text[] IS NULL OR g.source = ANY($1::text[]))
    AND ($2::text[] IS NULL OR l.channelid IN (SELECT id FROM channels WHERE teamid = ANY($2::text[])))`

// $1: team ids or NULL.
export const selectTeams: string = `SELECT id, name, coalesce(groupconstrained, false) AS groupconstrained, deleteat > 0 AS deleted FROM teams
  WHERE ($1::text[] IS NULL OR id = ANY($1::text[]))`

export const selectChannels: string = `SELECT id, teamid, name, type, coalesce(groupconstrained, false) AS groupconstrained,
    deleteat > 0 AS deleted FROM channels
  WHERE ($1::text[] IS NULL OR teamid = ANY($1::text[]))`

// Flag digit: 1 = SchemeAdmin, 2 = SchemeGuest, 4 = soft-deleted (NULL flags read as false).
export const selectTeamMembers: string = `SELECT teamid, string_agg(userid || chr(48
    + CASE WHEN schemeadmin THEN 1 ELSE 0 END + CASE WHEN schemeguest THEN 2 ELSE 0 END
    + CASE WHEN deleteat > 0 THEN 4 ELSE 0 END), ',') AS members
  FROM teammembers WHERE ($1::text[] IS NULL OR teamid = ANY($1::text[])) GROUP BY teamid`

const channelScope = `($1::text[] IS NULL OR channelid IN (SELECT id FROM channels WHERE teamid = ANY($1::text[])))`

export const selectChannelMembers: string = `SELECT channelid, string_agg(userid || chr(48
    + CASE WHEN schemeadmin THEN 1 ELSE 0 END + CASE WHEN schemeguest THEN 2 ELSE 0 END), ',') AS members
  FROM channelmembers WHERE ${channelScope} GROUP BY channelid`

export const selectHistory: string = `SELECT channelid, string_agg(DISTINCT userid, ',') AS members
  FROM channelmemberhistory WHERE ${channelScope} GROUP BY channelid`

// ---- the rows a plan's commands touch (applyPlan's `check: 'touched'`), by id.

// $1: user ids.
export const selectUsersByIds: string = `${selectUsers} WHERE u.id = ANY($1::text[])`

// $1: channel ids, $2: team ids whose every channel is wanted, $3: team scope or NULL.
export const selectChannelsTouched: string = `SELECT id, teamid, name, type, coalesce(groupconstrained, false) AS groupconstrained,
    deleteat > 0 AS deleted FROM channels
  WHERE (id = ANY($1::text[]) OR teamid = ANY($2::text[])) AND ($3::text[] IS NULL OR teamid = ANY($3::text[]))`

// $1: team ids, $2: team scope or NULL.
export const selectTeamsByIds: string = `SELECT id, name, coalesce(groupconstrained, false) AS groupconstrained, deleteat > 0 AS deleted FROM teams
  WHERE id = ANY($1::text[]) AND ($2::text[] IS NULL OR id = ANY($2::text[]))`

// $1/$2: team ids / user ids, pairwise.
export const selectTeamMemberPairs: string = `SELECT tm.teamid, tm.userid, coalesce(tm.schemeadmin, false) AS schemeadmin,
    coalesce(tm.schemeguest, false) AS schemeguest, tm.deleteat > 0 AS deleted
  FROM teammembers tm JOIN unnest($1::text[], $2::text[]) AS i(teamid, userid)
    ON tm.teamid = i.teamid AND tm.userid = i.userid`

export const selectChannelMemberPairs: string = `SELECT cm.channelid, cm.userid, coalesce(cm.schemeadmin, false) AS schemeadmin,
    coalesce(cm.schemeguest, false) AS schemeguest
  FROM channelmembers cm JOIN unnest($1::text[], $2::text[]) AS i(channelid, userid)
    ON cm.channelid = i.channelid AND cm.userid = i.userid`

// $1: sources or NULL, $2: channel ids.
export const selectChannelLinksByIds: string = `SELECT l.groupid, l.channelid, coalesce(l.autoadd, false) AS autoadd,
    coalesce(l.schemeadmin, false) AS schemeadmin, l.deleteat > 0 AS deleted
  FROM groupchannels l JOIN usergroups g ON g.id = l.groupid
  WHERE ($1::text[] IS NULL OR g.source = ANY($1::text[])) AND l.channelid = ANY($2::text[])`

// $1: group ids, $2: user ids: the groups with only those of their members.
export const selectGroupsOfUsers: string = `SELECT g.id, coalesce(g.name, g.displayname, '') AS name, g.deleteat > 0 AS deleted,
    (SELECT string_agg(gm.userid, ',') FROM groupmembers gm
      WHERE gm.groupid = g.id AND gm.deleteat = 0 AND gm.userid = ANY($2::text[])) AS members
  FROM usergroups g WHERE g.id = ANY($1::text[])`

// ---- writes. $1/$2: syncable ids / user ids (text[]), then per-command flags, then now (bigint).

const teamInput = `unnest($1::text[], $2::text[], $3::bool[], $4::bool[]) AS i(teamid, userid, admin, guest)`

const newChannelMember = `'', $5::bigint, 0, 0, $6::jsonb, $5::bigint`
const channelMemberColumns = `channelid, userid, roles, lastviewedat, msgcount, mentioncount, notifyprops, lastupdateat,
      schemeuser, schemeadmin, schemeguest, msgcountroot, mentioncountroot, urgentmentioncount`

// Mattermost's JoinUserToTeam: a soft-deleted row is revived with fresh flags, otherwise inserted.
// A non-guest whose row was created or revived joins the team's live open channels named in $7
// (JoinDefaultChannels) where they have no row, as a plain member, with a history join row.
// $6: NotifyProps as Mattermost's defaults. Rows: ('team', teamid, userid, NULL) per added team
// row, ('channel', channelid, userid, teamid) per default join.
export const addTeamMembers: string = `WITH input AS (SELECT * FROM ${teamInput}),
  revived AS (
    UPDATE teammembers tm SET deleteat = 0, roles = '', schemeuser = NOT i.guest, schemeguest = i.guest, schemeadmin = i.admin
    FROM input i WHERE tm.teamid = i.teamid AND tm.userid = i.userid AND tm.deleteat > 0
    RETURNING tm.teamid, tm.userid),
  inserted AS (
    INSERT INTO teammembers (teamid, userid, roles, deleteat, schemeuser, schemeguest, schemeadmin, createat)
    SELECT i.teamid, i.userid, '', 0, NOT i.guest, i.guest, i.admin, $5::bigint FROM input i
    WHERE NOT EXISTS (SELECT 1 FROM teammembers tm WHERE tm.teamid = i.teamid AND tm.userid = i.userid)
    ON CONFLICT DO NOTHING
    RETURNING teamid, userid),
  added AS (SELECT teamid, userid FROM revived UNION ALL SELECT teamid, userid FROM inserted),
  defaults AS (
    INSERT INTO channelmembers (${channelMemberColumns})
    SELECT c.id, a.userid, ${newChannelMember}, true, false, false, 0, 0, 0
    FROM added a JOIN input i ON i.teamid = a.teamid AND i.userid = a.userid AND NOT i.guest
      JOIN channels c ON c.teamid = a.teamid AND c.type = 'O' AND NOT coalesce(c.deleteat > 0, false)
        AND c.name = ANY($7::text[])
    ON CONFLICT (channelid, userid) DO NOTHING
    RETURNING channelid, userid),
  default_history AS (
    INSERT INTO channelmemberhistory (channelid, userid, jointime, leavetime)
    SELECT channelid, userid, $5::bigint, NULL FROM defaults ON CONFLICT DO NOTHING)
  SELECT 'team' AS made, teamid AS syncableid, userid, NULL AS ofteam FROM added
  UNION ALL SELECT 'channel', d.channelid, d.userid, c.teamid FROM defaults d JOIN channels c ON c.id = d.channelid`

// $6: NotifyProps as Mattermost's defaults. $7: per command, whether this plan's team add
// default-joined the row: an existing row so made takes the command's SchemeAdmin (the plan's
// role wins, as for a new member); any other existing row is left alone. The UPDATE sees the rows
// as they were before the statement, so it never touches a row the INSERT makes.
export const addChannelMembers: string = `WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $7::bool[]) AS i(channelid, userid, admin, guest, joined)),
  inserted AS (
    INSERT INTO channelmembers (${channelMemberColumns})
    SELECT i.channelid, i.userid, ${newChannelMember}, NOT i.guest, i.admin, i.guest, 0, 0, 0 FROM input i
    ON CONFLICT (channelid, userid) DO NOTHING
    RETURNING channelid, userid),
  history AS (
    INSERT INTO channelmemberhistory (channelid, userid, jointime, leavetime)
    SELECT channelid, userid, $5::bigint, NULL FROM inserted ON CONFLICT DO NOTHING),
  promoted AS (
    UPDATE channelmembers cm SET schemeadmin = i.admin FROM input i
    WHERE i.joined AND cm.channelid = i.channelid AND cm.userid = i.userid
    RETURNING cm.channelid, cm.userid)
  SELECT channelid, userid FROM inserted UNION ALL SELECT channelid, userid FROM promoted`

// Only rows whose flag changes are written (NULL reads as false, as Mattermost reads it).
export const setTeamMemberAdmins: string = `UPDATE teammembers tm SET schemeadmin = i.admin
  FROM unnest($1::text[], $2::text[], $3::bool[]) AS i(teamid, userid, admin)
  WHERE tm.teamid = i.teamid AND tm.userid = i.userid AND tm.deleteat = 0 AND coalesce(tm.schemeadmin, false) <> i.admin
  RETURNING tm.teamid, tm.userid`

export const setChannelMemberAdmins: string = `UPDATE channelmembers cm SET schemeadmin = i.admin
  FROM unnest($1::text[], $2::text[], $3::bool[]) AS i(channelid, userid, admin)
  WHERE cm.channelid = i.channelid AND cm.userid = i.userid AND coalesce(cm.schemeadmin, false) <> i.admin
  RETURNING cm.channelid, cm.userid`

export const removeChannelMembers: string = `WITH removed AS (
    DELETE FROM channelmembers cm USING unnest($1::text[], $2::text[]) AS i(channelid, userid)
    WHERE cm.channelid = i.channelid AND cm.userid = i.userid
    RETURNING cm.channelid, cm.userid),
  left_ AS (
    UPDATE channelmemberhistory h SET leavetime = $3::bigint FROM removed r
    WHERE h.channelid = r.channelid AND h.userid = r.userid AND h.leavetime IS NULL)
  SELECT channelid, userid FROM removed`

// Mattermost's LeaveTeam: soft-delete the team row, hard-delete the user's O/P channel rows of the
// team and close their history rows.
export const removeTeamMembers: string = `WITH removed AS (
    UPDATE teammembers tm SET deleteat = $3::bigint, roles = ''
    FROM unnest($1::text[], $2::text[]) AS i(teamid, userid)
    WHERE tm.teamid = i.teamid AND tm.userid = i.userid AND tm.deleteat = 0
    RETURNING tm.teamid, tm.userid),
  left_channels AS (
    DELETE FROM channelmembers cm USING removed r, channels c
    WHERE c.teamid = r.teamid AND c.type IN ('O', 'P') AND cm.channelid = c.id AND cm.userid = r.userid
    RETURNING cm.channelid, cm.userid),
  left_history AS (
    UPDATE channelmemberhistory h SET leavetime = $3::bigint FROM left_channels l
    WHERE h.channelid = l.channelid AND h.userid = l.userid AND h.leavetime IS NULL)
  SELECT teamid, userid FROM removed`

// ---- grouproles' own schema.

export const migrationLock = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))'
export const createMigrationsTable: readonly string[] = [
  'CREATE SCHEMA IF NOT EXISTS grouproles',
  'CREATE TABLE IF NOT EXISTS grouproles.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
]
export const selectMigrations = 'SELECT version FROM grouproles.schema_migrations'
export const insertMigration = 'INSERT INTO grouproles.schema_migrations (version) VALUES ($1)'
/** Mirrors the newest applied migration into `grouproles.meta` (from migration 2 on). */
export const upsertSchemaVersion: string = `INSERT INTO grouproles.meta (key, value) VALUES ('schema_version', $1)
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`

/** Numbered migrations; a number is never reused or edited once released. */
export const migrations: readonly { readonly version: number; readonly sql: readonly string[] }[] =
  [
    {
      version: 1,
      sql: [
        `CREATE TABLE grouproles.runs (
        id bigserial PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        plan_summary jsonb NOT NULL,
        fingerprint text,
        target_fingerprint text,
        outcome text,
        error jsonb,
        timings jsonb)`,
        `CREATE TABLE grouproles.run_commands (
        run_id bigint NOT NULL REFERENCES grouproles.runs (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        command jsonb NOT NULL,
        reason text,
        outcome text NOT NULL,
        PRIMARY KEY (run_id, seq))`,
      ],
    },
    {
      // The membership store: what a REST target cannot list (who left), and whose site it is.
      version: 2,
      sql: [
        `CREATE TABLE grouproles.meta (
        key text PRIMARY KEY,
        value text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())`,
        `CREATE TABLE grouproles.remembered_memberships (
        syncable_kind text NOT NULL CHECK (syncable_kind IN ('team', 'channel')),
        syncable_id text NOT NULL,
        user_ids text[] NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (syncable_kind, syncable_id))`,
      ],
    },
    {
      // Runs applied through the REST API are journalled on the store's database too.
      version: 3,
      sql: [
        `ALTER TABLE grouproles.runs ADD COLUMN target text NOT NULL DEFAULT 'database'
        CHECK (target IN ('database', 'rest'))`,
        'ALTER TABLE grouproles.runs ADD COLUMN site_id text',
      ],
    },
    {
      // The safety rules' memory (core's SyncHistory): the grace period's counters and the last
      // complete run's directory sizes, for the health gate. One row in last_good_run at most.
      version: 4,
      sql: [
        `CREATE TABLE grouproles.pending_removals (
        syncable_kind text NOT NULL CHECK (syncable_kind IN ('team', 'channel')),
        syncable_id text NOT NULL,
        user_id text NOT NULL,
        runs integer NOT NULL CHECK (runs >= 0),
        since bigint NOT NULL,
        PRIMARY KEY (syncable_kind, syncable_id, user_id))`,
        `CREATE TABLE grouproles.last_good_run (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        at bigint NOT NULL,
        users integer NOT NULL,
        groups jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now())`,
      ],
    },
    {
      // Provenance: the memberships grouproles added (SyncHistory.added), for removals: 'ownOnly'.
      version: 5,
      sql: [
        `CREATE TABLE grouproles.added_memberships (
        syncable_kind text NOT NULL CHECK (syncable_kind IN ('team', 'channel')),
        syncable_id text NOT NULL,
        user_ids text[] NOT NULL,
        PRIMARY KEY (syncable_kind, syncable_id))`,
      ],
    },
    {
      // Replica freshness: the directory's marker the last complete run read (LastGoodRun.freshness).
      version: 6,
      sql: [
        `ALTER TABLE grouproles.last_good_run ADD COLUMN freshness_kind text
        CHECK (freshness_kind IN ('contextCSN', 'highestCommittedUSN'))`,
        'ALTER TABLE grouproles.last_good_run ADD COLUMN freshness_value text',
      ],
    },
  ]

// ---- the membership store (grouproles.meta, grouproles.remembered_memberships).

export const selectSiteIdentity: string = `SELECT key, value FROM grouproles.meta WHERE key IN ('site_id', 'site_url')`
// $1: keys, $2: values; only keys not yet recorded (an existing one is compared, never replaced).
export const insertSiteIdentity: string = `INSERT INTO grouproles.meta (key, value)
  SELECT k, v FROM unnest($1::text[], $2::text[]) AS i(k, v) ON CONFLICT (key) DO NOTHING`

// User ids come back as JSON (pg and PGlite parse it natively; a text[] is parsed character by
// character in JS) and sorted in "C" order, which is JS's order for ids without astral characters.
export const selectRememberedMemberships: string = `SELECT syncable_kind, syncable_id, to_json(user_ids) AS user_ids
  FROM grouproles.remembered_memberships`

const sortedUnion = (a: string, b: string): string =>
  `ARRAY(SELECT u FROM (SELECT unnest(${a}) AS u UNION SELECT unnest(${b})) AS s ORDER BY u COLLATE "C")`

// $1: JSON array of [kind, syncable id, [user ids]], one per syncable with ids to add. A row is
// written only when its set grows; the DO UPDATE unions with the row as it is when locked, so a
// concurrent writer's ids are kept. UNION (hashed) rather than `<@` or `<> ALL`, which compare
// n × m elements. Rows are kept sorted (see selectRememberedMemberships).
export const rememberMemberships: string = `WITH input AS (
    SELECT e ->> 0 AS kind, e ->> 1 AS id,
      ARRAY(SELECT DISTINCT u COLLATE "C" FROM json_array_elements_text(e -> 2) AS x(u) ORDER BY 1) AS ids
    FROM json_array_elements($1::json) AS e),
  merged AS (
    SELECT i.kind, i.id, i.ids, cardinality(r.user_ids) AS before,
      CASE WHEN r.user_ids IS NULL THEN cardinality(i.ids)
        ELSE cardinality(ARRAY(SELECT unnest(r.user_ids) UNION SELECT unnest(i.ids))) END AS after
    FROM input i LEFT JOIN grouproles.remembered_memberships r ON r.syncable_kind = i.kind AND r.syncable_id = i.id)
  INSERT INTO grouproles.remembered_memberships AS r (syncable_kind, syncable_id, user_ids)
  SELECT kind, id, ids FROM merged WHERE cardinality(ids) > 0 AND (before IS NULL OR after > before)
  ON CONFLICT (syncable_kind, syncable_id) DO UPDATE
    SET user_ids = ${sortedUnion('r.user_ids', 'EXCLUDED.user_ids')}, updated_at = now()
  RETURNING syncable_kind`

// ---- the safety history (grouproles.pending_removals, grouproles.last_good_run).

export const selectHistoryTables: string = `SELECT to_regclass('grouproles.pending_removals') IS NOT NULL
  AND to_regclass('grouproles.last_good_run') IS NOT NULL
  AND to_regclass('grouproles.added_memberships') IS NOT NULL`
export const selectAddedMemberships: string = `SELECT syncable_kind, syncable_id, to_json(user_ids) AS user_ids
  FROM grouproles.added_memberships ORDER BY syncable_kind, syncable_id`
export const deleteAddedMemberships = 'DELETE FROM grouproles.added_memberships'
// $1: JSON array of [kind, syncable id, [user ids]].
export const insertAddedMemberships: string = `INSERT INTO grouproles.added_memberships (syncable_kind, syncable_id, user_ids)
  SELECT e ->> 0, e ->> 1, ARRAY(SELECT json_array_elements_text(e -> 2)) FROM json_array_elements($1::json) AS e`
export const selectPendingRemovals: string = `SELECT syncable_kind, syncable_id, user_id, runs, since::text
  FROM grouproles.pending_removals ORDER BY syncable_kind, syncable_id, user_id`
export const selectLastGoodRun: string = `SELECT at::text, users, groups, freshness_kind, freshness_value FROM grouproles.last_good_run`
export const deletePendingRemovals = 'DELETE FROM grouproles.pending_removals'
// $1: JSON array of [kind, syncable id, user id, runs, since]; one statement whatever the count.
export const insertPendingRemovals: string = `INSERT INTO grouproles.pending_removals (syncable_kind, syncable_id, user_id, runs, since)
  SELECT e ->> 0, e ->> 1, e ->> 2, (e ->> 3)::integer, (e ->> 4)::bigint FROM json_array_elements($1::json) AS e`
// $1: at (epoch ms), $2: users, $3: groups as JSON.
// $4/$5: the freshness marker's kind and value, or NULL when the directory gave none.
export const upsertLastGoodRun: string = `INSERT INTO grouproles.last_good_run (singleton, at, users, groups, freshness_kind, freshness_value)
  VALUES (true, $1::bigint, $2, $3::jsonb, $4, $5)
  ON CONFLICT (singleton) DO UPDATE SET at = EXCLUDED.at, users = EXCLUDED.users, groups = EXCLUDED.groups,
    freshness_kind = EXCLUDED.freshness_kind, freshness_value = EXCLUDED.freshness_value, updated_at = now()`

export const insertRun: string = `INSERT INTO grouproles.runs (plan_summary, fingerprint, target_fingerprint, target, site_id)
  VALUES ($1::jsonb, $2, $3, $4, $5) RETURNING id::integer`
export const updateRunFinished: string = `UPDATE grouproles.runs SET finished_at = now(), outcome = $2, error = $3::jsonb, timings = $4::jsonb
  WHERE id = $1 RETURNING id`
// $2: jsonb array of {command, reason, outcome}; seq continues after the run's last recorded command.
export const insertRunCommands: string = `INSERT INTO grouproles.run_commands (run_id, seq, command, reason, outcome)
  SELECT $1, coalesce((SELECT max(seq) FROM grouproles.run_commands WHERE run_id = $1), 0) + e.ord,
    e.value -> 'command', e.value ->> 'reason', e.value ->> 'outcome'
  FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(value, ord)`
export const selectRuns: string = `SELECT r.id::integer, r.started_at::text, r.finished_at::text, r.plan_summary, r.fingerprint, r.target_fingerprint,
    r.outcome, r.error, r.timings, (SELECT count(*)::integer FROM grouproles.run_commands c WHERE c.run_id = r.id),
    r.target, r.site_id
  FROM grouproles.runs r WHERE ($2::text IS NULL OR r.site_id = $2) ORDER BY r.id DESC LIMIT $1`
export const selectRunById: string = `SELECT r.id::integer, r.started_at::text, r.finished_at::text, r.plan_summary, r.fingerprint, r.target_fingerprint,
    r.outcome, r.error, r.timings, (SELECT count(*)::integer FROM grouproles.run_commands c WHERE c.run_id = r.id),
    r.target, r.site_id
  FROM grouproles.runs r WHERE r.id = $1`
export const selectRunsTable: string = `SELECT to_regclass('grouproles.runs') IS NOT NULL`
export const selectRunCommands: string = `SELECT seq, command, reason, outcome FROM grouproles.run_commands WHERE run_id = $1 ORDER BY seq`

export const tryLock = 'SELECT pg_try_advisory_lock(hashtextextended($1, 0))'
export const unlock = 'SELECT pg_advisory_unlock(hashtextextended($1, 0))'
