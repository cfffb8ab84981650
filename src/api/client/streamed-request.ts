/**
 * Requests whose body or answer is a stream (build contexts, image tars, logs, events, pull
 * progress), through node:http. Imported only when such a request is made: node:http is start-up
 * time the short commands do without (see http-exchange.ts).
 */
import * as http from 'node:http';
import type { Readable } from 'node:stream';

/** A keep-alive agent for the unix socket. */
export function socketAgent(): http.Agent {
  // Node's agent names a TLS server for every socket it opens, and working that name out for a unix
  // socket compiles a large IPv6 regex (~3 ms of every command); an empty name skips it.
  return new http.Agent({ keepAlive: true, servername: '' } as http.AgentOptions);
}

/** Sends the request and resolves with the response once its head has arrived, whatever its status. */
export function sendStreamed(req: {
  agent: http.Agent;
  socketPath: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | Readable | undefined;
}): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = Buffer.isBuffer(req.body) ? { ...req.headers, 'Content-Length': String(req.body.length) } : req.headers;
    const out = http.request({ socketPath: req.socketPath, method: req.method, path: req.path, headers, agent: req.agent }, resolve);
    out.on('error', reject);
    if (req.body === undefined || Buffer.isBuffer(req.body)) out.end(req.body);
    else {
      req.body.on('error', (err) => out.destroy(err));
      req.body.pipe(out);
    }
  });
}
