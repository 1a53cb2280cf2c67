// A plaintext HTTP/2 (gRPC) proxy in front of the Temporal dev server that records each
// call's `authorization` metadata and, when given `authorize`, answers UNAUTHENTICATED to
// the calls it refuses (as a Temporal frontend with an authorizer does).
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  authorization: string | undefined;
  at: number;
}

export type Authorize = (authorization: string | undefined) => Promise<boolean>;

export async function startRecordingGrpcProxy(target: string, authorize?: Authorize) {
  const seen: RecordedCall[] = [];
  const upstream = http2.connect(`http://${target}`);
  upstream.on('error', () => undefined);
  const server = http2.createServer();
  server.on('stream', (stream, headers) => void forward(stream, headers));
  const forward = async (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
    const authorization = headers.authorization as string | undefined;
    seen.push({ authorization, at: Date.now() });
    if (authorize && !(await authorize(authorization))) {
      if (!stream.destroyed) {
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': '16',
            'grpc-message': 'refused',
          },
          { endStream: true },
        );
      }
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith(':') || name === ':method' || name === ':path') forwarded[name] = value;
    }
    const call = upstream.request(forwarded);
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
      upstream.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
