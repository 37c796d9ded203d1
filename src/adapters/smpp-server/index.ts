export { createSmppDoor } from './door';
export {
  createSmppServer,
  DEFAULT_SMPP_SERVER_SETTINGS,
  type SmppBindView,
  type SmppFrontDoor,
  type SmppQueryAnswer,
  type SmppServer,
  type SmppServerSettings,
  type SmppSubmit,
} from './server';
