import { describe, expect, it } from 'vitest';
import {
  contentDisposition,
  sanitizeFileName,
  sniffContentType,
} from '../../src/modules/campaigns/content-type';
import { newCodes } from '../../src/modules/campaigns/link-codes';
import { findUrls, linkTarget, replaceUrls } from '../../src/modules/campaigns/link-urls';
import { userAgentFamily } from '../../src/modules/campaigns/user-agent';

const urls = (text: string) => findUrls(text).map((u) => u.url);

describe('findUrls', () => {
  it('finds nothing in a text without URLs', () => {
    expect(findUrls('Hello Ada, your code is 1234. See you at 10:00!')).toEqual([]);
    expect(findUrls('')).toEqual([]);
    expect(urls('mail us at info@www.example.com or http:// nothing')).toEqual([]);
  });

  it('gives offsets that slice back to the URL', () => {
    const text = 'Sale: https://shop.example.com/x?a=1&b=2#top now';
    const [found] = findUrls(text);
    expect(found).toEqual({ start: 6, end: 44, url: 'https://shop.example.com/x?a=1&b=2#top' });
    expect(text.slice(found!.start, found!.end)).toBe(found!.url);
  });

  it('leaves sentence punctuation and unopened brackets out of the URL', () => {
    expect(urls('Visit https://a.lv.')).toEqual(['https://a.lv']);
    expect(urls('Visit https://a.lv/x, then')).toEqual(['https://a.lv/x']);
    expect(urls('(see https://a.lv/page)')).toEqual(['https://a.lv/page']);
    expect(urls('Really? https://a.lv/?q=1!?')).toEqual(['https://a.lv/?q=1']);
    expect(urls('"https://a.lv/q"')).toEqual(['https://a.lv/q']);
    expect(urls('Go to https://a.lv/x;')).toEqual(['https://a.lv/x']);
    expect(urls('https://a.lv/end…')).toEqual(['https://a.lv/end']);
  });

  it('keeps brackets the URL opened itself', () => {
    expect(urls('Read https://en.wikipedia.org/wiki/Riga_(city).')).toEqual([
      'https://en.wikipedia.org/wiki/Riga_(city)',
    ]);
    expect(urls('(https://en.wikipedia.org/wiki/Riga_(city))')).toEqual([
      'https://en.wikipedia.org/wiki/Riga_(city)',
    ]);
  });

  it('finds several URLs, http, https and www., in order', () => {
    const text = 'A: http://a.lv B: HTTPS://B.LV/x and www.c.lv/y, finally www.d.com.';
    expect(urls(text)).toEqual(['http://a.lv', 'HTTPS://B.LV/x', 'www.c.lv/y', 'www.d.com']);
  });

  it('does not take www. or a scheme inside a word, or a bare www.', () => {
    expect(urls('awww.cute and xhttps://a.lv')).toEqual([]);
    expect(urls('www. is not a link')).toEqual([]);
  });

  it('handles unicode text and unicode URLs (UTF-16 offsets)', () => {
    const text = 'Привет 👋 смотри https://пример.рф/путь, спасибо';
    const [found] = findUrls(text);
    expect(found?.url).toBe('https://пример.рф/путь');
    expect(text.slice(found!.start, found!.end)).toBe(found!.url);
    expect(urls('Ātrāk: https://a.lv/ā🎉 — paldies')).toEqual(['https://a.lv/ā']);
    expect(urls('日本語https://a.jp/x。')).toEqual(['https://a.jp/x']);
  });
});

