//! Accessibility checks: axe-core (from npm) injected into the page under test.
