/**
 * `true` when A and B accept the same values (each is assignable to the other). Response schemas
 * use it beside the view type they document, so a field added to a view and not to its schema, or
 * the other way round, fails `npm run typecheck`:
 *
 *   export type SessionResponseIsSessionView = Assert<Same<z.output<typeof sessionResponse>, SessionView>>;
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Compiles only when given `true`. */
export type Assert<T extends true> = T;
