import { useEffect, useRef, useState, type ReactNode } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, errorMessage } from "../api/client";
import { getAdminToken } from "../api/adminToken";
import {
  adminDownload,
  adminGet,
  adminPost,
  type BackupInfo,
  type BackupList,
  type ImportStatus,
  type JobInfo,
  type MethodRepair,
  type OverlapRepair,
  type PositionRepair,
  type RefreshStatus,
  type ResetResult,
  type Started,
  type UsersSynced,
  type WebhookInfo,
} from "../api/admin";
import { useConfig } from "../api/queries";
import { ErrorBox, Loading } from "../components/States";
import { formatDateTime, validZone } from "../lib/format";
import { authState, formatBytes, importText, refreshPercent, refreshText, type AuthState } from "../lib/admin";
import "../admin.css";
import { TokenField } from "../components/TokenField";
import { ActionError, ConfirmDialog } from "../components/ConfirmDialog";

/* ---------- small pieces ---------- */

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="section admin-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function ActionResult({ children }: { children: ReactNode }) {
  return (
    <p className="admin-result admin-ok" role="status">
      {children}
    </p>
  );
}

function SignInFirst({ auth }: { auth: AuthState }) {
  if (auth === "checking") return <Loading label="Checking admin access…" />;
  if (auth === "error") return <p className="muted">The admin routes cannot be reached right now; see the Admin token box above.</p>;
  return <p className="muted">Sign in with the admin token above to use this.</p>;
}

function when(iso: string | null | undefined, tz: string | undefined): ReactNode {
  if (!iso) return <span className="muted">—</span>;
  return <time dateTime={iso}>{formatDateTime(iso, tz)}</time>;
}

/* ---------- 1. admin token ---------- */

function TokenBox({ auth, authError, onChange }: { auth: AuthState; authError: unknown; onChange: () => void }) {
  const [kept, setKept] = useState(() => getAdminToken() !== null);
  let status: ReactNode;
  if (auth === "checking") status = "Checking…";
  else if (auth === "signed-in") status = kept ? "Signed in with the token kept in this browser." : "Signed in by the service's cookie.";
  else if (auth === "signed-out") status = kept ? "Not signed in: the kept token was refused. Enter the admin token." : "Not signed in: enter the admin token.";
  else status = `Cannot check admin access: ${errorMessage(authError)}`;
  return (
    <Section id="admin-token-heading" title="Admin token">
      <p className={`admin-auth admin-auth-${auth}`} role="status" aria-live="polite">
        <span className="dot" aria-hidden="true" />
        {status}
      </p>
      <TokenField
        id="admin-page-token"
        kept={kept}
        onChange={(now) => {
          setKept(now);
          onChange();
        }}
      />
    </Section>
  );
}

/* ---------- 2. library sync ---------- */

function LibrarySync() {
  const qc = useQueryClient();
  const status = useQuery({
    queryKey: ["admin", "refresh"],
    queryFn: ({ signal }) => adminGet<RefreshStatus>("/admin/refresh/status", signal),
    refetchInterval: (q) => (q.state.data?.running ? 1000 : false),
    staleTime: 0,
  });
  const start = useMutation({
    mutationFn: (kind: "start" | "incremental") => adminPost<Started>(`/admin/refresh/${kind}`),
    onSettled: () => qc.invalidateQueries({ queryKey: ["admin", "refresh"] }),
  });
  const running = status.data?.running ?? false;
  const pct = status.data ? refreshPercent(status.data) : null;
  const text = status.data ? refreshText(status.data) : status.isPending ? "Loading…" : "";
  return (
    <>
      <div className="admin-actions">
        <button type="button" className="btn btn-primary" disabled={start.isPending || running} onClick={() => start.mutate("start")}>
          Full refresh
        </button>
        <button type="button" className="btn" disabled={start.isPending || running} onClick={() => start.mutate("incremental")}>
          Incremental refresh
        </button>
      </div>
      {start.isError ? (
        start.error instanceof ApiError && start.error.status === 409 ? (
          <p className="admin-result" role="status">
            A library sync is already running.
          </p>
        ) : (
          <ActionError error={start.error} />
        )
      ) : null}
      {start.isSuccess ? <ActionResult>{start.variables === "start" ? "Full refresh started." : "Incremental refresh started."}</ActionResult> : null}
      {status.isError ? <ErrorBox error={status.error} title="Could not read the library sync's status" /> : null}
      {status.data ? (
        <div className="admin-progress">
          <div
            className="progress admin-bar"
            role="progressbar"
            aria-label="Library sync progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct ?? (status.data.status === "done" && !running ? 100 : undefined)}
            aria-valuetext={text}
          >
            <div className="progress-fill" style={{ width: `${pct ?? (status.data.status === "done" && !running ? 100 : 0)}%` }} />
          </div>
          <p className="admin-progress-text" aria-live="polite">
            {text}
            {status.data.kind ? <span className="muted"> · {status.data.kind}</span> : null}
            {running && status.data.phase ? <span className="muted"> · {status.data.phase}</span> : null}
          </p>
        </div>
      ) : null}
    </>
  );
}

