//! Entra ID + Microsoft Graph v1.0 emulator (built in its own issue).
