import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../../api/client';
import { errorCode } from '../../../lib/problem';

/** Every WhatsApp query starts with this key, so switching test mode can invalidate them all. */
export const WHATSAPP_KEY = ['whatsapp'] as const;
const CONNECTION_KEY = [...WHATSAPP_KEY, 'connection'] as const;
const NUMBERS_KEY = [...WHATSAPP_KEY, 'phone-numbers'] as const;

const getConnection = () => unwrap(api.GET('/api/v1/whatsapp/connection'));
export type WhatsAppConnection = Awaited<ReturnType<typeof getConnection>>;
export type PhoneNumber = WhatsAppConnection['phone_numbers'][number];

/** The workspace's connection for its current mode, or null when none is connected (404 `whatsapp.not_connected`). */
export const useWhatsAppConnection = () =>
  useQuery({
    queryKey: CONNECTION_KEY,
    queryFn: async (): Promise<WhatsAppConnection | null> => {
      try {
        return await getConnection();
      } catch (error) {
        if (errorCode(error) === 'whatsapp.not_connected') return null;
        throw error;
      }
    },
  });

const getPhoneNumbers = (refresh: boolean) =>
  unwrap(api.GET('/api/v1/whatsapp/phone-numbers', { params: { query: refresh ? { refresh: true } : {} } }));

export const usePhoneNumbers = (enabled: boolean) =>
  useQuery({ queryKey: NUMBERS_KEY, queryFn: () => getPhoneNumbers(false), enabled });

/** Fetch fresh figures from the Cloud API (`?refresh=true`). */
export function useRefreshPhoneNumbers() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => getPhoneNumbers(true),
    onSuccess: (numbers) => {
      queryClient.setQueryData(NUMBERS_KEY, numbers);
      // A rejected token disables the connection during the refresh.
      void queryClient.invalidateQueries({ queryKey: CONNECTION_KEY });
    },
  });
}

/** All three fields for a live account; `{}` provisions a simulated account in test mode. */
export type ConnectInput = { waba_id: string; access_token: string; phone_number_ids: string[] } | Record<string, never>;

export function useConnectWhatsApp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ConnectInput) => unwrap(api.PUT('/api/v1/whatsapp/connection', { body })),
    onSuccess: (connection) => {
      queryClient.setQueryData(CONNECTION_KEY, connection);
      queryClient.setQueryData(NUMBERS_KEY, { items: connection.phone_numbers });
    },
  });
}

export function useDisconnectWhatsApp() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/whatsapp/connection')),
    onSuccess: () => {
      queryClient.setQueryData(CONNECTION_KEY, null);
      queryClient.removeQueries({ queryKey: NUMBERS_KEY });
    },
  });
}

/** "123, 456 789" -> ["123", "456", "789"] (commas, spaces, semicolons or new lines; duplicates dropped). */
export function splitPhoneNumberIds(value: string): string[] {
  return [...new Set(value.split(/[\s,;]+/).filter(Boolean))];
}
