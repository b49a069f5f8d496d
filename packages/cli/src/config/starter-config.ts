/**
 * The config `grouproles init` writes: every part with a comment, the Rocky Linux conventions as the
 * example, nothing secret. `schemaPath` is written as `$schema` so editors complete and check it.
 */
export function starterConfig(schemaPath: string): string {
  return `{
  // grouproles config: JSON with comments. Paths in this file resolve from this file's folder.
  "$schema": ${JSON.stringify(schemaPath)},

  // The directory. Presets: freeipa, openldap, activeDirectory (containers, filters, attributes).
  // Bind as a system account; keep the password out of this file (passwordFile, or LDAP_PASSWORD).
  "ldap": {
    "preset": "freeipa",
    "url": "ldaps://ipa.example.org",
    "bindDn": "uid=mattermost,cn=sysaccounts,cn=etc,dc=example,dc=org",
    "passwordFile": "ldap-password.txt",
    "baseDn": "dc=example,dc=org"
  },

  // How directory users find their Mattermost account: username, email or authData.
  "matchBy": "username",

  // Group -> team/channel links. mm_rl_infra links channel rl/infra (and team rl); groups ending
  // in _admins make admins. "manage": true makes what a rule links managed: members in none of
  // its groups are removed and admin roles follow the groups, even where Mattermost itself does not
  // sync groups (Team Edition).
  "rules": [
    { "kind": "pattern", "pattern": "mm_{team}_{channel}", "adminSuffix": "_admins" },
    { "kind": "pattern", "pattern": "mm_{team}", "adminSuffix": "_admins" }
  ],

  // More teams ("rl") and channels ("rl/infra") to manage, whatever rule links them.
  "manage": [],

  // Safety: more removals than this in one plan are held for review.
  "policy": {
    "limits": { "maxRemovals": 25, "maxRemovalFraction": 0.5 }
  },

  // Checked before "grouproles serve --apply" applies a plan on its own.
  "gates": { "minGroups": 1, "maxCommands": 500 },

  // Through the REST API: which teams to sync (default: all) and their default channels.
  "mattermost": { "defaultChannels": ["town-square", "off-topic"] },

  // Where REST runs remember who left a team or channel (the API cannot list it):
  // an embedded database in this folder, or "url": a Postgres URL.
  "store": { "dataDir": ".grouproles/store" }
}
`
}
