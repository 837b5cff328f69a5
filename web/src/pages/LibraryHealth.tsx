import type { ReactNode } from "react";
import { Link } from "react-router";
import { useConfig, useIsAdmin, useReport } from "../api/queries";
import type { HealthItem, HealthPage, MissingFilePage, OutlierPage, PlaceholderPage, PosterPage } from "../api/types";
import { Report, TitleCell, useReportPage } from "../components/library/Report";
import { formatCount, formatDuration, plural } from "../lib/format";
import { formatBytes, formatDate } from "../lib/library";
import { pagedApiPath } from "../lib/storage";
import { REPORT_PAGE_SIZE } from "./LibraryStorage";

export function LibraryHealth() {
  const admin = useIsAdmin();
  return (
    <>
      <p className="summary-line">What to tidy in Emby: titles it cannot show well, and episodes it lists without a file.</p>
      <NoPoster />
      <NoProviderIds />
      <Placeholders />
      {admin ? (
        <>
          <MissingFiles />
          <RuntimeOutliers />
        </>
      ) : (
        <p className="notice">
          Files Emby lists that are gone, and implausible runtimes, show here for the admin (they name the server's folders):{" "}
          <Link to="/admin">sign in on Admin</Link>.
        </p>
      )}
    </>
  );
}

function ItemTable<T extends HealthItem>({ items, extra }: { items: readonly T[]; extra?: (item: T) => ReactNode }) {
  return (
    <table className="data-table stack-table report-table">
      <thead>
        <tr>
          <th scope="col">Title</th>
          <th scope="col">Type</th>
          {extra ? <th scope="col">Note</th> : null}
        </tr>
      </thead>
      <tbody>
        {items.map((it) => (
          <tr key={it.id}>
            <TitleCell id={it.id} name={it.display} />
            <td data-label="Type">{it.media_type}</td>
            {extra ? <td data-label="Note">{extra(it)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NoPoster() {
  const page = useReportPage("poster_page");
  const query = useReport<PosterPage>(pagedApiPath("/stats/library/health/no-poster", page, REPORT_PAGE_SIZE));
  return (
    <Report
      id="no-poster"
      title="Without a poster"
      about="Movies, series, seasons, episodes and other videos with no poster of their own."
      query={query}
      pageKey="poster_page"
      what="titles without a poster"
      empty="Every title has a poster."
      summary={(d) => plural(d.total, "title")}
      rows={(d) => (
        <ItemTable
          items={d.items}
          extra={(it) => (it.series_poster ? "Shows its series' poster" : <span className="muted">Shows none</span>)}
        />
      )}
    />
  );
}

function NoProviderIds() {
  const page = useReportPage("ids_page");
  const query = useReport<HealthPage>(pagedApiPath("/stats/library/health/no-provider-ids", page, REPORT_PAGE_SIZE));
  return (
    <Report
      id="no-provider-ids"
      title="Without provider ids"
      about="Movies, series and episodes with no IMDb, TMDb or TVDB id: Emby could not identify them (and duplicates of them cannot be found)."
      query={query}
      pageKey="ids_page"
      what="titles without provider ids"
      empty="Every title has a provider id."
      summary={(d) => plural(d.total, "title")}
      rows={(d) => <ItemTable items={d.items} />}
    />
  );
}

function Placeholders() {
  const page = useReportPage("ph_page");
  const zone = useConfig().data?.tz;
  const query = useReport<PlaceholderPage>(pagedApiPath("/stats/library/health/placeholders", page, REPORT_PAGE_SIZE));
  return (
    <Report
      id="placeholders"
      title="Missing and unaired episodes"
      about="Episodes Emby lists without a file, per series: missing (aired already) or unaired."
      query={query}
      pageKey="ph_page"
      what="missing and unaired episodes"
      empty="No series lists an episode without a file."
      summary={(d) => `${plural(d.total, "series", "series")}: ${formatCount(d.missing)} missing, ${formatCount(d.unaired)} unaired`}
      rows={(d) => (
        <table className="data-table stack-table report-table">
          <thead>
            <tr>
              <th scope="col">Series</th>
              <th scope="col" className="num">
                Missing
              </th>
              <th scope="col" className="num">
                Unaired
              </th>
              <th scope="col">Episodes</th>
            </tr>
          </thead>
          <tbody>
            {d.series.map((s) => {
              const name = s.series_name ?? "Unknown series";
              return (
                <tr key={s.series_id ?? name}>
                  {s.series_id ? <TitleCell id={s.series_id} name={name} label="Series" /> : <th scope="row">{name}</th>}
                  <td data-label="Missing" className="num tabular">
                    {formatCount(s.missing)}
                  </td>
                  <td data-label="Unaired" className="num tabular">
                    {formatCount(s.unaired)}
                  </td>
                  <td data-label="Episodes" className="episodes-cell">
                    <ul className="reason-list">
                      {s.episodes.map((e) => (
                        <li key={e.id}>
                          <span className="tabular">
                            S{String(e.season_number ?? 0).padStart(2, "0")}E{String(e.episode_number ?? 0).padStart(2, "0")}
                          </span>{" "}
                          {e.name} <span className="muted">({e.kind === "missing" ? "missing" : "unaired"}{e.premiere_date ? `, ${formatDate(e.premiere_date, zone)}` : ""})</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    />
  );
}

function MissingFiles() {
  const page = useReportPage("files_page");
  const query = useReport<MissingFilePage>(pagedApiPath("/admin/library/missing-files", page, REPORT_PAGE_SIZE));
  return (
    <Report
      id="missing-files"
      title="Files gone"
      about="Videos Emby still lists whose file has no path or size: gone before Emby's next scan noticed. Admin only."
      query={query}
      pageKey="files_page"
      what="files gone"
      empty="Every video Emby lists has its file."
      summary={(d) => plural(d.total, "video")}
      rows={(d) => (
        <table className="data-table stack-table report-table">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col">Type</th>
              <th scope="col">Path Emby gives</th>
              <th scope="col" className="num">
                Size
              </th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((it) => (
              <tr key={it.id}>
                <TitleCell id={it.id} name={it.display} />
                <td data-label="Type">{it.media_type}</td>
                <td data-label="Path Emby gives" className="path-cell">
                  {it.path ? <span className="code">{it.path}</span> : <span className="muted">None</span>}
                </td>
                <td data-label="Size" className="num tabular">
                  {it.size_bytes ? formatBytes(it.size_bytes) : "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    />
  );
}

function RuntimeOutliers() {
  const page = useReportPage("outliers_page");
  const query = useReport<OutlierPage>(pagedApiPath("/admin/library/runtime-outliers", page, REPORT_PAGE_SIZE));
  return (
    <Report
      id="runtime-outliers"
      title="Runtime outliers"
      about="Videos whose runtime is implausible for their type, longest first. Admin only."
      query={query}
      pageKey="outliers_page"
      what="runtime outliers"
      empty="Every runtime looks plausible."
      summary={(d) => plural(d.total, "video")}
      rows={(d) => (
        <table className="data-table stack-table report-table">
          <thead>
            <tr>
              <th scope="col">Title</th>
              <th scope="col" className="num">
                Runtime
              </th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {d.items.map((it) => (
              <tr key={it.id}>
                <TitleCell id={it.id} name={it.display} />
                <td data-label="Runtime" className="num tabular nowrap">
                  {formatDuration(it.runtime_seconds)}
                </td>
                <td data-label="Why">{it.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    />
  );
}
