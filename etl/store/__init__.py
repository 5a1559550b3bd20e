"""Configuration, database engine and sessions, the schema (`models`), audit log, stored files, migrations, log-in
sessions, structured issues; `raak db`, `raak storage`.
"""
