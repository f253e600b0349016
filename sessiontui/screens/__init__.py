"""The app's screens: dashboard, session detail, costs."""
