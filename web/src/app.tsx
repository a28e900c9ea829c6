import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Layout } from './components/layout';
import { Spinner } from './components/feedback';
import { RouteError } from './route-error';

// Each page is its own chunk: the first load only carries the shell.
const SystemPage = lazy(() => import('./pages/system'));
const NotFoundPage = lazy(() => import('./pages/not-found'));

const page = (el: React.ReactNode) => <Suspense fallback={<Spinner />}>{el}</Suspense>;

const router = createBrowserRouter([
  {
    path: '/',
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/system" replace /> },
      { path: 'system', element: page(<SystemPage />) },
      { path: '*', element: page(<NotFoundPage />) },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
