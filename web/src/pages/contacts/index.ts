// The Audience area's contact pages: the list with its bulk actions, and the contact form.
export { ContactEditPage } from './edit';
export { ContactsPage } from './list';
