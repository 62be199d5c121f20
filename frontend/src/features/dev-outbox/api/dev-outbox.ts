import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import { ApiError } from '../../../lib/problem';

const getOutbox = () => unwrap(api.GET('/api/v1/dev/outbox'));
export type DevEmail = Awaited<ReturnType<typeof getOutbox>>['items'][number];

/** The development outbox; `isDisabled` when the endpoint answers 404 (production). */
export const useDevOutbox = () =>
  useQuery({ queryKey: ['dev-outbox'], queryFn: getOutbox, staleTime: 0 });

export const isOutboxDisabled = (error: unknown) => error instanceof ApiError && error.status === 404;
