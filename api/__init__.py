"""The nextjob application: settings, store, dispatch service, auth, HTTP app and CLI."""
