// The trigger's credentials for the Temporal server: the same token source and renewal
// as the worker's (src/temporal/auth), sent on every gRPC call by an interceptor, so a
// token renewed while --wait follows the workflow is picked up.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { RenewingAuthorization } from '../temporal/auth/token-source';
import { tokenSourceFor } from '../temporal/auth/providers';
import type { TriggerOptions } from './options';

/** Adds the current metadata to every call. */
export function authorizationInterceptor(
  authorization: Pick<RenewingAuthorization, 'metadata'>,
): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        for (const [name, value] of Object.entries(authorization.metadata())) metadata.set(name, value);
        next(metadata, listener);
      },
    });
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
