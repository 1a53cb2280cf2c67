// multipart/form-data as Pebble's files API speaks it (docs/juju-pebble-contract.md §4.5): we encode the
// write request (a JSON `request` part, then one `files` part per file) and decode the
// read response (`files` parts, then a JSON `response` part).
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import type { LocalFile } from './types';

export interface MultipartPart {
  name: string;
  filename?: string;
  contentType: string;
  body: Buffer;
}

export interface OutgoingPart extends Omit<MultipartPart, 'body'> {
  body: Buffer | LocalFile;
}

/** Pebble rejects boundaries shorter than 32 characters. */
export function newBoundary(): string {
  return randomBytes(16).toString('hex');
}

/** Bytes of a local file read at a time, into one buffer that is reused. */
const FILE_CHUNK_BYTES = 256 * 1024;

/**
 * The body as a sequence of chunks, each valid only until the next is asked for: local files
 * are read through one reused buffer, so pushing the ~30 MB Temporal bridge holds neither a
 * copy of it nor garbage the size of it.
 */
export function* encodeMultipart(parts: OutgoingPart[], boundary: string): Generator<Buffer> {
  let fileBuffer: Buffer | undefined;
  for (const part of parts) {
    const disposition = `form-data; name="${quote(part.name)}"${
      part.filename === undefined ? '' : `; filename="${quote(part.filename)}"`
    }`;
    yield Buffer.from(
      `--${boundary}\r\nContent-Disposition: ${disposition}\r\nContent-Type: ${part.contentType}\r\n\r\n`,
      'utf8',
    );
    if (Buffer.isBuffer(part.body)) yield part.body;
    else yield* fileChunks(part.body.localPath, (fileBuffer ??= Buffer.allocUnsafe(FILE_CHUNK_BYTES)));
    yield Buffer.from('\r\n');
  }
  yield Buffer.from(`--${boundary}--\r\n`);
}

function* fileChunks(filePath: string, buffer: Buffer): Generator<Buffer> {
  const fd = openSync(filePath, 'r');
  try {
    for (let read; (read = readSync(fd, buffer, 0, buffer.length, null)) > 0;) yield buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** The boundary parameter of a `multipart/form-data; boundary=…` content type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2] ?? null) : null;
}

export function decodeMultipart(body: Buffer, boundary: string): MultipartPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  if (start < 0) throw new Error('multipart body has no boundary');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    start = skipLineBreak(body, start);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), start);
    if (next < 0) throw new Error('multipart body ends before its closing boundary');
    const headerEnd = body.indexOf('\r\n\r\n', start);
    if (headerEnd < 0 || headerEnd > next) throw new Error('multipart part has no header block');
    const headers = parseHeaders(body.subarray(start, headerEnd).toString('utf8'));
    const disposition = headers['content-disposition'] ?? '';
    parts.push({
      name: dispositionParam(disposition, 'name') ?? '',
      filename: dispositionParam(disposition, 'filename'),
      contentType: headers['content-type'] ?? 'text/plain',
      body: body.subarray(headerEnd + 4, next),
    });
    start = next + 2;
  }
  return parts;
}

function skipLineBreak(body: Buffer, at: number): number {
  if (body[at] === 0x0d && body[at + 1] === 0x0a) return at + 2;
  if (body[at] === 0x0a) return at + 1;
  return at;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

function dispositionParam(disposition: string, param: string): string | undefined {
  const match = new RegExp(`;\\s*${param}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition);
  return match ? match[1]!.replace(/\\(.)/g, '$1') : undefined;
}

function quote(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
