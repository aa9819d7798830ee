"""The commissioners' side: the dashboard, the directory's administration, staff and the
audit log. English only, at /admin/."""
