import { START_WORDS } from '../campaigns';
import { foldKeyword } from '../inbound';

/** The languages the built-in words are seeded in (ISO 639-1). */
export const LANGUAGES = ['en', 'lv', 'ru', 'de', 'fr', 'es'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Words by language, as written (accents kept for people to read); matching folds them. */
export type WordsByLanguage = Partial<Record<Language, string[]>>;

/** HELP: the person asks who is writing and how to stop; answered with the account's help text. */
export const HELP_WORDS: Readonly<Record<Language, string[]>> = {
  en: ['HELP', 'INFO'],
  lv: ['PALĪDZĪBA', 'PALĪGS'],
  ru: ['ПОМОЩЬ', 'СПРАВКА'],
  de: ['HILFE'],
  fr: ['AIDE'],
  es: ['AYUDA'],
};

/** The kinds of data-subject request a person can open by SMS. */
export const SMS_REQUEST_KINDS = ['access', 'erasure'] as const;
export type SmsRequestKind = (typeof SMS_REQUEST_KINDS)[number];

/** The seeds of the privacy words: DATA asks for a copy (access), DELETE for erasure. */
export const DEFAULT_PRIVACY_WORDS: Readonly<Record<SmsRequestKind, Record<Language, string[]>>> = {
  access: {
    en: ['DATA', 'MYDATA'],
    lv: ['DATI'],
    ru: ['ДАННЫЕ'],
    de: ['DATEN', 'AUSKUNFT'],
    fr: ['DONNÉES'],
    es: ['DATOS'],
  },
  erasure: {
    en: ['DELETE', 'ERASE'],
    lv: ['DZĒST'],
    ru: ['УДАЛИТЬ'],
    de: ['LÖSCHEN'],
    fr: ['SUPPRIMER', 'EFFACER'],
    es: ['BORRAR', 'SUPRIMIR'],
  },
};

/** The acknowledgement a person gets, in the language of the word they sent. */
export const PRIVACY_ACKS: Readonly<Record<SmsRequestKind, Record<Language, string>>> = {
  access: {
    en: 'We received your request for a copy of your data. We will answer within one month.',
    lv: 'Saņēmām jūsu pieprasījumu pēc jūsu datu kopijas. Atbildēsim viena mēneša laikā.',
    ru: 'Мы получили ваш запрос на копию ваших данных. Ответим в течение месяца.',
    de: 'Wir haben Ihre Anfrage nach einer Kopie Ihrer Daten erhalten. Wir antworten innerhalb eines Monats.',
    fr: 'Nous avons reçu votre demande de copie de vos données. Nous répondrons sous un mois.',
    es: 'Hemos recibido su solicitud de copia de sus datos. Responderemos en el plazo de un mes.',
  },
  erasure: {
    en: 'We received your request to delete your data. We will answer within one month.',
    lv: 'Saņēmām jūsu pieprasījumu dzēst jūsu datus. Atbildēsim viena mēneša laikā.',
    ru: 'Мы получили ваш запрос на удаление ваших данных. Ответим в течение месяца.',
    de: 'Wir haben Ihre Anfrage auf Löschung Ihrer Daten erhalten. Wir antworten innerhalb eines Monats.',
    fr: "Nous avons reçu votre demande d'effacement de vos données. Nous répondrons sous un mois.",
    es: 'Hemos recibido su solicitud de supresión de sus datos. Responderemos en el plazo de un mes.',
  },
};

/** Every folded word of a by-language list, with the language it came from (the first one wins). */
export function foldedWords(words: WordsByLanguage): Map<string, Language> {
  const out = new Map<string, Language>();
  for (const language of LANGUAGES) {
    for (const w of words[language] ?? []) {
      const folded = foldKeyword(w.trim());
      if (folded !== '' && !out.has(folded)) out.set(folded, language);
    }
  }
  return out;
}

/** The words of the built-in HELP, START and privacy requests (folded), for reserved-word and loop checks. */
export function builtinWords(privacy: Record<SmsRequestKind, WordsByLanguage>): Set<string> {
  return new Set([
    ...foldedWords(HELP_WORDS).keys(),
    ...START_WORDS,
    ...foldedWords(privacy.access).keys(),
    ...foldedWords(privacy.erasure).keys(),
  ]);
}
