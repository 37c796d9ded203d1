import { Link } from '../router';

/** Any path the app does not know. */
export function NotFound() {
  return (
    <div>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        <Link to="/">Go to the dashboard</Link>
      </p>
    </div>
  );
}
