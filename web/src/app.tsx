import { lazy, Suspense } from 'react';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { Layout } from './components/layout';
import { Spinner } from './components/feedback';
import { UserMenu } from './components/user-menu';
import { RequireAuth } from './lib/auth';
import { RouteError } from './route-error';

// Each page is its own chunk: the first load only carries the shell.
const SetupPage = lazy(() => import('./pages/setup'));
const LoginPage = lazy(() => import('./pages/login'));
const ResetPasswordPage = lazy(() => import('./pages/reset-password'));
const SystemPage = lazy(() => import('./pages/system'));
const BillingPage = lazy(() => import('./pages/billing'));
const AgentsPage = lazy(() => import('./pages/agents/list'));
const NewAgentPage = lazy(() => import('./pages/agents/new'));
const AgentDetailPage = lazy(() => import('./pages/agents/detail'));
const ChatPage = lazy(() => import('./pages/agents/chat'));
const ProvidersPage = lazy(() => import('./pages/settings/providers'));
const SettingsLayout = lazy(() => import('./pages/settings/index'));
const AccountPage = lazy(() => import('./pages/settings/account'));
const TokensPage = lazy(() => import('./pages/settings/tokens'));
const UsersPage = lazy(() => import('./pages/settings/users'));
const SecretsPage = lazy(() => import('./pages/settings/secrets'));
const SecurityPage = lazy(() => import('./pages/settings/security'));
const BillingAdminPage = lazy(() => import('./pages/admin/billing'));
const UsagePage = lazy(() => import('./pages/usage'));
const DeliveriesPage = lazy(() => import('./pages/a2a-deliveries'));
const NotFoundPage = lazy(() => import('./pages/not-found'));

const page = (el: React.ReactNode) => <Suspense fallback={<Spinner />}>{el}</Suspense>;

const router = createBrowserRouter([
  { path: '/setup', element: page(<SetupPage />), errorElement: <RouteError /> },
  { path: '/login', element: page(<LoginPage />), errorElement: <RouteError /> },
  { path: '/reset-password', element: page(<ResetPasswordPage />), errorElement: <RouteError /> },
  {
    path: '/',
    element: (
      <RequireAuth>
        <Layout userMenu={<UserMenu />} />
      </RequireAuth>
    ),
    errorElement: <RouteError />,
    children: [
      { index: true, element: <Navigate to="/agents" replace /> },
      { path: 'agents', element: page(<AgentsPage />) },
      { path: 'agents/new', element: page(<NewAgentPage />) },
      { path: 'agents/:id', element: page(<AgentDetailPage />) },
      { path: 'agents/:id/chat', element: page(<ChatPage />) },
      { path: 'system', element: page(<SystemPage />) },
      { path: 'billing', element: page(<BillingPage />) },
      { path: 'admin/billing', element: page(<BillingAdminPage />) },
      { path: 'usage', element: page(<UsagePage />) },
      { path: 'push-deliveries', element: page(<DeliveriesPage />) },
      {
        path: 'settings',
        element: page(<SettingsLayout />),
        children: [
          { index: true, element: <Navigate to="/settings/account" replace /> },
          { path: 'account', element: page(<AccountPage />) },
          { path: 'tokens', element: page(<TokensPage />) },
          { path: 'users', element: page(<UsersPage />) },
          { path: 'secrets', element: page(<SecretsPage />) },
          { path: 'security', element: page(<SecurityPage />) },
          { path: 'providers', element: page(<ProvidersPage />) },
        ],
      },
      { path: '*', element: page(<NotFoundPage />) },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
