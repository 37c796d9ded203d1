export { COUNTRIES, type Country, countryName, parseCountry } from './countries';
export { lookalikeCharacters, readsAs, skeleton } from './lookalike';
export { countryOfE164, nationalNumberOfE164, normalizePhone, tryNormalizePhone } from './phone';
export { assertSenderId, senderIdProblem } from './sender-id';
