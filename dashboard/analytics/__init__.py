"""The only reads of the database for views: SQL aggregation (`queries`), pure metrics (`metrics`), one report per
round (`report`), the cache, headline sentences (`summary`); `raak report`.
"""
