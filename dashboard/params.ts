/**
 * Request parameters (SPEC §7.1): each route declares zod schemas for its path params, query and
 * body, built from the pieces below; `parseRequest` checks them and throws HttpError(400) whose
 * message names the parameter. The app's error handler answers APIs with 400 JSON and pages with a
 * plain-text 404.
 */
import type { Request } from 'express';
import { z } from 'zod';
import { HARDWARE, MODEL_DIRS } from '../core/hardware';
import { compactDate, isRealDate } from '../core/dates';
import { HttpError } from './http-error';

/** Every failure of a piece says this message. */
const says = (message: string) => ({ error: message });

const DATE_MESSAGE = 'Invalid date (expected YYYYMMDD)';

/** An absent value and an empty one (a form's empty field) are the same: `fallback`. */
export function orDefault<T extends z.ZodType, const D>(schema: T, fallback: D) {
  return z.preprocess((v) => (v === '' ? undefined : v), z.optional(schema)).transform((v): z.output<T> | D => (v === undefined ? fallback : (v as z.output<T>)));
}

/** A parameter that must be given: `message` when it is absent or empty, else `schema`'s own checks. */
export function required<T extends z.ZodType>(schema: T, message: string) {
  const given = z.unknown().refine((v) => v !== undefined, says(message));
  return z.preprocess((v) => (v === '' ? undefined : v), given.pipe(schema as unknown as z.ZodType<z.output<T>, {} | null>));
}

export const hardware = z.enum(HARDWARE, says('Invalid hardware type'));

/** YYYYMMDD only (path segments that name a folder). */
export const compactDateParam = z.string(says(DATE_MESSAGE)).refine(isRealDate, says(DATE_MESSAGE));

/** YYYYMMDD or YYYY-MM-DD (the date picker's spelling), as YYYYMMDD. */
export const date = z.string(says(DATE_MESSAGE)).transform(compactDate).refine(isRealDate, says(DATE_MESSAGE));

/** A whole number in [min, max] written in digits. */
export function intIn(name: string, min: number, max: number) {
  const message = says(`Invalid ${name} (expected an integer ${min}..${max})`);
  return z.string(message).regex(/^\d{1,9}$/, message).transform(Number).refine((n) => n >= min && n <= max, message);
}

/** `days`-like windows: 1..max, `fallback` when absent. */
export function days(fallback = 30, max = 90, name = 'days') {
  return orDefault(intIn(name, 1, max), fallback);
}

export const BOTH_NIGHTS_AND_DAYS = 'Give either nights or days, not both (days is the older name of nights)';

/**
 * `shape` plus the trends window `nights` (1..max nights with a run, `fallback` when absent). `days`,
 * its first name, is accepted for links already shared; both at once is a 400. Parses to `nights`.
 */
export function withNights<S extends z.ZodRawShape>(shape: S, fallback = 30, max = 90) {
  type Window = { nights: number | null; days: number | null };
  return z
    .object({ ...shape, nights: orDefault(intIn('nights', 1, max), null), days: orDefault(intIn('days', 1, max), null) })
    .refine((q) => (q as Window).nights === null || (q as Window).days === null, says(BOTH_NIGHTS_AND_DAYS))
    .transform((q) => {
      const { nights, days: oldName, ...rest } = q as Window & z.output<z.ZodObject<S>>;
      return { ...(rest as Omit<z.output<z.ZodObject<S>>, keyof Window>), nights: nights ?? oldName ?? fallback };
    });
}

/** A non-negative integer of at most 7 digits, null when absent. */
export function count(name: string) {
  const message = says(`Invalid ${name} (expected a non-negative integer)`);
  return orDefault(z.string(message).regex(/^\d{1,7}$/, message).transform(Number), null);
}

export const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const fileName = z
  .string(says('Invalid file name'))
  .regex(FILE_NAME_RE, says('Invalid file name'))
  .refine((v) => !v.includes('..'), says('Invalid file name'));

export const model = z.enum(MODEL_DIRS, says('Invalid model'));
export const mode = z.enum(['online', 'offline'], says('Invalid mode'));

/** The optional `machine` value; whether the DB knows it is the read model's answer. */
export const machine = orDefault(z.string(says('Unknown machine')).regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, says('Unknown machine')), null);

/** Free text of one line (filter values), null when absent. */
export function text(name: string, max = 200) {
  const message = says(`Invalid ${name}`);
  return orDefault(z.string(message).max(max, message).regex(/^[^\u0000-\u001f]*$/, message), null);
}

/** A repeatable text parameter (`?model=a&model=b`): at most 20 values. */
export function texts(name: string) {
  const message = says(`Invalid ${name}`);
  const one = z.string(message).max(200, message).regex(/^[^\u0000-\u001f]*$/, message);
  return z
    .preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(one, message).max(20, says(`Too many ${name} values`)))
    .transform((list) => list.filter((v) => v !== ''));
}

/** One of a fixed list, `fallback` when absent. */
export function oneOf<const T extends readonly [string, ...string[]], const D extends T[number] | null = null>(values: T, message: string, fallback?: D) {
  return orDefault(z.enum(values, says(message)), (fallback ?? null) as D);
}

/** The first problem, in the schema's own words or else naming the parameter. */
function messageOf(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'Invalid request';
}

function parseValue<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value, { error: (issue) => `Invalid ${issue.path?.map(String).join('.') || 'parameter'}` });
  if (!result.success) throw new HttpError(400, messageOf(result.error));
  return result.data;
}

type Schemas = { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
type Parsed<S extends Schemas> = { [K in keyof S]: S[K] extends z.ZodType ? z.output<S[K]> : never };

/** Checks a request's parts against the route's schemas; throws HttpError(400) naming the first bad parameter. */
export function parseRequest<S extends Schemas>(req: Request, schemas: S): Parsed<S> {
  const out: Record<string, unknown> = {};
  if (schemas.params) out.params = parseValue(schemas.params, req.params);
  if (schemas.query) out.query = parseValue(schemas.query, req.query);
  if (schemas.body) out.body = parseValue(schemas.body, req.body);
  return out as Parsed<S>;
}

/** One value against one schema (a route that picks its parameters itself). */
export function parseParam<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  return parseValue(schema, value);
}
