import { AppError } from '../../kernel/errors';

/** One refused field of a keyword rule or word list. */
export type Problem = { path: string; message: string };

/** `422 keyword_invalid` listing each refused field. */
export function invalid(problems: Problem[]): AppError {
  return new AppError('keyword_invalid', problems.map((p) => `${p.path} ${p.message}`).join('; '), {
    errors: problems,
  });
}
