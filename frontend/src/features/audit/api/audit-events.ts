import { useInfiniteQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';

export type AuditFilters = { action?: string; since?: string; until?: string };

export const getAuditEvents = (filters: AuditFilters, cursor?: string) =>
  unwrap(
    api.GET('/api/v1/audit-events', {
      params: {
        query: {
          action: filters.action || undefined,
          since: filters.since || undefined,
          until: filters.until || undefined,
          cursor,
          limit: 50,
        },
      },
    }),
  );

export function useAuditEvents(filters: AuditFilters) {
  return useInfiniteQuery({
    queryKey: ['audit-events', filters],
    queryFn: ({ pageParam }) => getAuditEvents(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
