/** The company name a store has until `init --name` or `company set --name` gives the real one. */
export const PLACEHOLDER_COMPANY_NAME = 'Your company';
