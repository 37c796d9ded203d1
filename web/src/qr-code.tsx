import QRCode from 'qrcode';
import { useMemo } from 'react';

/**
 * The 2FA enrolment URI as a QR code, drawn in the browser (the TOTP secret never goes to an image
 * service): the `qrcode` package encodes it (error correction level M), this draws its modules as one SVG
 * path with the four-module quiet zone around.
 */
export function QrCode({ text, label, size = 200 }: { text: string; label: string; size?: number }) {
  const { n, path } = useMemo(() => {
    const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
    let d = '';
    // BitMatrix.get takes (row, column).
    for (let y = 0; y < modules.size; y++)
      for (let x = 0; x < modules.size; x++) if (modules.get(y, x)) d += `M${x + 4} ${y + 4}h1v1h-1z`;
    return { n: modules.size + 8, path: d };
  }, [text]);
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      width={size}
      height={size}
      viewBox={`0 0 ${n} ${n}`}
      shapeRendering="crispEdges"
    >
      <rect width={n} height={n} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
