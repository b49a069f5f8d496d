/**
 * The channels Mattermost joins every new non-guest team member to when
 * `TeamSettings.ExperimentalDefaultChannels` is not set (town-square always, off-topic by default).
 */
export const defaultChannelNames: readonly string[] = Object.freeze(['town-square', 'off-topic'])
