/**
 * The OpenAPI document read at runtime (`GET /openapi.json`), turned into what the explorer shows: operations
 * grouped by tag, their parameters and an example body. Pure functions over plain JSON.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Schema = { [key: string]: Json };

export interface OpenApiDoc {
  openapi?: string;
  info?: { title?: string; version?: string; summary?: string; description?: string };
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Json>>;
  components?: { schemas?: Record<string, Schema> };
}

export const METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;
export type Method = (typeof METHODS)[number];

export interface Param {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required: boolean;
  description: string;
  /** The parameter's schema, `$ref`s resolved and a nullable `anyOf` reduced to its non-null branch. */
  schema: Schema;
  type: string;
  enumValues: string[] | null;
  defaultValue: string;
  example: string;
}

export interface Operation {
  key: string;
  method: Method;
  path: string;
  tag: string;
  summary: string;
  description: string;
  deprecated: boolean;
  params: Param[];
  body: { required: boolean; contentType: string; example: string } | null;
  responses: { status: string; description: string; contentTypes: string[] }[];
  admin: boolean;
}

export interface TagGroup {
  tag: string;
  description: string;
  operations: Operation[];
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function isOpenApiDoc(v: unknown): v is OpenApiDoc {
  return isObject(v) && isObject(v.paths);
}

/** Follow local `$ref`s (`#/components/schemas/X`), at most a few levels. */
export function resolve(doc: OpenApiDoc, value: Json | undefined, depth = 0): Schema {
  if (!isObject(value)) return {};
  const ref = value.$ref;
  if (typeof ref === "string" && depth < 10) {
    const target = ref.startsWith("#/") ? pointer(doc, ref.slice(2).split("/")) : undefined;
    return resolve(doc, target as Json | undefined, depth + 1);
  }
  return value;
}

function pointer(doc: OpenApiDoc, parts: string[]): unknown {
  let node: unknown = doc;
  for (const raw of parts) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node;
}

/** A nullable `anyOf: [X, {type: null}]` as X (resolved); other schemas resolved as they are. */
export function unwrapNullable(doc: OpenApiDoc, schema: Json | undefined): Schema {
  const s = resolve(doc, schema);
  const options = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : null;
  if (options) {
    const nonNull = options.filter((o) => !(isObject(o) && o.type === "null"));
    if (nonNull.length === 1) {
      const inner = resolve(doc, nonNull[0]);
      const merged: Schema = { ...inner };
      for (const k of ["description", "default", "title", "examples"]) if (s[k] !== undefined && merged[k] === undefined) merged[k] = s[k] as Json;
      return merged;
    }
  }
  return s;
}

function typeOf(schema: Schema): string {
  if (typeof schema.type === "string") return schema.format ? `${schema.type} (${str(schema.format)})` : schema.type;
  if (Array.isArray(schema.enum)) return "enum";
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) return "any of";
  return "any";
}

function scalarText(v: Json | undefined): string {
  if (v === undefined || v === null) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function param(doc: OpenApiDoc, raw: Json): Param | null {
  const p = resolve(doc, raw);
  const where = p.in;
  if (typeof p.name !== "string" || (where !== "path" && where !== "query" && where !== "header" && where !== "cookie")) return null;
  const schema = unwrapNullable(doc, p.schema);
  const enumValues = Array.isArray(schema.enum) ? schema.enum.map((e) => scalarText(e)) : null;
  const examples = Array.isArray(schema.examples) ? schema.examples : null;
  return {
    name: p.name,
    in: where,
    required: p.required === true || where === "path",
    description: str(p.description) || str(schema.description),
    schema,
    type: typeOf(schema),
    enumValues,
    defaultValue: scalarText(schema.default),
    example: scalarText(p.example ?? examples?.[0]),
  };
}

/** A JSON value shaped like the schema: defaults and examples where given, else empty values. */
export function exampleFor(doc: OpenApiDoc, raw: Json | undefined, depth = 0): Json {
  const schema = unwrapNullable(doc, raw);
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0] ?? null;
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0] ?? null;
  if (depth > 4) return null;
  const type = schema.type;
  if (type === "object" || isObject(schema.properties)) {
    const out: { [key: string]: Json } = {};
    const props = isObject(schema.properties) ? schema.properties : {};
    for (const [name, sub] of Object.entries(props)) out[name] = exampleFor(doc, sub, depth + 1);
    return out;
  }
  if (type === "array") return [];
  if (type === "string") return "";
  if (type === "integer" || type === "number") return typeof schema.minimum === "number" ? schema.minimum : 0;
  if (type === "boolean") return false;
  return null;
}