/* ---------- 3. users ---------- */

function UsersSync() {
  const sync = useMutation({ mutationFn: () => adminPost<UsersSynced>("/admin/users/force-sync") });
  return (
    <>
      <div className="admin-actions">
        <button type="button" className="btn btn-primary" disabled={sync.isPending} onClick={() => sync.mutate()}>
          {sync.isPending ? "Syncing users…" : "Sync users now"}
        </button>
      </div>
      {sync.isError ? <ActionError error={sync.error} /> : null}
      {sync.data ? (
        <ActionResult>
          Users synced: {sync.data.total_users} users ({sync.data.added} added, {sync.data.updated} updated, {sync.data.removed} removed).
        </ActionResult>
      ) : null}
    </>
  );
}

/* ---------- 4. background jobs ---------- */

function Jobs({ jobs, tz }: { jobs: JobInfo[]; tz: string | undefined }) {
  if (!jobs.length) return <p className="muted">No background jobs.</p>;
  return (
    <div className="table-wrap">
      <table className="data-table admin-jobs">
        <caption className="visually-hidden">Background jobs, refreshed every 5 seconds</caption>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Running</th>
            <th scope="col">Runs</th>
            <th scope="col">Last run</th>
            <th scope="col">Last error</th>
            <th scope="col">Next run</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.name}>
              <th scope="row">{j.name}</th>
              <td>{j.running ? "Yes" : "No"}</td>
              <td className="tabular">
                {j.runs}
                {j.failures ? <span className="muted"> ({j.failures} failed)</span> : null}
              </td>
              <td>{when(j.last_run_at, tz)}</td>
              <td className={j.last_error ? "admin-job-error" : undefined}>{j.last_error ?? <span className="muted">—</span>}</td>
              <td>{when(j.next_run_at, tz)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/* ---------- 5. webhook ---------- */

function Webhook({ tz }: { tz: string | undefined }) {
  const info = useQuery({
    queryKey: ["admin", "webhook"],
    queryFn: ({ signal }) => adminGet<WebhookInfo>("/admin/webhook/stats", signal),
    refetchInterval: 15_000,
  });
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<"" | "copied" | "select">("");
  useEffect(() => {
    if (!copy) return;
    const t = setTimeout(() => setCopy(""), 4000);
    return () => clearTimeout(t);
  }, [copy]);
  if (info.isPending) return <Loading />;
  if (info.isError) return <ErrorBox error={info.error} onRetry={() => void info.refetch()} />;
  const events = Object.entries(info.data.events).sort((a, b) => b[1] - a[1]);
  const onCopy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("no clipboard");
      await navigator.clipboard.writeText(info.data.url);
      setCopy("copied");
    } catch {
      input.current?.focus();
      input.current?.select();
      setCopy("select");
    }
  };
  return (
    <>
      <div className="admin-field">
        <label htmlFor="webhook-url">Webhook URL</label>
        <div className="admin-copy">
          <input id="webhook-url" ref={input} type="text" readOnly value={info.data.url} onFocus={(e) => e.currentTarget.select()} />
          <button type="button" className="btn" onClick={() => void onCopy()}>
            Copy
          </button>
        </div>
        <span className="admin-copy-status" aria-live="polite">
          {copy === "copied" ? "Copied" : copy === "select" ? "Selected: press Ctrl+C (⌘C) to copy." : ""}
        </span>
        <small className="muted">Paste it into Emby (Dashboard › Webhooks); it includes the webhook token.</small>
      </div>
      <h3 className="admin-h3">Events received since start-up</h3>
      {events.length ? (
        <ul className="admin-events">
          {events.map(([type, n]) => (
            <li key={type}>
              <code>{type}</code>: <span className="tabular">{n}</span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No events received since start-up.</p>
      )}
      <p className="muted">
        Last received: {info.data.last_received_at ? formatDateTime(info.data.last_received_at, tz) : "never"} · duplicates {info.data.duplicates} ·
        rejected {info.data.rejected} · malformed {info.data.malformed}
      </p>
    </>
  );
}

/* ---------- 6. playback reporting import ---------- */

function PlaybackImport() {
  const qc = useQueryClient();
  const status = useQuery({
    queryKey: ["admin", "import"],
    queryFn: ({ signal }) => adminGet<ImportStatus>("/admin/import/playback-reporting", signal),
    refetchInterval: (q) => (q.state.data?.running ? 1000 : false),
    staleTime: 0,
  });
  const start = useMutation({
    mutationFn: () => adminPost<Started>("/admin/import/playback-reporting"),
    onSettled: () => qc.invalidateQueries({ queryKey: ["admin", "import"] }),
  });
  const running = status.data?.running ?? false;
  return (
    <>
      <p className="muted">Imports the history kept by Emby's Playback Reporting plugin, then played flags. Plays already recorded are skipped.</p>
      <div className="admin-actions">
        <button type="button" className="btn btn-primary" disabled={start.isPending || running} onClick={() => start.mutate()}>
          Start import
        </button>
      </div>
      {start.isError ? (
        start.error instanceof ApiError && start.error.status === 409 ? (
          <p className="admin-result" role="status">
            An import is already running.
          </p>
        ) : (
          <ActionError error={start.error} />
        )
      ) : null}
      {start.isSuccess ? <ActionResult>Import started.</ActionResult> : null}
      {status.isError ? <ErrorBox error={status.error} title="Could not read the import's status" /> : null}
      {status.data ? (
        <>
          <p className="admin-progress-text" aria-live="polite">
            {importText(status.data)}
          </p>
          {status.data.started_at ? (
            <p className="muted">
              Skipped: {status.data.skipped_duplicates} duplicates, {status.data.skipped_live_overlap} overlapping live plays,{" "}
              {status.data.skipped_invalid} invalid · played flags added: {status.data.played_added}
            </p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

/* ---------- 7. backups ---------- */

function BackupLink({ backup }: { backup: BackupInfo }) {
  const [error, setError] = useState<unknown>(null);
  return (
    <>
      <a
        href={backup.download_url}
        download={backup.name}
        onClick={(e) => {
          if (!getAdminToken()) return; // the cookie goes with a plain link
          e.preventDefault();
          setError(null);
          adminDownload(backup.download_url, backup.name).catch(setError);
        }}
      >
        {backup.name}
      </a>
      {error ? <ActionError error={error} /> : null}
    </>
  );
}

function Backups({ tz }: { tz: string | undefined }) {
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: ["admin", "backup"],
    queryFn: ({ signal }) => adminGet<BackupList>("/admin/backup", signal),
  });
  const create = useMutation({
    mutationFn: () => adminPost<BackupInfo>("/admin/backup"),
    onSettled: () => qc.invalidateQueries({ queryKey: ["admin", "backup"] }),
  });
  return (
    <>
      <div className="admin-actions">
        <button type="button" className="btn btn-primary" disabled={create.isPending || (list.data?.running ?? false)} onClick={() => create.mutate()}>
          {create.isPending ? "Backing up…" : "Back up now"}
        </button>
      </div>
      {create.isError ? <ActionError error={create.error} /> : null}
      {create.data ? (
        <ActionResult>
          Backup taken: {create.data.name} ({formatBytes(create.data.bytes)}).
        </ActionResult>
      ) : null}
      {list.isPending ? <Loading /> : null}
      {list.isError ? <ErrorBox error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.data ? (
        <>
          <p className="muted">
            Folder <code>{list.data.folder}</code> · keeps {list.data.keep} ·{" "}
            {list.data.interval_hours > 0 ? `every ${list.data.interval_hours} h` : "no scheduled backups"}
          </p>
          {list.data.backups.length ? (
            <div className="table-wrap">
              <table className="data-table admin-backups">
                <caption className="visually-hidden">Backups, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Backup</th>
                    <th scope="col">Size</th>
                    <th scope="col">Taken</th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.backups.map((b) => (
                    <tr key={b.name}>
                      <td>
                        <BackupLink backup={b} />
                      </td>
                      <td className="tabular">{formatBytes(b.bytes)}</td>
                      <td>{when(b.created_at, tz)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">No backups yet.</p>
          )}
        </>
      ) : null}
    </>
  );
}

/* ---------- 8. cleanup ---------- */

interface RepairSpec<T> {
  path: string;
  id: string;
  title: string;
  describe: (r: T) => string;
  change: string;
  keeps: string;
}

function RepairCard<T extends { plays: number; repaired: boolean }>({ spec }: { spec: RepairSpec<T> }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const report = useQuery({
    queryKey: ["admin", "cleanup", spec.path],
    queryFn: ({ signal }) => adminGet<T>(spec.path, signal),
  });
  const repair = useMutation({
    mutationFn: () => adminPost<T>(spec.path),
    onSuccess: (data) => {
      setOpen(false);
      qc.setQueryData(["admin", "cleanup", spec.path], data);
      void qc.invalidateQueries({ queryKey: ["admin", "cleanup", spec.path] });
    },
  });
  return (
    <section className="admin-card" aria-labelledby={spec.id}>
      <h3 id={spec.id} className="admin-h3">
        {spec.title}
      </h3>
      {report.isPending ? <Loading /> : null}
      {report.isError ? <ErrorBox error={report.error} onRetry={() => void report.refetch()} /> : null}
      {report.data ? <p>{report.data.plays ? spec.describe(report.data) : "Nothing to repair."}</p> : null}
      <p className="muted">{spec.change}</p>
      <button
        type="button"
        className="btn"
        disabled={repair.isPending}
        onClick={() => {
          repair.reset();
          setOpen(true);
        }}
      >
        Repair
      </button>
      {repair.data ? <ActionResult>Repaired: {spec.describe(repair.data)}</ActionResult> : null}
      <ConfirmDialog
        open={open}
        title={`Repair: ${spec.title}?`}
        confirmLabel="Confirm"
        pending={repair.isPending}
        error={repair.error}
        onConfirm={() => repair.mutate()}
        onClose={() => setOpen(false)}
      >
        <p>{spec.change}</p>
        <p>
          <strong>{spec.keeps}</strong>
        </p>
      </ConfirmDialog>
    </section>
  );
}

const POSITIONS: RepairSpec<PositionRepair> = {
  path: "/admin/fix-pos-units",
  id: "admin-fix-pos",
  title: "Impossible positions",
  describe: (r) =>
    `${r.plays} plays: ${r.unit_mixups} unit mix-ups, ${r.negative_positions} negative positions, ${r.beyond_runtime} past the runtime, ` +
    `${r.negative_durations} negative durations, ${r.watch_beyond_span} longer than the play lasted, ${r.backwards_segments} backwards segments.`,
  change:
    "Divides positions converted to ticks twice back, clears other impossible positions, drops segments that end before they start, recomputes those plays' watch time from their segments and rebuilds the statistics.",
  keeps: "Watch history is kept: no play is deleted.",
};

const OVERLAPS: RepairSpec<OverlapRepair> = {
  path: "/admin/cleanup/intervals/dedupe",
  id: "admin-dedupe",
  title: "Overlapping segments",
  describe: (r) => `${r.plays} plays with ${r.overlapping_segments} overlapping segments (${Math.round(r.seconds_counted_twice)} s counted twice).`,
  change: "Replaces each affected play's segments by their union (each moment counted once), recomputes its watch time and rebuilds the statistics.",
  keeps: "Watch history is kept: no play is deleted.",
};

const METHODS: RepairSpec<MethodRepair> = {
  path: "/admin/cleanup/backfill-playmethods",
  id: "admin-backfill",
  title: "Missing play methods",
  describe: (r) => `${r.plays} plays recorded only the overall method; ${r.descriptions} can be filled in, ${r.unknown} cannot.`,
  change: "Fills in the video and audio methods (direct, copy, transcode) that each play's overall method and codecs imply, and rebuilds the statistics.",
  keeps: "Watch history is kept: only the missing methods are added.",
};

interface ResetSpec {
  name: "reset-lifetime" | "reset-all";
  id: string;
  title: string;
  button: string;
  confirm: string;
  deletes: string;
  keeps: string;
}

const RESETS: ResetSpec[] = [
  {
    name: "reset-lifetime",
    id: "admin-reset-lifetime",
    title: "Reset lifetime statistics",
    button: "Reset lifetime…",
    confirm: "Delete plays and statistics",
    deletes: "Deletes every play and segment and the statistics built from them. Sessions playing now start new plays.",
    keeps: "Keeps the library, the users, settings and tokens. The next Playback Reporting import brings the history back.",
  },
  {
    name: "reset-all",
    id: "admin-reset-all",
    title: "Reset everything",
    button: "Reset all…",
    confirm: "Delete everything",
    deletes: "Deletes everything collected from Emby: plays, segments, items, libraries, users and sync runs. Then a user sync and a full library sync start.",
    keeps: "Keeps settings and tokens only. Watch history is lost unless a Playback Reporting import brings it back.",
  },
];

function ResetCard({ spec }: { spec: ResetSpec }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const reset = useMutation({
    mutationFn: () => adminPost<ResetResult | null>(`/admin/${spec.name}`, { confirm: spec.name }),
    onSuccess: () => {
      setOpen(false);
      void qc.invalidateQueries();
    },
  });
  return (
    <section className="admin-card admin-card-danger" aria-labelledby={spec.id}>
      <h3 id={spec.id} className="admin-h3">
        {spec.title}
      </h3>
      <p>{spec.deletes}</p>
      <p className="muted">{spec.keeps}</p>
      <button
        type="button"
        className="btn btn-danger"
        disabled={reset.isPending}
        onClick={() => {
          reset.reset();
          setOpen(true);
        }}
      >
        {spec.button}
      </button>
      {reset.isSuccess ? (
        <ActionResult>
          {reset.data
            ? `Done: ${reset.data.plays_deleted} plays, ${reset.data.items_deleted} items and ${reset.data.users_deleted} users deleted. Kept: ${reset.data.kept}.`
            : "Done."}
        </ActionResult>
      ) : null}
      <ConfirmDialog
        open={open}
        title={`${spec.title}?`}
        confirmLabel={spec.confirm}
        typedName={spec.name}
        danger
        pending={reset.isPending}
        error={reset.error}
        onConfirm={() => reset.mutate()}
        onClose={() => setOpen(false)}
      >
        <p>
          <strong>Deletes:</strong> {spec.deletes}
        </p>
        <p>
          <strong>Keeps:</strong> {spec.keeps}
        </p>
        <p className="muted">This cannot be undone; take a backup first.</p>
      </ConfirmDialog>
    </section>
  );
}

/* ---------- the page ---------- */

export function Admin() {
  const qc = useQueryClient();
  const config = useConfig();
  const tz = validZone(config.data?.tz);
  const jobs = useQuery({
    queryKey: ["admin", "scheduler"],
    queryFn: ({ signal }) => adminGet<JobInfo[]>("/admin/scheduler/stats", signal),
    refetchInterval: 5000,
    retry: false,
  });
  const errorStatus = jobs.error instanceof ApiError ? jobs.error.status : null;
  const auth = authState(jobs.status, errorStatus);
  const authed = auth === "signed-in";
  useEffect(() => {
    document.title = "Admin · Emby Analytics";
  }, []);

  return (
    <div className="admin-page">
      <div className="page-head">
        <h1>Admin</h1>
      </div>
      <TokenBox auth={auth} authError={jobs.error} onChange={() => {
          void qc.resetQueries({ queryKey: ["admin"] });
          void qc.invalidateQueries({ queryKey: ["access"] });
        }}
      />
      <Section id="admin-sync-heading" title="Library sync">
        {authed ? <LibrarySync /> : <SignInFirst auth={auth} />}
      </Section>
      <Section id="admin-users-heading" title="Users">
        {authed ? <UsersSync /> : <SignInFirst auth={auth} />}
      </Section>
      <Section id="admin-jobs-heading" title="Background jobs">
        {authed && jobs.data ? <Jobs jobs={jobs.data} tz={tz} /> : <SignInFirst auth={auth} />}
      </Section>
      <Section id="admin-webhook-heading" title="Webhook">
        {authed ? <Webhook tz={tz} /> : <SignInFirst auth={auth} />}
      </Section>
      <Section id="admin-import-heading" title="Playback Reporting import">
        {authed ? <PlaybackImport /> : <SignInFirst auth={auth} />}
      </Section>
      <Section id="admin-backups-heading" title="Backups">
        {authed ? <Backups tz={tz} /> : <SignInFirst auth={auth} />}
      </Section>
      <Section id="admin-cleanup-heading" title="Cleanup">
        {authed ? (
          <div className="admin-cards">
            <RepairCard spec={POSITIONS} />
            <RepairCard spec={OVERLAPS} />
            <RepairCard spec={METHODS} />
            {RESETS.map((r) => (
              <ResetCard key={r.name} spec={r} />
            ))}
          </div>
        ) : (
          <SignInFirst auth={auth} />
        )}
      </Section>
    </div>
  );
}
