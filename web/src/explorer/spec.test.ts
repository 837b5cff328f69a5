import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildUrl, exampleFor, groupByTag, isOpenApiDoc, needsAdmin, operations, type OpenApiDoc } from "./spec";
import { appendTail, prettyJson } from "./run";

const doc = JSON.parse(readFileSync(new URL("../api/openapi.json", import.meta.url), "utf8")) as unknown;

describe("the service's own OpenAPI document", () => {
  if (!isOpenApiDoc(doc)) throw new Error("openapi.json is not an OpenAPI document");
  const spec: OpenApiDoc = doc;
  const ops = operations(spec);

  it("lists every operation, grouped by tag", () => {
    const count = Object.values(spec.paths).reduce((n, item) => n + Object.keys(item).filter((k) => k !== "parameters").length, 0);
    expect(ops.length).toBe(count);
    const groups = groupByTag(spec, ops);
    expect(groups.map((g) => g.tag)).toContain("now playing");
    expect(groups.reduce((n, g) => n + g.operations.length, 0)).toBe(ops.length);
  });

  it("reads parameters, enums behind $ref and bodies", () => {
    const image = ops.find((o) => o.key === "get /img/{kind}/{item_id}");
    expect(image?.params.find((p) => p.name === "kind")?.enumValues).toEqual(["primary", "backdrop"]);
    expect(image?.params.find((p) => p.name === "item_id")?.required).toBe(true);
    const overview = ops.find((o) => o.key === "get /stats/overview");
    expect(overview?.params.find((p) => p.name === "timeframe")?.enumValues).toContain("7d");
    const message = ops.find((o) => o.key === "post /now/{session_id}/message");
    expect(message?.body?.required).toBe(true);
    expect(JSON.parse(message?.body?.example ?? "null")).toHaveProperty("text");
    expect(message?.admin).toBe(true);
    expect(ops.find((o) => o.key === "get /admin/diagnostics")?.admin).toBe(true);
    expect(overview?.admin).toBe(false);
  });

  it("makes an example body from a schema with a $ref", () => {
    expect(exampleFor(spec, { $ref: "#/components/schemas/PauseBody" })).toEqual({ paused: true });
  });
});

describe("buildUrl", () => {
  const op = {
    path: "/img/{kind}/{item_id}",
    params: [
      { name: "kind", in: "path" as const, required: true },
      { name: "item_id", in: "path" as const, required: true },
      { name: "w", in: "query" as const, required: false },
    ].map((p) => ({ ...p, description: "", schema: {}, type: "string", enumValues: null, defaultValue: "", example: "" })),
  };
  it("encodes path values and skips empty query values", () => {
    expect(buildUrl(op, { "path:kind": "primary", "path:item_id": "a/b c", "query:w": "" })).toEqual({ ok: true, url: "/img/primary/a%2Fb%20c" });
    expect(buildUrl(op, { "path:kind": "primary", "path:item_id": "1", "query:w": "160" })).toEqual({ ok: true, url: "/img/primary/1?w=160" });
  });
  it("names what is missing", () => {
    expect(buildUrl(op, { "path:kind": "primary" })).toEqual({ ok: false, missing: ["item_id"] });
  });
});

describe("helpers", () => {
  it("tells admin routes", () => {
    expect(needsAdmin("/admin/backup", "")).toBe(true);
    expect(needsAdmin("/administrator", "")).toBe(false);
    expect(needsAdmin("/now/{session_id}/stop", "Admin only; 404 when not playing.")).toBe(true);
  });
  it("pretty-prints JSON and keeps other text", () => {
    expect(prettyJson('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyJson("plain")).toBe("plain");
  });
  it("keeps the end of a live tail", () => {
    expect(appendTail("abc", "def", 4)).toBe("cdef");
  });
});
