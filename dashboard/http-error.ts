/**
 * The one error a route throws to answer with a status of its own choosing. The app's error handler
 * (dashboard/app.ts) maps it: APIs get `{ "error": message }`, pages a plain-text answer (SPEC §7.1).
 */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}
