// The contacts area, loaded on demand (one chunk) by the router.
export { ContactDetailPage } from './components/contact-detail-page';
export { ContactsLayout } from './components/contacts-layout';
export { ContactsPage } from './components/contacts-page';
export { FieldsPage } from './components/fields-page';
export { ImportWizardPage } from './components/import-wizard';
export { KeywordsPage } from './components/keywords-page';
export { ListsPage } from './components/lists-page';
export { OptInPage } from './components/optin-page';
export { SegmentsPage } from './components/segments-page';
export { SuppressionsPage } from './components/suppressions-page';
