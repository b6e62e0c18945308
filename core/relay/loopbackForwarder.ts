/**
 * Replays requests that came through the tunnel into the tenant's own federation app, listening on a loopback
 * port that only the tunnel uses. Going through Node's HTTP stack (rather than faking request and response
 * objects for koa) means the app sees exactly what a federation listener would: same parser, same body limits,
 * same X-Matrix check of the path and query the sender signed.
 */
import { Agent, request as httpRequest } from 'node:http';
import type { TunnelRequest } from './tunnelProtocol.ts';
import { endToEndHeaders } from './tunnelProtocol.ts';
import type { TunnelAnswer } from './tunnelClient.ts';

export class LoopbackForwarder {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly port: number) {}

  handle(request: TunnelRequest): Promise<TunnelAnswer> {
    return new Promise<TunnelAnswer>((resolve, reject) => {
      const forwarded = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method: request.method,
          path: request.path,
          agent: this.agent,
          headers: { ...request.headers, 'content-length': String(request.body.length) },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 502, headers: endToEndHeaders(response.headers), body: Buffer.concat(chunks) }));
          response.on('error', reject);
        },
      );
      forwarded.on('error', reject);
      forwarded.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
