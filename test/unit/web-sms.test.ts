import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../src/modules/codec';
import { countSms, smartReplace } from '../../web/src/sms';

/** The Send form's counter answers on every key press; it must say what the server will send. */
describe("the web app's smart encoding", () => {
  it('replaces exactly the characters the server replaces, with the same text', () => {
    const differing: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCharCode(cp);
      const text = `a${char}b`;
      const server = analyzeText(text, { smartReplace: true });
      const web = countSms(text, { smartEncoding: true });
      if (web.text !== server.text || web.encoding !== server.encoding)
        differing.push(`U+${cp.toString(16).padStart(4, '0')}`);
    }
    expect(differing).toEqual([]);
  });

  it('counts a typographic text as the GSM-7 text it becomes, and leaves texts that stay UCS-2 as typed', () => {
    const typed = 'It’s ready – see you “soon”…';
    const web = countSms(typed, { smartEncoding: true });
    const server = analyzeText(typed, { smartReplace: true });
    expect(web).toMatchObject({ encoding: 'GSM-7', segments: server.segments, text: server.text });
    expect(web.replaced).toEqual(['’', '–', '“', '”', '…']);
    expect(countSms(typed)).toMatchObject({ encoding: 'UCS-2', text: typed, replaced: [] });

    // A Cyrillic letter keeps the text UCS-2 however the quotes are written: nothing is replaced.
    const cyrillic = 'It’s ready ж';
    expect(countSms(cyrillic, { smartEncoding: true })).toMatchObject({
      encoding: 'UCS-2',
      text: cyrillic,
      replaced: [],
    });
    expect(analyzeText(cyrillic, { smartReplace: true }).text).toBe(cyrillic);
    expect(smartReplace('ΑΒΓ')).toBe('ABΓ');
  });
});
