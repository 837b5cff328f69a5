import { Link } from "react-router";

export function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no page here yet. <Link to="/">Back to the dashboard</Link>
      </p>
    </div>
  );
}
