import http from 'node:http';

export type Client = (method: string, path: string, body?: unknown) => Promise<unknown>;

/**
 * node:http with kept-alive connections: `fetch` costs the client about as
 * much main thread per request as Muster's own handling, which on a shared
 * two-core machine would measure the client rather than the server.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function send(
  url: URL,
  method: string,
  headers: http.OutgoingHttpHeaders,
  body: string | undefined,
  through: http.Agent = agent,
) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: through }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function client(base: string, token: string, contentType: string): Client {
  return async (method, path, body) => {
    const url = new URL(`${base}${path}`);
    if (url.hostname !== '127.0.0.1') throw new Error(`the bench only calls 127.0.0.1, not ${url.host}`);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await send(
      url,
      method,
      {
        authorization: `Bearer ${token}`,
        ...(payload === undefined
          ? {}
          : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
      },
      payload,
    );
    const json = res.text ? JSON.parse(res.text) : undefined;
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 500)}`);
    return json;
  };
}