/** Operations that need the admin token: everything under /admin, and the ones that say "Admin only". */
export function needsAdmin(path: string, description: string): boolean {
  return path === "/admin" || path.startsWith("/admin/") || /\badmin only\b/i.test(description);
}

export function operations(doc: OpenApiDoc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!isObject(item)) continue;
    const shared = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const own = Array.isArray(op.parameters) ? op.parameters : [];
      const byKey = new Map<string, Param>();
      for (const raw of [...shared, ...own]) {
        const p = param(doc, raw);
        if (p) byKey.set(`${p.in}:${p.name}`, p);
      }
      let body: Operation["body"] = null;
      const rb = resolve(doc, op.requestBody);
      if (isObject(rb.content)) {
        const types = Object.keys(rb.content);
        const contentType = types.find((t) => t.includes("json")) ?? types[0] ?? "application/json";
        const media = rb.content[contentType];
        const schema = isObject(media) ? media.schema : undefined;
        body = { required: rb.required === true, contentType, example: JSON.stringify(exampleFor(doc, schema), null, 2) };
      }
      const responses: Operation["responses"] = [];
      if (isObject(op.responses)) {
        for (const [status, r] of Object.entries(op.responses)) {
          const resp = resolve(doc, r);
          responses.push({
            status,
            description: str(resp.description),
            contentTypes: isObject(resp.content) ? Object.keys(resp.content) : [],
          });
        }
      }
      const tags = Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === "string") : [];
      const description = str(op.description);
      out.push({
        key: `${method} ${path}`,
        method,
        path,
        tag: tags[0] ?? "other",
        summary: str(op.summary),
        description,
        deprecated: op.deprecated === true,
        params: [...byKey.values()],
        body,
        responses,
        admin: needsAdmin(path, description),
      });
    }
  }
  return out;
}

/** Operations grouped by their first tag, in the order tags are declared (else first seen). */
export function groupByTag(doc: OpenApiDoc, ops: Operation[]): TagGroup[] {
  const declared = new Map((doc.tags ?? []).map((t) => [t.name, t.description ?? ""]));
  const groups = new Map<string, TagGroup>();
  for (const name of declared.keys()) groups.set(name, { tag: name, description: declared.get(name) ?? "", operations: [] });
  for (const op of ops) {
    let g = groups.get(op.tag);
    if (!g) {
      g = { tag: op.tag, description: "", operations: [] };
      groups.set(op.tag, g);
    }
    g.operations.push(op);
  }
  return [...groups.values()].filter((g) => g.operations.length > 0);
}

export type BuiltUrl = { ok: true; url: string } | { ok: false; missing: string[] };

/** The request URL: path parameters filled in (encoded), query parameters that have a value appended. */
export function buildUrl(op: Pick<Operation, "path" | "params">, values: Record<string, string>): BuiltUrl {
  const missing: string[] = [];
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = values[`path:${name}`]?.trim() ?? "";
    if (!v) missing.push(name);
    return encodeURIComponent(v);
  });
  const query = new URLSearchParams();
  for (const p of op.params) {
    if (p.in !== "query") continue;
    const v = values[`query:${p.name}`]?.trim() ?? "";
    if (v) query.append(p.name, v);
    else if (p.required) missing.push(p.name);
  }
  if (missing.length > 0) return { ok: false, missing };
  const qs = query.toString();
  return { ok: true, url: qs ? `${path}?${qs}` : path };
}

/** Matches a search box: the path, summary, tag or method, case-insensitively. */
export function matches(op: Operation, needle: string): boolean {
  const n = needle.trim().toLowerCase();
  if (!n) return true;
  return [op.path, op.summary, op.tag, op.method, op.description].some((s) => s.toLowerCase().includes(n));
}
