export {
  createSmppServer,
  DEFAULT_SMPP_SERVER_SETTINGS,
  type SmppFrontDoor,
  type SmppServer,
  type SmppServerSettings,
  type SmppSubmit,
} from './server';
