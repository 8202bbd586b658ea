//! Service API web trigger.
