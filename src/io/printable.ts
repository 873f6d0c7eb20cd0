/**
 * Names read from files (zip members, pickle globals, tensor keys) go into
 * one-line error messages: control characters and overlong names would break
 * the line or flood the terminal.
 */

/** `text` with control and non-ASCII-printable characters as \xNN / \uNNNN escapes, cut at `max` characters. */
export function printable(text: string, max = 120): string {
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    const code = char.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max)}...` : escaped;
}
