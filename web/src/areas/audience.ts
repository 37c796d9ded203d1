// The Audience area's pages, loaded as one chunk when a page of the area is first opened.
export { ContactEditPage, ContactsPage } from '../pages/contacts';
export { GroupsPage } from '../pages/groups';
export { ImportPage } from '../pages/imports';
export { SuppressionsPage } from '../pages/suppressions';
