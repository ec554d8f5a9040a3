/**
 * How a REST route maps onto one IAM operation: path parameters, query parameters and body fields
 * to the operation's AWS member names, and the operation's output to the response. The table of
 * routes (identity-routes.ts) is data in this shape; one handler serves them all and the OpenAPI
 * document is generated from the same data.
 */
import type { Result } from '@palisade/failures';
import type { IamOperations } from '@palisade/iam';
import type { Caller, OperationOutput } from '@palisade/principals';
import type { SchemaName } from './response-schemas.ts';
import type { Method } from './route-spec.ts';

/** An IAM operation the compiler knows, by action name. */
export type IamAction = keyof IamOperations;

type OutputsByAction = { [A in IamAction]: NonNullable<OperationOutput<IamOperations[A]>> };

/** What operation `A` answers when it succeeds (AWS member names), as its table types it. */
export type OutputOf<A extends IamAction> = OutputsByAction[A];

/**
 * The IAM operations, each answering its own output: indexed by a route's action, the compiler
 * knows the output that route's render takes (`IamOperations` is assignable to it as it is).
 */
export type TypedOperations = {
  readonly [A in IamAction]: (caller: Caller, input: unknown) => Promise<Result<OutputOf<A> | undefined>>;
};

/** Path parameters by name, decoded. */
export type PathParams = Readonly<Record<string, string>>;

/** A query parameter: the AWS member it fills, and whether it may repeat (`?keys=a&keys=b`). */
export interface QueryField {
  readonly member: string;
  readonly repeated?: boolean;
  readonly description?: string;
}

/** A JSON body field: the AWS member it fills. */
export interface BodyField {
  readonly member: string;
  readonly required?: boolean;
  readonly description?: string;
}

/** What the OpenAPI document says about a success body. */
export interface ResponseShape {
  readonly schema: SchemaName | 'string';
  readonly list?: boolean;
  /** Whether the list pages with `cursor` (and answers `nextCursor`). */
  readonly paged?: boolean;
}

interface RepresentationOf<A extends IamAction> {
  readonly operation: A;
  readonly input: (params: PathParams) => Record<string, unknown>;
  readonly render: (output: OutputOf<A>) => unknown;
}

/**
 * An entity's representation: how to read it (operation `A`) and render it. GET answers it with an
 * ETag, and writes to the entity compare `If-Match` with the ETag of the representation read just before.
 */
export type Representation<A extends IamAction = IamAction> = { [P in A]: RepresentationOf<P> }[A];

/** What a route's `prepare` hook sees. */
export interface PrepareContext {
  readonly caller: Caller;
  readonly operations: IamOperations;
  readonly input: Record<string, unknown>;
}

/** One REST route served by one IAM operation, `A`. */
interface IdentityRouteOf<A extends IamAction> {
  readonly method: Method;
  /** OpenAPI-style template (`/v1/users/{userName}`); each `{param}` fills the member `Param`. */
  readonly path: string;
  readonly operation: A;
  readonly summary: string;
  readonly tag: string;
  readonly description?: string;
  readonly query?: Readonly<Record<string, QueryField>>;
  readonly body?: Readonly<Record<string, BodyField>>;
  readonly status: 200 | 201 | 204;
  /** The response body before camelCasing (200 and 201 only); a Failure answers as an error. */
  readonly render?: (output: OutputOf<A>, params: PathParams) => unknown;
  readonly response?: ResponseShape;
  /** The new resource's URL, for 201. */
  readonly location?: (params: PathParams, output: OutputOf<A>) => string;
  /** GET: answer an ETag. Writes: honour If-Match against a fresh read. */
  readonly representation?: Representation;
  /** Completes the input when the route cannot say everything (e.g. the alias to delete). */
  readonly prepare?: (context: PrepareContext) => Promise<Result<Record<string, unknown>>>;
}

/**
 * A route of any of the actions `A`: one member per action, so a route's render and location are
 * typed by the operation it names, and a function generic in `A` serves every route.
 */
export type IdentityRoute<A extends IamAction = IamAction> = { [P in A]: IdentityRouteOf<P> }[A];

/** The member a path parameter fills: `userName` → `UserName`. */
export function memberOfParam(param: string): string {
  return param.charAt(0).toUpperCase() + param.slice(1);
}

/** The `{param}` names in a path template, in order. */
export function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
}
