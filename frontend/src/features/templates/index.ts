// The templates area, loaded on demand (one chunk) by the router.
export { TemplateBuilderPage } from './components/template-builder-page';
export { TemplatesPage } from './components/templates-page';
