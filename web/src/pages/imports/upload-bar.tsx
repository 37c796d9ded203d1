/** How much of a file has gone up to the server. */
export function UploadBar({ sent, total }: { sent: number; total: number }) {
  const percent = total > 0 ? Math.round((sent / total) * 100) : 0;
  return (
    <div className="progress-row">
      <label htmlFor="upload-progress" className="progress-label">
        Uploading
      </label>
      <progress id="upload-progress" max={100} value={percent}>
        {percent}%
      </progress>
      <span>{percent}%</span>
    </div>
  );
}
