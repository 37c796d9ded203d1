/** Column mapping of an import: which column of the file feeds which attribute of a contact. */

export const STANDARD_TARGETS = [
  'phone',
  'firstName',
  'lastName',
  'email',
  'country',
  'address',
  'tags',
  'groups',
] as const;
export type StandardTarget = (typeof STANDARD_TARGETS)[number];
/** A standard attribute or a custom field (`fields.<key>`). */
export type ImportTarget = StandardTarget | `fields.${string}`;
/** Column header → target. Columns not named are ignored. */
export type ImportMapping = Record<string, ImportTarget>;

/**
 * Header spellings per target, compared after {@link headerKey} (lower case, accents, spaces and
 * punctuation removed), so "E-mail", "e_mail" and "E Mail" are one entry. English first, then the
 * languages of the markets smsgate is used in (German, French, Spanish, Latvian, Russian, …).
 */
const SYNONYMS: Record<StandardTarget, string[]> = {
  phone: [
    'phone',
    'phonenumber',
    'phoneno',
    'mobile',
    'mobilephone',
    'mobilenumber',
    'mobileno',
    'cell',
    'cellphone',
    'cellular',
    'tel',
    'telephone',
    'telephonenumber',
    'msisdn',
    'number',
    'gsm',
    'handy',
    'handynummer',
    'telefon',
    'telefonnummer',
    'mobil',
    'mobilnummer',
    'telefono',
    'movil',
    'celular',
    'portable',
    'telephoneportable',
    'telefons',
    'talrunis',
    'mobilais',
    'telefon',
    'телефон',
    'мобильный',
    'номер',
    'whatsapp',
  ],
  firstName: [
    'firstname',
    'first',
    'givenname',
    'forename',
    'name1',
    'vorname',
    'prenom',
    'nombre',
    'vards',
    'imya',
    'имя',
  ],
  lastName: [
    'lastname',
    'last',
    'surname',
    'familyname',
    'name2',
    'nachname',
    'familienname',
    'nom',
    'nomdefamille',
    'apellido',
    'apellidos',
    'uzvards',
    'фамилия',
  ],
  email: [
    'email',
    'emailaddress',
    'mail',
    'mailaddress',
    'emailadresse',
    'courriel',
    'correo',
    'correoelectronico',
    'epasts',
    'почта',
    'электроннаяпочта',
  ],
  country: ['country', 'countrycode', 'land', 'pays', 'pais', 'valsts', 'страна'],
  address: [
    'address',
    'streetaddress',
    'street',
    'postaladdress',
    'adresse',
    'anschrift',
    'direccion',
    'adrese',
    'адрес',
  ],
  tags: ['tags', 'tag', 'labels', 'label', 'etiketten', 'birkas', 'теги'],
  groups: [
    'groups',
    'group',
    'groupnames',
    'gruppe',
    'gruppen',
    'groupe',
    'groupes',
    'grupo',
    'grupos',
    'grupa',
    'grupas',
    'группа',
    'группы',
  ],
};

const LOOKUP = new Map<string, StandardTarget>();
for (const target of STANDARD_TARGETS) {
  for (const word of SYNONYMS[target]) if (!LOOKUP.has(word)) LOOKUP.set(word, target);
}

/** A header reduced for comparison: lower case, without accents, spaces, punctuation or a trailing colon. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** Full-name columns ("Name", "Full name", "Contact") feed the first name when nothing else does. */
const FULL_NAME = new Set([
  'name',
  'fullname',
  'contact',
  'contactname',
  'nomcomplet',
  'vardsuzvards',
  'имяфамилия',
]);

/**
 * The mapping a person would most likely choose: each header matched against known spellings of the
 * standard attributes and against the account's custom field keys and labels. The first column wins a
 * target; unknown columns are left out. Pure.
 */
export function guessMapping(
  headers: readonly string[],
  customFields: ReadonlyArray<{ key: string; label: string }> = [],
): ImportMapping {
  const mapping: ImportMapping = {};
  const taken = new Set<string>();
  const custom = new Map<string, string>();
  for (const f of customFields) {
    custom.set(headerKey(f.key), f.key);
    custom.set(headerKey(f.label), f.key);
    // The contacts export names custom field columns `fields.<key>`.
    custom.set(headerKey(`fields.${f.key}`), f.key);
  }
  const assign = (header: string, target: ImportTarget) => {
    if (taken.has(target) || header in mapping) return;
    mapping[header] = target;
    taken.add(target);
  };
  for (const header of headers) {
    const key = headerKey(header);
    if (key === '') continue;
    const standard = LOOKUP.get(key);
    if (standard) {
      assign(header, standard);
      continue;
    }
    const field = custom.get(key);
    if (field) assign(header, `fields.${field}`);
  }
  // A second pass for looser matches, so that an exact header elsewhere in the file wins over them.
  for (const header of headers) {
    if (header in mapping) continue;
    const key = headerKey(header);
    if (key === '') continue;
    if (FULL_NAME.has(key)) {
      assign(header, 'firstName');
      continue;
    }
    const loose = looseTarget(key);
    if (loose) assign(header, loose);
  }
  return mapping;
}

/** Headers like "Mobile phone (work)", "Primary e-mail", "Customer first name". */
function looseTarget(key: string): StandardTarget | null {
  if (/(email|mail)/.test(key)) return 'email';
  if (/(phone|mobile|mobil|handy|cell|msisdn|telef|tel$)/.test(key)) return 'phone';
  if (/(firstname|givenname|vorname|prenom)/.test(key)) return 'firstName';
  if (/(lastname|surname|familyname|nachname)/.test(key)) return 'lastName';
  return null;
}

/** `fields.<key>` → `<key>`, or null for a standard target. */
export function customFieldOf(target: string): string | null {
  return target.startsWith('fields.') ? target.slice('fields.'.length) : null;
}

/** Whether `target` names something an import can write. */
export function isImportTarget(target: unknown): target is ImportTarget {
  if (typeof target !== 'string') return false;
  return (
    (STANDARD_TARGETS as readonly string[]).includes(target) || /^fields\.[a-z][a-z0-9_]{0,62}$/.test(target)
  );
}
