import { emptyState, type GroupLink, type SyncState } from '@grouproles/core'
import { describe, expect, it } from 'vitest'
import {
  linkGroup,
  listGroupLinks,
  listSyncableGroupLinks,
  patchGroupLink,
  unlinkGroup,
} from '../src/index.js'
import type { FakeMattermost } from './fake-mattermost/fake-mattermost.js'
import { clientFor, useFake } from './harness.js'

const id = (prefix: string, n: number): string => `${prefix}${String(n).padStart(25, '0')}`
const group = id('g', 1)
const [team1, team2] = [id('t', 1), id('t', 2)]
const [chan1, chan2] = [id('c', 1), id('c', 2)]
const teamRef = (tid: string) => ({ kind: 'team' as const, id: tid })
const chanRef = (cid: string) => ({ kind: 'channel' as const, id: cid })
/** The group's link to channel 1 with these flags. */
const chan1Link = (autoAdd: boolean, schemeAdmin: boolean): GroupLink => ({
  groupId: group,
  syncable: chanRef(chan1),
  autoAdd,
  schemeAdmin,
})

function state(links: GroupLink[], constrained = false): SyncState {
  return {
    ...emptyState,
    groups: [{ id: group, name: 'devs', memberIds: [] }],
    teams: [
      { id: team1, name: 'one', groupConstrained: constrained },
      { id: team2, name: 'two', groupConstrained: false },
    ],
    channels: [
      { id: chan1, teamId: team1, name: 'c1', type: 'P', groupConstrained: false },
      { id: chan2, teamId: team2, name: 'c2', type: 'P', groupConstrained: false },
    ],
    links,
  }
}

