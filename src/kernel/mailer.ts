/** An e-mail to send. Plain text only: every mail the platform sends is a notice or a link. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The port for outgoing e-mail (SMTP, or files on disk in the embedded default). */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}
