// A plaintext HTTP/2 (gRPC) proxy in front of the Temporal dev server that records each
// call's `authorization` metadata and, when given `authorize`, answers UNAUTHENTICATED to
// the calls it refuses (as a Temporal frontend with an authorizer does). It outlives a
// restart of the server behind it: a call while the server is down is answered UNAVAILABLE,
// and the next one connects again.
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  authorization: string | undefined;
  at: number;
}

export type Authorize = (authorization: string | undefined) => Promise<boolean>;

const GRPC_UNAVAILABLE = '14';
const GRPC_UNAUTHENTICATED = '16';

export async function startRecordingGrpcProxy(target: string, authorize?: Authorize) {
  const seen: RecordedCall[] = [];
  let upstream: http2.ClientHttp2Session | undefined;
  const upstreamSession = (): http2.ClientHttp2Session => {
    if (upstream && !upstream.closed && !upstream.destroyed) return upstream;
    const session = http2.connect(`http://${target}`);
    session.on('error', () => undefined);
    session.on('close', () => {
      if (upstream === session) upstream = undefined;
    });
    upstream = session;
    return session;
  };
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => void forward(stream, headers));
  const answer = (stream: http2.ServerHttp2Stream, status: string, message: string) => {
    if (stream.destroyed || stream.headersSent) return;
    stream.respond(
      { ':status': 200, 'content-type': 'application/grpc', 'grpc-status': status, 'grpc-message': message },
      { endStream: true },
    );
  };
  const forward = async (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const authorization = headers.authorization as string | undefined;
    seen.push({ authorization, at: Date.now() });
    if (authorize && !(await authorize(authorization))) {
      answer(stream, GRPC_UNAUTHENTICATED, 'refused');
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith(':') || name === ':method' || name === ':path') forwarded[name] = value;
    }
    let call: http2.ClientHttp2Stream;
    try {
      call = upstreamSession().request(forwarded);
    } catch {
      answer(stream, GRPC_UNAVAILABLE, 'the server behind the proxy is unreachable');
      return;
    }
    stream.pipe(call);
    call.on('response', (responseHeaders, flags) => {
      const { [':status']: status, ...rest } = responseHeaders;
      if (stream.destroyed) return;
      if ((flags ?? 0) & http2.constants.NGHTTP2_FLAG_END_STREAM) {
        stream.respond({ ':status': status, ...rest }, { endStream: true });
        return;
      }
      let trailers: http2.OutgoingHttpHeaders = {};
      call.on('trailers', (received) => (trailers = received));
      stream.respond({ ':status': status, ...rest }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      call.pipe(stream);
    });
    const close = () => {
      if (!call.destroyed) call.close();
      answer(stream, GRPC_UNAVAILABLE, 'the server behind the proxy is unreachable');
      if (!stream.destroyed) stream.close();
    };
    call.on('error', close);
    stream.on('error', close);
    stream.on('close', () => !call.destroyed && call.close());
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => {
      upstream?.destroy();
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
