// The Messaging area's pages, loaded as one chunk when a page of the area is first opened.
export { InboxPage } from '../pages/inbox';
export { KeywordsPage } from '../pages/keywords';
export { MessagePage, MessagesPage } from '../pages/messages';
export { ReportsPage } from '../pages/reports';
export { ScheduledPage } from '../pages/scheduled';
export { SendPage } from '../pages/send';
