/** One way a customer may have tried to reach the sign-in page (R2), and whether it can work. */
export interface SignInRoute {
  value: 'admin-link' | 'website' | 'app' | 'enrollment' | 'admin' | 'instructor' | 'vendor-site' | 'unknown';
  /** How the admin asks about it. */
  name: string;
  /** True for the places where customers sign in. */
  right: boolean;
  /** Why a wrong place fails, in words the admin can repeat. */
  why: string;
}

/** How the customer tried to reach the sign-in page (R2), and what that means. */
export const SIGN_IN_ROUTES: readonly SignInRoute[] = [
  { value: 'admin-link', name: 'With the Account Sign-In link an admin sent them', right: true, why: '' },
  { value: 'website', name: 'With the "Customer Sign-In" link on our website', right: true, why: '' },
  { value: 'app', name: 'In the Enrollsy mobile app (App Store / Google Play)', right: true, why: '' },
  { value: 'enrollment', name: 'Through an enrollment link', right: false, why: 'Enrollment links open a registration form for a program, not the account sign-in.' },
  { value: 'admin', name: 'Through the Admin link', right: false, why: 'The Admin link signs in company staff, not customers: customer logins are refused there.' },
  { value: 'instructor', name: 'Through the Instructor link', right: false, why: 'The Instructor link is for instructors only; customer logins are refused there.' },
  { value: 'vendor-site', name: "On Enrollsy's own website", right: false, why: "Enrollsy's website shows a message for consumers, not a sign-in form: customers sign in through their company's link." },
  { value: 'unknown', name: "They don't know", right: false, why: 'Send them the right link so they know where to go next time.' },
];
