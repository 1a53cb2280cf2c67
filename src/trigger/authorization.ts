// The trigger's credentials for the Temporal server: the same token source and renewal
// as the worker's (src/temporal/auth), sent on every gRPC call by an interceptor, so a
// token renewed while --wait follows the workflow is picked up.
import { InterceptingCall, status as grpcStatus, type Interceptor, type StatusObject } from '@grpc/grpc-js';
import { RenewingAuthorization } from '../temporal/auth/token-source';
import { tokenSourceFor } from '../temporal/auth/providers';
import type { TriggerOptions } from './options';

export type CallAuthorization = Pick<RenewingAuthorization, 'metadata' | 'settled' | 'renewAfterRejection'>;

/**
 * Adds the current metadata to every call; an UNAUTHENTICATED answer starts one renewal,
 * which a retried call (retryUnauthenticatedOnce) waits for.
 */
export function authorizationInterceptor(authorization: CallAuthorization): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        void authorization.settled().then(() => {
          for (const [name, value] of Object.entries(authorization.metadata())) metadata.set(name, value);
          next(metadata, {
            onReceiveStatus(status: StatusObject, nextStatus: (status: StatusObject) => void) {
              if (status.code === grpcStatus.UNAUTHENTICATED) void authorization.renewAfterRejection();
              nextStatus(status);
            },
          });
        });
      },
    });
}

/** The retry decider's addition: a call refused as UNAUTHENTICATED is tried once more, with renewed metadata. */
export function retryUnauthenticatedOnce(attempt: number, status: StatusObject): boolean {
  return status.code === grpcStatus.UNAUTHENTICATED && attempt === 1;
}

/** Started renewing credentials for the options' auth provider; undefined without one. */
export async function authorizationFor(options: TriggerOptions): Promise<RenewingAuthorization | undefined> {
  const source = tokenSourceFor(options.settings);
  if (!source) return undefined;
  const authorization = new RenewingAuthorization(source, {
    failed: (error) => console.error(`trigger: ${error}`),
  });
  await authorization.start();
  return authorization;
}
