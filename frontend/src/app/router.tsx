import type { ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, RouterProvider, useLocation, useSearchParams } from 'react-router-dom';
import { PublicLayout } from '../components/layouts/public-layout';
import { Spinner } from '../components/ui';
import { ProfilePage } from '../features/account/components/profile';
import { SecurityPage } from '../features/account/components/security';
import { ApiKeysPage } from '../features/api-keys/components/api-keys-page';
import { AuditLogPage } from '../features/audit/components/audit-log-page';
import { ForgotPasswordPage, ResetPasswordPage } from '../features/auth/components/password-reset';
import { safeNext, SignInPage } from '../features/auth/components/sign-in';
import { SignUpPage } from '../features/auth/components/sign-up';
import { VerifyEmailPage } from '../features/auth/components/verify-email';
import { DevOutboxLink } from '../features/dev-outbox/components/dev-outbox-link';
import { DevOutboxPage } from '../features/dev-outbox/components/dev-outbox-page';
import { CookieBanner } from '../features/legal/components/cookie-banner';
import { PrivacyPolicyPage } from '../features/legal/components/privacy-policy-page';
import { AcceptInvitationPage } from '../features/workspace/components/accept-invitation';
import { TeamPage } from '../features/workspace/components/team';
import { WorkspaceSettingsPage } from '../features/workspace/components/workspace-settings';
import { useAuth } from '../lib/auth-store';
import { hasRole, type Role } from '../lib/roles';
import { AppShell } from './app-shell';
import { DashboardPage } from './routes/dashboard';
import { ComingSoon, Forbidden, NotFound } from './routes/placeholder';
import { SettingsLayout } from './routes/settings-layout';
import { WhatsAppSettingsRoute } from './routes/whatsapp';

function FullPageSpinner() {
  return (
    <div className="full-page-center">
      <Spinner />
    </div>
  );
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { status, signedOut } = useAuth();
  const location = useLocation();
  if (status === 'loading') return <FullPageSpinner />;
  if (status === 'anonymous') {
    // Come back here after signing in again, unless the user chose to sign out.
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={signedOut || next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

/** Sign-in and sign-up pages: a signed-in user goes on to where they were heading. */
function GuestOnly({ children }: { children: ReactNode }) {
  const { status } = useAuth();
  const [params] = useSearchParams();
  if (status === 'loading') return <FullPageSpinner />;
  if (status === 'authenticated') return <Navigate to={safeNext(params.get('next'))} replace />;
  return <>{children}</>;
}

function RequireRole({ min, children }: { min: Role; children: ReactNode }) {
  const { role } = useAuth();
  return hasRole(role, min) ? <>{children}</> : <Forbidden />;
}

/** The contacts area is loaded on demand (its own chunk). */
const contacts = () => import('../features/contacts');
/** The message templates area, likewise. */
const templates = () => import('../features/templates');

function Root() {
  return (
    <>
      <Outlet />
      <CookieBanner />
    </>
  );
}

export const routes = [
  // The hosted opt-in page is the workspace's own page for its customers: no app shell, no
  // QMS cookie banner (it sets no cookies).
  {
    path: '/optin/:slug',
    hydrateFallbackElement: <FullPageSpinner />,
    lazy: async () => ({ Component: (await contacts()).OptInPage }),
  },
  {
    element: <Root />,
    hydrateFallbackElement: <FullPageSpinner />,
    children: [
      {
        element: <PublicLayout />,
        children: [
          { path: '/signin', element: <GuestOnly><SignInPage footer={<DevOutboxLink />} /></GuestOnly> },
          { path: '/signup', element: <GuestOnly><SignUpPage /></GuestOnly> },
          { path: '/verify-email', element: <VerifyEmailPage /> },
          { path: '/forgot-password', element: <ForgotPasswordPage /> },
          { path: '/reset-password', element: <ResetPasswordPage /> },
          { path: '/invite', element: <AcceptInvitationPage /> },
          { path: '/privacy', element: <PrivacyPolicyPage /> },
          { path: '/dev/outbox', element: <DevOutboxPage /> },
        ],
      },
      {
        element: (
          <RequireAuth>
            <AppShell />
          </RequireAuth>
        ),
        children: [
          { path: '/', element: <DashboardPage /> },
          { path: '/inbox', element: <ComingSoon area="nav.inbox" /> },
          {
            path: '/contacts',
            lazy: async () => ({ Component: (await contacts()).ContactsLayout }),
            children: [
              { index: true, lazy: async () => ({ Component: (await contacts()).ContactsPage }) },
              { path: 'lists', lazy: async () => ({ Component: (await contacts()).ListsPage }) },
              { path: 'segments', lazy: async () => ({ Component: (await contacts()).SegmentsPage }) },
              { path: 'suppressions', lazy: async () => ({ Component: (await contacts()).SuppressionsPage }) },
              { path: 'fields', lazy: async () => ({ Component: (await contacts()).FieldsPage }) },
              {
                path: 'import',
                lazy: async () => {
                  const { ImportWizardPage } = await contacts();
                  return { element: <RequireRole min="marketer"><ImportWizardPage /></RequireRole> };
                },
              },
              { path: ':id', lazy: async () => ({ Component: (await contacts()).ContactDetailPage }) },
            ],
          },
          {
            path: '/templates',
            children: [
              { index: true, lazy: async () => ({ Component: (await templates()).TemplatesPage }) },
              {
                path: 'new',
                lazy: async () => {
                  const { TemplateBuilderPage } = await templates();
                  return { element: <RequireRole min="marketer"><TemplateBuilderPage /></RequireRole> };
                },
              },
              { path: ':id', lazy: async () => ({ Component: (await templates()).TemplateBuilderPage }) },
            ],
          },
          { path: '/campaigns', element: <ComingSoon area="nav.campaigns" /> },
          { path: '/analytics', element: <ComingSoon area="nav.analytics" /> },
          { path: '/whatsapp', element: <Navigate to="/settings/whatsapp" replace /> },
          {
            path: '/settings',
            element: <SettingsLayout />,
            children: [
              { index: true, element: <Navigate to="profile" replace /> },
              { path: 'profile', element: <ProfilePage /> },
              { path: 'security', element: <SecurityPage /> },
              { path: 'workspace', element: <WorkspaceSettingsPage /> },
              { path: 'team', element: <TeamPage /> },
              { path: 'api-keys', element: <ApiKeysPage /> },
              { path: 'whatsapp', element: <WhatsAppSettingsRoute /> },
              { path: 'keywords', lazy: async () => ({ Component: (await contacts()).KeywordsPage }) },
              { path: 'audit', element: <RequireRole min="admin"><AuditLogPage /></RequireRole> },
            ],
          },
        ],
      },
      { element: <PublicLayout />, children: [{ path: '*', element: <NotFound /> }] },
    ],
  },
];

const router = createBrowserRouter(routes);

export function AppRouter() {
  return <RouterProvider router={router} />;
}
