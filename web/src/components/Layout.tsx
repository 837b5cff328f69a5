import { useEffect, useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { useConfig, useHealth } from "../api/queries";
import { validZone } from "../lib/format";
import { healthProblem, type HealthProblem } from "../lib/health";

/** The pages that exist; others join the nav when they are built (no placeholders). */
const NAV = [
  { to: "/", label: "Dashboard", end: true },
  { to: "/history", label: "History", end: false },
  { to: "/library", label: "Library", end: false },
  { to: "/users", label: "Users", end: false },
  { to: "/admin", label: "Admin", end: false },
  { to: "/api-explorer", label: "API Explorer", end: false },
] as const;

/** The service's health as /health tells it: null while it is first asked. */
function useHealthProblem(): { known: boolean; problem: HealthProblem | null } {
  const health = useHealth();
  const config = useConfig();
  if (health.isPending) return { known: false, problem: null };
  return { known: true, problem: healthProblem(health.data, health.error, validZone(config.data?.tz)) };
}

function HealthBadge({ problem }: { problem: HealthProblem | null }) {
  const tone = problem?.tone ?? "ok";
  const text = problem?.label ?? "Service OK";
  return (
    <span className={`health health-${tone}`} title={problem?.detail ?? text} role="status">
      <span className="dot" aria-hidden="true" />
      <span className="health-text">{text}</span>
    </span>
  );
}

/** What is wrong, in a sentence under the header, on every page (the badge alone says too little). */
function HealthBanner({ problem }: { problem: HealthProblem }) {
  return (
    <div className={`health-banner health-banner-${problem.tone}`} role="alert">
      <strong>{problem.label}.</strong> {problem.detail}
    </div>
  );
}

export function Layout() {
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname]);
  const { known, problem } = useHealthProblem();

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header-inner">
          <NavLink to="/" className="brand" aria-label="Emby Analytics, dashboard">
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
              <rect x="3" y="12" width="4" height="9" rx="1" fill="currentColor" />
              <rect x="10" y="7" width="4" height="14" rx="1" fill="currentColor" />
              <rect x="17" y="3" width="4" height="18" rx="1" fill="currentColor" />
            </svg>
            <span>Emby Analytics</span>
          </NavLink>
          <button
            type="button"
            className="menu-button"
            aria-expanded={open}
            aria-controls="main-nav"
            aria-label={open ? "Close menu" : "Open menu"}
            onClick={() => setOpen((v) => !v)}
          >
            <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
              {open ? (
                <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
              ) : (
                <path d="M4 7h16M4 12h16M4 17h16" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
              )}
            </svg>
          </button>
          <nav id="main-nav" className={open ? "nav open" : "nav"} aria-label="Main">
            {NAV.map((item) => (
              <NavLink key={item.to} to={item.to} end={item.end} className="nav-link">
                {item.label}
              </NavLink>
            ))}
          </nav>
          {known ? <HealthBadge problem={problem} /> : null}
        </div>
      </header>
      {problem ? <HealthBanner problem={problem} /> : null}
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
