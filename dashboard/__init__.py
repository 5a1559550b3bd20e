"""The RAAK Monitor dashboard: coverage metrics, figures, cached round reports and the Dash app."""
