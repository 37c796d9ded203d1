// The back office's pages, loaded as one chunk when the operator signs in.
export { AdminRoutesPage } from '../pages/admin';
export { AdminAccountPage } from '../pages/admin-account';
export { AdminAccountsPage } from '../pages/admin-accounts';
export { AdminCompliancePage } from '../pages/admin-compliance';
export { AdminMarginsPage } from '../pages/admin-margins';
export { AdminNumbersPage } from '../pages/admin-numbers';
export { AdminPricesPage } from '../pages/admin-prices';
export { AdminReviewPage } from '../pages/admin-review';
export { AdminRouteCostsPage } from '../pages/admin-route-costs';
export { AdminRulesPage } from '../pages/admin-rules';
export { AdminSecurityPage } from '../pages/admin-security';
export { AdminStaffPage } from '../pages/admin-staff';
export { AdminReportsPage } from '../pages/reports';
