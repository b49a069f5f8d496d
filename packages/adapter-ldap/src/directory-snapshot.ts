// The directory model moved to @grouproles/core so that every group source shares it; these names
// stay importable from here.
export type {
  DirectoryGroup,
  DirectorySnapshot,
  DirectoryUser,
  DirectoryWarning,
} from '@grouproles/core'
