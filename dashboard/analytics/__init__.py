"""The only reads of the database for views: SQL aggregation (`queries`), pure metrics (`metrics`), one report per
round (`report`), the cache, headline sentences (`summary`); `raak report`.
"""

from sqlalchemy import Engine

__all__ = ["Engine"]  # the database handle the pages pass on to these functions, never use themselves
