"""The Dash app, log-in and sessions, security headers, failure pages, components, background jobs, the pages
(`pages/`); `raak serve`, `raak worker`.
"""
