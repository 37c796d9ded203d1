import { describe, expect, it } from 'vitest';
import { isOutsideEea, registerMarkdown } from '../../src/modules/compliance';

const PERIODS = [{ rule: 'deleted_contacts', description: 'Deleted contacts', days: 60 }];

describe('register of processing helpers', () => {
  it('tells EEA locations from transfers', () => {
    for (const inside of [
      'Germany',
      'EU (Frankfurt)',
      'Riga, Latvia',
      'eu-west-1 (Ireland)',
      'Norway',
      'LV',
    ]) {
      expect(isOutsideEea(inside), inside).toBe(false);
    }
    for (const outside of ['United States', 'India', 'Singapore', 'UK (London)', 'Switzerland']) {
      expect(isOutsideEea(outside), outside).toBe(true);
    }
  });

  it('renders the register as Markdown with every section and count', () => {
    const md = registerMarkdown({
      scope: 'account',
      controller: { accountId: 'acc_1', name: 'Acme' },
      processor: { name: 'Op', contact: 'https://sms.example' },
      generatedAt: '2026-01-15T12:00:00.000Z',
      categoriesOfDataSubjects: [{ category: 'contacts', count: 7 }],
      categoriesOfPersonalData: [{ category: 'phone numbers', count: 9 }],
      purposes: ['Sending SMS'],
      subProcessors: [
        {
          id: 'spr_1',
          name: 'Host',
          purpose: 'Hosting',
          location: 'United States',
          transferSafeguard: 'SCCs',
        },
      ],
      transfers: [{ recipient: 'Host', location: 'United States', safeguard: 'SCCs' }],
      retentionPeriods: PERIODS,
      securityMeasures: ['Argon2'],
    } as never);
    expect(md).toContain('Controller: Acme');
    expect(md).toContain('- contacts: 7');
    expect(md).toContain('- phone numbers: 9');
    expect(md).toContain('- Host (United States): SCCs');
    expect(md).toContain('- Deleted contacts: 60 days');
  });
});
