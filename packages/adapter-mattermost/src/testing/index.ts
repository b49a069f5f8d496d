export { FakeMattermost } from './fake-mattermost.js'
export { defaultFakeSettings } from './fake-settings.js'
export { FakeAppError } from './fake-model.js'

export type {
  Fault,
  FakeChecks,
  FakeMattermostOptions,
  FakeRequest,
  RecordedRequest,
} from './fake-mattermost.js'
export type { FakeCaller, FakeEdition, FakeSettings } from './fake-settings.js'
export type {
  FakeChannel,
  FakeGroup,
  FakeLink,
  FakePost,
  FakeTeam,
  FakeTeamMember,
  FakeUser,
  Flags,
} from './fake-model.js'
export type { FakeOperationId } from './fake-routes.js'
