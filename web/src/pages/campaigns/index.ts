// The Campaigns pages: the list, and one campaign with its figures (the draft editor is ../campaign-editor).
export { CampaignPage } from './detail';
export { CampaignsPage } from './list';
