import { z } from 'zod';

/**
 * The named response schemas of the OpenAPI document (`#/components/schemas/<id>`). Each area's
 * operations file names the response schemas its routes answer with; a response body in the
 * document is always a reference to one of these, so the document and the tests that validate
 * real responses against it use the same definitions.
 */
export const components = z.registry<{ id: string; description?: string }>();

/** Names `schema` as a component and returns it. */
export function component<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  const existing = components.get(schema);
  if (existing && existing.id !== id) throw new Error(`response schema named twice: ${existing.id} and ${id}`);
  if (!existing) components.add(schema, description ? { id, description } : { id });
  return schema;
}

/** The component's id of a named schema; response bodies must be named. */
export function componentId(schema: z.ZodType): string {
  const id = components.get(schema)?.id;
  if (!id) throw new Error('a response schema is not named: pass it through component() in its openapi/ area file');
  return id;
}

export const componentRef = (schema: z.ZodType) => ({ $ref: `#/components/schemas/${componentId(schema)}` });

/** Every time the API answers with (toISOString()): one named schema, so the document spells its pattern once. */
export const isoTime = component('Timestamp', z.iso.datetime(), 'An ISO-8601 time in UTC, e.g. `2026-01-31T12:00:00.000Z`.');
