export { type AccountSettings, type ClientMessagingPatch, createAccountSettings } from './account-settings';
export type { Actor, ClientActor, StaffActor } from './actor';
export { type ApiKeys, type ApiKeyView, createApiKeys } from './api-keys';
export type { AccountsDeps, AccountsSettings } from './deps';
export { assertAccountExists } from './exists';
export { createIdentity, type Identity } from './identity';
export {
  MAX_HELP_TEXT,
  type MessagingSettings,
  messagingSettingsSchema,
  NEW_ACCOUNT_MESSAGING,
  PLATFORM_SENDER,
  parseMessagingSettings,
  senderFor,
} from './messaging-settings';
export { type NamedRef, namesOf } from './names';
export { createAccountAdmin } from './operator';
export * from './permissions';
export { decoyPasswordHash, hashPassword, verifyPassword } from './secrets';
export type { RequestMeta } from './sessions';
export { countStaff, createStaff, type Staff } from './staff';
export { setAccountStatus } from './status';
export { createTeam, type Team } from './team';
export { sealClearTotpSecrets } from './two-factor';
export type { AccountView, StaffView, UserView } from './views';
