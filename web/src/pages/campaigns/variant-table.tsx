/** One A/B variant's figures, as `GET /v1/campaigns/:id/stats` gives them. */
export interface VariantStats {
  label: string;
  text: string;
  percent: number;
  messages: number;
  queued: number;
  sent: number;
  delivered: number;
  undelivered: number;
  failed: number;
  clicks: number;
  uniqueClicks: number;
}

const rate = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)} %` : '—');

/** The variants of a split campaign side by side: how many each got, delivered, and clicked. */
export function VariantTable({ variants }: { variants: VariantStats[] }) {
  return (
    <div className="table-wrap">
      <table className="data" aria-label="By variant" data-testid="variant-stats">
        <thead>
          <tr>
            <th scope="col">Variant</th>
            <th scope="col" className="num">
              Messages
            </th>
            <th scope="col" className="num">
              Sent
            </th>
            <th scope="col" className="num">
              Delivered
            </th>
            <th scope="col" className="num">
              Undelivered
            </th>
            <th scope="col" className="num">
              Failed
            </th>
            <th scope="col" className="num">
              Clicks
            </th>
            <th scope="col" className="num">
              Click rate
            </th>
          </tr>
        </thead>
        <tbody>
          {variants.map((v) => (
            <tr key={v.label}>
              <th scope="row" title={v.text}>
                {v.label} <span className="muted">({v.percent} %)</span>
              </th>
              <td className="num">{v.messages}</td>
              <td className="num">{v.sent}</td>
              <td className="num">{v.delivered}</td>
              <td className="num">{v.undelivered}</td>
              <td className="num">{v.failed}</td>
              <td className="num">{v.uniqueClicks}</td>
              <td className="num">{rate(v.uniqueClicks, v.delivered)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
