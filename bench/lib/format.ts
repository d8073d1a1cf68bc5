/**
 * Formats generated Markdown and JSON with the project's Prettier config, so committed output
 * passes `npm run format:check` as written. Falls back to the text as is without Prettier.
 */
export async function prettierFormat(text: string, filepath: string): Promise<string> {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    return await prettier.format(text, { ...options, filepath });
  } catch {
    return text;
  }
}
