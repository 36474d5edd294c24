import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { limitBodySize } from './body-limit';

/** An app that echoes the length of the body it read, behind a 10-byte limit. */
function app() {
  const a = new Hono();
  a.use(
    '*',
    limitBodySize(10, (c) => c.json({ error: 'too large' }, 413)),
  );
  a.post('/echo', async (c) => c.json({ length: (await c.req.text()).length }));
  a.get('/echo', (c) => c.json({ ok: true }));
  a.post('/ignore', (c) => c.json({ ok: true }));
  return a;
}

/** A body sent in chunks, without a declared length. */
function chunked(text: string): RequestInit {
  const bytes = new TextEncoder().encode(text);
  return {
    method: 'POST',
    body: new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 4) controller.enqueue(bytes.slice(i, i + 4));
        controller.close();
      },
    }),
    duplex: 'half',
  } as RequestInit;
}

describe('limitBodySize', () => {
  it('passes a body within the limit and refuses one over it, by its declared length', async () => {
    const declared = (body: string): RequestInit => ({
      method: 'POST',
      body,
      headers: { 'content-length': String(body.length) },
    });
    const ok = await app().request('/echo', declared('0123456789'));
    expect(await ok.json()).toEqual({ length: 10 });
    const over = await app().request('/echo', declared('0123456789A'));
    expect(over.status).toBe(413);
  });

  it('does not touch the body of a request that declares its length', async () => {
    const request = new Request('http://localhost/ignore', {
      method: 'POST',
      body: '{}',
      headers: { 'content-length': '2' },
    });
    Object.defineProperty(request, 'body', {
      get() {
        throw new Error('the body was touched');
      },
    });
    const res = await app().fetch(request);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('reads a body without a declared length up to the limit, and refuses it past the limit', async () => {
    const ok = await app().request('/echo', chunked('01234567'));
    expect(await ok.json()).toEqual({ length: 8 });
    const over = await app().request('/echo', chunked('0123456789ABCDEF'));
    expect(over.status).toBe(413);
  });

  it('lets GET requests through untouched', async () => {
    expect(await (await app().request('/echo')).json()).toEqual({ ok: true });
  });
});
