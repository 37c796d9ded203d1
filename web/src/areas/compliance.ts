// The Compliance area's pages, loaded as one chunk when a page of the area is first opened.
export { AuditPage } from '../pages/audit';
export { NoticesPage } from '../pages/notices';
export { PrivacyToolsPage } from '../pages/privacy-tools';
