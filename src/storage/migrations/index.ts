import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation';
import * as m0002 from './0002_messaging';
import * as m0003 from './0003_webhooks';
import * as m0004 from './0004_inbound';
import * as m0005 from './0005_routing';
import * as m0006 from './0006_contacts';
import * as m0007 from './0007_imports';
import * as m0008 from './0008_campaigns';
import * as m0009 from './0009_privacy';
import * as m0010 from './0010_links';
import * as m0011 from './0011_processor_duties';
import * as m0012 from './0012_sign_in';
import * as m0013 from './0013_verified_free_credits';
import * as m0014 from './0014_receipts_webhooks';
import * as m0015 from './0015_routing_simulator';
import * as m0016 from './0016_import_create_groups';
import * as m0017 from './0017_webhook_statuses';
import * as m0018 from './0018_webhook_lease_owner';
import * as m0019 from './0019_webhook_manual_attempts';
import * as m0020 from './0020_message_sender_index';
import * as m0021 from './0021_contact_sort_import_warnings';
import * as m0022 from './0022_campaign_variants';
import * as m0023 from './0023_route_tests';
import * as m0025 from './0025_failure_codes';
import * as m0026 from './0026_message_campaign_index';
import * as m0027 from './0027_route_callbacks';
import * as m0028 from './0028_costs_routing';
import * as m0029 from './0029_twilio_callbacks';
import * as m0030 from './0030_smpp_server';
import * as m0031 from './0031_twilio_services';
import * as m0032 from './0032_webhook_first_attempt';
import * as m0033 from './0033_keywords';
import * as m0034 from './0034_trust';
import * as m0035 from './0035_platform_settings';
import * as m0036 from './0036_payments';
import * as m0037 from './0037_route_health';

/** Migrations in order. Each is applied once, on both dialects; never edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_messaging': m0002,
  '0003_webhooks': m0003,
  '0004_inbound': m0004,
  '0005_routing': m0005,
  '0006_contacts': m0006,
  '0007_imports': m0007,
  '0008_campaigns': m0008,
  '0009_privacy': m0009,
  '0010_links': m0010,
  '0011_processor_duties': m0011,
  '0012_sign_in': m0012,
  '0013_verified_free_credits': m0013,
  '0014_receipts_webhooks': m0014,
  '0015_routing_simulator': m0015,
  '0016_import_create_groups': m0016,
  '0017_webhook_statuses': m0017,
  '0018_webhook_lease_owner': m0018,
  '0019_webhook_manual_attempts': m0019,
  '0020_message_sender_index': m0020,
  '0021_contact_sort_import_warnings': m0021,
  '0022_campaign_variants': m0022,
  '0023_route_tests': m0023,
  '0025_failure_codes': m0025,
  '0026_message_campaign_index': m0026,
  '0027_route_callbacks': m0027,
  '0028_costs_routing': m0028,
  '0029_twilio_callbacks': m0029,
  '0030_smpp_server': m0030,
  '0031_twilio_services': m0031,
  '0032_webhook_first_attempt': m0032,
  '0033_keywords': m0033,
  '0034_trust': m0034,
  '0035_platform_settings': m0035,
  '0036_payments': m0036,
  '0037_route_health': m0037,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
