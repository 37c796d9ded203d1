// The Account and Developers areas' pages, loaded as one chunk when a page of the area is first opened.
export { AccountPage } from '../pages/account';
export { AccountClosurePage } from '../pages/account-closure';
export { BillingPage } from '../pages/billing';
export { DevelopersPage } from '../pages/developers';
export { PricesPage } from '../pages/prices';
export { TeamPage } from '../pages/team';
