"""Pure functions from DataFrames to Plotly figures (`charts`)."""
