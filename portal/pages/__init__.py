"""Fixed pages: home, staying safe online, privacy, accessibility."""
