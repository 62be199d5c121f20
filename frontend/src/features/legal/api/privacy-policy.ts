import { queryOptions, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';

export const getPrivacyPolicy = () => unwrap(api.GET('/api/v1/legal/privacy-policy'));

export const privacyPolicyQuery = () =>
  queryOptions({ queryKey: ['legal', 'privacy-policy'], queryFn: getPrivacyPolicy, staleTime: 10 * 60_000 });

export const usePrivacyPolicy = () => useQuery(privacyPolicyQuery());
