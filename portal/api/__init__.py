"""The Open Referral UK 3.0 export of the directory, at /api/oruk/.

oruk.py turns models into ORUK records (no Flask), queries.py selects and pages services in
SQL, params.py reads the query string, views.py is the blueprint.
"""
