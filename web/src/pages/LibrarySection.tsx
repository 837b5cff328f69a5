import { NavLink, Outlet } from "react-router";
import "../library.css";

/** The Library section's pages, in the order of its sub-navigation (only pages that exist: no placeholders). */
export const LIBRARY_PAGES = [
  { to: "/library", label: "Overview", end: true },
  { to: "/library/movies", label: "Movies", end: false },
  { to: "/library/series", label: "Series", end: false },
  { to: "/library/genres", label: "Genres", end: false },
  { to: "/library/storage", label: "Storage", end: false },
  { to: "/library/health", label: "Health", end: false },
  { to: "/library/transcodes", label: "Transcodes", end: false },
] as const;

/** The Library heading and its sub-navigation (links: Tab reaches each, Enter opens it), then the page. */
export function LibrarySection() {
  return (
    <div className="page library">
      <div className="page-head">
        <h1>Library</h1>
      </div>
      <nav className="subnav" aria-label="Library pages">
        <ul>
          {LIBRARY_PAGES.map((p) => (
            <li key={p.to}>
              <NavLink to={p.to} end={p.end} className="subnav-link">
                {p.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
