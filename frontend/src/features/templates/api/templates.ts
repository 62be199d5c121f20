import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import { uploadForm } from '../../../api/download';
import type { components } from '../../../api/schema';
import { ApiError } from '../../../lib/problem';
import type { LintProblem } from '../utils/builder';

export type Template = components['schemas']['TemplateOut'];
export type TemplateStatus = Template['status'];
export type TemplateIn = components['schemas']['TemplateIn'];
export type TemplateUpdate = components['schemas']['TemplateUpdate'];
export type LintIn = components['schemas']['LintIn'];
export type LintOut = components['schemas']['LintOut'];
export type Version = components['schemas']['VersionOut'];
export type RenderIn = components['schemas']['RenderIn'];
export type PreviewOut = components['schemas']['PreviewOut'];
export type TestSendIn = components['schemas']['TestSendIn'];
export type SyncOut = components['schemas']['SyncOut'];
export type CloneIn = components['schemas']['CloneIn'];

export const STATUSES: TemplateStatus[] = [
  'DRAFT',
  'PENDING',
  'APPROVED',
  'REJECTED',
  'PAUSED',
  'DISABLED',
  'FLAGGED',
  'IN_APPEAL',
  'REINSTATED',
  'PENDING_DELETION',
  'DELETED',
  'ARCHIVED',
  'UNARCHIVED',
  'LIMIT_EXCEEDED',
  'LOCKED',
];
/** Statuses whose components can still change: a draft in place, the others as a new version. */
export const EDITABLE_AS_VERSION: TemplateStatus[] = ['APPROVED', 'REJECTED', 'PAUSED'];

/** Every template query starts with this key. */
export const TEMPLATES_KEY = ['templates'] as const;
const LIST_KEY = [...TEMPLATES_KEY, 'list'] as const;
const templateKey = (id: string) => [...TEMPLATES_KEY, 'one', id] as const;

export type TemplateFilter = { status?: TemplateStatus; category?: Template['category']; name?: string };

export const useTemplates = (filter: TemplateFilter) =>
  useInfiniteQuery({
    queryKey: [...LIST_KEY, filter],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/templates', {
          params: {
            query: {
              sort: 'name',
              limit: 50,
              ...(filter.status ? { status: [filter.status] } : {}),
              ...(filter.category ? { category: filter.category } : {}),
              ...(filter.name ? { name: filter.name } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });

/** One template; polled every 3 s while Meta reviews it (PENDING), so the result shows up by itself. */
export const useTemplate = (id: string | undefined) =>
  useQuery({
    queryKey: templateKey(id ?? ''),
    queryFn: () => unwrap(api.GET('/api/v1/templates/{template_id}', { params: { path: { template_id: id! } } })),
    enabled: Boolean(id),
    refetchInterval: (q) => (q.state.data?.status === 'PENDING' ? 3000 : false),
  });

export const useVersions = (id: string | undefined, enabled = true) =>
  useQuery({
    queryKey: [...templateKey(id ?? ''), 'versions'],
    queryFn: () => unwrap(api.GET('/api/v1/templates/{template_id}/versions', { params: { path: { template_id: id! } } })),
    enabled: Boolean(id) && enabled,
  });

/** The lint result of the builder's current content (the caller debounces `body`). */
export const useLint = (body: LintIn | null) =>
  useQuery({
    queryKey: [...TEMPLATES_KEY, 'lint', body],
    queryFn: () => unwrap(api.POST('/api/v1/templates/lint', { body: body! })),
    enabled: body !== null,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });

function useStore() {
  const queryClient = useQueryClient();
  return (template: Template) => {
    queryClient.setQueryData(templateKey(template.id), template);
    void queryClient.invalidateQueries({ queryKey: LIST_KEY });
    void queryClient.invalidateQueries({ queryKey: [...templateKey(template.id), 'versions'] });
  };
}

export function useCreateTemplate() {
  const store = useStore();
  return useMutation({
    mutationFn: (body: TemplateIn) => unwrap(api.POST('/api/v1/templates', { body })),
    onSuccess: store,
  });
}

export function useUpdateTemplate() {
  const store = useStore();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: TemplateUpdate }) =>
      unwrap(api.PATCH('/api/v1/templates/{template_id}', { params: { path: { template_id: id } }, body })),
    onSuccess: store,
  });
}

export function useSubmitTemplate() {
  const store = useStore();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/templates/{template_id}/submit', { params: { path: { template_id: id } } })),
    onSuccess: store,
  });
}

export function useCloneTemplate(id: string) {
  const store = useStore();
  return useMutation({
    mutationFn: (body: CloneIn) => unwrap(api.POST('/api/v1/templates/{template_id}/clone', { params: { path: { template_id: id } }, body })),
    onSuccess: store,
  });
}

export function useDeleteTemplate(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/templates/{template_id}', { params: { path: { template_id: id } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: templateKey(id) });
      void queryClient.invalidateQueries({ queryKey: LIST_KEY });
    },
  });
}

export function useSyncTemplates() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/templates/sync')),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: TEMPLATES_KEY }),
  });
}

export const usePreviewTemplate = (id: string) =>
  useMutation({
    mutationFn: (body: RenderIn) => unwrap(api.POST('/api/v1/templates/{template_id}/preview', { params: { path: { template_id: id } }, body })),
  });

export const useTestSend = (id: string) =>
  useMutation({
    mutationFn: (body: TestSendIn) => unwrap(api.POST('/api/v1/templates/{template_id}/test-send', { params: { path: { template_id: id } }, body })),
  });

/** Upload a media header's sample; the answer's `header_handle` goes in the HEADER's example. */
export const useUploadMedia = () =>
  useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file, file.name);
      return uploadForm<components['schemas']['HeaderHandleOut']>('/api/v1/templates/media', form);
    },
  });

/** The problems of a 422 `templates.lint_failed` answer (empty for any other error). */
export function lintProblemsOf(error: unknown): LintProblem[] {
  if (!(error instanceof ApiError) || error.code !== 'templates.lint_failed') return [];
  const problems = (error.problem as { problems?: unknown }).problems;
  return Array.isArray(problems) ? (problems as LintProblem[]) : [];
}
