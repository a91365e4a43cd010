import { z } from 'zod';
import { components } from './components.ts';
import type { JsonSchema } from './operation.ts';

/**
 * zod schemas as JSON Schema 2020-12 (OpenAPI 3.1's dialect), by zod's own converter: requests
 * on their input side (what a client sends: defaults optional, before transforms), responses on
 * their output side (what the bridge writes: objects closed, as zod's output has no other keys).
 * Refinements (`refine`, `superRefine`) have no JSON Schema; operations describe them in words.
 */

const COMPONENT_URI = '#/components/schemas/';

function withoutMeta(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  return withoutMeta(z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema);
}

export interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

/** One parameter per property of an object schema (path parameters are always required). */
export function parametersOf(schema: z.ZodType, where: ParameterObject['in'], descriptions: Record<string, string> = {}): ParameterObject[] {
  const json = requestJsonSchema(schema);
  const properties = json.properties as Record<string, JsonSchema> | undefined;
  if (json.type !== 'object' || !properties) throw new Error(`${where} parameters must be an object schema`);
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(descriptions[name] ? { description: descriptions[name] } : {}),
    schema: property,
  }));
}

/** Every named response schema (components.ts), referring to one another by `#/components/schemas/<id>`. */
export function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(components, { io: 'output', target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `${COMPONENT_URI}${id}` });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, withoutMeta(schema as JsonSchema)]));
}