describe('replaceUrls', () => {
  it('replaces each URL in order and keeps the rest of the text', () => {
    const text = 'Hi! https://a.lv/1, and (www.b.lv). Bye';
    expect(replaceUrls(text, ['S1', 'S2'])).toBe('Hi! S1, and (S2). Bye');
  });
  it('returns the text unchanged without URLs', () => {
    expect(replaceUrls('no links here.', [])).toBe('no links here.');
  });
  it('leaves URLs beyond the given short URLs as they are', () => {
    expect(replaceUrls('https://a.lv https://b.lv', ['S1'])).toBe('S1 https://b.lv');
  });
  it('replaces by position when the same URL appears twice', () => {
    expect(replaceUrls('https://a.lv and https://a.lv', ['S1', 'S2'])).toBe('S1 and S2');
  });
});

describe('linkTarget', () => {
  it('adds https:// to www. URLs only', () => {
    expect(linkTarget('www.a.lv/x')).toBe('https://www.a.lv/x');
    expect(linkTarget('http://a.lv')).toBe('http://a.lv');
  });
});

describe('userAgentFamily', () => {
  const cases: Array<[string | null, string]> = [
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
      'Safari',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1',
      'Chrome',
    ],
    ['Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0', 'Firefox'],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
      'Samsung Internet',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge',
    ],
    ['facebookexternalhit/1.1 Facebot Twitterbot/1.0', 'bot'],
    ['WhatsApp/2.23.20.0 A', 'bot'],
    ['TelegramBot (like TwitterBot)', 'bot'],
    ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'bot'],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'bot'],
    ['curl/8.5.0', 'bot'],
    ['SomethingElse/1.0', 'other'],
    ['', 'other'],
    [null, 'other'],
  ];
  it.each(cases)('%s → %s', (ua, family) => {
    expect(userAgentFamily(ua)).toBe(family);
  });
});

describe('short codes', () => {
  it('are 8 base62 characters and distinct', () => {
    const codes = newCodes(10_000);
    expect(new Set(codes).size).toBe(10_000);
    for (const code of codes.slice(0, 100)) expect(code).toMatch(/^[0-9A-Za-z]{8}$/);
  });
});

describe('attachment types by content', () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);
  const text = (s: string) => new TextEncoder().encode(s);
  it('recognises JPEG, PNG, GIF, WEBP and PDF by their magic bytes', () => {
    expect(sniffContentType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe('image/jpeg');
    expect(sniffContentType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))).toBe('image/png');
    expect(sniffContentType(text('GIF89a....'))).toBe('image/gif');
    expect(sniffContentType(text('RIFF\u0000\u0000\u0000\u0000WEBPVP8 '))).toBe('image/webp');
    expect(sniffContentType(text('%PDF-1.7\n'))).toBe('application/pdf');
  });
  it('refuses executables, scripts, other RIFF files and truncated headers', () => {
    expect(sniffContentType(bytes(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1))).toBeNull(); // ELF
    expect(sniffContentType(text('MZ\u0090\u0000'))).toBeNull(); // PE
    expect(sniffContentType(text('#!/bin/sh\nrm -rf /'))).toBeNull();
    expect(sniffContentType(text('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffContentType(text('RIFF\u0000\u0000\u0000\u0000WAVEfmt '))).toBeNull();
    expect(sniffContentType(bytes(0x89, 0x50, 0x4e))).toBeNull();
    expect(sniffContentType(bytes())).toBeNull();
  });
  it('sanitises file names for storage and Content-Disposition', () => {
    expect(sanitizeFileName('../../etc/passwd', 'image/png')).toBe('passwd');
    expect(sanitizeFileName('C:\\Users\\x\\photo "1".jpg', 'image/jpeg')).toBe('photo 1.jpg');
    expect(sanitizeFileName('a\r\nb\u0000.pdf', 'application/pdf')).toBe('ab.pdf');
    expect(sanitizeFileName('...', 'image/gif')).toBe('file.gif');
    expect(sanitizeFileName(undefined, 'application/pdf')).toBe('file.pdf');
    expect(contentDisposition('Čeks 1.pdf')).toBe(
      `inline; filename="_eks 1.pdf"; filename*=UTF-8''%C4%8Ceks%201.pdf`,
    );
  });
});
