// Turns what goes wrong talking to a server into one sentence of what happened and one of what to
// do (UI.md "Manner"), as a TandemError the IPC layer passes on unchanged.
import { TandemError } from '../../src-shared/errors.ts';
import { RemoteError } from '../engine/remote/remote-error.ts';

export function serverProblem(error: unknown, server: string, doing: string): TandemError {
  if (error instanceof TandemError) return error;
  if (error instanceof RemoteError) {
    if (error.code === 'unauthorized' || error.status === 401) {
      return new TandemError('unauthorized', `The server at ${server} did not accept that user name and password. Check them and try again.`);
    }
    if (error.code === 'rate_limited' || error.status === 429) {
      return new TandemError('rate_limited', `The server at ${server} asks to wait after too many attempts. Try again in a few minutes.`);
    }
    if (error.retryable) {
      return new TandemError('internal', `Tandem could not reach the server at ${server} while ${doing}. Check the address and that the server is running, then try again.`);
    }
    return new TandemError('internal', `The server at ${server} refused ${doing}: ${error.message}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TandemError('internal', `Something went wrong while ${doing}: ${message}`);
}

export function messageOf(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong inside Tandem. The details are in the log.';
}
