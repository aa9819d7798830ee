"""The signed-in side of the portal: provider staff and commissioners (administrators).

English only, at /staff/ and /admin/: it is used by professionals at work, and its words
are not in the public catalogs."""
