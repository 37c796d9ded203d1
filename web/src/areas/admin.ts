// The back office's pages, loaded as one chunk when the operator signs in.
export { AdminRoutesPage } from '../pages/admin';
export { AdminAccountPage } from '../pages/admin-account';
export { AdminAccountsPage } from '../pages/admin-accounts';
export { AdminCompliancePage } from '../pages/admin-compliance';
export { AdminNumbersPage } from '../pages/admin-numbers';
export { AdminPricesPage } from '../pages/admin-prices';
export { AdminRulesPage } from '../pages/admin-rules';
export { AdminSecurityPage } from '../pages/admin-security';
export { AdminStaffPage } from '../pages/admin-staff';
export { AdminReportsPage } from '../pages/reports';