// Calls the fake the way a naive client would, to show each server defect the wrappers avoid.
async function raw(fake: FakeMattermost, method: string, path: string, body?: unknown) {
  const response = await fetch(`${fake.url}/api/v4${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${fake.token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

function linkOf(fake: FakeMattermost, kind: 'team' | 'channel', sid: string) {
  return fake.snapshot().links.find((l) => l.syncable.kind === kind && l.syncable.id === sid)
}

describe('patchGroupLink', () => {
  const { fake } = useFake()

  it('should keep scheme_admin when only auto_add changes (a bare patch would reset it)', async () => {
    // Arrange: the defect, shown on the fake with a body lacking scheme_admin.
    fake().seed(
      state([{ groupId: group, syncable: teamRef(team1), autoAdd: true, schemeAdmin: true }]),
    )
    await raw(fake(), 'PUT', `/groups/${group}/teams/${team1}/patch`, { auto_add: false })
    expect(linkOf(fake(), 'team', team1)?.schemeAdmin).toBe(false)
    fake().seed(
      state([{ groupId: group, syncable: teamRef(team1), autoAdd: true, schemeAdmin: true }]),
    )

    // Act
    const link = await patchGroupLink(clientFor(fake()), {
      groupId: group,
      syncable: teamRef(team1),
      autoAdd: false,
    })

    // Assert
    expect(link._unsafeUnwrap()).toEqual({
      groupId: group,
      syncable: teamRef(team1),
      autoAdd: false,
      schemeAdmin: true,
    })
    expect(linkOf(fake(), 'team', team1)).toMatchObject({ autoAdd: false, schemeAdmin: true })
  })

  it('should patch a channel link with both flags and leave its team link alone', async () => {
    const links: GroupLink[] = [
      { groupId: group, syncable: teamRef(team1), autoAdd: false, schemeAdmin: true },
      chan1Link(true, true),
    ]
    fake().seed(state(links))

    const link = await patchGroupLink(clientFor(fake()), {
      groupId: group,
      syncable: chanRef(chan1),
      autoAdd: false,
    })

    expect(link._unsafeUnwrap()).toEqual({ ...links[1], autoAdd: false })
    expect(
      fake().requests.find((r) => r.operationId === 'PatchGroupSyncableForChannel')?.body,
    ).toEqual({ auto_add: false, scheme_admin: true })
    expect(linkOf(fake(), 'team', team1)).toEqual(links[0])
  })

  it('should fail with linkNotFound when there is no live link to patch', async () => {
    fake().seed(state([]))

    const link = await patchGroupLink(clientFor(fake()), {
      groupId: group,
      syncable: teamRef(team1),
      schemeAdmin: true,
    })

    expect(link._unsafeUnwrapErr().kind).toBe('linkNotFound')
  })
})

describe('listGroupLinks', () => {
  const { fake } = useFake()

  it('should report the true scheme_admin that the single-link GET loses', async () => {
    const links: GroupLink[] = [
      { groupId: group, syncable: teamRef(team1), autoAdd: false, schemeAdmin: true },
      chan1Link(true, true),
    ]
    fake().seed(state(links))
    const single = await raw(fake(), 'GET', `/groups/${group}/teams/${team1}`)
    expect(single.body['scheme_admin']).toBe(false)

    const listed = await listGroupLinks(clientFor(fake()), group)

    expect(listed._unsafeUnwrap()).toEqual(links)
  })
})

describe('listSyncableGroupLinks', () => {
  const { fake } = useFake()

  it('should list the groups of a channel with both flags', async () => {
    const link = chan1Link(true, true)
    fake().seed(state([link]))

    const listed = await listSyncableGroupLinks(clientFor(fake()), chanRef(chan1))

    expect(listed._unsafeUnwrap()).toEqual([link])
  })
})

describe('linkGroup', () => {
  const { fake } = useFake()
  const teamLink: GroupLink = {
    groupId: group,
    syncable: teamRef(team1),
    autoAdd: false,
    schemeAdmin: true,
  }

  it('should restore the team link that a channel link overwrites', async () => {
    // Arrange: the defect, shown with a bare link call.
    fake().seed(state([teamLink]))
    await raw(fake(), 'POST', `/groups/${group}/channels/${chan1}/link`, {
      auto_add: true,
      scheme_admin: false,
    })
    expect(linkOf(fake(), 'team', team1)).toMatchObject({ autoAdd: true, schemeAdmin: false })
    fake().seed(state([teamLink]))

    // Act
    const result = await linkGroup(clientFor(fake()), chan1Link(true, false))

    // Assert
    expect(result._unsafeUnwrap()).toEqual({
      link: chan1Link(true, false),
      restoredTeamLink: teamLink,
    })
    expect(linkOf(fake(), 'team', team1)).toMatchObject({ autoAdd: false, schemeAdmin: true })
  })

  it('should report the team link the server creates when there was none', async () => {
    fake().seed(state([]))

    const result = await linkGroup(clientFor(fake()), chan1Link(true, true))

    const created: GroupLink = {
      groupId: group,
      syncable: teamRef(team1),
      autoAdd: true,
      schemeAdmin: false,
    }
    expect(result._unsafeUnwrap()).toEqual({
      link: chan1Link(true, true),
      createdTeamLink: created,
    })
    expect(linkOf(fake(), 'team', team1)).toEqual(created)
  })

  it('should report a revived team link as created, and let the caller undo it', async () => {
    // Arrange: the group was unlinked from the team earlier (a soft-deleted row).
    fake().seed(state([{ ...teamLink, deleted: true }]))
    const client = clientFor(fake())

    // Act
    const result = (await linkGroup(client, chan1Link(false, false)))._unsafeUnwrap()
    const undo = await unlinkGroup(client, group, result.createdTeamLink!.syncable)

    // Assert
    expect(result.createdTeamLink).toEqual({ ...teamLink, autoAdd: false, schemeAdmin: false })
    expect(result.restoredTeamLink).toBeUndefined()
    expect(undo._unsafeUnwrap().droppedChannelLinks).toEqual([result.link])
    expect((await listGroupLinks(client, group))._unsafeUnwrap()).toEqual([])
  })

  it('should report no created team link when the group was already linked to the team', async () => {
    fake().seed(state([{ ...teamLink, autoAdd: true, schemeAdmin: false }]))

    const result = await linkGroup(clientFor(fake()), chan1Link(true, false))

    expect(result._unsafeUnwrap()).toEqual({
      link: chan1Link(true, false),
    })
  })

  it('should send both flags when re-linking a team (an upsert would otherwise reset scheme_admin)', async () => {
    fake().seed(state([{ ...teamLink, deleted: true }]))

    const result = await linkGroup(clientFor(fake()), {
      groupId: group,
      syncable: teamRef(team1),
      autoAdd: true,
      schemeAdmin: true,
    })

    expect(result._unsafeUnwrap().link).toEqual({
      groupId: group,
      syncable: teamRef(team1),
      autoAdd: true,
      schemeAdmin: true,
    })
    expect(fake().requests.find((r) => r.operationId === 'LinkGroupSyncableForTeam')?.body).toEqual(
      { auto_add: true, scheme_admin: true },
    )
  })

  it('should return the server error when the channel team is constrained and not linked', async () => {
    fake().seed(state([], true))

    const result = await linkGroup(clientFor(fake()), chan1Link(true, false))

    expect(result._unsafeUnwrapErr()).toMatchObject({
      kind: 'http',
      status: 400,
      errorId: 'group_not_associated_to_synced_team',
    })
  })
})

describe('unlinkGroup', () => {
  const { fake } = useFake()
  const links: GroupLink[] = [
    { groupId: group, syncable: teamRef(team1), autoAdd: true, schemeAdmin: false },
    { groupId: group, syncable: teamRef(team2), autoAdd: false, schemeAdmin: true },
    chan1Link(true, false),
    { groupId: group, syncable: chanRef(chan2), autoAdd: true, schemeAdmin: true },
  ]

  it('should report the channel links in every team that a team unlink drops', async () => {
    fake().seed(state(links))

    const result = await unlinkGroup(clientFor(fake()), group, teamRef(team1))

    expect(result._unsafeUnwrap()).toEqual({
      droppedChannelLinks: [links[2], links[3]],
      restoredChannelLinks: [],
    })
    expect(linkOf(fake(), 'channel', chan2)?.deleted).toBe(true)
  })

  it('should re-link the dropped channel links of other teams without touching their team link', async () => {
    fake().seed(state(links))

    const result = await unlinkGroup(clientFor(fake()), group, teamRef(team1), {
      restoreChannelLinks: true,
    })

    expect(result._unsafeUnwrap().restoredChannelLinks).toEqual([links[3]])
    const after = await listGroupLinks(clientFor(fake()), group)
    expect(after._unsafeUnwrap()).toEqual([links[1], links[3]])
  })

  it('should unlink a channel alone', async () => {
    fake().seed(state(links))

    const result = await unlinkGroup(clientFor(fake()), group, chanRef(chan1))

    expect(result._unsafeUnwrap()).toEqual({ droppedChannelLinks: [], restoredChannelLinks: [] })
    expect(linkOf(fake(), 'channel', chan2)?.deleted).toBeUndefined()
  })
})
