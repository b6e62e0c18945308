/** Shared by the media tests: images made with sharp, and raw HTTP calls that return bytes and headers. */
import sharp from 'sharp';

/** A real image of the given size and format (a gradient, so that encoders have something to encode). */
export async function makeImage(width: number, height: number, format: 'png' | 'jpeg'): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = (x * 255) / width;
      pixels[i + 1] = (y * 255) / height;
      pixels[i + 2] = 128;
    }
  }
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 85 }).toBuffer();
}

export interface BinaryResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly bytes: Buffer;
  /** The JSON body of error answers. */
  readonly json: { errcode?: string; error?: string; [key: string]: unknown } | null;
}

export async function binaryRequest(url: string, options: { method?: string; accessToken?: string; body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<BinaryResponse> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
  const response = await fetch(url, { method: options.method ?? 'GET', headers, ...(options.body === undefined ? {} : { body: options.body }) });
  const bytes = Buffer.from(await response.arrayBuffer());
  let json = null;
  if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      json = null;
    }
  }
  return { status: response.status, headers: response.headers, bytes, json };
}

/** Uploads bytes with POST /_matrix/media/v3/upload; returns the mxc URI and its server name and media ID. */
export async function upload(baseUrl: string, accessToken: string, bytes: Buffer | string, contentType: string, fileName?: string): Promise<{ mxc: string; serverName: string; mediaId: string }> {
  const query = fileName === undefined ? '' : `?filename=${encodeURIComponent(fileName)}`;
  const response = await binaryRequest(`${baseUrl}/_matrix/media/v3/upload${query}`, { method: 'POST', accessToken, body: bytes, headers: { 'Content-Type': contentType } });
  if (response.status !== 200) throw new Error(`upload failed: ${response.status} ${response.bytes.toString()}`);
  const mxc = (response.json as { content_uri: string }).content_uri;
  const [, serverName, mediaId] = /^mxc:\/\/([^/]+)\/(.+)$/.exec(mxc)!;
  return { mxc, serverName: serverName!, mediaId: mediaId! };
}
