import { isRouteErrorResponse, useRouteError } from 'react-router';
import { ErrorState } from './components/feedback';

/** Anything thrown while rendering a route shows here instead of a blank page. */
export function RouteError() {
  const error = useRouteError();
  const shown = isRouteErrorResponse(error) ? new Error(`${error.status} ${error.statusText}`) : error;
  return (
    <div className="mx-auto max-w-2xl p-8">
      <ErrorState error={shown} onRetry={() => window.location.reload()} />
    </div>
  );
}
