import { notifications } from '@mantine/notifications';
import { IconCheck } from '@tabler/icons-react';

/**
 * A short confirmation that something was saved, sent or deleted, in a corner for a few seconds (Mantine
 * notifications: a polite live region, so screen readers hear it too). Not for errors: those stay on the
 * form, next to what the person must change.
 */
export function toast(message: string) {
  notifications.show({
    message,
    color: 'green',
    icon: <IconCheck size={18} aria-hidden="true" />,
    autoClose: 3500,
    withBorder: true,
  });
}
