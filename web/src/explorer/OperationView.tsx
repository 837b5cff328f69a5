import { useEffect, useId, useRef, useState } from "react";
import { InlineCode } from "../components/InlineCode";
import { buildUrl, type Operation } from "./spec";
import { appendTail, run, type RunResult } from "./run";

type Phase = { state: "idle" } | { state: "running"; streaming: boolean } | { state: "done" } | { state: "error"; message: string };

function initialValues(op: Operation): Record<string, string> {
  const values: Record<string, string> = {};
  for (const p of op.params) values[`${p.in}:${p.name}`] = p.in === "path" ? p.example : "";
  return values;
}

export function OperationView({ op, hasToken }: { op: Operation; hasToken: boolean }) {
  const [values, setValues] = useState(() => initialValues(op));
  const [body, setBody] = useState(op.body?.example ?? "");
  const [phase, setPhase] = useState<Phase>({ state: "idle" });
  const [result, setResult] = useState<Omit<RunResult, "outcome"> & { outcome?: RunResult["outcome"] }>();
  const [tail, setTail] = useState("");
  const abort = useRef<AbortController | null>(null);
  const objectUrl = useRef<string | null>(null);
  const baseId = useId();

  useEffect(
    () => () => {
      abort.current?.abort();
      if (objectUrl.current) URL.revokeObjectURL(objectUrl.current);
    },
    [],
  );

  const built = buildUrl(op, values);
  const upper = op.method.toUpperCase();
  const editable = op.params.filter((p) => p.in === "path" || p.in === "query" || p.in === "header");

  async function onRun() {
    if (!built.ok) {
      setPhase({ state: "error", message: `Fill in: ${built.missing.join(", ")}` });
      return;
    }
    let payload: string | null = null;
    if (op.body) {
      const text = body.trim();
      if (text) {
        try {
          JSON.parse(text);
        } catch {
          setPhase({ state: "error", message: "The body is not valid JSON." });
          return;
        }
        payload = text;
      } else if (op.body.required) {
        setPhase({ state: "error", message: "This operation needs a body." });
        return;
      }
    }
    if (op.method !== "get" && op.method !== "head" && !window.confirm(`Run ${upper} ${built.url}?\n\nThis may change data on the server.`)) return;

    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    if (objectUrl.current) URL.revokeObjectURL(objectUrl.current);
    objectUrl.current = null;
    setResult(undefined);
    setTail("");
    setPhase({ state: "running", streaming: false });
    const headers: Record<string, string> = {};
    for (const p of op.params) {
      const v = values[`header:${p.name}`]?.trim();
      if (p.in === "header" && v) headers[p.name] = v;
    }
    try {
      const res = await run(
        {
          method: op.method,
          url: built.url,
          admin: op.admin,
          headers,
          body: payload,
          contentType: op.body?.contentType ?? null,
          signal: controller.signal,
          onStreamText: (chunk) => setTail((t) => appendTail(t, chunk)),
        },
        (head) => {
          setResult(head);
          if (head.contentType.startsWith("text/event-stream")) setPhase({ state: "running", streaming: true });
        },
      );
      if ("url" in res.outcome) objectUrl.current = res.outcome.url;
      setResult(res);
      setPhase({ state: "done" });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") {
        setPhase({ state: "done" });
        return;
      }
      setPhase({ state: "error", message: error instanceof Error ? `Request failed: ${error.message}` : "Request failed." });
    } finally {
      if (abort.current === controller) abort.current = null;
    }
  }

  function onStop() {
    abort.current?.abort();
  }

  const running = phase.state === "running";
  const outcome = result?.outcome;
  const statusTone = result ? (result.status < 300 ? "ok" : result.status < 400 ? "redirect" : "bad") : "";

  return (
    <details className="op" id={`op-${op.method}-${op.path.replace(/[^a-zA-Z0-9]+/g, "-")}`}>
      <summary>
        <span className={`method method-${op.method}`}>{upper}</span>
        <code className="op-path">{op.path}</code>
        <span className="op-summary">{op.summary}</span>
        {op.admin ? <span className="pill tone-unknown" title="Sends the admin token">admin</span> : null}
        {op.deprecated ? <span className="pill tone-transcode">deprecated</span> : null}
      </summary>
      <div className="op-body">
        {op.description ? <p className="op-description">
            <InlineCode text={op.description} />
          </p> : null}
        {op.admin && !hasToken ? (
          <p className="hint">No admin token is kept in this browser: the request goes without one (a cookie set by the service may still work).</p>
        ) : null}

        <form
          onSubmit={(e) => {
            e.preventDefault();
            void onRun();
          }}
        >
          {editable.length > 0 ? (
            <fieldset className="params">
              <legend>Parameters</legend>
              {editable.map((p) => {
                const key = `${p.in}:${p.name}`;
                const id = `${baseId}-${key}`;
                return (
                  <div className="param" key={key}>
                    <label htmlFor={id}>
                      <code>{p.name}</code>
                      {p.required ? <span className="required" aria-label="required"> *</span> : null}
                      <span className="muted">
                        {" "}
                        {p.in} · {p.type}
                        {p.defaultValue ? ` · default ${p.defaultValue}` : ""}
                      </span>
                    </label>
                    {p.enumValues ? (
                      <select id={id} value={values[key] ?? ""} onChange={(e) => setValues({ ...values, [key]: e.target.value })}>
                        <option value="">{p.required ? "— choose —" : "(not sent)"}</option>
                        {p.enumValues.map((v) => (
                          <option key={v} value={v}>
                            {v}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <input
                        id={id}
                        type="text"
                        value={values[key] ?? ""}
                        placeholder={p.example || p.defaultValue || (p.required ? "required" : "optional")}
                        required={p.required}
                        onChange={(e) => setValues({ ...values, [key]: e.target.value })}
                      />
                    )}
                    {p.description ? (
                      <small className="muted">
                        <InlineCode text={p.description} />
                      </small>
                    ) : null}
                  </div>
                );
              })}
            </fieldset>
          ) : null}

          {op.body ? (
            <div className="param">
              <label htmlFor={`${baseId}-body`}>
                Body <span className="muted">({op.body.contentType}{op.body.required ? ", required" : ""})</span>
              </label>
              <textarea id={`${baseId}-body`} className="code" rows={Math.min(12, Math.max(3, body.split("\n").length))} value={body} spellCheck={false} onChange={(e) => setBody(e.target.value)} />
            </div>
          ) : null}

          <div className="op-actions">
            <button type="submit" className="btn btn-primary" disabled={running}>
              {running ? "Running…" : "Run"}
            </button>
            {running ? (
              <button type="button" className="btn" onClick={onStop}>
                Stop
              </button>
            ) : null}
            <code className="muted op-url">
              {upper} {built.ok ? built.url : op.path}
            </code>
          </div>
        </form>

        {phase.state === "error" ? (
          <div className="state state-error" role="alert">
            {phase.message}
          </div>
        ) : null}

        {result ? (
          <div className="result" aria-live="polite">
            <div className="result-head">
              <span className={`status status-${statusTone}`}>
                {result.status} {result.statusText}
              </span>
              <span className="muted tabular">{result.ms} ms</span>
              {result.contentType ? <span className="muted">{result.contentType}</span> : null}
            </div>
            {result.contentType.startsWith("text/event-stream") ? (
              <pre className="code result-body" aria-label="Live tail of the event stream">
                {tail || (running ? "Waiting for events…" : "(nothing received)")}
              </pre>
            ) : outcome?.kind === "json" || outcome?.kind === "text" ? (
              <pre className="code result-body">{outcome.text}</pre>
            ) : outcome?.kind === "image" ? (
              <img className="result-image" src={outcome.url} alt={`Answer of ${upper} ${op.path}`} />
            ) : outcome?.kind === "binary" ? (
              <p>
                {outcome.bytes.toLocaleString("en-US")} bytes of {outcome.contentType}.{" "}
                <a href={outcome.url} download={outcome.filename}>
                  Save {outcome.filename}
                </a>
              </p>
            ) : outcome?.kind === "empty" ? (
              <p className="muted">No content.</p>
            ) : null}
          </div>
        ) : null}

        {op.responses.length > 0 ? (
          <details className="responses">
            <summary>Responses</summary>
            <ul>
              {op.responses.map((r) => (
                <li key={r.status}>
                  <code>{r.status}</code> <InlineCode text={r.description} />
                  {r.contentTypes.length ? <span className="muted"> ({r.contentTypes.join(", ")})</span> : null}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
      </div>
    </details>
  );
}
