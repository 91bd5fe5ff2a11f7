/**
 * Requests that are broken before any route sees them (issue 14 #15): a malformed %-escape in a
 * path parameter, a body over the limit, a body that does not decompress or parse. Express and
 * body-parser report these as errors carrying a 4xx status; they are the client's fault, so they
 * are answered with that status and logged as one line, never as a 500 with a stack trace.
 */
export const BODY_LIMIT = '2mb';

interface StatusError {
  status?: unknown;
  statusCode?: unknown;
  type?: unknown;
  code?: unknown;
  expose?: unknown;
  message?: unknown;
}

/** The status and the client's message for a 4xx error raised by express or body-parser; null for anything else. */
export function clientErrorOf(err: unknown): { status: number; message: string } | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as StatusError;
  const status = typeof e.status === 'number' ? e.status : e.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return null;
  if (e.type === 'entity.parse.failed') return { status: 400, message: 'Request body must be JSON' };
  if (e.type === 'entity.too.large') return { status: 413, message: `Request body too large (limit ${BODY_LIMIT})` };
  if (err instanceof URIError) return { status: 400, message: 'Malformed %-encoding in the URL' };
  // zlib's codes (Z_DATA_ERROR, Z_BUF_ERROR) or a truncated stream: a Content-Encoding the body does not match.
  if ((typeof e.code === 'string' && e.code.startsWith('Z_')) || e.code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return { status: 400, message: 'Request body could not be decompressed (Content-Encoding does not match the body)' };
  }
  return { status, message: e.expose === true && typeof e.message === 'string' ? e.message : 'Bad request' };
}
