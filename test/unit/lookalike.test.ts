import { describe, expect, it } from 'vitest';
import { lookalikeCharacters, readsAs, skeleton } from '../../src/modules/phone';

describe('look-alike senders', () => {
  it('names the letters of other scripts that pass for Latin ones', () => {
    expect(lookalikeCharacters('PayPal')).toEqual([]);
    expect(lookalikeCharacters('Pаypal')).toEqual(['а U+0430']);
    expect(lookalikeCharacters('ΒΑΝΚ')).toHaveLength(4);
    expect(lookalikeCharacters('Ａcme')).toEqual(['Ａ U+FF21']);
    // Letters that read as nothing Latin are a format problem, not a look-alike.
    expect(lookalikeCharacters('日本')).toEqual([]);
    // Accented Latin letters are Latin: "Café" is refused or not by the sender's alphabet, not as a look-alike.
    expect(lookalikeCharacters('Café Müller')).toEqual([]);
  });

  it('reads digits and letter pairs as the letters they pass for', () => {
    expect(skeleton('PayPal')).toBe('paypal');
    expect(skeleton('PAYPA1')).toBe('paypal');
    expect(skeleton('Pаyраl')).toBe('paypal');
    expect(skeleton('Mode')).toBe(skeleton('rnode'));
    expect(skeleton('Swed 8ank')).toBe('swedbank');
  });

  it('matches a protected name itself or inside a longer sender, short names only whole', () => {
    expect(readsAs('PayPal-Help', skeleton('PayPal'))).toBe(true);
    expect(readsAs('PayPa1', skeleton('PayPal'))).toBe(true);
    expect(readsAs('Paypals', skeleton('PayPal'))).toBe(true);
    expect(readsAs('Payments', skeleton('PayPal'))).toBe(false);
    expect(readsAs('DHL', skeleton('DHL'))).toBe(true);
    expect(readsAs('DHLX', skeleton('DHL'))).toBe(false);
  });
});
