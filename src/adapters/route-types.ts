import { createRouteTypes, type RouteTypeDefinition } from '../modules/dispatch';
import { httpRouteType } from './http/route-type';
import { infobipRouteType } from './infobip/route-type';
import { plivoRouteType } from './plivo/route-type';
import { simulatorRouteType } from './simulator/route-type';
import { smppRouteType } from './smpp/route-type';
import { telnyxRouteType } from './telnyx/route-type';
import { twilioRouteType } from './twilio/route-type';
import { vonageRouteType } from './vonage/route-type';

/**
 * The route-adapter registry: every route type the operator can configure, one entry each, each defined
 * in its own folder. Adding a route type = that folder (its config schema, secret keys and `create`)
 * plus one line here; the API, the back office's form, masking and validation follow from the entry.
 */
export const ROUTE_TYPES: readonly RouteTypeDefinition[] = [
  smppRouteType,
  simulatorRouteType,
  httpRouteType,
  twilioRouteType,
  infobipRouteType,
  vonageRouteType,
  telnyxRouteType,
  plivoRouteType,
];

const routeTypes = createRouteTypes(ROUTE_TYPES);

/** Validates a route's config against its type's schema, reporting each bad field under /body/config. */
export const validateRouteConfig = (type: string, config: Record<string, unknown>) =>
  routeTypes.validate(type, config);
