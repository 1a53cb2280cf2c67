// A TLS frontend for tests: a CA of the test's own (openssl), a server certificate it signed
// for 127.0.0.1 and localhost, and a proxy that terminates TLS and pipes the bytes on.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

/** A CA of the test's own and a server certificate it signed for 127.0.0.1. */
export function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  );
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '1',
    '-extfile',
    'san.ext',
  );
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other.key',
    '-out',
    'other-ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=other CA',
  );
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  return {
    ca: read('ca.pem'),
    otherCa: read('other-ca.pem'),
    key: read('server.key'),
    cert: read('server.pem'),
  };
}

/** Terminates TLS (ALPN h2) on 127.0.0.1 and pipes the bytes to the dev server. */
export async function startTlsProxy(target: { port: number }, key: string, cert: string) {
  const sockets = new Set<net.Socket>();
  const proxy = tls.createServer({ key, cert, ALPNProtocols: ['h2'] }, (socket) => {
    const upstream = net.connect(target.port, '127.0.0.1');
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  let handshakes = 0;
  proxy.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    handshakes: () => handshakes,
    close: () => {
      sockets.forEach((socket) => socket.destroy());
      return new Promise((resolve) => proxy.close(resolve));
    },
  };
}
