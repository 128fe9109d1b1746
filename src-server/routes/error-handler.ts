// One error handler for the whole server: TandemError → its status and { code, message }; schema
// validation failures → 400 with the first problem in one sentence; anything else → 500 with a
// generic sentence (the details go to the log, never to the client, never a stack trace).
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { type ErrorBody, TandemError } from '../../src-shared/errors.ts';
import { PreconditionFailedError, STATUS_OF } from '../errors.ts';

function validationMessage(error: FastifyError): string {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const where = error.validationContext ?? 'request';
    const path = first?.instancePath ? first.instancePath.replace(/^\//, '').replaceAll('/', '.') : '';
    return `Invalid ${where}${path ? ` field "${path}"` : ''}: ${first?.message ?? 'it does not match the expected shape'}.`;
  }
  return `Invalid request: ${error.message}.`;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let status: number;
    let body: ErrorBody & { item?: unknown };
    if (error instanceof TandemError) {
      status = STATUS_OF[error.code];
      body = { code: error.code, message: error.message };
      if (error instanceof PreconditionFailedError) body.item = error.item;
    } else if (error.validation) {
      status = 400;
      body = { code: 'bad_request', message: validationMessage(error) };
    } else if (error.statusCode === 429) {
      status = 429;
      body = { code: 'rate_limited', message: 'Too many attempts; wait a minute and try again.' };
    } else if (error.statusCode === 413 || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      status = 413;
      body = { code: 'too_large', message: 'The request body is larger than this endpoint accepts.' };
    } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      status = error.statusCode;
      body = { code: status === 404 ? 'not_found' : 'bad_request', message: `Bad request: ${error.message}` };
    } else {
      request.log.error({ err: error }, 'request failed');
      status = 500;
      body = { code: 'internal', message: 'Something went wrong inside the Tandem server. The details are in its log.' };
    }
    if (status >= 500 && error instanceof TandemError) request.log.error({ err: error }, 'request failed');
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ code: 'not_found', message: `There is no ${request.method} ${request.url.split('?')[0]} on this server.` });
  });
}
