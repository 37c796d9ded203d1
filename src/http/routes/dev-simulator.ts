import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppServices } from '../app';
import { clientActor } from '../context';

/** Tools for trying the platform without a carrier: replies from the built-in simulator's phones. */
export function devSimulatorRoutes(services: AppServices): FastifyPluginAsyncZod {
  const { simulatorReplies } = services;
  return async (app) => {
    app.post(
      '/v1/dev/simulator/inbound',
      {
        schema: {
          tags: ['Inbound'],
          summary:
            'A reply from a simulated phone, received like a carrier MO (inbox, STOP/START, message.received); only while the simulator carries the messages to that number',
          body: z.strictObject({
            from: z.string().trim().min(1).max(32),
            to: z.string().trim().min(1).max(32).optional(),
            text: z.string().min(1).max(1600),
          }),
        },
        config: { auth: 'client', permission: 'messages:send' },
      },
      async (request, reply) =>
        reply.status(201).send(await simulatorReplies.reply(clientActor(request).accountId, request.body)),
    );
  };
}
