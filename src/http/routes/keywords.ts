import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { LANGUAGES, MAX_REPLY, MAX_SYNONYMS, MAX_WORDS_PER_LANGUAGE } from '../../modules/keywords';
import type { AppServices } from '../app';
import { clientActor } from '../context';
import { emailSchema, idParams, page, pageQuery } from '../schemas';

const TAGS = ['Keywords'];
const word = z.string().trim().min(1).max(64);
const groupId = z.string().min(1).max(64).nullable().optional();
const ruleFields = {
  synonyms: z.array(word).max(MAX_SYNONYMS).optional(),
  numbers: z.array(z.string().trim().min(1).max(32)).max(100).optional(),
  reply: z.string().max(MAX_REPLY).nullable().optional(),
  addToGroupId: groupId,
  removeFromGroupId: groupId,
  forwardEmail: emailSchema.nullable().optional(),
  forwardWebhook: z.boolean().optional(),
};
const wordsByLanguage = z.strictObject(
  Object.fromEntries(LANGUAGES.map((l) => [l, z.array(word).max(MAX_WORDS_PER_LANGUAGE).optional()])),
);

/** Keyword rules, and the words that open privacy requests by SMS. */
export function keywordRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { keywordRules, keywordSettings } = services;
  const READ = { auth: 'client', permission: 'messages:read' } as const;
  const WRITE = { auth: 'client', permission: 'campaigns:write' } as const;
  return async (app) => {
    app.get(
      '/v1/keywords',
      {
        schema: { tags: TAGS, summary: 'Keyword rules of the account, newest first', querystring: pageQuery },
        config: READ,
      },
      async (request) => {
        const q = request.query;
        return page(await keywordRules.list(clientActor(request).accountId, q), q.limit);
      },
    );
    app.post(
      '/v1/keywords',
      {
        schema: {
          tags: TAGS,
          summary:
            'Add a rule on the first word of inbound messages (case and accents ignored): reply, add to or remove from a group, e-mail, webhook',
          body: z.strictObject({ keyword: word, ...ruleFields }),
        },
        config: { ...WRITE, idempotent: true },
      },
      async (request, reply) =>
        reply.status(201).send(await keywordRules.create(clientActor(request), request.body)),
    );
    app.get(
      '/v1/keywords/settings',
      {
        schema: {
          tags: TAGS,
          summary:
            'The help text (and whether it is missing), the HELP words and the privacy words by language',
        },
        config: READ,
      },
      async (request) => keywordSettings.get(clientActor(request).accountId),
    );
    app.put(
      '/v1/keywords/settings',
      {
        schema: {
          tags: TAGS,
          summary:
            'Set the words that open a data-subject request by SMS (access: DATA, erasure: DELETE), by language',
          body: z.strictObject({
            privacyWords: z.strictObject({
              access: wordsByLanguage.optional(),
              erasure: wordsByLanguage.optional(),
            }),
          }),
        },
        config: { auth: 'client', permission: 'privacy:manage' },
      },
      async (request) => keywordSettings.put(clientActor(request), request.body),
    );
    app.get(
      '/v1/keywords/:id',
      { schema: { tags: TAGS, summary: 'One keyword rule', params: idParams }, config: READ },
      async (request) => keywordRules.get(clientActor(request).accountId, request.params.id),
    );
    app.patch(
      '/v1/keywords/:id',
      {
        schema: {
          tags: TAGS,
          summary: 'Change a keyword rule (the fields given replace the rule’s)',
          params: idParams,
          body: z.strictObject({ keyword: word.optional(), ...ruleFields }),
        },
        config: WRITE,
      },
      async (request) => keywordRules.update(clientActor(request), request.params.id, request.body),
    );
    app.delete(
      '/v1/keywords/:id',
      { schema: { tags: TAGS, summary: 'Delete a keyword rule', params: idParams }, config: WRITE },
      async (request, reply) => {
        await keywordRules.remove(clientActor(request), request.params.id);
        return reply.status(204).send();
      },
    );
  };
}
