//! The peer page: `@azure/msal-browser` (from npm) doing the same sign-in against the same emulator.
