import '@mantine/core/styles/Input.layer.css';
import '@mantine/core/styles/Popover.layer.css';
import '@mantine/dates/styles.layer.css';
import { DatePickerInput } from '@mantine/dates';
import { useMediaQuery } from '@mantine/hooks';
import { IconCalendar } from '@tabler/icons-react';
import dayjs from 'dayjs';
import { useEffect, useState } from 'react';

/** `YYYY-MM-DD` of today minus `days`, in the browser's time zone. */
export function localDay(daysAgo = 0): string {
  return dayjs().subtract(daysAgo, 'day').format('YYYY-MM-DD');
}

/**
 * A date range (`YYYY-MM-DD`, both days included) picked on a calendar, with the usual ranges one click
 * away. The range is passed on once both ends are picked (or, when `clearable`, once it is cleared).
 */
export function DateRangeField({
  label,
  from,
  until,
  onChange,
  clearable = false,
  error,
}: {
  label: string;
  from: string;
  until: string;
  onChange: (from: string, until: string) => void;
  clearable?: boolean;
  error?: string | undefined;
}) {
  const [value, setValue] = useState<[string | null, string | null]>([from || null, until || null]);
  useEffect(() => setValue([from || null, until || null]), [from, until]);
  // On a phone the calendar and its ranges are wider than the screen beside the field: a modal holds them.
  const phone = useMediaQuery('(max-width: 48em)');
  return (
    <DatePickerInput
      type="range"
      size="md"
      label={label}
      value={value}
      onChange={(next) => {
        setValue(next);
        if (next[0] && next[1]) onChange(next[0], next[1]);
        else if (!next[0] && !next[1]) onChange('', '');
      }}
      allowSingleDateInRange
      clearable={clearable}
      maxDate={localDay(0)}
      valueFormat="D MMM YYYY"
      placeholder="Any day"
      leftSection={<IconCalendar size={18} stroke={1.6} aria-hidden="true" />}
      leftSectionPointerEvents="none"
      error={error}
      presets={[
        { value: [localDay(0), localDay(0)], label: 'Today' },
        { value: [localDay(1), localDay(1)], label: 'Yesterday' },
        { value: [localDay(6), localDay(0)], label: 'Last 7 days' },
        { value: [localDay(29), localDay(0)], label: 'Last 30 days' },
        { value: [dayjs().startOf('month').format('YYYY-MM-DD'), localDay(0)], label: 'This month' },
      ]}
      dropdownType={phone ? 'modal' : 'popover'}
      classNames={{ datePickerRoot: 'range-picker', presetsList: 'range-presets' }}
    />
  );
}
