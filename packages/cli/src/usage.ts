/** The command names, in the order `--help` lists them. */
export const commandNames = ['plan', 'show', 'apply', 'revert', 'explain', 'serve', 'init'] as const
export type CommandName = (typeof commandNames)[number]

const targets = `Mattermost (plan, apply, revert, explain, serve):
  --demo                      the demo's in-memory Mattermost (Rocky Linux example, shipped with
                              this package); with no --config, the demo's config and directory too
  DATABASE_URL                Mattermost's Postgres database
  MATTERMOST_URL, MATTERMOST_TOKEN
                              the REST API of a live server (preferred when both are set), with
                              the config's store (store.dataDir, default .grouproles/store next
                              to the config, or store.url): who left, the journal, the run lock;
                              http:// only to this machine unless mattermost.insecure or
                              MATTERMOST_INSECURE=1`

const directory = `Directory (plan, explain, serve):
  --ldif FILE                 an LDIF export (ldapsearch -LLL … > export.ldif); else the config's
                              LDAP server (LDAP_URL, LDAP_BIND_DN, LDAP_PASSWORD, LDAP_BASE_DN,
                              LDAP_CA_FILE, LDAP_INSECURE override it); a password over plain
                              ldap:// to another host or tls.rejectUnauthorized: false is refused
                              unless ldap.insecure or LDAP_INSECURE=1`

export const globalUsage = `grouproles: keep Mattermost team and channel memberships and admin roles in line with
directory groups (FreeIPA, OpenLDAP, Active Directory).

Usage: grouproles <command> [options]

Commands:
  plan      plan a sync and print it for review (--out FILE writes the plan file)
  show      print a saved plan file, per team and channel, with reasons
  apply     apply a reviewed plan file exactly as written
  revert    plan the undo of an applied run (--out FILE writes a revert plan file)
  explain   why a user has (or gets) a role in a team or channel
  serve     sync on an interval, with /metrics, /healthz (and /role, opt-in)
  init      write a commented starter config

Options:
  --json                      one JSON document on stdout (shapes: the package README)
  -h, --help                  this help; "grouproles <command> --help" for a command's
  -v, --version               the version

Paths on the command line resolve from the current directory; paths inside a config file from
the config file's folder. Exit codes: 0 ok, 1 runtime failure, 2 bad input or usage
(plan and revert --detailed-exitcode: 0 no changes, 2 changes pending, 1 error).

Try it: grouproles plan --demo`

const planKey = `Signing (optional):
  GROUPROLES_PLAN_KEY         when set, plan --out signs the file and show and apply refuse a file
                              unsigned or altered since (exit 1); set but empty is an error (exit 2)`

export const commandUsage: Readonly<Record<CommandName, string>> = {
  plan: `Usage: grouproles plan --config FILE [--ldif FILE] [--out FILE] [options]

Plans a sync from the directory to Mattermost and prints it: every change per team and channel
with its reason, what the safety limits held, and the warnings. Nothing is changed.

Options:
  --config FILE               the config file (JSON, comments allowed)
  --out FILE                  write the plan file, to review and then "grouproles apply FILE"
  --allow-empty               accept a directory, filter or rule that selects no group
  --detailed-exitcode         exit 0 when there is nothing to change, 2 when changes are pending,
                              1 on any error
  --json                      print the plan as JSON

${directory}

${targets}`,
  show: `Usage: grouproles show PLAN_FILE [--json]

Prints a saved plan file per team and channel, with reasons and warnings. Needs no server. Says so
when the file was edited by hand since it was written (or has no digest).

${planKey}`,
  apply: `Usage: grouproles apply PLAN_FILE --config FILE [--ldif FILE] [options]

Refuses a plan file edited by hand. Re-reads the directory and Mattermost, plans again with the
file's policy and checks each command of the file against that fresh plan: a command that no
longer holds (re-added, already done, now held, gone) refuses the apply (stalePlan, exit 1) and
is printed with why. Changes to other memberships do not. Then prints the plan (names from the
live state) and applies the file's commands.

A revert plan file (grouproles revert RUN_ID --out FILE) needs no directory: each command is
checked against the inverse of that run made again from the live state (a command already undone
or overtaken is stale), and the apply is journalled like any, so its own revert restores the run.

Options:
  --config FILE               the config file the plan was made with
  --allow-edited              apply a file edited by hand (or with no digest) all the same
  --partial                   apply only the commands that still hold; say how many were skipped
  --json                      print the outcome as JSON

${directory}

${planKey}

${targets}`,
  revert: `Usage: grouproles revert RUN_ID --config FILE [--out FILE] [options]

Plans the undo of an applied run of the journal (the run summary and apply give its id): members
it removed are re-added with the role they had (admin flag, guest), flags it changed are set back,
memberships it added are removed. Planned against the live state, like a sync's plan: removals
past the config's limits are held, and what no longer applies (a user deactivated or deleted, a
team or channel archived) is listed as not revertible, never forced. Nothing is changed: review
the plan, write it with --out and apply it with "grouproles apply FILE". Needs no directory.

Options:
  --config FILE               the config file (its policy limits; with the REST API its store)
  --out FILE                  write the revert plan file (marked "revert of run N")
  --detailed-exitcode         exit 0 when there is nothing to undo, 2 when changes are pending,
                              1 on any error
  --json                      print the revert plan as JSON

Unknown run ids, runs that applied nothing and unreadable journal records are refused (exit 2).

${planKey}

${targets}`,
  explain: `Usage: grouproles explain --config FILE --user NAME --team NAME [--channel NAME] [options]

Says which groups give the user which role in the team or channel, and why.

${directory}

${targets}`,
  serve: `Usage: grouproles serve --config FILE [--ldif FILE] [--apply] [--interval SECONDS]
                       [--port PORT] [--host HOST]

Syncs on an interval under a Postgres run lock (Mattermost's database, or with the REST API the
store's), logs JSON lines (pino), and serves /metrics (Prometheus) and /healthz (200 once a run did
all it was asked), GET/HEAD only, with the config's serve limits (default 64 connections, 5 s for
headers, 10 s per request, 5 s keep-alive). With serve.role in the config, /role?user=…&team=…|
channel=… on its own port, only with "Authorization: Bearer" and the token in serve.role.tokenEnv
(default GROUPROLES_ROLE_TOKEN). Without --apply it only plans and reports.

Options:
  --apply                     apply the plans (also SYNC_APPLY=1)
  --interval SECONDS          pause between runs (also SYNC_INTERVAL_SECONDS; default 300)
  --port PORT, --host HOST    where to listen (also PORT, HOST; default 127.0.0.1:9464)
  LOG_LEVEL                   pino level (default info)

${directory}

${targets}`,
  init: `Usage: grouproles init [FILE] [--force] [--json]

Writes a commented starter config (default grouproles.json) with a "$schema" line, so editors
complete and check it. Refuses to overwrite an existing file unless --force.`,
}
