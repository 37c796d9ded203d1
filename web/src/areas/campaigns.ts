// The Campaigns area's pages, loaded as one chunk when a page of the area is first opened.
export { CampaignEditorPage } from '../pages/campaign-editor';
export { CampaignPage, CampaignsPage } from '../pages/campaigns';
export { TemplatesPage } from '../pages/templates';
