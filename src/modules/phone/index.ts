export { COUNTRIES, type Country, countryName, parseCountry } from './countries';
export { countryOfE164, nationalNumberOfE164, normalizePhone, tryNormalizePhone } from './phone';
export { assertSenderId, senderIdProblem } from './sender-id';
