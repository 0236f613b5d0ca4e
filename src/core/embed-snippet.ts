import type { Company } from './types.js';

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The website "Customer Sign-In" embed: the company's own snippet, else a plain link to the sign-in page. */
export function embedSnippet(company: Company): string | null {
  if (company.embedHtml) return company.embedHtml;
  if (!company.signInUrl) return null;
  return `<a href="${escapeAttribute(company.signInUrl)}" target="_blank" rel="noopener">Customer Sign-In</a>`;
}
