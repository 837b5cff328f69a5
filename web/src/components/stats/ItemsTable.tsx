import type { ListedItem } from "../../api/types";

/** The items a quality bucket or codec counts (one page), as the dashboard's drill-down and the Library page list them. */
export function ItemsTable({
  items,
  busy,
  caption,
  className = "",
}: {
  items: readonly ListedItem[];
  busy?: boolean;
  caption?: string;
  className?: string;
}) {
  return (
    <table className={`items-table ${className}`.trim()} aria-busy={busy}>
      {caption ? <caption className="visually-hidden">{caption}</caption> : null}
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Resolution</th>
          <th scope="col">Codec</th>
          <th scope="col">Quality</th>
        </tr>
      </thead>
      <tbody>
        {items.map((it) => (
          <tr key={it.id}>
            <td data-label="Name">{it.name}</td>
            <td data-label="Type">{it.media_type}</td>
            <td data-label="Resolution" className="tabular">{it.width && it.height ? `${it.width}×${it.height}` : "—"}</td>
            <td data-label="Codec">{it.codec ?? "—"}</td>
            <td data-label="Quality">{it.quality}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
