import type { ReactNode } from 'react';
import {
  ForgotPasswordPage,
  LoginPage,
  PrivacyPage,
  ResetPasswordPage,
  SignupPage,
  UnlockPage,
  VerifyEmailPage,
} from '../pages/auth';
import { useLocation } from '../router';
import { AdminArea } from './admin-area';
import { ClientArea } from './client-area';
import { Shell } from './shell';

/** Pages that need no session. */
const PUBLIC_PAGES: Record<string, () => ReactNode> = {
  '/signup': () => <SignupPage />,
  '/login': () => <LoginPage />,
  '/admin/login': () => <LoginPage admin />,
  '/privacy': () => <PrivacyPage />,
  '/forgot-password': () => <ForgotPasswordPage />,
  '/reset-password': () => <ResetPasswordPage />,
  '/verify-email': () => <VerifyEmailPage />,
  '/unlock': () => <UnlockPage />,
};

/** The app for the current path: a public page, the back office, or the client portal. */
export function App() {
  const { path } = useLocation();
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const publicPage = PUBLIC_PAGES[clean];
  if (publicPage) return <Shell nav={[]}>{publicPage()}</Shell>;
  if (clean === '/admin' || clean.startsWith('/admin/')) return <AdminArea path={clean} />;
  return <ClientArea path={clean} />;
}
