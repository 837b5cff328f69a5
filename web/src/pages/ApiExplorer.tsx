import { useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { getJson } from "../api/client";
import { getAdminToken } from "../api/adminToken";
import { ErrorBox, Loading } from "../components/States";
import { TokenField } from "../components/TokenField";
import { OperationView } from "../explorer/OperationView";
import { groupByTag, isOpenApiDoc, matches, operations, type OpenApiDoc } from "../explorer/spec";

export function ApiExplorer() {
  const spec = useQuery({
    queryKey: ["openapi"],
    queryFn: async ({ signal }) => {
      const doc = await getJson<unknown>("/openapi.json", { signal });
      if (!isOpenApiDoc(doc)) throw new Error("The service's /openapi.json is not an OpenAPI document.");
      return doc;
    },
    staleTime: Infinity,
  });
  const [filter, setFilter] = useState("");
  const [hasToken, setHasToken] = useState(() => getAdminToken() !== null);

  return (
    <div className="page">
      <div className="page-head">
        <h1>API Explorer</h1>
        {spec.data?.info?.version ? <span className="muted">v{spec.data.info.version}</span> : null}
      </div>
      <p className="muted">
        Every route of this service, read from <a href="/openapi.json">/openapi.json</a>. Requests go to this service with your browser; anything that is
        not a GET asks first.
      </p>
      <TokenField id="admin-token" kept={hasToken} onChange={setHasToken} />
      {spec.isPending ? (
        <Loading label="Reading the API description…" />
      ) : spec.isError ? (
        <ErrorBox title="Could not read /openapi.json" error={spec.error} onRetry={() => void spec.refetch()} />
      ) : (
        <Operations doc={spec.data} filter={filter} setFilter={setFilter} hasToken={hasToken} />
      )}
    </div>
  );
}

function Operations({ doc, filter, setFilter, hasToken }: { doc: OpenApiDoc; filter: string; setFilter: (v: string) => void; hasToken: boolean }) {
  const all = useMemo(() => operations(doc), [doc]);
  const groups = useMemo(() => groupByTag(doc, all.filter((op) => matches(op, filter))), [doc, all, filter]);
  return (
    <>
      <div className="explorer-filter">
        <label htmlFor="op-filter" className="visually-hidden">
          Filter operations
        </label>
        <input id="op-filter" type="search" placeholder={`Filter ${all.length} operations…`} value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      {groups.length === 0 ? (
        <div className="state state-empty">No operation matches “{filter}”.</div>
      ) : (
        groups.map((g) => (
          <section className="tag-group" key={g.tag} aria-labelledby={`tag-${g.tag.replace(/\W+/g, "-")}`}>
            <h2 id={`tag-${g.tag.replace(/\W+/g, "-")}`}>
              {g.tag} <span className="muted count">{g.operations.length}</span>
            </h2>
            {g.description ? <p className="muted">{g.description}</p> : null}
            {g.operations.map((op) => (
              <OperationView key={op.key} op={op} hasToken={hasToken} />
            ))}
          </section>
        ))
      )}
    </>
  );
}
