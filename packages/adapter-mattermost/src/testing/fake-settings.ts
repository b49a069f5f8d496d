/**
 * The licence the fake runs under: `enterprise` (LDAP groups licensed), `team` (Team Edition, no
 * licence: every group route answers 501 `api.license_error`) or `noLdapGroups` (a licence without
 * the LDAPGroups feature: 403 `api.ldap_groups.license_error`).
 */
export type FakeEdition = 'enterprise' | 'team' | 'noLdapGroups'

/** What the fake's caller (the token's user) may do. */
export interface FakeCaller {
  /** The token's user id (a member check for archived private channels). */
  readonly id: string
  /** `sysconsole_read_user_management_channels`: `GET /channels` (else 403). */
  readonly readAllChannels: boolean
  /** `manage_system`: `GET /teams/{id}/channels/private` (else 403). */
  readonly manageSystem: boolean
}

/** How the fake behaves; every field can be changed between requests. */
export interface FakeSettings {
  readonly edition: FakeEdition
  /** Delay before every answer, in ms (5 models a server on the same network). */
  readonly latencyMs: number
  /**
   * `shuffled` (default): every `GET /channels/{id}/members` request sees its own random order,
   * as the server's query (no ORDER BY) allows, so pages overlap and skip rows. `stable`: ordered
   * by user id.
   */
  readonly memberPages: 'shuffled' | 'stable'
  /** `TeamSettings.ExperimentalDefaultChannels`; empty means off-topic (town-square is always joined). */
  readonly defaultChannels: readonly string[]
  readonly caller: FakeCaller
  /** `TelemetryId` / `DiagnosticId` of `GET /config/client?format=old`. */
  readonly siteId: string
  /** `SiteURL` of `GET /config/client?format=old`. */
  readonly siteUrl: string
  /** Largest request body, in bytes (`ServiceSettings.MaximumPayloadSizeBytes`). */
  readonly maxPayloadBytes: number
  /** Keep every request in `requests` (off for long benchmark runs; counts are always kept). */
  readonly record: boolean
}

/** The settings of a fresh fake: a licensed Enterprise server and a system admin token. */
export const defaultFakeSettings: FakeSettings = Object.freeze({
  edition: 'enterprise',
  latencyMs: 0,
  memberPages: 'shuffled',
  defaultChannels: Object.freeze([]),
  caller: Object.freeze({
    id: 'fakesystemadmin00000000000',
    readAllChannels: true,
    manageSystem: true,
  }),
  siteId: 'fakesiteid0000000000000000',
  siteUrl: 'https://chat.example.test',
  maxPayloadBytes: 300_000,
  record: true,
})
